//! Retry rules, each shown by counting the requests a loopback server receives:
//! GET/DELETE on connection errors, 5xx and 429; install only on 429 or a connection
//! that failed before the request was sent; the bot continue call never twice.

use amocrm_test_support::loopback;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amocrm::AccountUrl;
use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::widgets::Settings;
use amocrm::{Error, RetryPolicy};
use amocrm_test_support::loopback::{Reply, Server, client, quick_retries};

fn widget_reply() -> Reply {
    loopback::json(&loopback::widget_json(7, "w7"))
}

/// Fails the first `n` requests with `fail`, then answers with `ok`.
async fn flaky(n: usize, fail: Reply, ok: Reply) -> Server {
    Server::start(move |i, _| if i < n { fail.clone() } else { ok.clone() }).await
}

#[tokio::test]
async fn get_is_retried_on_5xx_429_and_resets_until_it_succeeds() {
    let faults = [
        loopback::html(502),
        loopback::html(503),
        loopback::problem(500, "Internal Server Error"),
        loopback::problem(504, "Gateway Timeout"),
        loopback::problem(429, "Too Many Requests"),
        loopback::html(429),
        Reply::Reset,
        Reply::BytesThenReset(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"id\":".to_vec()),
    ];
    for fault in faults {
        let server = flaky(2, fault.clone(), widget_reply()).await;
        let client = client(server.base_url(), quick_retries(3));
        let widget = client.widgets().get("w7").send().await;
        assert_eq!(widget.expect("recovered").code, "w7", "{fault:?}");
        let seen = server.seen();
        assert_eq!(seen.len(), 3, "{fault:?}");
        // Every attempt carries the token.
        assert!(
            seen.iter()
                .all(|s| s.header("authorization") == Some("Bearer test-token"))
        );
    }
}

#[tokio::test]
async fn get_gives_up_after_max_attempts_with_the_last_error() {
    let server = Server::always(loopback::problem(500, "Internal Server Error")).await;
    let client = client(server.base_url(), quick_retries(4));
    let error = client.widgets().get("w7").send().await.unwrap_err();
    let Error::Api { problem } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(problem.status, 500);
    assert_eq!(problem.title, "Internal Server Error");
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn list_and_uninstall_are_retried_too() {
    let server = flaky(
        1,
        loopback::html(502),
        Reply::Bytes(loopback::response(
            200,
            "application/hal+json",
            &[],
            loopback::page_json(1, 2, 2).unwrap().as_bytes(),
        )),
    )
    .await;
    let client = client(server.base_url(), quick_retries(3));
    let page = client.widgets().list().limit(2).send().await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(server.count(), 2);

    let server = flaky(2, Reply::Reset, loopback::no_content()).await;
    let client = loopback::client(server.base_url(), quick_retries(3));
    client.widgets().uninstall("w7").send().await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|s| s.method == "DELETE"));
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    for (reply, status) in [
        (loopback::problem(400, "Bad Request"), 400),
        (loopback::problem(401, "Unauthorized"), 401),
        (loopback::problem(403, "Forbidden"), 403),
        (loopback::problem(404, "Not Found"), 404),
    ] {
        let server = Server::always(reply).await;
        let client = client(server.base_url(), quick_retries(5));
        let error = client.widgets().get("w7").send().await.unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert_eq!(server.count(), 1, "{status}");
    }
}

