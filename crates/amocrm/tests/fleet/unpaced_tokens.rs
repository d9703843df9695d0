//! A refresh is never starved by the calls booked ahead of it: those calls wait for its
//! token, so a token request whose slot is not due within a second leaves anyway, and the
//! pacer counts it as a departure then.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use amocrm::error::PaceError;
use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm::store::MemoryTokenStore;
use amocrm::{AccountUrl, AppCredentials, OAuth, SecretString, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use futures::future::BoxFuture;

/// A [`MemoryPacer`] that counts the requests that left without their slot.
#[derive(Debug)]
struct Counting {
    inner: MemoryPacer,
    unpaced: AtomicUsize,
}

impl Pacer for Counting {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.inner.acquire(account)
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.inner.pause(account, delay)
    }

    fn blocked<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<Duration>, PaceError>> {
        self.inner.blocked(account)
    }

    fn reached_late<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.inner.reached_late(account)
    }

    fn left_unpaced<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.unpaced.fetch_add(1, Ordering::SeqCst);
        self.inner.left_unpaced(account)
    }
}

#[tokio::test]
async fn a_refresh_behind_300_booked_calls_is_sent_and_the_calls_succeed() {
    let fake = FakeServer::builder().start().await.unwrap();
    // 100 a second: 300 calls book about 3 s of slots.
    let pacer = Arc::new(Counting {
        inner: MemoryPacer::new(RateLimit::per_second(100)),
        unpaced: AtomicUsize::new(0),
    });
    let issued = fake
        .default_account()
        .issue_token_pair(Duration::from_secs(3600));
    // The access token enters the refresh margin (60 s) a second from now, while the
    // calls wait for their slots: the call whose slot comes next renews it, and its token
    // request would take a slot behind the ~200 still booked (2 s away, past the 1.5 s
    // refresh deadline).
    let pair = TokenPair::new(
        SecretString::from(issued.access_token),
        SecretString::from(issued.refresh_token),
        SystemTime::now() + Duration::from_secs(61),
    );
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .store(MemoryTokenStore::new())
        .tokens(pair)
        .pacer(pacer.clone())
        .refresh_deadline(Duration::from_millis(1500))
        .build()
        .unwrap();
    let client = oauth.client_builder().build().unwrap();
    // A short pause, so that every call books its slot before the first asks for a token.
    pacer
        .pause(oauth.base_url(), Duration::from_millis(100))
        .await
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..300)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.account().get().send().await.map(|_| ()) })
        })
        .collect();
    let mut failed = Vec::new();
    for call in calls {
        if let Err(error) = call.await.unwrap() {
            failed.push(error.to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} calls failed: {:?}",
        failed.len(),
        failed.first()
    );
    assert_eq!(fake.oauth_stats().grants(), 1, "one refresh");
    assert_eq!(
        pacer.unpaced.load(Ordering::SeqCst),
        1,
        "the token request counted"
    );
    // The calls still went at the pace: 300 slots about 10 ms apart.
    assert!(
        started.elapsed() >= Duration::from_millis(2900),
        "{:?}",
        started.elapsed()
    );
}
