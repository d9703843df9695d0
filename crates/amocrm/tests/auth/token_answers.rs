//! Odd but successful token endpoint answers keep the new pair (the old refresh token is
//! spent once the endpoint answered), the answer is read up to a cap, and refusals never
//! repeat the client secret or the refresh token, whole or in part.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use amocrm::auth::{MAX_TOKEN_RESPONSE_BYTES, TokenProvider};
use amocrm::error::AuthError;
use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Error, ExposeSecret, OAuth, TokenPair};
use amocrm_test_support::loopback::{Reply, Server, response};

const CLIENT_SECRET: &str = "cs-SECRET-4f0b9e2d71c3a85e";
const REFRESH: &str = "rt-SECRET-def502009a7c41e6b3";

struct Harness {
    oauth: OAuth,
    saved: Arc<Mutex<Vec<TokenPair>>>,
}

/// An OAuth whose stored pair has expired, against `server`.
fn harness(server: &Server) -> Harness {
    let saved = Arc::new(Mutex::new(Vec::new()));
    let log = saved.clone();
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .app(AppCredentials::new(
            "integration",
            CLIENT_SECRET,
            "https://example.com/cb",
        ))
        .store(TokenStoreFn::new(move |pair: TokenPair| {
            log.lock().unwrap().push(pair);
            async { Ok::<(), std::io::Error>(()) }
        }))
        .tokens(TokenPair::new(
            "old-access".to_owned().into(),
            REFRESH.to_owned().into(),
            SystemTime::now() - Duration::from_secs(10),
        ))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    Harness { oauth, saved }
}

fn answer(body: &str) -> Reply {
    Reply::Bytes(response(200, "application/json", &[], body.as_bytes()))
}

