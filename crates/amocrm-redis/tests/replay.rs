//! RedisReplayGuard against a real Redis: a token is accepted once by every instance,
//! again only after it expired.

mod common;

use std::time::{Duration, SystemTime};

use amocrm::widget_request::ReplayGuard;
use amocrm_redis::RedisReplayGuard;
use common::{another_connection, redis_or_skip, unique_prefix};

#[tokio::test]
async fn a_token_is_accepted_once_by_every_instance_until_it_expires() {
    let test = "a_token_is_accepted_once_by_every_instance_until_it_expires";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let prefix = unique_prefix("replay");
    let one = RedisReplayGuard::new(redis.clone()).key_prefix(&prefix);
    let other = RedisReplayGuard::new(another_connection()).key_prefix(&prefix);
    let until = SystemTime::now() + Duration::from_millis(400);

    assert!(one.check_and_remember("sig-1", until).await.unwrap());
    assert!(!other.check_and_remember("sig-1", until).await.unwrap());
    assert!(!one.check_and_remember("sig-1", until).await.unwrap());
    // Another token is not affected.
    assert!(other.check_and_remember("sig-2", until).await.unwrap());

    let mut conn = redis.manager().clone();
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}sig-1"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!((1..=400).contains(&ttl), "PTTL {ttl}");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let later = SystemTime::now() + Duration::from_secs(5);
    assert!(other.check_and_remember("sig-1", later).await.unwrap());
}

#[tokio::test]
async fn concurrent_checks_of_one_token_accept_it_once() {
    let test = "concurrent_checks_of_one_token_accept_it_once";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let prefix = unique_prefix("replay-race");
    let until = SystemTime::now() + Duration::from_secs(5);
    let guards: Vec<RedisReplayGuard> = (0..8)
        .map(|i| {
            let redis = if i == 0 {
                redis.clone()
            } else {
                another_connection()
            };
            RedisReplayGuard::new(redis).key_prefix(&prefix)
        })
        .collect();
    let answers = futures::future::join_all(
        guards
            .iter()
            .map(|guard| guard.check_and_remember("same", until)),
    )
    .await;
    let accepted = answers.into_iter().filter(|a| *a.as_ref().unwrap()).count();
    assert_eq!(accepted, 1);
}
