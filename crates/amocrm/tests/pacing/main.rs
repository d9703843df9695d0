//! The built-in limiter (7/s by default, shared by clones) and `Retry-After`. Only lower
//! bounds on elapsed time are asserted: a slow machine makes everything later, never
//! earlier. A binary of its own: its timings are measured without the other request-path
//! tests running beside them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amocrm::error::PaceError;
use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm::{AccountUrl, Client, ClientBuilder, Error, RetryPolicy};
use amocrm_test_support::loopback::{self, Reply, Server, response};
use futures::future::{BoxFuture, join_all};
use tokio::time::Instant;

mod busy_connections;
mod fresh_connections;

fn widget_reply() -> Reply {
    loopback::json(&loopback::widget_json(7, "w7"))
}

fn limited_client(base_url: &str, limit: Option<RateLimit>, retry: RetryPolicy) -> Client {
    let builder = Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token("t")
        .timeout(Duration::from_secs(5))
        .retry(retry);
    match limit {
        // The default limiter: nothing set.
        Some(RateLimit::AMOCRM) => builder,
        other => builder.rate_limit(other),
    }
    .build()
    .unwrap()
}

/// Arrival times, sorted.
fn arrivals(server: &Server) -> Vec<tokio::time::Instant> {
    let mut at: Vec<_> = server.seen().iter().map(|s| s.at).collect();
    at.sort();
    at
}

/// No window of one second holds more than `n` arrivals.
fn assert_at_most_per_second(at: &[tokio::time::Instant], n: usize) {
    for (i, window) in at.windows(n + 1).enumerate() {
        let span = window[n] - window[0];
        assert!(
            span >= Duration::from_secs(1),
            "requests {i}..={} arrived within {span:?}",
            i + n
        );
    }
}

#[tokio::test]
async fn default_limit_holds_seven_per_second_across_clones() {
    let server = Server::always(widget_reply()).await;
    let client = limited_client(
        server.base_url(),
        Some(RateLimit::AMOCRM),
        RetryPolicy::disabled(),
    );
    let clones = [client.clone(), client.clone(), client];
    let started = tokio::time::Instant::now();
    // 15 requests at once from three clones of one client.
    let calls = (0..15).map(|i| {
        let client = clones[i % 3].clone();
        async move { client.widgets().get("w7").send().await.map(|w| w.id) }
    });
    let results = join_all(calls).await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(|r| matches!(r, Ok(7))));
    assert_eq!(server.count(), 15);
    // 14 intervals of (1 s + 50 ms) / 7 at least.
    assert!(elapsed >= RateLimit::AMOCRM.interval() * 14, "{elapsed:?}");
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert_at_most_per_second(&arrivals(&server), 7);
}

/// A pacer that records when each request it lets go leaves: the client's own departure
/// schedule, which the limiter controls (arrivals at a server also carry the jitter of the
/// way there).
#[derive(Debug)]
struct Departures {
    pacer: MemoryPacer,
    left: Mutex<Vec<Instant>>,
}

impl Departures {
    fn new(limit: Option<RateLimit>) -> Arc<Departures> {
        Arc::new(Departures {
            pacer: MemoryPacer::new(limit),
            left: Mutex::new(Vec::new()),
        })
    }

    fn times(&self) -> Vec<Instant> {
        let mut left = self.left.lock().unwrap().clone();
        left.sort();
        left
    }
}

impl Pacer for Departures {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.pacer.acquire(account).await?;
            self.left.lock().unwrap().push(Instant::now());
            Ok(())
        })
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.pacer.pause(account, delay)
    }
}

/// The windows of `n + 1` departures that span less than a second (amoCRM's rule).
fn crowded_windows(left: &[Instant], n: usize) -> Vec<(usize, Duration)> {
    left.windows(n + 1)
        .enumerate()
        .map(|(i, window)| (i, window[n] - window[0]))
        .filter(|(_, span)| *span < Duration::from_secs(1))
        .collect()
}

