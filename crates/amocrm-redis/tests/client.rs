//! amocrm clients paced by a RedisPacer, against the fake and its strict 7/s window: two
//! clients (two "processes") of one account get no 429; with Redis unreachable a call
//! fails with `Error::Pace` and nothing reaches the server.

mod common;

use std::sync::Arc;
use std::time::Duration;

use amocrm::AccountUrl;
use amocrm::pace::{Pacer, RateLimit};
use amocrm::{Client, ErrorKind, RetryPolicy};
use amocrm_redis::{RedisConnection, RedisPacer};
use common::{another_connection, free_port, redis_or_skip, unique_prefix};

fn client(fake: &amocrm_fake::FakeServer, pacer: Arc<dyn Pacer>) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .retry(RetryPolicy::disabled())
        .pacer(pacer)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_on_two_connections_stay_inside_the_fakes_window() {
    let test = "two_clients_on_two_connections_stay_inside_the_fakes_window";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let fake = amocrm_fake::FakeServer::builder()
        .widgets(3)
        .rate_limit(Some(7))
        .start()
        .await
        .unwrap();
    let prefix = unique_prefix("client");
    let clients: Vec<Client> = [redis, another_connection()]
        .into_iter()
        .map(|redis| {
            let pacer = RedisPacer::new(redis, RateLimit::AMOCRM).key_prefix(&prefix);
            client(&fake, Arc::new(pacer))
        })
        .collect();
    // 2 clients × 8 calls at once: 16 requests, none refused by the 7/s window.
    let calls = (0..16).map(|i| {
        let client = clients[i % 2].clone();
        tokio::spawn(async move { client.widgets().list().send().await })
    });
    for result in futures::future::join_all(calls).await {
        result.unwrap().unwrap();
    }
    assert_eq!(fake.requests().len(), 16);
}

#[tokio::test]
async fn redis_unreachable_fails_the_call_and_sends_nothing() {
    let fake = amocrm_fake::FakeServer::builder().start().await.unwrap();
    let port = free_port();
    let redis = RedisConnection::open(&format!("redis://127.0.0.1:{port}/")).unwrap();
    let pacer = RedisPacer::new(redis, RateLimit::AMOCRM);
    let client = client(&fake, Arc::new(pacer));

    let started = tokio::time::Instant::now();
    let error = client.widgets().list().send().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(error.kind(), ErrorKind::Pace, "{error}");
    let text = error.to_string();
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(fake.requests().is_empty(), "nothing was sent");
}
