//! A pair the store would not take, while it is saved in the background: calls go on with
//! it at once, even while the background save waits for the store's lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use amocrm::auth::TokenProvider;
use amocrm::error::StoreError;
use amocrm::store::{MemoryTokenStore, TokenLock, TokenStore};
use amocrm::{AccountUrl, OAuth, TokenPair};
use amocrm_fake::FakeServer;
use amocrm_test_support::fleet;
use futures::future::BoxFuture;

/// A store whose saves fail while `fail` is set.
#[derive(Debug)]
struct FailingSaves {
    inner: Arc<dyn TokenStore>,
    fail: Arc<AtomicBool>,
}

struct FailingLock {
    inner: Box<dyn TokenLock>,
    fail: Arc<AtomicBool>,
}

impl TokenStore for FailingSaves {
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        self.inner.load(account)
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        Box::pin(async move {
            let inner = self.inner.lock(account).await?;
            let fail = self.fail.clone();
            Ok(Box::new(FailingLock { inner, fail }) as Box<dyn TokenLock>)
        })
    }
}

impl TokenLock for FailingLock {
    fn current(&self) -> Option<&TokenPair> {
        self.inner.current()
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        if self.fail.load(Ordering::SeqCst) {
            return Box::pin(async { Err(StoreError::new("store down", None)) });
        }
        self.inner.save(pair)
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        self.inner.release()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_go_on_while_a_background_save_waits_for_the_lock() {
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, shared.clone()).await;
    fleet::expire(&fake, &*shared).await;
    let fail = Arc::new(AtomicBool::new(true));
    let a = OAuth::builder()
        .account(AccountUrl::base_url(&account))
        .app(fleet::fake_app())
        .shared_store(Arc::new(FailingSaves {
            inner: shared.clone(),
            fail: fail.clone(),
        }))
        .refresh_deadline(Duration::from_secs(1))
        .build()
        .unwrap();
    let token = a.access_token().await.expect("the new pair, from memory");
    assert!(a.unsaved_pair().await.is_some());

    // Another holder keeps the store's lock: the background save waits for it.
    fail.store(false, Ordering::SeqCst);
    let held = shared.lock(&account).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let started = Instant::now();
    let again = a.access_token().await.expect("served from memory");
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "a call waited {:?} for the background save",
        started.elapsed()
    );
    assert_eq!(
        amocrm::ExposeSecret::expose_secret(&again),
        amocrm::ExposeSecret::expose_secret(&token)
    );
    held.release().await.unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    while a.unsaved_pair().await.is_some() {
        assert!(Instant::now() < until, "never saved");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stored = shared.load(&account).await.unwrap().unwrap();
    assert_eq!(
        amocrm::ExposeSecret::expose_secret(stored.access_token()),
        amocrm::ExposeSecret::expose_secret(&token)
    );
    assert_eq!(fake.refresh_count(), 1);
}

/// A service shutting down flushes its integration: a pair the store refused is saved
/// once the store works, and `flush` names the accounts whose pair is still unsaved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integration_flush_saves_or_names_every_unsaved_pair() {
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let shared: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, shared.clone()).await;
    fleet::expire(&fake, &*shared).await;
    let fail = Arc::new(AtomicBool::new(true));
    let integration = amocrm::Integration::builder()
        .app(fleet::fake_app())
        .shared_store(Arc::new(FailingSaves {
            inner: shared.clone(),
            fail: fail.clone(),
        }))
        .refresh_deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let url = AccountUrl::base_url(&account);
    let oauth = integration.oauth_at(&url).unwrap();
    oauth
        .access_token()
        .await
        .expect("the new pair, from memory");
    assert!(oauth.unsaved_pair().await.is_some());

    let failed = integration.flush().await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].0, account);
    fail.store(false, Ordering::SeqCst);
    assert!(integration.flush().await.is_empty());
    assert!(oauth.unsaved_pair().await.is_none());
    let stored = shared.load(&account).await.unwrap().unwrap();
    let used = oauth.tokens().await.unwrap();
    assert_eq!(
        amocrm::ExposeSecret::expose_secret(stored.refresh_token()),
        amocrm::ExposeSecret::expose_secret(used.refresh_token())
    );
}
