//! OAuth: code exchange, store-before-use, proactive and on-401 refresh, one refresh for
//! many concurrent requests, failing stores, and tokens that never print. Against the fake
//! amoCRM server's `POST /oauth2/access_token`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use amocrm::auth::{GrantType, OAuthBuilder, TokenProvider};
use amocrm::error::AuthError;
use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, ExposeSecret, OAuth, RetryPolicy, SecretString, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use futures::future::BoxFuture;

const TOKEN_PATH: &str = "/oauth2/access_token";

/// What the store saw, in order.
#[derive(Default)]
struct Log {
    /// Every pair `save` was called with, and how many API requests had been sent with
    /// that pair's access token at that moment.
    saved: Vec<(TokenPair, usize)>,
    /// Number of fake requests recorded when each save happened.
    requests_at_save: Vec<usize>,
}

struct Harness {
    fake: Arc<FakeServer>,
    log: Arc<Mutex<Log>>,
    fail_store: Arc<AtomicBool>,
    store_delay: Duration,
}

impl Harness {
    async fn new() -> Harness {
        Harness::with_delay(Duration::ZERO).await
    }

    async fn with_delay(store_delay: Duration) -> Harness {
        Harness::with_fake(FakeServer::start().await.expect("fake server"), store_delay)
    }

    fn with_fake(fake: FakeServer, store_delay: Duration) -> Harness {
        Harness {
            fake: Arc::new(fake),
            log: Arc::default(),
            fail_store: Arc::default(),
            store_delay,
        }
    }

    fn builder(&self) -> OAuthBuilder {
        let fake = Arc::clone(&self.fake);
        let log = Arc::clone(&self.log);
        let fail = Arc::clone(&self.fail_store);
        let delay = self.store_delay;
        OAuth::builder()
            .account(AccountUrl::base_url(self.fake.base_url()))
            .app(AppCredentials::new(
                DEFAULT_CLIENT_ID,
                DEFAULT_CLIENT_SECRET,
                DEFAULT_REDIRECT_URI,
            ))
            .store(TokenStoreFn::new(move |pair: TokenPair| {
                let fake = Arc::clone(&fake);
                let log = Arc::clone(&log);
                let fail = Arc::clone(&fail);
                async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let requests = fake.requests();
                    let used = with_token(&requests, pair.access_token().expose_secret());
                    let mut log = log.lock().unwrap();
                    log.saved.push((pair, used));
                    log.requests_at_save.push(requests.len());
                    if fail.load(Ordering::SeqCst) {
                        Err(std::io::Error::other("disk full"))
                    } else {
                        Ok(())
                    }
                }
            }))
    }

    /// An OAuth provider with tokens from a code exchange.
    async fn exchanged(&self) -> OAuth {
        let oauth = self.builder().build().expect("oauth");
        oauth
            .exchange_code(&self.fake.issue_authorization_code())
            .await
            .expect("code exchange");
        oauth
    }

    fn client(&self, oauth: &OAuth) -> Client {
        oauth
            .client_builder()
            .rate_limit(None)
            .retry(RetryPolicy::disabled())
            .build()
            .expect("client")
    }

    fn saved(&self) -> Vec<TokenPair> {
        let log = self.log.lock().unwrap();
        log.saved.iter().map(|(pair, _)| pair.clone()).collect()
    }

    fn token_endpoint_hits(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.path == TOKEN_PATH)
            .count()
    }

    fn api_requests_with(&self, token: &str) -> usize {
        with_token(&self.fake.requests(), token)
    }
}

fn with_token(requests: &[amocrm_fake::RecordedRequest], token: &str) -> usize {
    requests
        .iter()
        .filter(|r| r.path.starts_with("/api/") && r.has_bearer(token))
        .count()
}

fn access(pair: &TokenPair) -> &str {
    pair.access_token().expose_secret()
}

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
async fn an_expired_access_token_is_refreshed_before_the_request() {
    let h = Harness::new().await;
    let first = h.exchanged().await.tokens().await.unwrap();

    // The same tokens, loaded from storage after their access token's expiry.
    let stale = TokenPair::new(
        first.access_token().clone(),
        first.refresh_token().clone(),
        SystemTime::now() - Duration::from_secs(1),
    );
    let oauth = h.builder().tokens(stale).build().unwrap();
    let client = h.client(&oauth);
    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("get");

    assert_eq!(h.fake.refresh_count(), 1);
    assert_eq!(
        h.api_requests_with(access(&first)),
        0,
        "the expired token was not sent"
    );
    let now = oauth.tokens().await.unwrap();
    assert_eq!(h.api_requests_with(access(&now)), 1);
    assert_eq!(access(&h.saved()[1]), access(&now));

    // Within the skew counts as expired too; far from it does not.
    let skewed = TokenPair::new(
        now.access_token().clone(),
        now.refresh_token().clone(),
        SystemTime::now() + Duration::from_secs(30),
    );
    let oauth = h
        .builder()
        .tokens(skewed)
        .refresh_skew(Duration::from_secs(60))
        .build()
        .unwrap();
    let token = oauth.access_token().await.unwrap();
    assert_ne!(token.expose_secret(), access(&now));
    assert_eq!(h.fake.refresh_count(), 2);
    let again = oauth.access_token().await.unwrap();
    assert_eq!(again.expose_secret(), token.expose_secret());
    assert_eq!(h.fake.refresh_count(), 2);
}

