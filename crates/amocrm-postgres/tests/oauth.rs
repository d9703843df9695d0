//! `amocrm::OAuth` on the PostgreSQL store against the fake amoCRM: many holders (each with
//! its own store and pool, as separate processes have) find the pair expired at once, and
//! the token endpoint sees exactly one refresh and no refresh token used twice.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::{Client, OAuth, RetryPolicy, TokenPair, TokenStore};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use common::TestDb;

const TOKEN_PATH: &str = "/oauth2/access_token";

fn oauth(account: &str, store: Arc<dyn TokenStore>) -> OAuth {
    OAuth::builder()
        .base_url(account)
        .client_id(DEFAULT_CLIENT_ID)
        .client_secret(DEFAULT_CLIENT_SECRET)
        .redirect_uri(DEFAULT_REDIRECT_URI)
        .shared_store(store)
        .build()
        .expect("oauth")
}

fn client(oauth: &OAuth) -> Client {
    oauth
        .client_builder()
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_for_many_holders_of_the_postgres_store() {
    let Some(db) = TestDb::new("one_refresh_for_many_holders_of_the_postgres_store").await else {
        return;
    };
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let seed: Arc<dyn TokenStore> = Arc::new(db.store());
    oauth(&account, seed.clone())
        .exchange_code(&fake.issue_authorization_code())
        .await
        .expect("code exchange");
    // The stored pair expires; the fake refuses its access token.
    let mut lock = seed.lock(&account).await.unwrap();
    let pair = lock
        .current()
        .expect("the exchanged pair is stored")
        .clone();
    lock.save(&TokenPair::new(
        pair.access_token().clone(),
        pair.refresh_token().clone(),
        SystemTime::now() - Duration::from_secs(10),
    ))
    .await
    .unwrap();
    lock.release().await.unwrap();
    fake.expire_access_tokens();

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store: Arc<dyn TokenStore> = Arc::new(db.store());
        let client = client(&oauth(&account, store));
        for _ in 0..8 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client.widgets().get("amo_dropbox").await.map(drop)
            }));
        }
    }
    for task in tasks {
        task.await.unwrap().expect("every request is served");
    }
    let token_requests = fake
        .requests()
        .iter()
        .filter(|r| r.path == TOKEN_PATH)
        .count();
    assert_eq!(
        fake.refresh_count(),
        1,
        "one refresh for 64 requests of 8 holders"
    );
    assert_eq!(
        token_requests, 2,
        "the code exchange and one refresh; no token reused"
    );
    let stored = seed.load(&account).await.unwrap().unwrap();
    assert!(!stored.expires_within(Duration::from_secs(60)));
}
