//! A blocked account's token is not renewed either: the token endpoint is on the
//! account's host, and a refresh sent while amoCRM blocks the account digs the hole as
//! deep as any call. Whether the block was seen by this client or by another holder of the
//! pacer (another process on Redis), a call fails at once with `Error::AccountBlocked`,
//! nothing sent to the API or the token endpoint.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use amocrm::TokenPair;
use amocrm::error::PaceError;
use amocrm::pace::{MemoryPacer, Pacer};
use amocrm::store::MemoryTokenStore;
use amocrm::{AccountUrl, AppCredentials, Client, Error, OAuth, RetryPolicy, SecretString};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use futures::future::BoxFuture;

/// The account's client on `pacer`, holding a pair whose access token expires in `ttl`
/// (the fake's own, valid there).
fn client(fake: &FakeServer, pacer: Arc<dyn Pacer>, ttl: Duration) -> Client {
    let issued = fake
        .default_account()
        .issue_token_pair(Duration::from_secs(3600));
    let pair = TokenPair::new(
        SecretString::from(issued.access_token),
        SecretString::from(issued.refresh_token),
        SystemTime::now() + ttl,
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
        .build()
        .unwrap();
    oauth
        .client_builder()
        .pacer(pacer)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_token_due_for_renewal_is_not_renewed_for_an_account_blocked_elsewhere() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    // The access token is past its time: the next call would renew it first.
    let client = client(&fake, pacer.clone(), Duration::ZERO);
    // Another holder of the pacer saw the block page.
    pacer
        .block(client.base_url(), Duration::from_secs(60))
        .await
        .unwrap();
    let error = client.account().get().send().await.unwrap_err();
    assert!(matches!(error, Error::AccountBlocked { .. }), "{error:?}");
    assert_eq!(fake.oauth_stats().grants(), 0, "no refresh was sent");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

/// A pacer on which another process blocks the account right after the first request
/// of this one left.
#[derive(Debug)]
struct BlockedMeanwhile {
    inner: MemoryPacer,
    first_left: AtomicBool,
}

impl Pacer for BlockedMeanwhile {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.inner.acquire(account).await?;
            if !self.first_left.swap(true, Ordering::SeqCst) {
                self.inner.block(account, Duration::from_secs(60)).await?;
            }
            Ok(())
        })
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.inner.pause(account, delay)
    }

    fn block<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.inner.block(account, delay)
    }

    fn blocked<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<Duration>, PaceError>> {
        self.inner.blocked(account)
    }
}

#[tokio::test]
async fn a_401_does_not_renew_the_token_of_an_account_blocked_meanwhile() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(BlockedMeanwhile {
        inner: MemoryPacer::default(),
        first_left: AtomicBool::new(false),
    });
    let client = client(&fake, pacer, Duration::from_secs(3600));
    // amoCRM no longer takes the token this client holds: its request is answered 401.
    fake.expire_access_tokens();
    let error = client.account().get().send().await.unwrap_err();
    assert!(matches!(error, Error::AccountBlocked { .. }), "{error:?}");
    assert_eq!(fake.oauth_stats().grants(), 0, "no refresh was sent");
    assert_eq!(fake.requests().len(), 1, "{:?}", fake.requests());
}