#[tokio::test]
async fn a_401_refreshes_once_and_retries_once() {
    let h = Harness::new().await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    let client = h.client(&oauth);
    h.fake.expire_access_tokens();

    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("retried");

    assert_eq!(h.fake.refresh_count(), 1);
    assert_eq!(h.api_requests_with(access(&old)), 1, "401");
    let new = oauth.tokens().await.unwrap();
    assert_eq!(h.api_requests_with(access(&new)), 1, "the retry");
}

#[tokio::test]
async fn a_second_401_is_unauthorized_without_a_loop() {
    // Tokens come from one fake; the API is another that knows none of them.
    let h = Harness::new().await;
    let api = FakeServer::start().await.unwrap();
    let oauth = h.exchanged().await;
    let client = Client::builder()
        .account(AccountUrl::base_url(api.base_url()))
        .token_provider(Arc::new(oauth.clone()))
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    h.fake.clear_requests();

    let error = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(h.token_endpoint_hits(), 1, "one refresh");
    assert_eq!(h.fake.refresh_count(), 1);
    let api_requests = api
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count();
    assert_eq!(api_requests, 2, "the request and its one retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_during_a_401_refresh_once() {
    // A slow store keeps the refresh going while the other 401s arrive.
    let h = Harness::with_delay(Duration::from_millis(300)).await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    // Every request takes its token before any is sent, so all 20 are rejected.
    let gate = Gate {
        oauth: oauth.clone(),
        barrier: tokio::sync::Barrier::new(20),
        calls: AtomicUsize::new(0),
    };
    let client = Client::builder()
        .account(AccountUrl::base_url(h.fake.base_url()))
        .token_provider(Arc::new(gate))
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    h.fake.expire_access_tokens();
    h.fake.clear_requests();

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.widgets().get("amo_dropbox").send().await })
        })
        .collect();
    for task in tasks {
        let result = task.await.expect("task");
        assert!(result.is_ok(), "{result:?}");
    }

    assert_eq!(h.token_endpoint_hits(), 1, "exactly one refresh");
    assert_eq!(h.fake.refresh_count(), 1);
    assert_eq!(h.saved().len(), 2, "exchange + one refresh");
    let new = oauth.tokens().await.unwrap();
    assert_eq!(
        h.api_requests_with(access(&old)),
        20,
        "all 20 were rejected with the old token"
    );
    assert_eq!(
        h.api_requests_with(access(&new)),
        20,
        "and each retried once with the new one"
    );
    assert_eq!(h.fake.requests().len(), 1 + 20 + 20);
}

/// Hands out the OAuth tokens, holding the first calls until all 20 requests have one.
#[derive(Debug)]
struct Gate {
    oauth: OAuth,
    barrier: tokio::sync::Barrier,
    calls: AtomicUsize,
}

impl TokenProvider for Gate {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async move {
            let token = self.oauth.access_token().await?;
            // The transport asks twice per attempt (before its slot, and when it leaves):
            // the barrier (reusable, 20 at a time) first gathers every task's first call,
            // then every task's second, so all 20 leave with the token read before any of
            // them was refused.
            if self.calls.fetch_add(1, Ordering::SeqCst) < 40 {
                self.barrier.wait().await;
            }
            Ok(token)
        })
    }

    fn refresh<'a>(&'a self, rejected: &'a SecretString) -> BoxFuture<'a, Result<bool, Error>> {
        self.oauth.refresh(rejected)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_refreshes_of_the_same_token_make_one_grant() {
    let h = Harness::with_delay(Duration::from_millis(100)).await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    h.fake.clear_requests();

    let refreshes = (0..20).map(|_| oauth.refresh(old.access_token()));
    let results = futures::future::join_all(refreshes).await;

    for result in &results {
        assert!(matches!(result, Ok(true)), "{result:?}");
    }
    assert_eq!(h.token_endpoint_hits(), 1);
    let new = oauth.tokens().await.unwrap();
    assert_ne!(access(&new), access(&old));
    // A 401 for a token that is no longer current needs no refresh either.
    assert!(matches!(oauth.refresh(old.access_token()).await, Ok(true)));
    assert_eq!(h.token_endpoint_hits(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_share_one_failed_refresh() {
    let h = Harness::with_delay(Duration::from_millis(400)).await;
    let oauth = h.exchanged().await;
    let client = h.client(&oauth);
    h.fail_store.store(true, Ordering::SeqCst);
    h.fake.expire_access_tokens();
    h.fake.clear_requests();

    let calls = (0..10).map(|_| {
        let client = client.clone();
        async move { client.widgets().get("amo_dropbox").send().await }
    });
    let results = futures::future::join_all(calls).await;

    let store_errors = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Auth(AuthError::Store(_)))))
        .count();
    let shared = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Auth(AuthError::ConcurrentRefreshFailed))))
        .count();
    // The one that refreshed, and any whose 401 came after that refresh had failed (it
    // retries saving the pair already received): never a second grant.
    assert!(store_errors >= 1, "{results:?}");
    assert!(shared >= 1, "{results:?}");
    assert_eq!(store_errors + shared, 10, "{results:?}");
    assert_eq!(h.token_endpoint_hits(), 1, "one grant for all of them");
}

