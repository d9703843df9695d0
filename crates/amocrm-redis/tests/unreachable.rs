//! Redis unreachable or silent: both engines fail fast with an error naming the server,
//! never a slot without Redis, never a widget_request accepted unchecked.

mod common;

use std::error::Error as _;
use std::time::{Duration, SystemTime};

use amocrm::pace::RateLimit;
use amocrm::widget_request::ReplayGuard;
use amocrm_redis::{Error, RedisConnection, RedisPacer, RedisReplayGuard};
use common::free_port;
use tokio::time::Instant;

#[tokio::test]
async fn a_closed_port_fails_at_once() {
    let port = free_port();
    let redis = RedisConnection::open(&format!("redis://127.0.0.1:{port}/")).unwrap();
    let pacer = RedisPacer::new(redis.clone(), RateLimit::AMOCRM);
    let guard = RedisReplayGuard::new(redis);
    let address = format!("127.0.0.1:{port}");

    let started = Instant::now();
    let error = pacer.acquire_slot("acc").await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(error, Error::Redis { .. }), "{error:?}");
    assert!(error.to_string().contains(&address), "{error}");
    assert!(error.source().is_some());

    let error = pacer
        .pause_for("acc", Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(error.to_string().contains(&address), "{error}");

    let error = guard
        .check_and_remember("sig", SystemTime::now() + Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(error.to_string().contains(&address), "{error}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts connections (the kernel's backlog) and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let redis = RedisConnection::open_with_timeout(
        &format!("redis://127.0.0.1:{port}/"),
        Duration::from_millis(300),
    )
    .unwrap();
    let pacer = RedisPacer::new(redis, RateLimit::AMOCRM);

    let started = Instant::now();
    let error = pacer.acquire_slot("acc").await.unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        error.to_string().contains("did not answer") || error.to_string().contains("timed out"),
        "{error}"
    );
    drop(listener);
}

#[test]
fn opening_outside_a_runtime_or_a_bad_url_is_an_error() {
    assert!(matches!(
        RedisConnection::open("redis://127.0.0.1/"),
        Err(Error::NoRuntime)
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let error = RedisConnection::open("http://nope").unwrap_err();
        assert!(matches!(error, Error::Url { .. }), "{error:?}");
    });
}