/// 30 requests at once through a client built by `configure` (from an account on a new
/// server): the server, and how long they took.
async fn thirty_at_once(
    configure: impl FnOnce(ClientBuilder) -> ClientBuilder,
) -> (Server, Duration) {
    let server = Server::always(widget_reply()).await;
    let builder = Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("t")
        .timeout(Duration::from_secs(5))
        .retry(RetryPolicy::disabled());
    let client = configure(builder).build().unwrap();
    let started = Instant::now();
    let calls = (0..30).map(|_| {
        let client = client.clone();
        async move { client.widgets().get("w7").send().await }
    });
    assert!(join_all(calls).await.iter().all(Result::is_ok));
    (server, started.elapsed())
}

/// A limit of 25/s: no 26 requests leave within a second. Judged on the departures the
/// limiter schedules (which it controls), not on arrivals at the server, which also carry
/// the jitter of a loaded machine's loopback.
#[tokio::test]
async fn a_configured_limit_is_held_too() {
    let limit = RateLimit::per_second(25).unwrap();
    // Set with `rate_limit`: 30 requests take 29 intervals at least.
    let (server, elapsed) = thirty_at_once(|builder| builder.rate_limit(Some(limit))).await;
    assert_eq!(server.count(), 30);
    assert!(elapsed >= limit.interval() * 29, "{elapsed:?}");
    assert_eq!(RateLimit::per_second(0), None);

    // The same limiter, its departures recorded.
    let departures = Departures::new(Some(limit));
    let (server, _) = thirty_at_once(|builder| builder.pacer(departures.clone())).await;
    assert_eq!(server.count(), 30);
    let left = departures.times();
    assert_eq!(left.len(), 30);
    assert_eq!(crowded_windows(&left, 25), vec![]);

    // The judge catches a limiter that lets more go: twice the rate, or none at all.
    for loose in [RateLimit::per_second(50), None] {
        let departures = Departures::new(loose);
        thirty_at_once(|builder| builder.pacer(departures.clone())).await;
        assert!(
            !crowded_windows(&departures.times(), 25).is_empty(),
            "{loose:?}"
        );
    }
}

#[tokio::test]
async fn retries_wait_for_the_limiter_as_well() {
    // 429 without a hint, 10 ms retry delays: the limiter still spaces the attempts.
    let server = Server::start(|i, _| {
        if i < 3 {
            loopback::problem(429, "Too Many Requests")
        } else {
            widget_reply()
        }
    })
    .await;
    let retry = RetryPolicy::new()
        .max_attempts(4)
        .delays(Duration::from_millis(10), Duration::from_millis(10));
    let client = limited_client(server.base_url(), Some(RateLimit::AMOCRM), retry);
    let started = tokio::time::Instant::now();
    client.widgets().get("w7").send().await.unwrap();
    assert!(started.elapsed() >= RateLimit::AMOCRM.interval() * 3);
    assert_eq!(server.count(), 4);
}

#[tokio::test]
async fn the_fake_server_never_answers_429_to_a_limited_client() {
    let fake = amocrm_fake::FakeServer::builder()
        .widgets(30)
        .rate_limit(Some(7))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    // 11 sequential pages and 4 concurrent gets, retries off: any 429 would be an error.
    let widgets: Vec<amocrm::widgets::Widget> =
        futures::TryStreamExt::try_collect(client.widgets().list().limit(3).stream())
            .await
            .unwrap();
    assert_eq!(widgets.len(), fake.widget_count());
    let codes: Vec<String> = widgets.iter().take(4).map(|w| w.code.clone()).collect();
    let gets = codes.iter().map(|code| {
        let client = client.clone();
        async move { client.widgets().get(code).send().await }
    });
    for got in join_all(gets).await {
        got.unwrap();
    }
}

#[tokio::test]
async fn retry_after_header_pauses_every_clone_of_the_client() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Bytes(response(
                429,
                "application/problem+json",
                &[("Retry-After", "1")],
                br#"{"title":"Too Many Requests","status":429}"#,
            ))
        } else {
            widget_reply()
        }
    })
    .await;
    let client = limited_client(server.base_url(), None, RetryPolicy::disabled());
    let error = client.widgets().get("w7").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
        "{error:?}"
    );
    // Three clones, three different calls, right away: none leaves before the second is up.
    let (a, b, c) = (client.clone(), client.clone(), client);
    let (x, y, z) = tokio::join!(
        async { a.widgets().get("w7").send().await },
        b.widgets().list().send(),
        async { c.widgets().uninstall("w7").send().await },
    );
    x.unwrap();
    let _ = (y, z); // their bodies do not fit those calls; only their timing matters here
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    let first = seen[0].at;
    assert!(
        seen[1..]
            .iter()
            .all(|s| s.at - first >= Duration::from_secs(1))
    );
}

