//! A request on a fresh connection reaches the server later than its slot (TCP and TLS
//! setup before its first byte), so it can land in the same second as the requests
//! behind it, which go out on connections already open. Measured against a keep-alive
//! loopback server that delays the first byte of every new connection by 100 ms and
//! closes each connection after a few requests (so new ones keep being opened).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amocrm::{AccountUrl, Client, RetryPolicy};
use amocrm_test_support::loopback;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// How late the first byte of a new connection reaches the server.
const SETUP: Duration = Duration::from_millis(100);
/// Requests a connection serves before the server closes it.
const PER_CONNECTION: usize = 5;

/// The server: arrival times of the requests (their heads read whole), and connections.
#[derive(Default)]
struct Log {
    arrivals: Vec<Instant>,
    connections: usize,
}

async fn start() -> (String, Arc<Mutex<Log>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Log::default()));
    let served = log.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            served.lock().unwrap().connections += 1;
            tokio::spawn(serve(stream, served.clone()));
        }
    });
    (base_url, log)
}

async fn serve(mut stream: TcpStream, log: Arc<Mutex<Log>>) {
    // The connection's setup: nothing of it is read before SETUP has passed.
    tokio::time::sleep(SETUP).await;
    let body = loopback::widget_json(7, "w7");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    for served in 1..=PER_CONNECTION {
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        log.lock().unwrap().arrivals.push(Instant::now());
        // GETs: no body.
        buf.drain(..head_end);
        let close = if served == PER_CONNECTION {
            "Connection: close\r\n"
        } else {
            ""
        };
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\n{close}\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// The most arrivals in any window of `width` starting at an arrival.
fn most_in_window(arrivals: &[Instant], width: Duration) -> usize {
    (0..arrivals.len())
        .map(|i| {
            arrivals[i..]
                .iter()
                .take_while(|at| **at - arrivals[i] < width)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_connections_do_not_crowd_a_second_at_the_default_pace() {
    let (base_url, log) = start().await;
    // The default pace (7/s, a 10 ms margin), four callers at once.
    let client = Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token("t")
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let callers = (0..4).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            for _ in 0..8 {
                client.widgets().get("w7").send().await.unwrap();
            }
        })
    });
    for caller in callers {
        caller.await.unwrap();
    }
    let log = log.lock().unwrap();
    let mut arrivals = log.arrivals.clone();
    arrivals.sort();
    assert_eq!(arrivals.len(), 32);
    // New connections were opened all along (four at first, one per 5 requests after).
    assert!(log.connections >= 6, "{} connections", log.connections);
    // Without the pacer hearing of fresh connections, 8 requests reach the server within
    // about 910 ms (a request 100 ms late, then 7 more a slot apart). A window 40 ms short
    // of a second keeps the check clear of a loaded machine's scheduling jitter in
    // reading the arrivals, and still far from that.
    let width = Duration::from_millis(960);
    let most = most_in_window(&arrivals, width);
    let in_a_second = most_in_window(&arrivals, Duration::from_secs(1));
    println!("most arrivals in {width:?}: {most}; in 1 s: {in_a_second}");
    assert!(most <= 7, "{most} arrivals within {width:?}: {arrivals:?}");
}
