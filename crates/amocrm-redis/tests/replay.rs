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

/// A TCP proxy to `upstream` (`host:port`) that holds every chunk a client sends for
/// `delay` before passing it on: the server acts `delay` later than the client read its
/// clock, as when the client's clock runs behind the server's.
async fn delaying_proxy(upstream: String, delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                });
                let mut buffer = vec![0; 64 * 1024];
                while let Ok(n @ 1..) = client_read.read(&mut buffer).await {
                    tokio::time::sleep(delay).await;
                    if server_write.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn a_token_is_remembered_until_its_absolute_expiry_on_the_servers_clock() {
    let test = "a_token_is_remembered_until_its_absolute_expiry_on_the_servers_clock";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let url = common::redis_url();
    let parsed = redis::Client::open(url.as_str()).unwrap();
    let upstream = parsed.get_connection_info().addr().to_string();
    let delay = Duration::from_millis(700);
    let port = delaying_proxy(upstream, delay).await;
    let through_proxy = amocrm_redis::RedisConnection::open_with_timeout(
        &format!("redis://127.0.0.1:{port}/"),
        Duration::from_secs(5),
    )
    .unwrap();
    let prefix = unique_prefix("replay-clock");
    let guard = RedisReplayGuard::new(through_proxy).key_prefix(&prefix);
    let until = SystemTime::now() + Duration::from_secs(60);
    assert!(guard.check_and_remember("sig", until).await.unwrap());

    let mut conn = redis.manager().clone();
    let expires_ms: i64 = redis::cmd("PEXPIRETIME")
        .arg(format!("{prefix}sig"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let until_ms = i64::try_from(
        until
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    // A TTL computed on the client's clock would end `delay` late (or, with a clock
    // running ahead, early: a replay accepted before the token expired).
    assert!(
        (expires_ms - until_ms).abs() <= 1,
        "the key expires at {expires_ms}, {} ms from the token's {until_ms}",
        expires_ms - until_ms
    );
}

#[tokio::test]
async fn a_token_already_ended_on_redis_clock_is_refused_every_time() {
    // An instance whose clock runs behind Redis's accepts a token Redis has seen end: a
    // key set to expire in the past would be gone at once and every replay accepted.
    let test = "a_token_already_ended_on_redis_clock_is_refused_every_time";
    let Some(redis) = redis_or_skip(test).await else {
        return;
    };
    let prefix = unique_prefix("replay-ended");
    let guard = RedisReplayGuard::new(redis.clone()).key_prefix(&prefix);
    let ended = SystemTime::now() - Duration::from_secs(30);
    for attempt in 0..4 {
        let error = guard.remember("sig-late", ended).await.unwrap_err();
        match &error {
            amocrm_redis::Error::Expired { by, .. } => {
                assert!(*by >= Duration::from_secs(29), "{attempt}: {error}");
            }
            other => panic!("{attempt}: {other:?}"),
        }
        assert!(guard.check_and_remember("sig-late", ended).await.is_err());
    }
    // The Unix epoch itself (a token with no end to speak of) is refused too.
    assert!(
        guard
            .remember("sig-epoch", SystemTime::UNIX_EPOCH)
            .await
            .is_err()
    );
    let mut conn = redis.manager().clone();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(format!("{prefix}sig-late"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0);
}
