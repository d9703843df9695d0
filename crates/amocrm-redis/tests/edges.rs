//! The script at its edges against real servers: departures spaced on Redis's own clock,
//! pauses that never shorten and keys that outlive them, a server that forgot the script
//! (SCRIPT FLUSH) or turned read-only (a replica).

mod common;

use std::time::Duration;

use amocrm::pace::{Pacer, RateLimit};
use amocrm_redis::{RedisConnection, RedisPacer};
use common::OwnRedis;

const ACCOUNT: &str = "https://example.amocrm.ru";

async fn hget(redis: &RedisConnection, key: &str, field: &str) -> Option<i64> {
    let mut manager = redis.manager().clone();
    redis::cmd("HGET")
        .arg(key)
        .arg(field)
        .query_async::<Option<i64>>(&mut manager)
        .await
        .unwrap()
}

/// The last departure recorded (the field keeps the last `n`, oldest first).
async fn last_departure(redis: &RedisConnection, key: &str) -> Option<i64> {
    let mut manager = redis.manager().clone();
    let left = redis::cmd("HGET")
        .arg(key)
        .arg("l")
        .query_async::<Option<String>>(&mut manager)
        .await
        .unwrap()?;
    left.split(' ')
        .next_back()
        .map(|last| last.parse().unwrap())
}

async fn pttl(redis: &RedisConnection, key: &str) -> i64 {
    let mut manager = redis.manager().clone();
    redis::cmd("PTTL")
        .arg(key)
        .query_async::<i64>(&mut manager)
        .await
        .unwrap()
}

#[tokio::test]
async fn departures_recorded_on_the_redis_clock_never_put_eight_in_one_second() {
    let test = "departures_recorded_on_the_redis_clock_never_put_eight_in_one_second";
    let Some(redis) = common::redis_or_skip(test).await else {
        return;
    };
    let pacer =
        RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix(common::unique_prefix(test));
    let key = pacer.key(ACCOUNT);
    // One request at a time: after each, the key's last departure is that request's
    // departure instant on the server's clock (µs), exactly.
    let mut left = Vec::new();
    for _ in 0..16 {
        pacer.acquire(ACCOUNT).await.unwrap();
        left.push(
            last_departure(&redis, &key)
                .await
                .expect("departure recorded"),
        );
    }
    for window in left.windows(8) {
        let span = window[7] - window[0];
        assert!(span > 1_000_000, "8 departures within {span} µs: {left:?}");
    }
}

#[tokio::test]
async fn a_pause_is_never_shortened_and_its_key_outlives_it() {
    let test = "a_pause_is_never_shortened_and_its_key_outlives_it";
    let Some(redis) = common::redis_or_skip(test).await else {
        return;
    };
    let pacer =
        RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix(common::unique_prefix(test));
    let key = pacer.key(ACCOUNT);
    // An idle account paused for 30 s: the key (and the pause) lasts at least that long.
    pacer.pause(ACCOUNT, Duration::from_secs(30)).await.unwrap();
    let until = hget(&redis, &key, "p").await.expect("pause recorded");
    assert!(pttl(&redis, &key).await >= 29_000);
    // A shorter Retry-After seen later changes nothing.
    pacer.pause(ACCOUNT, Duration::from_secs(1)).await.unwrap();
    assert_eq!(hget(&redis, &key, "p").await, Some(until));
    assert!(pttl(&redis, &key).await >= 29_000);
    // A request now waits for the pause (it does not leave within a second).
    let waited = tokio::time::timeout(Duration::from_secs(1), pacer.acquire(ACCOUNT)).await;
    assert!(waited.is_err(), "a slot inside the pause");
    // Nor does a departure keep the key shorter than the pause.
    assert!(pttl(&redis, &key).await >= 28_000);
    let mut manager = redis.manager().clone();
    let _: i64 = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut manager)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_flushed_script_cache_is_reloaded_and_a_read_only_server_fails_closed() {
    let test = "a_flushed_script_cache_is_reloaded_and_a_read_only_server_fails_closed";
    let Some(server) = OwnRedis::start_or_skip(test).await else {
        return;
    };
    let redis = RedisConnection::open_with_timeout(&server.url(), Duration::from_secs(2)).unwrap();
    let pacer = RedisPacer::new(redis.clone(), RateLimit::AMOCRM);
    pacer.acquire(ACCOUNT).await.unwrap();
    let mut manager = redis.manager().clone();
    let _: String = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut manager)
        .await
        .unwrap();
    // NOSCRIPT on EVALSHA: the script is loaded again, the slot granted.
    pacer.acquire(ACCOUNT).await.unwrap();

    // Turned into a replica (of nothing that answers): writes are refused, no slot.
    let _: String = redis::cmd("REPLICAOF")
        .arg("127.0.0.1")
        .arg(common::free_port())
        .query_async(&mut manager)
        .await
        .unwrap();
    let error = pacer.acquire(ACCOUNT).await.unwrap_err();
    assert!(error.to_string().contains("read only replica"), "{error}");
    assert!(pacer.pause(ACCOUNT, Duration::from_secs(1)).await.is_err());
    let _: String = redis::cmd("REPLICAOF")
        .arg("NO")
        .arg("ONE")
        .query_async(&mut manager)
        .await
        .unwrap();
    pacer.acquire(ACCOUNT).await.unwrap();
}

