//! Many calls in flight answer over as many connections, each reused all along: the
//! pacer hears of each connection once (when it is new), not of every answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use amocrm::error::PaceError;
use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm::{AccountUrl, Client, RetryPolicy};
use amocrm_test_support::loopback;
use futures::future::BoxFuture;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// How long the server takes to answer each request.
const SLOW: Duration = Duration::from_millis(400);
/// Calls in flight at once.
const CALLERS: usize = 12;

/// A keep-alive HTTP/1.1 server answering every request after [`SLOW`]; counts the
/// connections it accepted.
async fn start() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let accepted = connections.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            accepted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(stream));
        }
    });
    (base_url, connections)
}

async fn serve(mut stream: TcpStream) {
    let body = loopback::widget_json(7, "w7");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        // GETs: no body.
        buf.drain(..head_end);
        tokio::time::sleep(SLOW).await;
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// A [`MemoryPacer`] counting the requests it heard came back over a new connection.
#[derive(Debug)]
struct CountingLate {
    pacer: MemoryPacer,
    late: AtomicUsize,
}

impl Pacer for CountingLate {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.pacer.acquire(account)
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.pacer.pause(account, delay)
    }

    fn reached_late<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.late.fetch_add(1, Ordering::SeqCst);
        self.pacer.reached_late(account)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dozen_busy_connections_are_each_counted_once_not_every_answer() {
    let (base_url, connections) = start().await;
    let pacer = Arc::new(CountingLate {
        pacer: MemoryPacer::new(RateLimit::per_second(100)),
        late: AtomicUsize::new(0),
    });
    let client = Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token("t")
        .retry(RetryPolicy::disabled())
        .pacer(pacer.clone())
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(3);
    let answers = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (client, answers) = (client.clone(), answers.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    client.widgets().get("w7").send().await.unwrap();
                    answers.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    let answers = answers.load(Ordering::SeqCst);
    let opened = connections.load(Ordering::SeqCst);
    let late = pacer.late.load(Ordering::SeqCst);
    println!("{answers} answers over {opened} connections; {late} counted as new");
    assert!(answers >= CALLERS * 4, "{answers} answers");
    // One per connection opened (a dozen, one per caller), not one per answer.
    assert!(late <= opened, "{late} counted, {opened} connections");
    assert!(late <= CALLERS, "{late} counted, {opened} connections");
}
