//! widget_request: parsing the body, verifying the HS512 token and the return_url, and
//! continuing the bot from it — end to end against the fake amoCRM server.

use std::time::{SystemTime, UNIX_EPOCH};

use amocrm::bots::{BotKind, ContinueRequest, Handler};
use amocrm::error::WidgetRequestError;
use amocrm::widget_request::{
    ContinueUrl, ReplayGuard, ReplayGuardError, WidgetRequest, WidgetRequestVerifier,
};
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Domain, Error, ExposeSecret, RetryPolicy};
use amocrm_fake::FakeServer;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

const SECRET: &str = "integration-secret-key";
const RETURN_URL: &str = "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims() -> Value {
    let now = now();
    json!({
        "iss": "https://example.amocrm.ru",
        "aud": "https://widget.example.com",
        "jti": "1c7d9a3e-0000-4000-8000-000000000001",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "account_id": 123,
        "subdomain": "example",
        "entity_id": "456",
        "entity_type": "leads",
        "bot_type": "salesbot",
    })
}

/// A JWT signed as amoCRM signs one (header `{"typ":"JWT","alg":...}`), with HMAC-SHA512
/// or, to test that other algorithms are refused, HMAC-SHA256.
fn sign_with(claims: &Value, algorithm: &str, secret: &str) -> String {
    let header = b64(json!({"typ": "JWT", "alg": algorithm})
        .to_string()
        .as_bytes());
    let signed = format!("{header}.{}", b64(claims.to_string().as_bytes()));
    let signature = match algorithm {
        "HS512" => {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(signed.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        "HS256" => {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(signed.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        other => panic!("no signer for {other}"),
    };
    format!("{signed}.{}", b64(&signature))
}

fn sign(claims: &Value) -> String {
    sign_with(claims, "HS512", SECRET)
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().unwrap().remove(name);
    claims
}

fn request(token: &str, return_url: &str) -> WidgetRequest {
    WidgetRequest::from_value(json!({
        "token": token,
        "data": {"phone": "+79990000000"},
        "return_url": return_url,
    }))
    .unwrap()
}

fn verifier() -> WidgetRequestVerifier {
    WidgetRequestVerifier::new(SECRET)
}

fn verify_token(
    token: &str,
) -> Result<amocrm::widget_request::VerifiedWidgetRequest, WidgetRequestError> {
    verifier().verify(&request(token, RETURN_URL))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn a_valid_request_exposes_typed_claims_data_and_the_continue_url() {
    let verified = verifier()
        .audience("https://widget.example.com")
        .verify(&request(&sign(&claims()), RETURN_URL))
        .unwrap();

    let claims = verified.claims();
    assert_eq!(claims.account_id, 123);
    assert_eq!(claims.subdomain, "example");
    assert_eq!(claims.entity_id, Some(456), "an ID sent as a string");
    assert_eq!(claims.entity_type.as_deref(), Some("leads"));
    assert_eq!(claims.bot_type, Some(BotKind::Salesbot));
    assert_eq!(claims.issuer.as_deref(), Some("https://example.amocrm.ru"));
    assert_eq!(claims.audience, ["https://widget.example.com"]);
    assert!(claims.expires_at > now());
    assert_eq!(claims.all["jti"], "1c7d9a3e-0000-4000-8000-000000000001");
    assert_eq!(verified.data()["phone"], "+79990000000");

    let url = verified.continue_url();
    assert_eq!(url.kind(), BotKind::Salesbot);
    assert_eq!(url.bot_id(), 42);
    assert_eq!(url.continue_id(), "a1b2c3");
    assert_eq!(url.as_str(), RETURN_URL);
}

#[test]
fn bot_type_is_an_open_enum() {
    let marketing = "https://example.amocrm.ru/api/v4/marketingbot/7/continue/z";
    let token = sign(&with(claims(), "bot_type", json!("marketingbot")));
    let verified = verifier().verify(&request(&token, marketing)).unwrap();
    assert_eq!(verified.claims().bot_type, Some(BotKind::Marketingbot));

    let token = sign(&with(claims(), "bot_type", json!("futurebot")));
    let verified = verifier().verify(&request(&token, marketing)).unwrap();
    let bot_type = verified.claims().bot_type.clone().unwrap();
    assert_eq!(bot_type, BotKind::Unknown("futurebot".into()));
    assert!(!bot_type.is_known());

    let token = sign(&without(claims(), "bot_type"));
    assert_eq!(verify_token(&token).unwrap().claims().bot_type, None);

    // A salesbot token cannot continue a marketingbot.
    let token = sign(&claims());
    assert_eq!(
        verifier().verify(&request(&token, marketing)).unwrap_err(),
        WidgetRequestError::BotKindMismatch {
            url: BotKind::Marketingbot,
            token: BotKind::Salesbot
        }
    );
}

#[test]
fn a_tampered_token_is_rejected() {
    let token = sign(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with(claims(), "account_id", json!(999))
        .to_string()
        .as_bytes());
    let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_eq!(
        verify_token(&tampered).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );

    let mut signature = parts[2].to_owned();
    let flipped = if signature.as_bytes()[10] == b'A' {
        "B"
    } else {
        "A"
    };
    signature.replace_range(10..11, flipped);
    let bad_signature = format!("{}.{}.{}", parts[0], parts[1], signature);
    assert_eq!(
        verify_token(&bad_signature).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );

    assert!(matches!(
        verify_token("not-a-jwt").unwrap_err(),
        WidgetRequestError::MalformedToken(_)
    ));
    assert!(matches!(
        verify_token(&format!("{}.%%%.{}", parts[0], parts[2])).unwrap_err(),
        WidgetRequestError::MalformedToken(_) | WidgetRequestError::InvalidSignature
    ));
}

#[test]
fn a_token_signed_with_another_secret_is_rejected() {
    let token = sign_with(&claims(), "HS512", "another-integration");
    assert_eq!(
        verify_token(&token).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    let empty = WidgetRequestVerifier::new("");
    assert_eq!(
        empty
            .verify(&request(&sign(&claims()), RETURN_URL))
            .unwrap_err(),
        WidgetRequestError::EmptySecret
    );
}

#[test]
fn other_algorithms_are_rejected() {
    let hs256 = sign_with(&claims(), "HS256", SECRET);
    assert_eq!(
        verify_token(&hs256).unwrap_err(),
        WidgetRequestError::WrongAlgorithm {
            found: "HS256".into()
        }
    );

    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(claims().to_string().as_bytes());
    for none in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.c2ln"),
    ] {
        assert_eq!(
            verify_token(&none).unwrap_err(),
            WidgetRequestError::WrongAlgorithm {
                found: "none".into()
            }
        );
    }
    let no_alg = format!("{}.{payload}.c2ln", b64(br#"{"typ":"JWT"}"#));
    assert!(matches!(
        verify_token(&no_alg).unwrap_err(),
        WidgetRequestError::MalformedToken(_)
    ));
}

#[test]
fn expiry_and_not_before_are_checked() {
    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    assert_eq!(
        verify_token(&expired).unwrap_err(),
        WidgetRequestError::Expired
    );

    // Within the default leeway of 60 s, unless the leeway is 0.
    let just = sign(&with(claims(), "exp", json!(now() - 10)));
    assert!(verify_token(&just).is_ok());
    assert_eq!(
        verifier()
            .leeway(std::time::Duration::ZERO)
            .verify(&request(&just, RETURN_URL))
            .unwrap_err(),
        WidgetRequestError::Expired
    );

    let immature = sign(&with(claims(), "nbf", json!(now() + 3600)));
    assert_eq!(
        verify_token(&immature).unwrap_err(),
        WidgetRequestError::NotYetValid
    );

    let no_exp = sign(&without(claims(), "exp"));
    assert_eq!(
        verify_token(&no_exp).unwrap_err(),
        WidgetRequestError::MissingClaim("exp".into())
    );
}

#[test]
fn the_audience_is_checked_when_set() {
    let token = sign(&claims());
    assert!(verify_token(&token).is_ok(), "not checked by default");
    let other = verifier().audience("https://other.example.com");
    assert_eq!(
        other.verify(&request(&token, RETURN_URL)).unwrap_err(),
        WidgetRequestError::WrongAudience
    );
    let either = other.clone().audience("https://widget.example.com");
    assert!(either.verify(&request(&token, RETURN_URL)).is_ok());

    let no_aud = sign(&without(claims(), "aud"));
    assert_eq!(
        either.verify(&request(&no_aud, RETURN_URL)).unwrap_err(),
        WidgetRequestError::MissingClaim("aud".into())
    );
}

#[test]
fn the_account_claims_are_required_and_typed() {
    for name in ["account_id", "subdomain"] {
        let token = sign(&without(claims(), name));
        assert_eq!(
            verify_token(&token).unwrap_err(),
            WidgetRequestError::MissingClaim(name.into())
        );
    }
    let token = sign(&with(claims(), "account_id", json!("12x")));
    assert!(matches!(
        verify_token(&token).unwrap_err(),
        WidgetRequestError::MalformedToken(_)
    ));
}

#[test]
fn the_return_url_must_be_on_the_tokens_account_over_https() {
    let token = sign(&claims());
    let check = |url: &str| verifier().verify(&request(&token, url));

    for ok in [
        RETURN_URL,
        "https://EXAMPLE.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru:443/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        assert!(check(ok).is_ok(), "{ok}: {:?}", check(ok));
    }

    for foreign in [
        // The token's issuer is example.amocrm.ru: not the same account elsewhere.
        "https://example.kommo.com/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.com:443/api/v4/salesbot/42/continue/a1b2c3",
        "https://evil.example.com/api/v4/salesbot/42/continue/a1b2c3",
        "https://other.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru.evil.com/api/v4/salesbot/42/continue/a1b2c3",
        "https://evil-example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru:8443/api/v4/salesbot/42/continue/a1b2c3",
        "https://93.184.216.34/api/v4/salesbot/42/continue/a1b2c3",
        "http://127.0.0.1:8080/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        assert!(
            matches!(check(foreign), Err(WidgetRequestError::ForeignHost { .. })),
            "{foreign}: {:?}",
            check(foreign)
        );
    }

    assert_eq!(
        check("http://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3").unwrap_err(),
        WidgetRequestError::InsecureReturnUrl {
            url: "http://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3".into()
        }
    );
}

#[test]
fn anything_but_a_continue_url_is_rejected() {
    let token = sign(&claims());
    for bad in [
        "",
        "/api/v4/salesbot/42/continue/a1b2c3",
        "ftp://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/widgets/amo_dropbox",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3/",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3/extra",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a/../b",
        "https://example.amocrm.ru/api/v4/salesbot/42/x/../continue/b",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/%2e%2e/b",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/./b",
        "https://example.amocrm.ru\\api\\v4\\salesbot\\42\\continue\\b",
        "https://example.amocrm.ru/api/v4/salesbot/42/con\ttinue/b",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/b ",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a%2Fb",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a b",
        "https://example.amocrm.ru/api/v3/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/chatbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/Salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/0/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/042/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/-1/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/abc/continue/a1b2c3",
        "https://example.amocrm.ru/api/v4/salesbot/99999999999999999999/continue/a",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3?x=1",
        "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3#x",
        "https://user:pass@example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://example.amocrm.ru/prefix/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        let error = verifier().verify(&request(&token, bad)).unwrap_err();
        assert!(
            matches!(error, WidgetRequestError::NotContinueUrl { .. }),
            "{bad:?}: {error:?}"
        );
        assert!(ContinueUrl::parse(bad).is_err());
    }
}

#[test]
fn the_body_is_parsed_strictly() {
    let body = json!({"token": "t.t.t", "return_url": RETURN_URL, "data": []});
    let parsed: WidgetRequest = serde_json::from_value(body).unwrap();
    assert!(parsed.data().is_empty(), "an empty PHP array is no data");
    assert_eq!(parsed.token().expose_secret(), "t.t.t");

    let parsed = WidgetRequest::from_slice(
        format!(r#"{{"token":"t.t.t","return_url":"{RETURN_URL}"}}"#).as_bytes(),
    )
    .unwrap();
    assert!(parsed.data().is_empty());

    for bad in [
        &b"not json"[..],
        br#"[]"#,
        br#"{"return_url": "https://example.amocrm.ru/"}"#,
        br#"{"token": 5, "return_url": "https://example.amocrm.ru/"}"#,
        br#"{"token": "", "return_url": "https://example.amocrm.ru/"}"#,
        br#"{"token": "t.t.t"}"#,
        br#"{"token": "t.t.t", "return_url": "x", "data": "text"}"#,
    ] {
        assert!(
            matches!(
                WidgetRequest::from_slice(bad),
                Err(WidgetRequestError::Body(_))
            ),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    let secret_token = "eyJsecret.eyJsecret.sig";
    let error = WidgetRequest::from_slice(
        format!(r#"{{"token":"{secret_token}","return_url":5}}"#).as_bytes(),
    )
    .unwrap_err();
    assert!(!error.to_string().contains(secret_token));
}

#[test]
fn the_token_and_the_secret_never_print() {
    let token = sign(&claims());
    let request = request(&token, RETURN_URL);
    let verifier = verifier();
    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    let errors = [
        verify_token(&expired).unwrap_err(),
        verify_token(&sign_with(&claims(), "HS512", "x")).unwrap_err(),
        verifier
            .verify(&WidgetRequest::new(
                &token,
                Default::default(),
                "https://evil.example.com/api/v4/salesbot/42/continue/a1b2c3",
            ))
            .unwrap_err(),
    ];
    let mut printed = vec![format!("{request:?}"), format!("{verifier:?}")];
    for error in &errors {
        printed.push(format!("{error:?}"));
        printed.push(error.to_string());
        printed.push(Error::from(error.clone()).to_string());
    }
    let signature = token.rsplit('.').next().unwrap();
    for text in &printed {
        assert!(!text.contains(&token), "{text}");
        assert!(!text.contains(signature), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
}

fn fake_client(fake: &FakeServer) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn continue_from_a_verified_request_end_to_end() {
    let fake = FakeServer::start().await.unwrap();
    let client = fake_client(&fake);
    let verifier = verifier().allow_loopback_return_url(true);
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    fake.add_pending_continuation(amocrm_fake::BotKind::Marketingbot, 7, "m-7");

    // What amoCRM would POST to the widget, with the fake as the account.
    let body = json!({
        "token": sign(&claims()),
        "data": {"phone": "+79990000000"},
        "return_url": format!("{}/api/v4/salesbot/42/continue/a1b2c3", fake.base_url()),
    });
    let widget_request = WidgetRequest::from_slice(body.to_string().as_bytes()).unwrap();
    let verified = widget_request.verify(&verifier).unwrap();
    let reply = ContinueRequest::new()
        .data("status", "success")
        .handler(Handler::show_text("Готово"));
    verified.continue_bot(&client, &reply).send().await.unwrap();

    let marketing = with(claims(), "bot_type", json!("marketingbot"));
    let verified = verifier
        .verify(&request(
            &sign(&marketing),
            &format!("{}/api/v4/marketingbot/7/continue/m-7", fake.base_url()),
        ))
        .unwrap();
    verified
        .continue_bot(&client, &ContinueRequest::new())
        .send()
        .await
        .unwrap();

    let received = fake.continuations();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].bot, amocrm_fake::BotKind::Salesbot);
    assert_eq!(received[0].bot_id, 42);
    assert_eq!(received[0].continue_id, "a1b2c3");
    assert_eq!(received[0].body["data"]["status"], "success");
    assert_eq!(
        received[0].body["execute_handlers"][0]["params"]["value"],
        "Готово"
    );
    assert_eq!(received[1].bot, amocrm_fake::BotKind::Marketingbot);
    assert_eq!(received[1].continue_id, "m-7");

    // The step was consumed: a second continue is 404.
    let again = verifier
        .verify(&request(
            &sign(&claims()),
            &format!("{}/api/v4/salesbot/42/continue/a1b2c3", fake.base_url()),
        ))
        .unwrap()
        .continue_bot(&client, &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(again, Error::NotFound(_)), "{again:?}");
}

#[tokio::test]
async fn a_loopback_return_url_needs_the_opt_in() {
    let fake = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/salesbot/42/continue/a1b2c3", fake.base_url());
    let error = verifier()
        .verify(&request(&sign(&claims()), &url))
        .unwrap_err();
    assert!(
        matches!(error, WidgetRequestError::ForeignHost { .. }),
        "{error:?}"
    );
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[tokio::test]
async fn continue_refuses_a_client_of_another_account_and_sends_nothing() {
    // A request verified for example.amocrm.ru...
    let verified = verify_token(&sign(&claims())).unwrap();
    let reply = ContinueRequest::new().data("status", "success");
    // ...is not continued with clients of other accounts (checked before any network).
    for client in [
        Client::builder()
            .account(AccountUrl::subdomain("other"))
            .token("t")
            .build(),
        Client::builder()
            .account(AccountUrl::new("example", amocrm::Domain::KommoCom))
            .token("t")
            .build(),
        Client::builder()
            .account(AccountUrl::base_url("https://proxy.example.com"))
            .token("t")
            .build(),
    ] {
        let client = client.unwrap();
        let error = verified
            .continue_bot(&client, &reply)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                Error::WidgetRequest(WidgetRequestError::ForeignHost { .. })
            ),
            "{}: {error:?}",
            client.base_url()
        );
    }

    // On loopback: the fake the return_url names, not another one on another port.
    let named = FakeServer::start().await.unwrap();
    let other = FakeServer::start().await.unwrap();
    named.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    other.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    let verified = verifier()
        .allow_loopback_return_url(true)
        .verify(&request(
            &sign(&claims()),
            &format!("{}/api/v4/salesbot/42/continue/a1b2c3", named.base_url()),
        ))
        .unwrap();
    let error = verified
        .continue_bot(&fake_client(&other), &reply)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::WidgetRequest(WidgetRequestError::ForeignHost { .. })
        ),
        "{error:?}"
    );
    assert!(other.requests().is_empty());
    assert!(named.requests().is_empty());

    // Invalid handlers are refused before sending, as for continue_bot itself.
    let too_long = ContinueRequest::new().handler(Handler::show_text("x".repeat(81)));
    let error = verified
        .continue_bot(&fake_client(&named), &too_long)
        .send()
        .await
        .unwrap_err();
    assert!(error.is_invalid_input(), "{error:?}");
    assert!(named.requests().is_empty());
    assert!(named.continuations().is_empty());
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[tokio::test]
async fn the_oauth_secret_verifies_widget_requests() {
    let oauth = oauth_on("example", Domain::AmocrmRu);
    let verified = oauth
        .widget_request_verifier()
        .verify(&request(&sign(&claims()), RETURN_URL))
        .unwrap();
    assert_eq!(verified.claims().account_id, 123);
}

/// A verifier for every domain, and a token without `iss`.
fn without_issuer() -> String {
    sign(&without(claims(), "iss"))
}

fn on(host: &str) -> String {
    format!("https://{host}/api/v4/salesbot/42/continue/a1b2c3")
}

#[test]
fn a_token_is_bound_to_its_accounts_domain() {
    let all = [Domain::AmocrmRu, Domain::AmocrmCom, Domain::KommoCom];
    let foreign = |result: Result<
        amocrm::widget_request::VerifiedWidgetRequest,
        WidgetRequestError,
    >| { matches!(result, Err(WidgetRequestError::ForeignHost { .. })) };
    // The issuer binds the token to its domain, whatever else the verifier accepts.
    let token = sign(&claims());
    let every = verifier().domains(all);
    assert!(every.verify(&request(&token, RETURN_URL)).is_ok());
    for host in ["example.kommo.com", "example.amocrm.com"] {
        assert!(foreign(every.verify(&request(&token, &on(host)))), "{host}");
    }
    // Without an issuer: the verifier's domains, amocrm.ru alone by default.
    let token = without_issuer();
    assert!(verifier().verify(&request(&token, RETURN_URL)).is_ok());
    assert!(foreign(
        verifier().verify(&request(&token, &on("example.kommo.com")))
    ));
    let kommo = verifier().domain(Domain::KommoCom);
    assert!(
        kommo
            .verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(kommo.verify(&request(&token, RETURN_URL))));
    let two = verifier().domains([Domain::AmocrmRu, Domain::KommoCom, Domain::KommoCom]);
    assert!(two.verify(&request(&token, RETURN_URL)).is_ok());
    assert!(
        two.verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(
        two.verify(&request(&token, &on("example.amocrm.com")))
    ));
    // An empty list keeps what was set.
    let kept = verifier().domain(Domain::KommoCom).domains([]);
    assert!(
        kept.verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(kept.verify(&request(&token, RETURN_URL))));
    // A Kommo token continues on Kommo once the verifier accepts it.
    let token = sign(&with(claims(), "iss", json!("https://example.kommo.com")));
    assert_eq!(
        verifier().verify(&request(&token, &on("example.kommo.com"))),
        Err(WidgetRequestError::WrongIssuer)
    );
    assert!(
        kommo
            .verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    assert!(foreign(every.verify(&request(&token, RETURN_URL))));
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[test]
fn the_issuer_must_be_the_tokens_account() {
    for good in [
        "https://example.amocrm.ru",
        "https://example.amocrm.ru/",
        "https://EXAMPLE.amocrm.ru",
    ] {
        let token = sign(&with(claims(), "iss", json!(good)));
        assert!(verify_token(&token).is_ok(), "{good}");
    }
    for bad in [
        "https://other.amocrm.ru",
        "http://example.amocrm.ru",
        "https://example.amocrm.ru:8443",
        "https://example.amocrm.ru/path",
        "https://example.amocrm.ru/?x=1",
        "https://example.amocrm.ru/#x",
        "https://user@example.amocrm.ru",
        "https://user:pw@example.amocrm.ru",
        "https://example.amocrm.ru.evil.com",
        "https://evil.com",
        "https://example.kommo.com",
        "example",
        "",
    ] {
        let token = sign(&with(claims(), "iss", json!(bad)));
        assert_eq!(
            verify_token(&token).unwrap_err(),
            WidgetRequestError::WrongIssuer,
            "{bad}"
        );
    }
    // The OAuth verifier takes the account's domain.
    let oauth = oauth_on("example", Domain::KommoCom);
    let token = sign(&with(claims(), "iss", json!("https://example.kommo.com")));
    let verifier = oauth.widget_request_verifier();
    assert!(
        verifier
            .verify(&request(&token, &on("example.kommo.com")))
            .is_ok()
    );
    let token = sign(&claims());
    assert_eq!(
        verifier.verify(&request(&token, RETURN_URL)),
        Err(WidgetRequestError::WrongIssuer)
    );
}

#[tokio::test]
async fn each_token_is_accepted_once_until_it_expires() {
    let verifier = verifier();
    let token = sign(&claims());
    let first = request(&token, RETURN_URL);
    verifier.verify_once(&first).await.unwrap();
    // The same token again, from any clone of the verifier: a replay.
    assert_eq!(
        verifier.verify_once(&first).await,
        Err(WidgetRequestError::Replayed)
    );
    assert_eq!(
        verifier
            .clone()
            .verify_once(&request(&token, RETURN_URL))
            .await,
        Err(WidgetRequestError::Replayed)
    );
    // verify alone does not count uses.
    assert!(verifier.verify(&first).is_ok());
    // Another token (another jti) is another use.
    let other = sign(&with(claims(), "jti", json!("another")));
    verifier
        .verify_once(&request(&other, RETURN_URL))
        .await
        .unwrap();
    // A token that fails verification is not remembered.
    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    assert_eq!(
        verifier.verify_once(&request(&expired, RETURN_URL)).await,
        Err(WidgetRequestError::Expired)
    );
    // Another verifier has a guard of its own.
    assert!(self::verifier().verify_once(&first).await.is_ok());
    // An expiry past what the clock can hold is remembered as long as it can be.
    let forever = request(&sign(&with(claims(), "exp", json!(u64::MAX))), RETURN_URL);
    verifier.verify_once(&forever).await.unwrap();
    assert_eq!(
        verifier.verify_once(&forever).await,
        Err(WidgetRequestError::Replayed)
    );
}

#[derive(Debug, Default)]
struct Recorder {
    calls: std::sync::Mutex<Vec<(String, SystemTime)>>,
    fail: bool,
}

impl ReplayGuard for Recorder {
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> futures::future::BoxFuture<'a, Result<bool, ReplayGuardError>> {
        Box::pin(async move {
            if self.fail {
                return Err("redis is down".into());
            }
            let mut calls = self.calls.lock().unwrap();
            let fresh = calls.iter().all(|(seen, _)| seen != key);
            calls.push((key.to_owned(), until));
            Ok(fresh)
        })
    }
}

#[tokio::test]
async fn a_shared_replay_guard_gets_the_signature_and_the_expiry() {
    let guard = std::sync::Arc::new(Recorder::default());
    let leeway = std::time::Duration::from_secs(30);
    let verifier = verifier().leeway(leeway).replay_guard(guard.clone());
    let claims = claims();
    let token = sign(&claims);
    verifier
        .verify_once(&request(&token, RETURN_URL))
        .await
        .unwrap();
    assert_eq!(
        verifier.verify_once(&request(&token, RETURN_URL)).await,
        Err(WidgetRequestError::Replayed)
    );
    let calls = guard.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2);
    let signature = token.rsplit('.').next().unwrap();
    assert_eq!(calls[0].0, signature);
    assert!(!calls[0].0.contains(token.split('.').nth(1).unwrap()));
    let exp = UNIX_EPOCH + std::time::Duration::from_secs(claims["exp"].as_u64().unwrap());
    assert_eq!(calls[0].1, exp + leeway);
    // A guard that fails refuses the token.
    let failing = self::verifier().replay_guard(std::sync::Arc::new(Recorder {
        fail: true,
        ..Recorder::default()
    }));
    let error = failing
        .verify_once(&request(&token, RETURN_URL))
        .await
        .unwrap_err();
    assert!(
        matches!(error, WidgetRequestError::ReplayGuard(ref m) if m.contains("redis")),
        "{error:?}"
    );
}

/// A return_url refused for its user info does not print it, nor does one that does not
/// parse and may hold some (as base URLs are never echoed with user info).
#[test]
fn a_return_url_is_never_shown_with_its_user_info() {
    for url in [
        "https://user:pa55w0rd@example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://pa55w0rd@example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
        "https://user:pa55w0rd@example.amocrm.ru/api/v4/widgets/x",
        "https://user:pa55w0rd@exa mple.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        let error = amocrm::widget_request::ContinueUrl::parse(url).unwrap_err();
        assert!(
            matches!(error, WidgetRequestError::NotContinueUrl { .. }),
            "{error:?}"
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("pa55w0rd"), "{shown}");
        let verified = verifier().verify(&request(&sign(&claims()), url));
        let shown = format!("{:?}", verified.unwrap_err());
        assert!(!shown.contains("pa55w0rd"), "{shown}");
    }
    // The URL is still shown as received when it has none, or does not parse without any.
    for url in [
        "https://example.amocrm.ru/api/v4/widgets/x",
        "example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3",
    ] {
        match amocrm::widget_request::ContinueUrl::parse(url) {
            Err(WidgetRequestError::NotContinueUrl { url: shown, .. }) => assert_eq!(shown, url),
            other => panic!("{other:?}"),
        }
    }
}

/// Verifiers an `OAuth` hands out (one per incoming request, typically) remember tokens
/// together: a replay is refused whichever of them sees it.
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[tokio::test]
async fn verifiers_of_one_oauth_share_their_replay_guard() {
    let oauth = oauth_on("example", Domain::AmocrmRu);
    let captured = request(&sign(&claims()), RETURN_URL);
    oauth
        .widget_request_verifier()
        .verify_once(&captured)
        .await
        .unwrap();
    assert_eq!(
        oauth
            .clone()
            .widget_request_verifier()
            .verify_once(&captured)
            .await
            .unwrap_err(),
        WidgetRequestError::Replayed
    );
}

/// Signed by Python's `hmac`/`hashlib` (HS512, expires in 2100), not by this crate's code:
/// the verifier agrees with an independent implementation, not only with the signer above.
const FOREIGN_TOKEN: &str = "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUuYW1vY3JtLnJ1IiwiaWF0IjoxNzAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMCwiYWNjb3VudF9pZCI6MTIzLCJzdWJkb21haW4iOiJleGFtcGxlIiwiYm90X3R5cGUiOiJzYWxlc2JvdCJ9.pB1okD7wmBloBm_QKbWExRCDbCoL8I7M-HB8hgHxMYbIw6GGWzwD1kMCn1lbOQp6dTUM-kfpmHYS_N2jUMCyzg";

#[test]
fn a_token_signed_by_another_implementation_verifies() {
    let claims = verifier().verify_token(FOREIGN_TOKEN).unwrap();
    assert_eq!(claims.account_id, 123);
    assert_eq!(claims.subdomain, "example");
    assert_eq!(claims.expires_at, 4_102_444_800);
    assert_eq!(claims.not_before, Some(1_700_000_000));

    assert_eq!(
        WidgetRequestVerifier::new("integration-secret-kez")
            .verify_token(FOREIGN_TOKEN)
            .unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    // The signature one byte short, or one byte longer, is not the signature.
    let (signed, signature) = FOREIGN_TOKEN.rsplit_once('.').unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    assert_eq!(bytes.len(), 64);
    let short = format!("{signed}.{}", b64(&bytes[..63]));
    assert_eq!(
        verifier().verify_token(&short).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    let long = format!("{signed}.{}", b64(&[&bytes[..], &[0]].concat()));
    assert_eq!(
        verifier().verify_token(&long).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
    let empty = format!("{signed}.");
    assert_eq!(
        verifier().verify_token(&empty).unwrap_err(),
        WidgetRequestError::InvalidSignature
    );
}

/// A token whose header and payload are given as text, signed with the right secret.
fn sign_raw(header: &str, payload: &str) -> String {
    let signed = format!("{header}.{payload}");
    let mut mac = Hmac::<sha2::Sha512>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    format!("{signed}.{}", b64(&mac.finalize().into_bytes()))
}

#[test]
fn a_well_signed_token_that_is_not_a_jwt_is_malformed() {
    let header = b64(br#"{"alg":"HS512","typ":"JWT"}"#);
    for payload in [
        "%%%".to_owned(),                           // not base64url
        b64(b"[1,2]"),                              // not an object
        b64(b"not json"),                           // not JSON
        b64(claims().to_string().as_bytes()) + "=", // padded
    ] {
        let token = sign_raw(&header, &payload);
        assert!(
            matches!(
                verifier().verify_token(&token),
                Err(WidgetRequestError::MalformedToken(_))
            ),
            "{payload}: {:?}",
            verifier().verify_token(&token)
        );
    }
    let token = sign(&claims());
    let (signed, _) = token.rsplit_once('.').unwrap();
    assert!(matches!(
        verifier().verify_token(&format!("{signed}.not*base64")),
        Err(WidgetRequestError::MalformedToken(_))
    ));
    assert!(matches!(
        verifier().verify_token(signed),
        Err(WidgetRequestError::MalformedToken(_))
    ));
}

#[test]
fn time_claims_must_be_integers_and_are_checked_against_the_leeway() {
    for (name, value) in [
        ("exp", json!("4102444800")),
        ("exp", json!(1.5e9)),
        ("exp", json!(-1)),
        ("nbf", json!("1700000000")),
        ("nbf", json!(true)),
    ] {
        let token = sign(&with(claims(), name, value.clone()));
        assert!(
            matches!(
                verify_token(&token).unwrap_err(),
                WidgetRequestError::MalformedToken(_)
            ),
            "{name}: {value}"
        );
    }
    assert_eq!(
        verify_token(&sign(&with(claims(), "exp", Value::Null))).unwrap_err(),
        WidgetRequestError::MissingClaim("exp".into())
    );
    assert!(verify_token(&sign(&with(claims(), "nbf", Value::Null))).is_ok());
    assert!(verify_token(&sign(&without(claims(), "nbf"))).is_ok());

    // A leeway of 100 s: 90 s either side passes, 110 s does not (20 s of margin for a
    // slow test machine).
    let lenient = verifier().leeway(std::time::Duration::from_secs(100));
    let check = |claims: Value| lenient.verify(&request(&sign(&claims), RETURN_URL));
    assert!(check(with(claims(), "exp", json!(now() - 90))).is_ok());
    assert_eq!(
        check(with(claims(), "exp", json!(now() - 110))).unwrap_err(),
        WidgetRequestError::Expired
    );
    assert!(check(with(claims(), "nbf", json!(now() + 90))).is_ok());
    assert_eq!(
        check(with(claims(), "nbf", json!(now() + 110))).unwrap_err(),
        WidgetRequestError::NotYetValid
    );
    // The leeway is capped at a day: a token expired two days ago stays expired.
    let huge = verifier().leeway(std::time::Duration::from_secs(365 * 24 * 3600));
    let old = sign(&with(claims(), "exp", json!(now() - 2 * 24 * 3600)));
    assert_eq!(
        huge.verify(&request(&old, RETURN_URL)).unwrap_err(),
        WidgetRequestError::Expired
    );
    let recent = sign(&with(claims(), "exp", json!(now() - 23 * 3600)));
    assert!(huge.verify(&request(&recent, RETURN_URL)).is_ok());
}

#[test]
fn an_audience_list_needs_one_accepted_audience() {
    let accepting = verifier().audience("https://widget.example.com");
    let check =
        |aud: Value| accepting.verify(&request(&sign(&with(claims(), "aud", aud)), RETURN_URL));
    assert!(
        check(json!([
            "https://other.example.com",
            "https://widget.example.com"
        ]))
        .is_ok()
    );
    assert_eq!(
        check(json!(["https://other.example.com"])).unwrap_err(),
        WidgetRequestError::WrongAudience
    );
    assert_eq!(
        check(json!([])).unwrap_err(),
        WidgetRequestError::WrongAudience
    );
    assert_eq!(
        check(Value::Null).unwrap_err(),
        WidgetRequestError::MissingClaim("aud".into())
    );
    for wrong in [json!(7), json!(["https://widget.example.com", 7])] {
        assert!(
            matches!(
                check(wrong.clone()).unwrap_err(),
                WidgetRequestError::MalformedToken(_)
            ),
            "{wrong}"
        );
    }
    // Missing claims are reported before a bad value: no aud and expired is MissingClaim.
    let token = sign(&with(without(claims(), "aud"), "exp", json!(now() - 3600)));
    assert_eq!(
        accepting.verify(&request(&token, RETURN_URL)).unwrap_err(),
        WidgetRequestError::MissingClaim("aud".into())
    );
}

/// An OAuth provider of the account `subdomain` on `domain`, with this file's client
/// secret and a store that keeps nothing (these tests exchange no code).
fn oauth_on(subdomain: &str, domain: Domain) -> amocrm::OAuth {
    amocrm::OAuth::builder()
        .account(AccountUrl::new(subdomain, domain))
        .app(AppCredentials::new(
            "integration",
            SECRET,
            "https://widget.example.com/oauth",
        ))
        .store(amocrm::store::TokenStoreFn::new(
            |_: amocrm::TokenPair| async { Ok::<(), std::io::Error>(()) },
        ))
        .build()
        .unwrap()
}
