//! Webhook deliveries deduplicated across instances: two receivers sharing a
//! RedisReplayGuard accept a body once; a wrong secret never reaches Redis.

mod common;

use std::sync::Arc;

use amocrm::error::WebhookError;
use amocrm::webhook::{Received, WebhookReceiver};
use amocrm_redis::RedisReplayGuard;
use common::{another_connection, redis_or_skip, unique_prefix};

const SECRET: &str = "k3iM2bT9xQ0fLw7Z-fleet";

#[tokio::test]
async fn a_delivery_is_new_once_across_instances() {
    let test = "a_delivery_is_new_once_across_instances";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let prefix = unique_prefix("webhook");
    let one = WebhookReceiver::new(SECRET).unwrap().replay_guard(Arc::new(
        RedisReplayGuard::new(redis.clone()).key_prefix(&prefix),
    ));
    let other = WebhookReceiver::new(SECRET).unwrap().replay_guard(Arc::new(
        RedisReplayGuard::new(another_connection()).key_prefix(&prefix),
    ));
    let body = b"leads[status][0][id]=7&leads[status][0][status_id]=142&account[id]=1";

    // A wrong secret is refused before the guard is asked: nothing is remembered.
    let wrong = other
        .receive("k3iM2bT9xQ0fLw7Z-flee7", body)
        .await
        .unwrap_err();
    assert_eq!(wrong, WebhookError::WrongSecret);
    let mut conn = redis.manager().clone();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(keys.is_empty(), "{keys:?}");

    assert!(matches!(
        one.receive(SECRET, body).await.unwrap(),
        Received::New(_)
    ));
    let again = other.receive(SECRET, body).await.unwrap();
    assert_eq!(
        again,
        Received::Duplicate {
            key: WebhookReceiver::key(body)
        }
    );
    assert!(matches!(
        one.receive(SECRET, body).await.unwrap(),
        Received::Duplicate { .. }
    ));
    // Another body (another change) is new.
    let next = b"leads[status][0][id]=7&leads[status][0][status_id]=143&account[id]=1";
    assert!(matches!(
        other.receive(SECRET, next).await.unwrap(),
        Received::New(_)
    ));

    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "one key a body: {keys:?}");
    assert!(
        keys.iter()
            .all(|k| k.starts_with(&format!("{prefix}amocrm-webhook:")))
    );
}