#[tokio::test]
async fn odd_but_successful_answers_keep_the_pair() {
    let year = Duration::from_secs(366 * 24 * 60 * 60);
    for (extra, lifetime) in [
        (r#","expires_in":1e30"#, year),
        (r#","expires_in":18446744073709551615"#, year),
        (r#","expires_in":1.8e19,"token_type":"Bearer""#, year),
        (
            r#","token_type":"mac","expires_in":600"#,
            Duration::from_secs(600),
        ),
        (
            r#","token_type":7,"expires_in":"600""#,
            Duration::from_secs(600),
        ),
        (r#","expires_in":0"#, Duration::from_secs(60)),
        (r#","expires_in":null"#, Duration::from_secs(86_400)),
        (r#","expires_in":{"s":1}"#, Duration::from_secs(86_400)),
    ] {
        let body =
            format!(r#"{{"access_token":"new-access","refresh_token":"new-refresh"{extra}}}"#);
        let server = Server::always(answer(&body)).await;
        let h = harness(&server);
        let before = SystemTime::now();
        h.oauth
            .refresh_now()
            .await
            .unwrap_or_else(|e| panic!("{body}: {e:?}"));
        let saved = h.saved.lock().unwrap().clone();
        assert_eq!(saved.len(), 1, "{body}");
        assert_eq!(saved[0].refresh_token().expose_secret(), "new-refresh");
        let tokens = h.oauth.tokens().await.unwrap();
        assert_eq!(
            tokens.access_token().expose_secret(),
            "new-access",
            "{body}"
        );
        let expires = tokens.expires_at().duration_since(before).unwrap();
        assert!(
            expires >= lifetime && expires <= lifetime + Duration::from_secs(5),
            "{body}: {expires:?}"
        );
    }
}

/// RFC 6749 §6: a refresh answer may leave out the refresh token, and the old one then
/// stays valid. The new access token is kept with it, not thrown away (which would have
/// every request refresh again and fail the same way).
#[tokio::test]
async fn a_refresh_answer_without_a_refresh_token_keeps_the_old_one() {
    for missing in ["", r#","refresh_token":null"#, r#","refresh_token":"""#] {
        let body = format!(r#"{{"access_token":"new-access","expires_in":3600{missing}}}"#);
        let server = Server::always(answer(&body)).await;
        let h = harness(&server);
        let token = h
            .oauth
            .access_token()
            .await
            .unwrap_or_else(|e| panic!("{body}: {e:?}"));
        assert_eq!(token.expose_secret(), "new-access");
        let saved = h.saved.lock().unwrap().clone();
        assert_eq!(saved.len(), 1, "{body}");
        assert_eq!(saved[0].access_token().expose_secret(), "new-access");
        assert_eq!(saved[0].refresh_token().expose_secret(), REFRESH);
        h.oauth.access_token().await.unwrap();
        assert_eq!(server.count(), 1, "{body}");
    }
    // Without an access token there is nothing to keep.
    let server = Server::always(answer(r#"{"refresh_token":"new-refresh"}"#)).await;
    let h = harness(&server);
    let error = h.oauth.refresh_now().await.unwrap_err();
    assert!(
        matches!(error, Error::Auth(AuthError::Decode(_))),
        "{error:?}"
    );
    assert!(h.saved.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_zero_lifetime_does_not_refresh_on_every_request() {
    let server = Server::always(answer(
        r#"{"access_token":"new-access","refresh_token":"new-refresh","expires_in":0}"#,
    ))
    .await;
    let h = harness(&server);
    for _ in 0..5 {
        let token = h.oauth.access_token().await.unwrap();
        assert_eq!(token.expose_secret(), "new-access");
    }
    assert_eq!(
        server.count(),
        1,
        "one refresh, for the expired stored pair"
    );
}

#[tokio::test]
async fn the_token_answer_is_read_up_to_a_cap() {
    // Declared too large: refused before reading.
    let declared = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{",
        MAX_TOKEN_RESPONSE_BYTES + 1
    );
    // Valid JSON, too large, without a length.
    let padding = "x".repeat(MAX_TOKEN_RESPONSE_BYTES);
    let mut streamed =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_vec();
    streamed.extend(
        format!(r#"{{"access_token":"a","refresh_token":"r","pad":"{padding}"}}"#).into_bytes(),
    );
    for reply in [declared.into_bytes(), streamed] {
        let server = Server::always(Reply::Bytes(reply)).await;
        let h = harness(&server);
        let error = h.oauth.refresh_now().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Auth(AuthError::ResponseTooLarge { limit }) if limit == MAX_TOKEN_RESPONSE_BYTES
            ),
            "{error:?}"
        );
        assert!(h.saved.lock().unwrap().is_empty());
    }
    // Exactly the cap is read, with a length and without.
    let (head, tail) = (
        r#"{"access_token":"a","refresh_token":"r","pad":""#,
        r#""}"#,
    );
    let padding = "x".repeat(MAX_TOKEN_RESPONSE_BYTES - head.len() - tail.len());
    let body = format!("{head}{padding}{tail}");
    assert_eq!(body.len(), MAX_TOKEN_RESPONSE_BYTES);
    let server = Server::always(answer(&body)).await;
    harness(&server).oauth.refresh_now().await.unwrap();
    let mut streamed =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n".to_vec();
    streamed.extend(body.into_bytes());
    let server = Server::always(Reply::Bytes(streamed)).await;
    harness(&server).oauth.refresh_now().await.unwrap();
}

#[tokio::test]
async fn refusals_never_repeat_the_secrets_whole_or_in_part() {
    let parts = [
        CLIENT_SECRET.to_owned(),
        REFRESH.to_owned(),
        CLIENT_SECRET[3..14].to_owned(),
        REFRESH[10..18].to_owned(),
        format!("{}…", &REFRESH[..12]),
    ];
    for part in parts {
        for field in ["title", "hint", "detail"] {
            let body = format!(
                r#"{{"title":"Bad Request","hint":"check it","detail":"x","status":400,"{field}":"the value {part} is wrong"}}"#
            );
            let server = Server::always(Reply::Bytes(response(
                400,
                "application/json",
                &[],
                body.as_bytes(),
            )))
            .await;
            let h = harness(&server);
            let error = h.oauth.refresh_now().await.unwrap_err();
            assert!(matches!(
                error,
                Error::Auth(AuthError::Refused { status: 400, .. })
            ));
            let text = format!("{error} {error:?} {error:#?}");
            for secret in [CLIENT_SECRET, REFRESH] {
                for window in secret.as_bytes().windows(8) {
                    let window = std::str::from_utf8(window).unwrap();
                    assert!(
                        !text.contains(window),
                        "{field} {part}: shows {window}: {text}"
                    );
                }
            }
            // What does not repeat a secret is still shown.
            assert!(text.contains("Bad Request") || field == "title", "{text}");
        }
    }
}