#[tokio::test]
async fn timeouts_of_get_are_retried() {
    let server = Server::always(Reply::Delayed(Duration::from_secs(3), Vec::new())).await;
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("test-token")
        .rate_limit(None)
        .timeout(Duration::from_millis(150))
        .retry(quick_retries(2))
        .build()
        .unwrap();
    let error = client.widgets().get("w7").send().await.unwrap_err();
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_timeout(), "{source:?}");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn install_is_retried_on_429_only() {
    let settings = Settings::new().text("conf", "x");
    let server = flaky(
        2,
        loopback::problem(429, "Too Many Requests"),
        widget_reply(),
    )
    .await;
    let client = client(server.base_url(), quick_retries(3));
    let widget = client
        .widgets()
        .install("w7", &settings)
        .send()
        .await
        .unwrap();
    assert_eq!(widget.code, "w7");
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.method == "POST" && s.body == br#"{"conf":"x"}"#)
    );

    for fault in [
        loopback::html(502),
        loopback::html(503),
        loopback::problem(500, "Internal Server Error"),
        Reply::Reset,
        Reply::BytesThenReset(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{".to_vec()),
    ] {
        let server = flaky(1, fault.clone(), widget_reply()).await;
        let client = loopback::client(server.base_url(), quick_retries(3));
        let error = client.widgets().install("w7", &settings).send().await;
        assert!(error.is_err(), "{fault:?}");
        assert_eq!(server.count(), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn continue_is_sent_exactly_once_whatever_the_answer() {
    let request = ContinueRequest::new().data("status", "success");
    let faults = [
        loopback::html(503),
        loopback::problem(500, "Internal Server Error"),
        loopback::html(502),
        loopback::problem(429, "Too Many Requests"),
        loopback::html(429),
        Reply::Reset,
        Reply::BytesThenReset(b"HTTP/1.1 202 Accepted\r\nContent-Length: 10\r\n\r\n".to_vec()),
    ];
    for fault in faults {
        let server = flaky(1, fault.clone(), loopback::accepted()).await;
        let client = client(server.base_url(), quick_retries(5));
        let result = client
            .bots()
            .continue_bot(BotKind::Salesbot, 42, "a1b2c3", &request)
            .send()
            .await;
        assert!(result.is_err(), "{fault:?}");
        let seen = server.seen();
        assert_eq!(seen.len(), 1, "{fault:?}");
        assert_eq!(seen[0].target, "/api/v4/salesbot/42/continue/a1b2c3");
    }

    // A timeout after the request left is not retried either.
    let server = Server::always(Reply::Delayed(Duration::from_secs(3), Vec::new())).await;
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("test-token")
        .rate_limit(None)
        .timeout(Duration::from_millis(150))
        .retry(quick_retries(5))
        .build()
        .unwrap();
    let error = client
        .bots()
        .continue_bot(BotKind::Marketingbot, 42, "a1b2c3", &request)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transport(e) if e.is_timeout()),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn disabled_policy_sends_every_request_once() {
    let server = Server::always(loopback::html(503)).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let error = client.widgets().get("w7").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::UnexpectedStatus { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn delays_grow_between_attempts() {
    // Lower bounds only: three attempts 60 ms + 120 ms apart (at least) take at least 180 ms.
    let server = Server::always(loopback::html(503)).await;
    let policy = RetryPolicy::new()
        .max_attempts(3)
        .delays(Duration::from_millis(60), Duration::from_secs(1));
    let client = client(server.base_url(), policy);
    client.widgets().get("w7").send().await.unwrap_err();
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(60));
    assert!(seen[2].at - seen[1].at >= Duration::from_millis(120));
}

/// Resolves every name to `addr`, failing the first `fail` lookups: a connection that
/// fails before anything is written.
struct FlakyDns {
    addr: SocketAddr,
    fail: usize,
    lookups: AtomicUsize,
}

impl reqwest::dns::Resolve for FlakyDns {
    fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let n = self.lookups.fetch_add(1, Ordering::SeqCst);
        let result: Result<reqwest::dns::Addrs, Box<dyn std::error::Error + Send + Sync>> =
            if n < self.fail {
                Err("no such host (injected)".into())
            } else {
                Ok(Box::new(std::iter::once(self.addr)))
            };
        Box::pin(async move { result })
    }
}

async fn client_with_flaky_dns(server: &Server, fail: usize) -> (amocrm::Client, Arc<FlakyDns>) {
    let addr: SocketAddr = server
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let dns = Arc::new(FlakyDns {
        addr,
        fail,
        lookups: AtomicUsize::new(0),
    });
    let resolver = dns.clone();
    let client = amocrm::Client::builder()
        .account(
            AccountUrl::base_url(format!("http://amocrm.test:{}", addr.port()))
                .allow_insecure_http(true),
        )
        .token("test-token")
        .rate_limit(None)
        .retry(quick_retries(3))
        .timeout(Duration::from_secs(2))
        .configure_http(move |http| http.dns_resolver(resolver).pool_max_idle_per_host(0))
        .build()
        .unwrap();
    (client, dns)
}

#[tokio::test]
async fn install_and_continue_are_retried_when_the_connection_failed_before_sending() {
    let server = Server::start(|_, seen| {
        if seen.method == "POST" && seen.path().contains("/continue/") {
            loopback::accepted()
        } else {
            widget_reply()
        }
    })
    .await;
    let (client, dns) = client_with_flaky_dns(&server, 2).await;
    let settings = Settings::new().text("conf", "x");
    client
        .widgets()
        .install("w7", &settings)
        .send()
        .await
        .unwrap();
    assert_eq!(dns.lookups.load(Ordering::SeqCst), 3);
    assert_eq!(server.count(), 1);

    let (client, dns) = client_with_flaky_dns(&server, 1).await;
    client
        .bots()
        .continue_bot(BotKind::Salesbot, 1, "c", &ContinueRequest::new())
        .send()
        .await
        .unwrap();
    assert_eq!(dns.lookups.load(Ordering::SeqCst), 2);
    assert_eq!(server.count(), 2);

    // Past the attempts: the connect error itself.
    let (client, dns) = client_with_flaky_dns(&server, 10).await;
    let error = client
        .bots()
        .continue_bot(BotKind::Salesbot, 1, "c", &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Transport(e) if e.is_connect()),
        "{error:?}"
    );
    assert_eq!(dns.lookups.load(Ordering::SeqCst), 3);
    assert_eq!(server.count(), 2);
}

/// A token the caller renews itself (another process rotates it): the provider always
/// has the current one, and the old one is refused from the moment it changed.
#[derive(Debug)]
struct Rotating(Arc<std::sync::Mutex<String>>);

impl amocrm::auth::TokenProvider for Rotating {
    fn access_token(
        &self,
    ) -> futures::future::BoxFuture<'_, Result<secrecy::SecretString, amocrm::Error>> {
        let token = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(secrecy::SecretString::from(token)) })
    }
}

