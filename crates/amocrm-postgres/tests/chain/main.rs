//! The token chain on PostgreSQL when the lock or the store fails under a holder: a lock
//! wait ends at its timeout, a holder whose session ended does not spend the token it read,
//! a "revoked" answer waits for the holder that spent the token to save, and the chaos run
//! (`chaos.rs`: 4 OS processes, saves failing at random, holders killed at the token
//! endpoint) loses no chain and spends no refresh token twice.

#[path = "../common/mod.rs"]
mod common;

mod chaos;

use std::sync::Arc;
use std::time::{Duration, Instant};

use amocrm::error::{AuthError, StoreError};
use amocrm::store::{TokenLock, TokenStore};
use amocrm::{Error, OAuth, TokenPair};
use amocrm_fake::{FakeServer, Fault};
use amocrm_test_support::fleet::{self, TOKEN_PATH};
use common::TestDb;
use futures::future::BoxFuture;

/// Ends every session of `application_name` (as a failover or a proxy reset would) and
/// waits until they are gone, so their advisory locks are free.
async fn terminate(admin: &tokio_postgres::Client, application_name: &str) {
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&application_name],
        )
        .await
        .expect("terminate");
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let left: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&application_name],
            )
            .await
            .unwrap()
            .get(0);
        if left == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the sessions of {application_name} did not end");
}

/// When a holder's own session is ended: right after it took the lock, or right after its
/// check before the grant passed (then it is at the token endpoint without its lock).
#[derive(Clone, Copy, PartialEq, Eq)]
enum EndSession {
    AfterLock,
    AfterVerify,
}

/// A PostgreSQL store whose lock sessions (application name `victim`) are ended under the
/// holder at the chosen point.
#[derive(Debug)]
struct Victim {
    inner: amocrm_postgres::PostgresTokenStore,
    url: String,
    after_verify: bool,
}

impl Victim {
    fn new(db: &TestDb, when: EndSession) -> Victim {
        Victim {
            inner: db.store_named("victim"),
            url: db.url.clone(),
            after_verify: when == EndSession::AfterVerify,
        }
    }
}

async fn end_victim_sessions(url: &str) {
    let admin = common::connect(url).await.expect("admin");
    terminate(&admin, "victim").await;
}

impl TokenStore for Victim {
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
            let lock = self.inner.lock(account).await?;
            if !self.after_verify {
                end_victim_sessions(&self.url).await;
            }
            Ok(Box::new(VictimLock {
                inner: lock,
                url: self.url.clone(),
                after_verify: self.after_verify,
            }) as Box<dyn TokenLock>)
        })
    }
}

struct VictimLock {
    inner: Box<dyn TokenLock>,
    url: String,
    after_verify: bool,
}

impl TokenLock for VictimLock {
    fn current(&self) -> Option<&TokenPair> {
        self.inner.current()
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.save(pair)
    }

    fn verify(&mut self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            self.inner.verify().await?;
            if std::mem::take(&mut self.after_verify) {
                end_victim_sessions(&self.url).await;
            }
            Ok(())
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        self.inner.release()
    }
}

