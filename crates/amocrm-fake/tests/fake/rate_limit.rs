//! The rate limit: a sliding one-second window per account, 429 with `Retry-After` past it.

use std::time::{Duration, Instant};

use amocrm_fake::{AccountSpec, FakeServer};
use reqwest::{Client, Method, StatusCode};

use crate::support::*;

/// `n` concurrent GETs: how many were accepted, how many got 429, and how long the burst
/// took (a burst longer than the window proves nothing).
async fn burst(url: &str, token: &str, n: usize) -> (usize, usize, Duration) {
    // One client, built before the clock starts: building one costs more than a request.
    let http = Client::new();
    let start = std::time::Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let request = http.get(url).bearer_auth(token).send();
            tokio::spawn(async move { request.await.expect("request").status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    (ok, limited, start.elapsed())
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let server = FakeServer::builder()
        .rate_limit(Some(3))
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = get(&server, "/api/v4/widgets").await;
        statuses.push(resp.status().as_u16());
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
            expect_problem(resp, 429).await;
        }
    }
    if started.elapsed() < Duration::from_millis(900) {
        assert_eq!(statuses, [200, 200, 200, 429, 429, 429]);
    }
    // Every request is recorded, limited or not.
    assert_eq!(server.requests().len(), 6);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );

    // Off by default and with Some(0).
    for limit in [None, Some(0)] {
        let server = FakeServer::builder()
            .rate_limit(limit)
            .start()
            .await
            .unwrap();
        for _ in 0..20 {
            assert_eq!(
                get(&server, "/api/v4/widgets").await.status(),
                StatusCode::OK
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_window_is_per_account() {
    let server = FakeServer::builder()
        .rate_limit(Some(7))
        .account("acc1")
        .account(AccountSpec::new("acc2").rate_limit(Some(2)))
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let acc2 = server.account("acc2").unwrap();
    let list = |url: &str| format!("{url}/api/v4/widgets");
    // On a loaded machine a burst may spread over more than the window: try again then.
    let mut checked = false;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (ok, limited, took) = burst(&list(acc1.url()), acc1.token(), 10).await;
        let (ok2, limited2, took2) = burst(&list(acc2.url()), acc2.token(), 3).await;
        if took + took2 > Duration::from_millis(800) {
            continue;
        }
        assert_eq!((ok, limited), (7, 3), "acc1: 7/s");
        assert_eq!((ok2, limited2), (2, 1), "acc2: its own 2/s");
        // acc1's and acc2's windows are full; the default account's is not.
        let resp = call(
            &list(&server.base_url()),
            Method::GET,
            Some(server.token()),
            None,
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        checked = true;
        break;
    }
    assert!(checked, "no burst fitted in the window in 5 tries");
    // The admin routes do not count.
    let resp = call(
        &format!("{}/_fake/continuations", acc2.url()),
        Method::GET,
        None,
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_account_limit_of_none_or_zero_turns_the_builders_off() {
    let server = FakeServer::builder()
        .rate_limit(Some(1))
        .account(AccountSpec::new("zero").rate_limit(Some(0)))
        .account(AccountSpec::new("none").rate_limit(None))
        .start()
        .await
        .unwrap();
    for name in ["zero", "none"] {
        let account = server.account(name).unwrap();
        let url = format!("{}/api/v4/widgets", account.url());
        for _ in 0..5 {
            let resp = call(&url, Method::GET, Some(account.token()), None).await;
            assert_eq!(resp.status(), StatusCode::OK, "{name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_counts_when_its_head_arrived_not_when_its_body_was_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let server = FakeServer::builder()
        .rate_limit(Some(1))
        .start()
        .await
        .unwrap();
    // The first request's head now, its body 500 ms later (a slow sender).
    let mut slow = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
    let head = format!(
        "GET /api/v4/widgets HTTP/1.1\r\nhost: fake\r\nauthorization: Bearer {}\r\n\
         content-length: 2\r\nconnection: close\r\n\r\n",
        server.token()
    );
    let sent = Instant::now();
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    slow.write_all(b"{}").await.unwrap();
    let mut answer = Vec::new();
    slow.read_to_end(&mut answer).await.unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    // The second one 1.2 s after the first's head: more than a second after its arrival
    // (counted at the end of its body, 0.7 s before, it was refused 429).
    tokio::time::sleep_until((sent + Duration::from_millis(1200)).into()).await;
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(gap >= Duration::from_secs(1), "{gap:?}");
    assert!(requests[0].received_at < sent + Duration::from_millis(400));
}
