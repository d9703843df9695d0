//! The server itself: shutdown and drop, a given address, concurrent clients.

use std::time::Duration;

use amocrm_fake::{DEFAULT_TOKEN, FakeServer};
use reqwest::{Client, StatusCode};

use crate::support::*;

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let server = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/widgets", server.base_url());
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );
    server.shutdown().await;
    let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert!(client.get(&url).send().await.is_err());

    let server = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/widgets", server.base_url());
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(client.get(&url).send().await.is_err());
}

#[tokio::test]
async fn bind_to_a_given_address() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let server = FakeServer::builder().bind(addr).start().await.unwrap();
    assert_eq!(server.addr(), addr);
    assert_eq!(server.base_url(), format!("http://{addr}"));
    // The port is now taken.
    assert!(FakeServer::builder().bind(addr).start().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients() {
    let server = FakeServer::builder().widgets(2000).start().await.unwrap();
    let base = server.base_url();
    let mut tasks = Vec::new();
    for page in 1..=10 {
        let url = format!("{base}/api/v4/widgets?limit=250&page={page}");
        tasks.push(tokio::spawn(async move {
            Client::new()
                .get(url)
                .bearer_auth(DEFAULT_TOKEN)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().unwrap());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 204]);
    assert_eq!(server.requests().len(), 10);
}
