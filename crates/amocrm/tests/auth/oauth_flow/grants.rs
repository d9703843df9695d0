//! The code exchange and the refresh grant: the pair saved before it is used, refusals of
//! spent codes, revoked refresh tokens and wrong credentials; the builder's checks.

use super::*;

#[tokio::test]
async fn code_exchange_saves_the_pair_and_the_client_uses_it() {
    let h = Harness::new().await;
    let oauth = h.exchanged().await;

    let saved = h.saved();
    assert_eq!(saved.len(), 1, "the exchanged pair went to the store");
    let current = oauth.tokens().await.expect("tokens after the exchange");
    assert_eq!(access(&current), access(&saved[0]));
    assert!(!current.expires_within(Duration::from_secs(3600)), "24 h");
    assert_eq!(h.fake.refresh_count(), 0);

    let client = h.client(&oauth);
    let widget = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("get");
    assert_eq!(widget.code, "amo_dropbox");
    assert_eq!(h.api_requests_with(access(&saved[0])), 1);
    assert_eq!(client.base_url(), h.fake.base_url());
}

#[tokio::test]
async fn a_spent_or_unknown_code_is_refused_and_nothing_is_stored() {
    let h = Harness::new().await;
    let oauth = h.builder().build().unwrap();
    let code = h.fake.issue_authorization_code();
    oauth.exchange_code(&code).await.unwrap();

    let again = oauth.exchange_code(&code).await.unwrap_err();
    match &again {
        Error::Auth(AuthError::Refused {
            grant: GrantType::AuthorizationCode,
            status: 400,
            hint: Some(hint),
            ..
        }) => assert!(hint.contains("revoked"), "{hint}"),
        other => panic!("expected a refused grant, got {other:?}"),
    }
    assert_eq!(again.status(), Some(400));
    assert!(!again.to_string().contains(&code));
    assert_eq!(h.saved().len(), 1, "the failed exchange saved nothing");

    let fresh = h.builder().build().unwrap();
    assert!(matches!(
        fresh.access_token().await,
        Err(Error::Auth(AuthError::NoTokens))
    ));
}

#[tokio::test]
async fn the_new_pair_is_saved_before_it_is_used() {
    let h = Harness::new().await;
    let oauth = h.exchanged().await;
    let client = h.client(&oauth);
    h.fake.expire_access_tokens();

    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("refreshed");

    let log = h.log.lock().unwrap();
    assert_eq!(log.saved.len(), 2, "exchange, then one refresh");
    let (refreshed, used_before_save) = &log.saved[1];
    assert_eq!(
        *used_before_save, 0,
        "no request carried the new token before the store had it"
    );
    let requests = h.fake.requests();
    let first_use = requests
        .iter()
        .position(|r| r.has_bearer(access(refreshed)))
        .expect("the new token was used");
    assert!(
        first_use >= log.requests_at_save[1],
        "first use (request {first_use}) comes after the save (at {} requests)",
        log.requests_at_save[1]
    );
    // The order on the wire: API (401) → token endpoint → API with the saved token.
    let order: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        order,
        [
            TOKEN_PATH,
            "/api/v4/widgets/amo_dropbox",
            TOKEN_PATH,
            "/api/v4/widgets/amo_dropbox"
        ]
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_is_refused() {
    let h = Harness::new().await;
    let stale = TokenPair::new(
        "unknown-access".to_owned().into(),
        "revoked-refresh".to_owned().into(),
        SystemTime::UNIX_EPOCH,
    );
    let oauth = h.builder().tokens(stale).build().unwrap();
    let client = h.client(&oauth);

    let error = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            Error::Auth(AuthError::Refused {
                grant: GrantType::RefreshToken,
                status: 400,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(!error.to_string().contains("revoked-refresh"));
    assert!(h.saved().is_empty());
    assert_eq!(h.api_requests_with("unknown-access"), 0);
}

#[tokio::test]
async fn wrong_client_credentials_are_refused_with_401() {
    let h = Harness::new().await;
    let wrong = AppCredentials::new(DEFAULT_CLIENT_ID, "not-the-secret", DEFAULT_REDIRECT_URI);
    let oauth = h.builder().app(wrong).build().unwrap();
    let error = oauth
        .exchange_code(&h.fake.issue_authorization_code())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Auth(AuthError::Refused { status: 401, .. })),
        "{error:?}"
    );
    assert!(!format!("{error} {error:?}").contains("not-the-secret"));
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[test]
fn the_builder_requires_a_store_and_an_account_and_rejects_plain_http() {
    let base = || {
        OAuth::builder().app(AppCredentials::new(
            "id",
            "secret",
            "https://example.com/cb",
        ))
    };
    let no_store = base()
        .account(AccountUrl::subdomain("example"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&no_store, Error::Config(m) if m.contains("store")),
        "{no_store:?}"
    );

    let store = || TokenStoreFn::new(|_: TokenPair| async { Ok::<(), std::io::Error>(()) });
    let no_account = base().store(store()).build().unwrap_err();
    assert!(matches!(no_account, Error::Config(_)));
    let bad_sub = base()
        .account(AccountUrl::new("Not A Subdomain", amocrm::Domain::KommoCom))
        .store(store())
        .build()
        .unwrap_err();
    assert!(matches!(bad_sub, Error::Config(_)));
    let plain = base()
        .account(AccountUrl::base_url("http://example.amocrm.ru"))
        .store(store())
        .build()
        .unwrap_err();
    assert!(matches!(plain, Error::Config(_)));

    let ok = base()
        .account(AccountUrl::new("example", amocrm::Domain::KommoCom))
        .store(store())
        .build()
        .unwrap();
    assert_eq!(
        ok.token_endpoint(),
        "https://example.kommo.com/oauth2/access_token"
    );
    let client = ok.client_builder().build().unwrap();
    assert_eq!(client.base_url(), "https://example.kommo.com");
}

#[tokio::test]
async fn token_values_never_appear_in_debug_or_errors() {
    let h = Harness::new().await;
    let code = h.fake.issue_authorization_code();
    let oauth = h
        .builder()
        .refresh_deadline(Duration::from_millis(200))
        .build()
        .unwrap();
    oauth.exchange_code(&code).await.unwrap();
    let pair = oauth.tokens().await.unwrap();
    let client = h.client(&oauth);

    h.fail_store.store(true, Ordering::SeqCst);
    h.fake.expire_access_tokens();
    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("the unsaved pair is used from memory");
    let store_error = oauth.flush().await.unwrap_err();
    let unsaved = h.saved().last().cloned().unwrap();
    let refused = oauth.exchange_code(&code).await.unwrap_err();

    let secrets = [
        access(&pair).to_owned(),
        pair.refresh_token().expose_secret().to_owned(),
        access(&unsaved).to_owned(),
        unsaved.refresh_token().expose_secret().to_owned(),
        DEFAULT_CLIENT_SECRET.to_owned(),
        code.clone(),
    ];
    let builder = h.builder().tokens(pair.clone()).app(AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    ));
    let store = TokenStoreFn::new(|_: TokenPair| async { Ok::<(), std::io::Error>(()) });
    let printed = [
        format!("{pair:?}"),
        format!("{unsaved:?}"),
        format!("{oauth:?}"),
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{store:?}"),
        format!("{:?}", oauth.widget_request_verifier()),
        format!("{store_error:?}"),
        format!("{store_error}"),
        format!("{refused:?}"),
        format!("{refused}"),
        format!("{:?}", AuthError::NoTokens),
    ];
    for text in &printed {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "{text} leaks a secret");
        }
    }
    assert!(printed[0].contains("REDACTED"));
}