#[tokio::test]
async fn a_connected_server_that_stops_answering_fails_both_engines_then_recovers() {
    let test = "a_connected_server_that_stops_answering_fails_both_engines_then_recovers";
    let Some(server) = OwnRedis::start_or_skip(test).await else {
        return;
    };
    let redis =
        RedisConnection::open_with_timeout(&server.url(), Duration::from_millis(300)).unwrap();
    let pacer = RedisPacer::new(redis.clone(), RateLimit::AMOCRM);
    let guard = amocrm_redis::RedisReplayGuard::new(redis.clone());
    pacer.acquire(ACCOUNT).await.unwrap();
    let mut manager = redis.manager().clone();
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut manager)
        .await
        .unwrap();
    let pid = info
        .lines()
        .find_map(|line| line.strip_prefix("process_id:"))
        .expect("process_id")
        .trim()
        .to_owned();
    let signal = |sig: &str| {
        let status = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .unwrap();
        assert!(status.success());
    };
    // Stopped (SIGSTOP): the connection stays open, nothing answers.
    signal("-STOP");
    let until = std::time::SystemTime::now() + Duration::from_secs(60);
    let outcome = tokio::time::timeout(Duration::from_secs(3), async {
        (
            pacer.acquire(ACCOUNT).await,
            pacer.pause(ACCOUNT, Duration::from_secs(1)).await,
            amocrm::widget_request::ReplayGuard::check_and_remember(&guard, "token", until).await,
        )
    })
    .await;
    signal("-CONT");
    let (acquired, paused, remembered) = outcome.expect("an engine hung on a stalled Redis");
    assert!(acquired.is_err() && paused.is_err() && remembered.is_err());
    // Answering again: both work.
    tokio::time::sleep(Duration::from_millis(100)).await;
    pacer.acquire(ACCOUNT).await.unwrap();
    assert!(
        amocrm::widget_request::ReplayGuard::check_and_remember(&guard, "token2", until)
            .await
            .unwrap()
    );
}

/// Anyone who can write the prefix can plant a pause no client of this crate writes (a
/// day, where `pause` caps at an hour): a request then fails at once with an error saying
/// so, rather than waiting past every timeout its caller set.
#[tokio::test]
async fn a_planted_day_long_pause_fails_the_call_instead_of_hanging_it() {
    let test = "a_planted_day_long_pause_fails_the_call_instead_of_hanging_it";
    let Some(redis) = common::redis_or_skip(test).await else {
        return;
    };
    let pacer =
        RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix(common::unique_prefix(test));
    let key = pacer.key(ACCOUNT);
    let mut manager = redis.manager().clone();
    let (secs, micros): (i64, i64) = redis::cmd("TIME")
        .query_async::<(String, String)>(&mut manager)
        .await
        .map(|(s, us)| (s.parse().unwrap(), us.parse().unwrap()))
        .unwrap();
    let day_on = (secs + 86_400) * 1_000_000 + micros;
    let _: i64 = redis::cmd("HSET")
        .arg(&key)
        .arg("p")
        .arg(day_on)
        .query_async(&mut manager)
        .await
        .unwrap();
    let _: i64 = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(60_000)
        .query_async(&mut manager)
        .await
        .unwrap();

    let answer = tokio::time::timeout(Duration::from_secs(5), pacer.acquire(ACCOUNT))
        .await
        .expect("an answer, not a day's wait");
    let error = answer.unwrap_err();
    assert!(error.to_string().contains("longer than"), "{error}");

    // A pause a client writes (at most an hour) is waited for as before.
    let _: i64 = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut manager)
        .await
        .unwrap();
    pacer
        .pause(ACCOUNT, Duration::from_secs(7200))
        .await
        .unwrap();
    let waited = tokio::time::timeout(Duration::from_secs(1), pacer.acquire(ACCOUNT)).await;
    assert!(waited.is_err(), "waits for an hour's pause");
    let _: i64 = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut manager)
        .await
        .unwrap();
}
