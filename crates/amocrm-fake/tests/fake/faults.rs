//! Fault injection over real HTTP: what a client sees on the wire for each fault kind, and
//! the run-time switch. (The client's own recovery from them is tested in the `amocrm`
//! crate.)

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use amocrm_fake::{FakeServer, Fault, Operation};
use reqwest::{Client, StatusCode};
use serde_json::Value;

async fn get(server: &FakeServer, path: &str) -> reqwest::Result<reqwest::Response> {
    Client::new()
        .get(format!("{}{path}", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
}

/// The raw bytes a server sends for a GET on a fresh connection, until it closes it.
fn raw_get(addr: std::net::SocketAddr, path: &str, token: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    .unwrap();
    let mut bytes = Vec::new();
    // A reset (rather than a close) also ends the read: what was received is kept.
    let _ = stream.read_to_end(&mut bytes);
    bytes
}

#[tokio::test]
async fn status_faults_answer_problem_json_or_html() {
    let server = FakeServer::builder()
        .fault(Fault::status(500).route("GET", "/api/v4/widgets/*").once())
        .fault(Fault::html(502).operation(Operation::List).once())
        .start()
        .await
        .unwrap();
    let resp = get(&server, "/api/v4/widgets/amo_dropbox").await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], 500);
    assert_eq!(body["type"], "https://httpstatus.es/500");
    assert_eq!(body["title"], "Internal Server Error");
    assert!(body["detail"].is_string());

    let resp = get(&server, "/api/v4/widgets").await.unwrap();
    assert_eq!(resp.status(), 502);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = resp.text().await.unwrap();
    assert!(page.contains("<h1>502 Bad Gateway</h1>"), "{page}");

    // Both fired once: the next requests are answered by the routes.
    assert_eq!(
        get(&server, "/api/v4/widgets/amo_dropbox")
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(get(&server, "/api/v4/widgets").await.unwrap().status(), 200);
    let report = server.faults().report();
    assert_eq!(
        report
            .iter()
            .map(|r| (r.matched, r.fired))
            .collect::<Vec<_>>(),
        [(2, 1), (2, 1)]
    );
    // Faulted requests are recorded like any other.
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn too_many_requests_carries_retry_after_in_the_header_and_the_body() {
    let server = FakeServer::start().await.unwrap();
    let faults = server.faults();
    faults
        .add_spec("list=429:retry-after=2:retry-after-body=3")
        .unwrap();
    let resp = get(&server, "/api/v4/widgets").await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "2");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["retry_after"], 3);
    assert_eq!(body["status"], 429);

    faults.clear();
    faults.add_spec("list=429:retry-after=1:html").unwrap();
    let resp = get(&server, "/api/v4/widgets").await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.text().await.unwrap().contains("429 Too Many Requests"));

    faults.clear();
    assert_eq!(get(&server, "/api/v4/widgets").await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_nth_request_answers_503() {
    let server = FakeServer::builder()
        .fault("*=503@3".parse().unwrap())
        .start()
        .await
        .unwrap();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(&server, "/api/v4/account").await.unwrap().status());
    }
    assert_eq!(statuses, [200, 200, 503, 200, 200]);
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let server = FakeServer::builder()
        .fault(Fault::latency(Duration::from_millis(300)).operation(Operation::Get))
        .start()
        .await
        .unwrap();
    assert_eq!(get(&server, "/api/v4/widgets").await.unwrap().status(), 200);
    // Not aimed at a list: counted by time it would flake on a loaded machine.
    assert_eq!(server.faults().report()[0].fired, 0);
    let started = Instant::now();
    let resp = get(&server, "/api/v4/widgets/amo_dropbox").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(server.faults().report()[0].fired, 1);
}

#[tokio::test]
async fn reset_closes_the_connection_without_an_answer() {
    let server = FakeServer::builder()
        .fault(Fault::reset())
        .start()
        .await
        .unwrap();
    let error = get(&server, "/api/v4/widgets").await.unwrap_err();
    assert!(!error.is_connect() && error.status().is_none(), "{error:?}");
    let addr = server.addr();
    let token = server.token().to_owned();
    let bytes = tokio::task::spawn_blocking(move || raw_get(addr, "/api/v4/widgets", &token))
        .await
        .unwrap();
    assert!(bytes.is_empty(), "{:?}", String::from_utf8_lossy(&bytes));
}

