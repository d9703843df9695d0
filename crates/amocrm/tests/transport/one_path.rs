//! The one request path: every call, the raw escape hatch included, gets the token, the
//! pacer and the 401 refresh from the transport, and its outcome comes back typed.

use amocrm_test_support::loopback;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use amocrm::AccountUrl;
use amocrm::auth::TokenProvider;
use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::pace::RateLimit;
use amocrm::widgets::Settings;
use amocrm::{Client, Error, SecretString};
use amocrm_test_support::loopback::{
    Reply, Server, accepted, json, problem, quick_retries, widget_json,
};
use futures::future::BoxFuture;

/// Hands out `old` until refreshed, then `new`; counts refreshes.
#[derive(Debug, Default)]
struct Rotating {
    refreshed: AtomicUsize,
    /// `refresh` answers this (false: "no new token").
    can_refresh: bool,
    /// `access_token` fails.
    broken: bool,
}

impl TokenProvider for Rotating {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async move {
            if self.broken {
                return Err(Error::Config("no token today".into()));
            }
            Ok(SecretString::from(
                if self.refreshed.load(Ordering::SeqCst) == 0 {
                    "old"
                } else {
                    "new"
                },
            ))
        })
    }

    fn refresh<'a>(&'a self, _rejected: &'a SecretString) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            if self.can_refresh {
                self.refreshed.fetch_add(1, Ordering::SeqCst);
            }
            Ok(self.can_refresh)
        })
    }
}

fn client_with(base_url: &str, provider: Arc<Rotating>) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token_provider(provider)
        .rate_limit(None)
        .retry(quick_retries(3))
        .build()
        .expect("client")
}

/// 401 to the old token, `ok` to the new one.
fn old_is_refused(ok: Reply) -> impl Fn(usize, &loopback::Seen) -> Reply + Send + Sync {
    move |_, seen| match seen.header("authorization") {
        Some("Bearer new") => ok.clone(),
        _ => problem(401, "Unauthorized"),
    }
}

#[tokio::test]
async fn a_raw_call_carries_the_token_and_is_paced() {
    let server = Server::always(json(&widget_json(1, "w1"))).await;
    let limit = RateLimit::per_second(5).unwrap();
    let client = Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("raw-token")
        .rate_limit(Some(limit))
        .build()
        .unwrap();
    let code = amocrm_raw::types::GetWidgetWidgetCode::try_from("w1").unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        let widget = client.raw().get_widget(&code).await.expect("raw call");
        assert_eq!(widget.into_inner().code, "w1");
    }
    let took = started.elapsed();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for request in &seen {
        assert_eq!(request.header("authorization"), Some("Bearer raw-token"));
    }
    // Paced: the third call cannot leave before two intervals ((1 s + margin) / 5 each)
    // after the first, and it answers after it leaves. Judged on the client's own clock
    // from before the first call, so a loaded machine (which only delays) cannot fail it;
    // arrivals at the server could be compressed by a late first arrival.
    assert!(took >= limit.interval() * 2, "{took:?}");
}

#[tokio::test]
async fn a_raw_call_refreshes_on_401_and_its_errors_come_back_typed() {
    let provider = Arc::new(Rotating {
        can_refresh: true,
        ..Rotating::default()
    });
    let server = Server::start(old_is_refused(problem(404, "Not Found"))).await;
    let client = client_with(server.base_url(), provider.clone());
    let code = amocrm_raw::types::GetWidgetWidgetCode::try_from("gone").unwrap();
    let error = client.raw().get_widget(&code).await.unwrap_err();
    let error = Error::from_raw(error).await;
    assert!(
        matches!(error, Error::NotFound(ref p) if p.status == 404),
        "{error:?}"
    );
    assert_eq!(provider.refreshed.load(Ordering::SeqCst), 1);
    let tokens: Vec<_> = server
        .seen()
        .iter()
        .map(|s| s.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(tokens, ["Bearer old", "Bearer new"]);
}

#[tokio::test]
async fn the_install_body_is_sent_again_whole_after_a_refresh() {
    let provider = Arc::new(Rotating {
        can_refresh: true,
        ..Rotating::default()
    });
    let server = Server::start(old_is_refused(json(&widget_json(7, "w7")))).await;
    let client = client_with(server.base_url(), provider.clone());
    let settings = Settings::new()
        .text("login", "example")
        .pass("password", "s3cret");
    let widget = client
        .widgets()
        .install("w7", &settings)
        .send()
        .await
        .unwrap();
    assert_eq!(widget.code, "w7");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(!seen[0].body.is_empty());
    assert_eq!(seen[0].body, seen[1].body);
    assert_eq!(seen[1].header("authorization"), Some("Bearer new"));
    assert_eq!(
        seen[0].header("content-type"),
        seen[1].header("content-type")
    );
}

#[tokio::test]
async fn the_continue_body_goes_again_only_after_a_401() {
    let request = ContinueRequest::new().data("status", "success");
    // Refused with the old token: sent again with the new one, the same bytes.
    let provider = Arc::new(Rotating {
        can_refresh: true,
        ..Rotating::default()
    });
    let server = Server::start(old_is_refused(accepted())).await;
    let client = client_with(server.base_url(), provider);
    client
        .bots()
        .continue_bot(BotKind::Salesbot, 42, "c1", &request)
        .send()
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].body, seen[1].body);
    // Any other failure status: sent once, whatever the retry policy.
    for status in [500, 502, 503, 429, 400, 403] {
        let server = Server::always(problem(status, "Nope")).await;
        let client = loopback::client(server.base_url(), quick_retries(5));
        let error = client
            .bots()
            .continue_bot(BotKind::Salesbot, 42, "c1", &request)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(status), "{error:?}");
        assert_eq!(server.count(), 1, "status {status}");
    }
}

#[tokio::test]
async fn a_second_401_or_no_new_token_ends_with_unauthorized() {
    // The provider has nothing newer: one request, Unauthorized.
    let provider = Arc::new(Rotating::default());
    let server = Server::always(problem(401, "Unauthorized")).await;
    let client = client_with(server.base_url(), provider);
    let error = client.widgets().get("w1").send().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(server.count(), 1);
    // Refreshed, but the new token is refused too (an HTML 401): two requests, no loop.
    let provider = Arc::new(Rotating {
        can_refresh: true,
        ..Rotating::default()
    });
    let server = Server::always(loopback::html(401)).await;
    let client = client_with(server.base_url(), provider.clone());
    let error = client.widgets().get("w1").send().await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
    assert_eq!(server.count(), 2);
    assert_eq!(provider.refreshed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_token_provider_failure_is_its_own_error_and_nothing_is_sent() {
    let provider = Arc::new(Rotating {
        broken: true,
        ..Rotating::default()
    });
    let server = Server::always(json(&widget_json(1, "w1"))).await;
    let client = client_with(server.base_url(), provider);
    let error = client.widgets().get("w1").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Config(m) if m == "no token today"),
        "{error:?}"
    );
    let code = amocrm_raw::types::GetWidgetWidgetCode::try_from("w1").unwrap();
    let raw = client.raw().get_widget(&code).await.unwrap_err();
    let error = Error::from_raw(raw).await;
    assert!(
        matches!(&error, Error::Config(m) if m == "no token today"),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}
