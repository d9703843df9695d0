//! `configure_http` adjusts the crate's HTTP client but cannot undo what the crate's
//! guarantees rest on: a redirect is never followed (an install body with a `pass`, or the
//! client secret, would go to another host) and a silent server times out.

use amocrm_test_support::loopback;
use std::time::{Duration, SystemTime};

use amocrm::store::TokenStoreFn;
use amocrm::widgets::Settings;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, OAuth, RetryPolicy, TokenPair};
use amocrm_test_support::loopback::{Reply, Server, response};

const PASS: &str = "pw-SECRET-77d1";
const CLIENT_SECRET: &str = "cs-SECRET-0a9f";

/// Everything a caller could set to follow redirects and wait for ever.
fn permissive(http: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    http.redirect(reqwest::redirect::Policy::limited(10))
        .timeout(Duration::from_secs(3600))
        .connect_timeout(Duration::from_secs(3600))
        .connection_verbose(true)
}

/// A server that answers every request with a 307 to `target`.
async fn redirecting_to(target: &Server) -> Server {
    let location = format!("{}/elsewhere", target.base_url());
    Server::start(move |_, _| {
        Reply::Bytes(response(
            307,
            "text/plain",
            &[("Location", location.as_str())],
            b"moved",
        ))
    })
    .await
}

fn oauth(base_url: &str, timeout: Duration) -> OAuth {
    OAuth::builder()
        .account(AccountUrl::base_url(base_url))
        .app(AppCredentials::new(
            "id",
            CLIENT_SECRET,
            "https://example.com/cb",
        ))
        .store(TokenStoreFn::new(|_: TokenPair| async {
            Ok::<(), std::io::Error>(())
        }))
        .tokens(TokenPair::new(
            "access".to_owned().into(),
            "refresh".to_owned().into(),
            SystemTime::now(),
        ))
        .timeout(timeout)
        .configure_http(permissive)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_redirect_is_not_followed_whatever_the_configuration() {
    let elsewhere = Server::always(loopback::json(&loopback::widget_json(7, "w7"))).await;
    let server = redirecting_to(&elsewhere).await;
    let client = Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("t")
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .configure_http(permissive)
        .build()
        .unwrap();
    let settings = Settings::new().pass("password", PASS);
    let error = client
        .widgets()
        .install("w7", &settings)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 307, .. }),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
    assert_eq!(
        elsewhere.count(),
        0,
        "the install body went to another host"
    );

    // The token endpoint neither.
    let error = oauth(server.base_url(), Duration::from_secs(5))
        .exchange_code("code")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    assert_eq!(server.count(), 2);
    assert_eq!(
        elsewhere.count(),
        0,
        "the client secret went to another host"
    );
}

#[tokio::test]
async fn a_silent_server_times_out_whatever_the_configuration() {
    let silent = Server::always(Reply::Delayed(Duration::from_secs(30), Vec::new())).await;
    let client = Client::builder()
        .account(AccountUrl::base_url(silent.base_url()))
        .token("t")
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .timeout(Duration::from_millis(300))
        .configure_http(permissive)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let error = client.widgets().get("w7").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Transport(e) if e.is_timeout()),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let started = std::time::Instant::now();
    let error = oauth(silent.base_url(), Duration::from_millis(300))
        .refresh_now()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Auth(amocrm::error::AuthError::Transport(e)) if e.is_timeout()),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn what_the_caller_configures_does_apply() {
    let server = Server::always(loopback::json(&loopback::widget_json(7, "w7"))).await;
    let client = Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("t")
        .rate_limit(None)
        .configure_http(|http| {
            let mut headers = reqwest::header::HeaderMap::new();
            headers.insert("x-configured", "yes".parse().unwrap());
            http.default_headers(headers)
        })
        .build()
        .unwrap();
    client.widgets().get("w7").send().await.unwrap();
    assert_eq!(server.seen()[0].header("x-configured"), Some("yes"));
}

/// reqwest's own retry layer, set up to resend anything a server answers 5xx to.
fn resending(http: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    http.retry(
        reqwest::retry::for_host("127.0.0.1")
            .no_budget()
            .max_retries_per_request(3)
            .classify_fn(|attempt| {
                if attempt.status().is_none_or(|s| s.is_server_error()) {
                    attempt.retryable()
                } else {
                    attempt.success()
                }
            }),
    )
}

#[tokio::test]
async fn a_post_is_not_resent_whatever_the_configuration() {
    let server = Server::always(loopback::problem(503, "Service Unavailable")).await;
    let client = Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("t")
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .configure_http(resending)
        .build()
        .unwrap();
    let error = client
        .bots()
        .continue_bot(
            amocrm::bots::BotKind::Salesbot,
            1,
            "c1",
            &amocrm::bots::ContinueRequest::new(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(!matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(server.count(), 1, "the bot would continue more than once");

    // The token endpoint's client neither: a code is single-use.
    let error = OAuth::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .app(AppCredentials::new(
            "id",
            CLIENT_SECRET,
            "https://example.com/cb",
        ))
        .store(TokenStoreFn::new(|_: TokenPair| async {
            Ok::<(), std::io::Error>(())
        }))
        .configure_http(resending)
        .build()
        .unwrap()
        .exchange_code("code")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Auth(_)), "{error:?}");
    assert_eq!(server.count(), 2, "the code was sent more than once");
}