#[tokio::test]
async fn truncate_sends_half_the_body_under_the_whole_length() {
    let server = FakeServer::builder()
        .fault(Fault::truncate().operation(Operation::Get))
        .start()
        .await
        .unwrap();
    let addr = server.addr();
    let token = server.token().to_owned();
    let bytes =
        tokio::task::spawn_blocking(move || raw_get(addr, "/api/v4/widgets/amo_dropbox", &token))
            .await
            .unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let declared: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .map(str::to_owned)
        })
        .expect("content-length")
        .parse()
        .unwrap();
    assert_eq!(body.len(), declared / 2, "{head}");
    assert!(body.starts_with("{\""), "{body}");

    // reqwest sees the cut as a body error.
    let resp = get(&server, "/api/v4/widgets/amo_dropbox").await.unwrap();
    let error = resp.bytes().await.unwrap_err();
    assert!(error.is_body() || error.is_decode(), "{error:?}");

    // A 204 (uninstall) becomes a 200 promising a body that never comes.
    server.faults().clear();
    server
        .faults()
        .add(Fault::truncate().operation(Operation::Uninstall));
    let resp = Client::new()
        .delete(format!("{}/api/v4/widgets/amo_dropbox", server.base_url()))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err());
}

#[tokio::test]
async fn seeded_probability_gives_the_same_answers_every_run() {
    async fn run(seed: u64) -> Vec<u16> {
        let server = FakeServer::builder()
            .fault(Fault::status(500).probability(0.5).seed(seed))
            .start()
            .await
            .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..24 {
            statuses.push(
                get(&server, "/api/v4/account")
                    .await
                    .unwrap()
                    .status()
                    .as_u16(),
            );
        }
        statuses
    }
    let a = run(11).await;
    assert_eq!(a, run(11).await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
    assert_ne!(a, run(12).await);
}

/// A fault on a connection that reqwest keeps alive: an error, then the next request works.
#[tokio::test]
async fn reset_and_truncate_break_a_kept_alive_connection_once() {
    let server = FakeServer::builder().start().await.unwrap();
    let c = Client::new();
    let url = format!("{}/api/v4/widgets/amo_dropbox", server.base_url());
    assert_eq!(
        c.get(&url)
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    server.faults().add(Fault::reset().once());
    let r = c.get(&url).bearer_auth(server.token()).send().await;
    let error = r.unwrap_err();
    assert!(error.is_request() && error.status().is_none(), "{error:?}");
    server.faults().clear();
    server.faults().add(Fault::truncate().once());
    let r = c
        .get(&url)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    let b = r.bytes().await;
    assert!(b.is_err());
    assert_eq!(
        c.get(&url)
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

/// `nth` counts per fault (not per account), under account prefixes too.
#[tokio::test]
async fn faults_count_per_fault_across_accounts_and_spare_admin_routes() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    let c = Client::new();
    // nth counts the requests the fault's target matches, on every account.
    let id = server
        .faults()
        .add(Fault::status(503).operation(Operation::Get).nth(2));
    let u0 = format!("{}/api/v4/widgets/amo_dropbox", server.base_url());
    let u1 = format!("{}/api/v4/widgets/amo_dropbox", acc1.url());
    let l0 = format!("{}/api/v4/widgets", server.base_url());
    assert_eq!(
        c.get(&l0)
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(&u0)
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        c.get(&u1)
            .bearer_auth(acc1.token())
            .send()
            .await
            .unwrap()
            .status(),
        503
    );
    assert_eq!(server.faults().fired(id), 1);
    server.faults().clear();
    // A route pattern with the prefix aims at one account.
    server
        .faults()
        .add_spec("GET /acc1/api/v4/widgets/*=500")
        .unwrap();
    assert_eq!(
        c.get(&u1)
            .bearer_auth(acc1.token())
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    assert_eq!(
        c.get(&u0)
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The fake's own routes are never broken by a fault.
    server.faults().clear();
    server.faults().add(Fault::reset());
    let a = c
        .get(format!("{}/_fake/requests", acc1.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
}
