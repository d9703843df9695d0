//! Fault injection over real HTTP: what a client sees on the wire for each fault kind, the
//! run-time switch, and the binary's `--fault` flag. (The client's own recovery from them
//! is tested in `crates/amocrm/tests/fake_faults.rs`.)

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
    let started = Instant::now();
    assert_eq!(get(&server, "/api/v4/widgets").await.unwrap().status(), 200);
    let fast = started.elapsed();
    let started = Instant::now();
    let resp = get(&server, "/api/v4/widgets/amo_dropbox").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(fast < Duration::from_millis(300), "{fast:?}");
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

// ------------------------------------------------------------------- binary

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_injects_the_faults_of_its_flags() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args([
                "--port",
                "0",
                "--fault",
                "list=429:retry-after=2:html",
                "--fault",
                "GET /api/v4/widgets/*=503@2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    // Kept open to the end: the server writes more lines, and a closed pipe would end it.
    let mut stdout = BufReader::new(stdout).lines();
    let first = stdout.next().unwrap().unwrap();
    let base = first
        .strip_prefix("amocrm-fake listening on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(base, _)| base.to_owned())
        .unwrap_or_else(|| panic!("unexpected banner {first:?}"));
    let stderr = child.0.stderr.take().unwrap();
    let mut stderr = BufReader::new(stderr).lines();
    let announced: Vec<String> = stderr.by_ref().take(2).map(Result::unwrap).collect();
    assert_eq!(
        announced,
        [
            "amocrm-fake: injecting fault list=429:html:retry-after=2",
            "amocrm-fake: injecting fault GET /api/v4/widgets/*=503@2"
        ]
    );

    let client = Client::new();
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(amocrm_fake::DEFAULT_TOKEN)
            .send()
    };
    let resp = get("/api/v4/widgets").await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert!(resp.text().await.unwrap().contains("<html>"));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get("/api/v4/widgets/amo_dropbox").await.unwrap().status());
    }
    assert_eq!(statuses, [200, 503, 200]);
}

#[test]
fn binary_refuses_a_bad_fault_and_documents_the_grammar() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
        .args(["--port", "0", "--fault", "list=explode"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown action \"explode\""), "{stderr}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--fault <SPEC>",
        "retry-after=",
        "latency:",
        "reset",
        "truncate",
        "*=503@3",
    ] {
        assert!(help.contains(needle), "{needle} in {help}");
    }
}