#[tokio::test]
async fn a_failing_store_is_a_typed_error_and_the_old_tokens_stay() {
    let h = Harness::new().await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    let client = h.client(&oauth);
    h.fail_store.store(true, Ordering::SeqCst);
    h.fake.expire_access_tokens();

    let error = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();

    let Error::Auth(AuthError::Store(source)) = &error else {
        panic!("expected a store error, got {error:?}");
    };
    assert_eq!(
        std::error::Error::source(source).map(ToString::to_string),
        Some("disk full".to_owned())
    );
    let unsaved = h.saved()[1].clone();
    assert_eq!(
        h.api_requests_with(access(&unsaved)),
        0,
        "the unsaved token was not used"
    );
    let current = oauth.tokens().await.unwrap();
    assert_eq!(
        access(&current),
        access(&old),
        "the old tokens stay current"
    );
    assert_eq!(
        current.refresh_token().expose_secret(),
        old.refresh_token().expose_secret()
    );
    assert_eq!(h.fake.refresh_count(), 1);

    // Once the store works again, the pair the endpoint already gave is saved and used,
    // without spending another grant.
    h.fail_store.store(false, Ordering::SeqCst);
    client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .expect("recovered");
    assert_eq!(h.fake.refresh_count(), 1, "no second grant");
    let current = oauth.tokens().await.unwrap();
    assert_eq!(access(&current), access(&unsaved));
    assert_eq!(h.api_requests_with(access(&unsaved)), 1);
    let saved = h.saved();
    assert_eq!(saved.len(), 3);
    assert_eq!(access(&saved[2]), access(&unsaved));
}

#[tokio::test]
async fn a_refresh_cancelled_by_the_caller_still_saves_and_uses_the_pair() {
    let h = Harness::with_delay(Duration::from_millis(300)).await;
    let oauth = h.exchanged().await;
    let old = oauth.tokens().await.unwrap();
    let stale = TokenPair::new(
        old.access_token().clone(),
        old.refresh_token().clone(),
        SystemTime::UNIX_EPOCH,
    );
    let oauth = h.builder().tokens(stale).build().unwrap();

    // The caller gives up while the store is still saving.
    let gave_up = tokio::time::timeout(Duration::from_millis(50), oauth.access_token()).await;
    assert!(gave_up.is_err());

    // The refresh finished anyway: saved, current, and the spent refresh token is not
    // asked for again.
    let token = oauth.access_token().await.expect("token");
    assert_eq!(h.fake.refresh_count(), 1);
    let saved = h.saved();
    assert_eq!(saved.len(), 2);
    assert_eq!(token.expose_secret(), access(&saved[1]));
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
    let oauth = h.builder().build().unwrap();
    oauth.exchange_code(&code).await.unwrap();
    let pair = oauth.tokens().await.unwrap();
    let client = h.client(&oauth);

    h.fail_store.store(true, Ordering::SeqCst);
    h.fake.expire_access_tokens();
    let store_error = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
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

/// A token that lives less than two refresh skews (30 s against 60 s) is refreshed when half
/// its life is gone, not before every request.
#[tokio::test]
async fn a_short_lived_token_is_not_refreshed_on_every_request() {
    let fake = FakeServer::builder()
        .access_token_ttl(Duration::from_secs(30))
        .start()
        .await
        .expect("fake server");
    let h = Harness::with_fake(fake, Duration::ZERO);
    let oauth = h.exchanged().await;
    let client = h.client(&oauth);
    for _ in 0..3 {
        client
            .widgets()
            .get("amo_dropbox")
            .send()
            .await
            .expect("get");
    }
    assert_eq!(
        h.fake.refresh_count(),
        0,
        "no refresh for a 30 s token used at once"
    );
    assert_eq!(h.token_endpoint_hits(), 1, "only the code exchange");
}
