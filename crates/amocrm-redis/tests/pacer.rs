//! RedisPacer against a real Redis: spacing across connections ("processes"), pauses
//! shared, slots voided by a later pause, accounts apart, keys that expire. Only lower
//! bounds on elapsed time are asserted where a slow machine makes things later.

mod common;

use std::time::Duration;

use amocrm::pace::RateLimit;
use amocrm_redis::{RedisConnection, RedisPacer};
use common::{another_connection, assert_at_most_per_second, redis_or_skip, unique_prefix};
use futures::future::join_all;
use tokio::time::Instant;

const ACCOUNT: &str = "https://example.amocrm.ru";

/// amoCRM's 7 a second with a 40 ms margin instead of the default 10 ms: a departure is
/// timed when its task runs, and on a loaded two-core host a task woken 13 ms late made
/// eight departures span 997 ms. These tests check that the connections share one
/// schedule (four unshared ones would send 28 a second), not the margin's size.
fn limit() -> RateLimit {
    RateLimit::AMOCRM.jitter_margin(Duration::from_millis(40))
}

fn pacer(redis: RedisConnection, prefix: &str) -> RedisPacer {
    RedisPacer::new(redis, limit()).key_prefix(prefix)
}

/// `count` acquires of `account` at once, spread over `pacers`; their departures, sorted.
async fn departures(pacers: &[RedisPacer], account: &str, count: usize) -> Vec<Instant> {
    let tasks = (0..count).map(|i| {
        let pacer = pacers[i % pacers.len()].clone();
        let account = account.to_owned();
        tokio::spawn(async move {
            pacer.acquire_slot(&account).await.unwrap();
            Instant::now()
        })
    });
    let mut at: Vec<Instant> = join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    at.sort();
    at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_slots_over_four_connections_are_spaced_never_eight_in_a_second() {
    let test = "forty_slots_over_four_connections_are_spaced_never_eight_in_a_second";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let _timing = common::timing().await;
    let prefix = unique_prefix("spacing");
    let pacers: Vec<RedisPacer> = std::iter::once(redis)
        .chain((0..3).map(|_| another_connection()))
        .map(|redis| pacer(redis, &prefix))
        .collect();
    let started = Instant::now();
    let at = departures(&pacers, ACCOUNT, 40).await;
    let interval = limit().interval();

    assert_at_most_per_second(&at, 7);
    // Evenly spaced, never a burst (half an interval tolerates a late wake-up here).
    for (i, pair) in at.windows(2).enumerate() {
        assert!(
            pair[1] - pair[0] >= interval / 2,
            "departures {i} and {} only {:?} apart",
            i + 1,
            pair[1] - pair[0]
        );
    }
    assert!(at[39] - started >= interval * 39 - Duration::from_millis(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_from_one_connection_delays_the_others() {
    let test = "a_pause_from_one_connection_delays_the_others";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let _timing = common::timing().await;
    let prefix = unique_prefix("pause");
    let a = pacer(redis, &prefix);
    let b = pacer(another_connection(), &prefix);
    b.acquire_slot(ACCOUNT).await.unwrap();

    let paused_at = Instant::now();
    a.pause_for(ACCOUNT, Duration::from_millis(600))
        .await
        .unwrap();
    b.acquire_slot(ACCOUNT).await.unwrap();
    let waited = paused_at.elapsed();
    assert!(
        waited >= Duration::from_millis(590),
        "left after {waited:?}"
    );
    assert!(
        waited < Duration::from_millis(1_500),
        "left after {waited:?}"
    );

    // A shorter pause does not shorten a longer one.
    a.pause_for(ACCOUNT, Duration::from_millis(800))
        .await
        .unwrap();
    a.pause_for(ACCOUNT, Duration::from_millis(10))
        .await
        .unwrap();
    let paused_at = Instant::now();
    b.acquire_slot(ACCOUNT).await.unwrap();
    assert!(paused_at.elapsed() >= Duration::from_millis(750));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slots_inside_a_later_pause_are_voided_and_taken_again_after_it_spaced() {
    let test = "slots_inside_a_later_pause_are_voided_and_taken_again_after_it_spaced";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let _timing = common::timing().await;
    let prefix = unique_prefix("void");
    let a = pacer(redis, &prefix);
    let b = pacer(another_connection(), &prefix);
    let interval = limit().interval();

    // Five slots booked by b: now, and four ahead (the last ~577 ms from now).
    let waiting = {
        let b = b.clone();
        tokio::spawn(async move { departures(&[b], ACCOUNT, 5).await })
    };
    tokio::time::sleep(Duration::from_millis(60)).await;
    let paused_at = Instant::now();
    a.pause_for(ACCOUNT, Duration::from_secs(1)).await.unwrap();
    let at = waiting.await.unwrap();

    // One left before the pause; the four booked inside it left after it, spaced.
    assert!(at[0] < paused_at, "the first slot was due at once");
    for (i, &left) in at.iter().enumerate().skip(1) {
        let after = left.saturating_duration_since(paused_at);
        assert!(
            after >= Duration::from_millis(990),
            "slot {i} left {after:?} after the pause was set, inside it"
        );
    }
    for pair in at[1..].windows(2) {
        assert!(pair[1] - pair[0] >= interval / 2, "{:?}", pair[1] - pair[0]);
    }
    assert_at_most_per_second(&at, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_paced_apart() {
    let test = "accounts_are_paced_apart";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let _timing = common::timing().await;
    let prefix = unique_prefix("accounts");
    let p = pacer(redis, &prefix);
    let busy = {
        let p = p.clone();
        tokio::spawn(async move { departures(&[p], "http://127.0.0.1:1/acc1", 8).await })
    };
    tokio::time::sleep(Duration::from_millis(30)).await;
    // acc1's queue reaches a second ahead; acc2 and a pause of acc1 do not wait for it.
    let started = Instant::now();
    p.acquire_slot("http://127.0.0.1:1/acc2").await.unwrap();
    p.acquire_slot("http://127.0.0.1:1/acc3").await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(100));
    let at = busy.await.unwrap();
    assert!(at[7] - at[0] >= limit().interval() * 7 - Duration::from_millis(5));

    p.pause_for("http://127.0.0.1:1/acc1", Duration::from_secs(5))
        .await
        .unwrap();
    let started = Instant::now();
    p.acquire_slot("http://127.0.0.1:1/acc2").await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_expire_when_the_account_is_idle() {
    let test = "keys_expire_when_the_account_is_idle";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let _timing = common::timing().await;
    let prefix = unique_prefix("expiry");
    let p = pacer(redis.clone(), &prefix);
    let mut conn = redis.manager().clone();
    let pttl = |key: String| {
        let mut conn = conn.clone();
        async move {
            redis::cmd("PTTL")
                .arg(key)
                .query_async::<i64>(&mut conn)
                .await
                .unwrap()
        }
    };

    // A departure counts for n intervals (1.01 s), then the key outlives it by a second.
    p.acquire_slot("a").await.unwrap();
    let ttl = pttl(p.key("a")).await;
    assert!((1_900..=2_200).contains(&ttl), "PTTL {ttl}");

    p.pause_for("b", Duration::from_secs(3)).await.unwrap();
    let ttl = pttl(p.key("b")).await;
    assert!((2_900..=4_100).contains(&ttl), "PTTL {ttl}");

    tokio::time::sleep(Duration::from_millis(2_400)).await;
    let exists: i64 = redis::cmd("EXISTS")
        .arg(p.key("a"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0, "an idle account's key is gone");
}
