//! A Redis of the test's own, killed mid-run and started again: requests fail clearly while
//! it is down (none leaves unpaced), the pacer recovers once it is back, and the slots of
//! the old schedule do not double the new one (no burst above 7 in any second).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amocrm::pace::{Pacer, RateLimit};
use amocrm_redis::{RedisConnection, RedisPacer};
use common::{OwnRedis, assert_at_most_per_second};
use tokio::time::Instant;

const ACCOUNT: &str = "https://example.amocrm.ru";

#[derive(Default)]
struct Log {
    left: Vec<Instant>,
    failed: Vec<(Instant, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_fails_clearly_then_recovers_without_a_burst() {
    let test = "redis_killed_mid_run_fails_clearly_then_recovers_without_a_burst";
    let Some(mut server) = OwnRedis::start_or_skip(test).await else {
        return;
    };
    let _timing = common::timing().await;
    let url = server.url();
    // Two "processes", three workers each, asking for slots as fast as they are granted.
    let pacers: Vec<Arc<dyn Pacer>> = (0..2)
        .map(|_| {
            let redis =
                RedisConnection::open_with_timeout(&url, Duration::from_millis(500)).unwrap();
            // A 40 ms margin: departures are timed when their task runs, late on a loaded
            // host (see pacer.rs); the test is about the restart, not the margin.
            let limit = RateLimit::AMOCRM.jitter_margin(Duration::from_millis(40));
            Arc::new(RedisPacer::new(redis, limit)) as Arc<dyn Pacer>
        })
        .collect();
    let log = Arc::new(Mutex::new(Log::default()));
    let stop = Instant::now() + Duration::from_millis(6_500);
    let workers: Vec<_> = (0..6)
        .map(|i| {
            let pacer = pacers[i % 2].clone();
            let log = log.clone();
            tokio::spawn(async move {
                while Instant::now() < stop {
                    match pacer.acquire(ACCOUNT).await {
                        Ok(()) => log.lock().unwrap().left.push(Instant::now()),
                        Err(error) => {
                            let text = format!("{error}");
                            log.lock().unwrap().failed.push((Instant::now(), text));
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let killed_at = Instant::now();
    server.kill();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let restarted_at = Instant::now();
    server.start().await;
    let up_at = Instant::now();
    for worker in workers {
        worker.await.unwrap();
    }

    let log = log.lock().unwrap();
    let mut left = log.left.clone();
    left.sort();
    let before = left.iter().filter(|&&at| at < killed_at).count();
    let during = left
        .iter()
        .filter(|&&at| at > killed_at + Duration::from_millis(50) && at < restarted_at)
        .count();
    let after: Vec<Instant> = left.iter().copied().filter(|&at| at >= up_at).collect();
    let address = format!("127.0.0.1:{}", server.port);

    assert!(before >= 10, "{before} requests before the kill");
    assert_eq!(during, 0, "no request leaves while Redis is down");
    let failures: Vec<&(Instant, String)> = log
        .failed
        .iter()
        .filter(|(at, _)| *at >= killed_at)
        .collect();
    assert!(!failures.is_empty(), "acquires fail while Redis is down");
    for (_, text) in &failures {
        assert!(
            text.starts_with("pacer: ") && text.contains(&address),
            "unclear error: {text}"
        );
    }
    assert!(
        after.len() >= 15,
        "{} requests in the 3 s after the restart",
        after.len()
    );
    assert!(
        after[0] - up_at < Duration::from_secs(1),
        "recovered {:?} after the restart",
        after[0] - up_at
    );
    assert_at_most_per_second(&left, 7);
    eprintln!(
        "{before} before the kill, {} failures while down, {} after the restart (first {:?} after it)",
        failures.len(),
        after.len(),
        after[0] - up_at
    );
}
