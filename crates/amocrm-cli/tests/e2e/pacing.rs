//! `--redis-url`: a Redis that cannot be reached fails clearly and nothing is sent; one
//! that can paces the command.

use std::time::Duration;

use amocrm_fake::FakeAccount;

use super::oauth::{answer, env, exec, fake};
use crate::support::services::{self, reachable};
use crate::support::{TempDir, free_port};

#[tokio::test]
async fn an_unreachable_redis_fails_clearly_and_sends_nothing() {
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let redis = format!("redis://:hunter2@127.0.0.1:{}/", free_port());
    let env = vec![
        ("AMOCRM_BASE_URL".to_owned(), acc1.url().to_owned()),
        ("AMOCRM_TOKEN".to_owned(), acc1.token().to_owned()),
    ];
    let failed = exec(
        &env,
        &["--redis-url", &redis, "widgets", "list"],
        None,
        &[acc1.token(), "hunter2"],
    )
    .await;
    assert_eq!(failed.code, 4, "{failed:#?}");
    assert!(failed.stderr.contains("pacer"), "{failed:#?}");
    assert!(failed.stderr.contains("Redis at 127.0.0.1:"), "{failed:#?}");
    assert!(failed.stderr.contains("nothing was sent"), "{failed:#?}");
    assert!(failed.stdout.is_empty());
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // The same with a stored pair: no grant, no request.
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    let env = env_with_redis(acc1, store.to_str().expect("UTF-8"), &redis);
    let issued = acc1.issue_token_pair(Duration::from_secs(3600));
    let imported = exec(&env, &["auth", "import"], Some(&answer(&issued)), &[]).await;
    assert_eq!(imported.code, 0, "{imported:#?}");
    let failed = exec(&env, &["widgets", "get", "amo_dropbox"], None, &["hunter2"]).await;
    assert_eq!(failed.code, 4, "{failed:#?}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert_eq!(acc1.oauth_stats().grants(), 0);
}

fn env_with_redis(acc: &FakeAccount, store: &str, redis: &str) -> Vec<(String, String)> {
    let mut env = env(acc, store, true);
    env.push(("AMOCRM_REDIS_URL".to_owned(), redis.to_owned()));
    env
}

#[tokio::test]
async fn a_reachable_redis_paces_the_command() {
    let test = "a_reachable_redis_paces_the_command";
    let url = services::redis_url();
    if let Err(why) = reachable(&url).await {
        return services::skip(test, &why, services::HOW_REDIS);
    }
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let env = vec![
        ("AMOCRM_BASE_URL".to_owned(), acc1.url().to_owned()),
        ("AMOCRM_TOKEN".to_owned(), acc1.token().to_owned()),
        ("AMOCRM_REDIS_URL".to_owned(), url),
    ];
    let listed = exec(
        &env,
        &["widgets", "list", "--all", "--limit", "1"],
        None,
        &[],
    )
    .await;
    assert_eq!(listed.code, 0, "{listed:#?}");
}