#[tokio::test]
async fn a_request_waiting_for_its_slot_leaves_with_the_token_current_then() {
    let current = Arc::new(std::sync::Mutex::new("old".to_owned()));
    let rotated = current.clone();
    // The first request rotates the token; from then on the old one is refused.
    let server = Server::start(move |i, seen| {
        if i == 0 {
            *rotated.lock().unwrap() = "new".to_owned();
        }
        if i > 0 && seen.header("authorization") == Some("Bearer old") {
            loopback::problem(401, "Unauthorized")
        } else {
            widget_reply()
        }
    })
    .await;
    // 4/s: the three requests below leave ~250 ms apart, asked for at once.
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token_provider(Arc::new(Rotating(current)))
        .rate_limit(amocrm::pace::RateLimit::per_second(4))
        .retry(quick_retries(1))
        .build()
        .unwrap();
    let widgets = client.widgets();
    let (a, b, c) = tokio::join!(
        widgets.get("w7").send(),
        widgets.get("w7").send(),
        widgets.get("w7").send()
    );
    for result in [a, b, c] {
        assert_eq!(result.unwrap().code, "w7");
    }
    let tokens: Vec<_> = server
        .seen()
        .iter()
        .map(|seen| seen.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(tokens, ["Bearer old", "Bearer new", "Bearer new"]);
}

/// A provider that has a token until the server took one request.
#[derive(Debug)]
struct Revoked(Arc<std::sync::atomic::AtomicBool>);

impl amocrm::auth::TokenProvider for Revoked {
    fn access_token(
        &self,
    ) -> futures::future::BoxFuture<'_, Result<secrecy::SecretString, amocrm::Error>> {
        let gone = self.0.load(Ordering::SeqCst);
        Box::pin(async move {
            if gone {
                Err(amocrm::Error::Config("no token".into()))
            } else {
                Ok(secrecy::SecretString::from("t".to_owned()))
            }
        })
    }
}

#[tokio::test]
async fn a_provider_without_a_token_fails_before_the_request_waits_for_a_slot() {
    let gone = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let revoke = gone.clone();
    let server = Server::start(move |_, _| {
        revoke.store(true, Ordering::SeqCst);
        widget_reply()
    })
    .await;
    // 1/s: a second request would wait ~1 s for its slot.
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token_provider(Arc::new(Revoked(gone)))
        .rate_limit(amocrm::pace::RateLimit::per_second(1))
        .retry(quick_retries(1))
        .build()
        .unwrap();
    client.widgets().get("w7").send().await.unwrap();
    let asked = tokio::time::Instant::now();
    let error = client.widgets().get("w7").send().await.unwrap_err();
    assert!(matches!(error, Error::Config(_)), "{error:?}");
    let waited = asked.elapsed();
    assert!(waited < Duration::from_millis(500), "{waited:?}");
    assert_eq!(server.count(), 1);
}
