//! `amocrm::OAuth` on the PostgreSQL store against the fake amoCRM: many holders (each with
//! its own store and pool, as separate processes have) find the pair expired at once, and
//! the token endpoint sees exactly one refresh and no refresh token used twice.

mod common;

use std::sync::Arc;
use std::time::Duration;

use amocrm::store::TokenStore;
use amocrm_fake::FakeServer;
use amocrm_test_support::fleet::{TOKEN_PATH, client, expire, oauth, seed as seed_pair};
use common::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_for_many_holders_of_the_postgres_store() {
    let Some(db) = TestDb::new("one_refresh_for_many_holders_of_the_postgres_store").await else {
        return;
    };
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let seed: Arc<dyn TokenStore> = Arc::new(db.store());
    seed_pair(&fake, seed.clone()).await;
    // The stored pair expires; the fake refuses its access token.
    expire(&fake, seed.as_ref()).await;

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store: Arc<dyn TokenStore> = Arc::new(db.store());
        let client = client(&oauth(&account, store));
        for _ in 0..8 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client.widgets().get("amo_dropbox").send().await.map(drop)
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