#[tokio::test]
async fn retry_after_body_field_is_waited_for_before_the_retry() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Bytes(response(
                429,
                "application/json",
                &[],
                br#"{"title":"Too Many Requests","status":429,"retry_after":1}"#,
            ))
        } else {
            widget_reply()
        }
    })
    .await;
    let retry = RetryPolicy::new().delays(Duration::from_millis(10), Duration::from_millis(10));
    let client = limited_client(server.base_url(), None, retry);
    let widget = client.widgets().get("w7").send().await.unwrap();
    assert_eq!(widget.id, 7);
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_after_on_503_is_honoured() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Bytes(response(
                503,
                "text/html",
                &[("Retry-After", "1")],
                loopback::html_page(503).as_bytes(),
            ))
        } else {
            widget_reply()
        }
    })
    .await;
    let retry = RetryPolicy::new().delays(Duration::from_millis(10), Duration::from_millis(10));
    let client = limited_client(server.base_url(), None, retry);
    client.widgets().get("w7").send().await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_secs(1));
}

#[tokio::test]
async fn retry_after_beyond_the_policy_ends_retries_but_still_pauses() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Bytes(response(
                429,
                "text/html",
                &[("Retry-After", "3600")],
                loopback::html_page(429).as_bytes(),
            ))
        } else {
            widget_reply()
        }
    })
    .await;
    let retry = RetryPolicy::new()
        .delays(Duration::from_millis(10), Duration::from_millis(10))
        .max_retry_after(Duration::from_millis(400));
    let client = limited_client(server.base_url(), None, retry);
    let error = client.widgets().get("w7").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::RateLimited { retry_after: Some(d), problem: None } if *d == Duration::from_secs(3600)),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
    client.widgets().get("w7").send().await.unwrap();
    let seen = server.seen();
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(400));
}

#[tokio::test]
async fn continue_is_not_retried_after_429_but_the_client_pauses() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Bytes(response(
                429,
                "application/problem+json",
                &[("Retry-After", "1")],
                br#"{"title":"Too Many Requests","status":429}"#,
            ))
        } else {
            loopback::accepted()
        }
    })
    .await;
    let client = limited_client(server.base_url(), None, RetryPolicy::new());
    let request = amocrm::bots::ContinueRequest::new();
    let error = client
        .bots()
        .continue_bot(amocrm::bots::BotKind::Salesbot, 1, "c", &request)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }));
    assert_eq!(server.count(), 1);
    client
        .bots()
        .continue_bot(amocrm::bots::BotKind::Salesbot, 1, "c", &request)
        .send()
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[1].at - seen[0].at >= Duration::from_secs(1));
}

/// 16 tasks over three clones; the first answer is 429 with `Retry-After: 3`. The tasks
/// that queued meanwhile must not leave together when the pause ends: arrivals stay at
/// most 7 in any second, before, during and after the pause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_after_a_retry_after_pause_is_paced_not_a_burst() {
    let server = Server::start(|i, _| {
        if i == 0 {
            Reply::Bytes(response(
                429,
                "application/problem+json",
                &[("Retry-After", "3")],
                br#"{"title":"Too Many Requests","status":429}"#,
            ))
        } else {
            widget_reply()
        }
    })
    .await;
    let retry = RetryPolicy::new()
        .max_attempts(2)
        .delays(Duration::from_millis(10), Duration::from_millis(10));
    let client = limited_client(server.base_url(), Some(RateLimit::AMOCRM), retry);
    let clones = [client.clone(), client.clone(), client];
    let calls = (0..16).map(|i| {
        let client = clones[i % 3].clone();
        async move { client.widgets().get("w7").send().await.map(|w| w.id) }
    });
    let results = join_all(calls).await;
    assert!(results.iter().all(|r| matches!(r, Ok(7))), "{results:?}");
    // 16 calls and the retry of the one that got 429.
    assert_eq!(server.count(), 17);
    let at = arrivals(&server);
    // Everything after the first waited out the pause.
    assert!(at[1..].iter().all(|t| *t - at[0] >= Duration::from_secs(3)));
    assert_at_most_per_second(&at, 7);
}