fn holder(account: &str, store: Arc<dyn TokenStore>) -> OAuth {
    OAuth::builder()
        .account(amocrm::AccountUrl::base_url(account))
        .app(fleet::fake_app())
        .shared_store(store)
        .refresh_deadline(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_wait_ends_at_the_lock_timeout_and_leaves_nothing_queued() {
    let test = "a_lock_wait_ends_at_the_lock_timeout_and_leaves_nothing_queued";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    let account = "https://example.amocrm.ru";
    let held = db.store().lock_account(account).await.unwrap();
    let waiting = amocrm_postgres::PostgresTokenStore::builder(&db.url)
        .schema(&db.schema)
        .lock_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = waiting.lock_account(account).await.unwrap_err();
    assert!(
        matches!(error, amocrm_postgres::Error::LockTimeout { .. }),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Through the trait: a timed-out store error.
    let error = TokenStore::lock(&waiting, account).await.err().unwrap();
    assert!(error.is_timed_out(), "{error:?}");
    held.release_now().await.unwrap();
    // The cancelled waits hold nothing: the lock is free at once.
    let again = tokio::time::timeout(Duration::from_secs(2), waiting.lock_account(account))
        .await
        .expect("a cancelled wait left the lock taken")
        .unwrap();
    again.release_now().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_fails_by_its_deadline_while_another_holder_keeps_the_lock() {
    let test = "a_refresh_fails_by_its_deadline_while_another_holder_keeps_the_lock";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    let fake = FakeServer::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(db.store());
    fleet::seed(&fake, store.clone()).await;
    fleet::expire(&fake, &*store).await;
    // A holder that never lets go (behind a partition, say).
    let held = db.store().lock_account(&fake.base_url()).await.unwrap();
    let oauth = OAuth::builder()
        .account(amocrm::AccountUrl::base_url(fake.base_url()))
        .app(fleet::fake_app())
        .shared_store(store)
        .refresh_deadline(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = oauth.refresh_now().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::Store(e)) if e.is_timed_out()),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.refresh_count(), 0);
    held.release_now().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_whose_session_ended_does_not_spend_the_token_it_read() {
    let test = "a_holder_whose_session_ended_does_not_spend_the_token_it_read";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let shared: Arc<dyn TokenStore> = Arc::new(db.store());
    fleet::seed(&fake, shared.clone()).await;
    fleet::expire(&fake, &*shared).await;
    let requests = fleet::token_requests(&fake);

    let victim = holder(&account, Arc::new(Victim::new(&db, EndSession::AfterLock)));
    let error = victim.refresh_now().await.unwrap_err();
    assert!(
        matches!(&error, Error::Auth(AuthError::Store(_))),
        "{error:?}"
    );
    assert_eq!(
        fleet::token_requests(&fake),
        requests,
        "a holder without its lock sent the refresh token"
    );
    // The chain is whole: another holder refreshes it.
    holder(&account, shared)
        .refresh_now()
        .await
        .expect("the chain is alive");
    assert_eq!(fake.oauth_stats().reused_refresh_tokens, 0);
}

/// The session of holder A ends while A is at the token endpoint (its check passed just
/// before). B takes the freed lock, reads the same refresh token and is answered
/// "revoked": B waits for A, whose save under the dead session fails, so A saves its pair
/// again (in the background) under a new lock; B adopts it. Neither fails, the chain lives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_answer_waits_for_the_holder_that_spent_the_token_to_save() {
    let test = "a_revoked_answer_waits_for_the_holder_that_spent_the_token_to_save";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    let fake = FakeServer::start().await.unwrap();
    let account = fake.base_url();
    let shared: Arc<dyn TokenStore> = Arc::new(db.store());
    fleet::seed(&fake, shared.clone()).await;
    fleet::expire(&fake, &*shared).await;
    fake.faults()
        .add(Fault::latency(Duration::from_millis(400)).route("POST", TOKEN_PATH));
    let seen = fleet::token_requests(&fake);

    let a = holder(
        &account,
        Arc::new(Victim::new(&db, EndSession::AfterVerify)),
    );
    let a_refresh = tokio::spawn(async move { a.refresh_now().await.map(|()| a) });
    // A's grant is at the token endpoint (its session ended): B goes.
    while fleet::token_requests(&fake) == seen {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let b = holder(&account, shared.clone());
    let b_result = b.refresh_now().await;
    let a = a_refresh.await.unwrap().expect("A goes on with its pair");

    b_result.expect("B adopted A's pair instead of failing with revoked");
    let stats = fake.oauth_stats();
    assert_eq!(stats.refresh_token_grants, 1);
    assert_eq!(stats.reused_refresh_tokens, 1, "B's grant was the reuse");
    assert!(a.unsaved_pair().await.is_none(), "A's pair was saved");
    let stored = shared.load(&account).await.unwrap().unwrap();
    let b_pair = b.tokens().await.unwrap();
    assert_eq!(
        amocrm::ExposeSecret::expose_secret(stored.refresh_token()),
        amocrm::ExposeSecret::expose_secret(b_pair.refresh_token())
    );
    fake.faults().clear();
    holder(&account, shared)
        .refresh_now()
        .await
        .expect("the chain is alive");
}
