//! What the fleet tests share: OAuth holders of a token store against the fake amoCRM
//! (whose token endpoint counts grants), a stored pair made to look expired, and a
//! temporary directory.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::store::TokenStore;
use amocrm::{AccountUrl, AppCredentials, Client, OAuth, RetryPolicy, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};

/// The fake's token endpoint.
pub const TOKEN_PATH: &str = "/oauth2/access_token";

/// The credentials of the fake's default integration.
pub fn fake_app() -> AppCredentials {
    AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    )
}

/// An OAuth holder of `account`'s pair in `store` (no pair of its own: it loads one), for
/// the fake's default integration; `Err` when it cannot be built.
pub fn try_oauth(account: &str, store: Arc<dyn TokenStore>) -> amocrm::Result<OAuth> {
    OAuth::builder()
        .account(AccountUrl::base_url(account))
        .app(fake_app())
        .shared_store(store)
        .build()
}

/// [`try_oauth`], which must succeed.
pub fn oauth(account: &str, store: Arc<dyn TokenStore>) -> OAuth {
    try_oauth(account, store).expect("oauth")
}

/// A client of `oauth`'s account, unpaced, sending each request once; `Err` when it cannot
/// be built.
pub fn try_client(oauth: &OAuth) -> amocrm::Result<Client> {
    oauth
        .client_builder()
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
}

/// [`try_client`], which must succeed.
pub fn client(oauth: &OAuth) -> Client {
    try_client(oauth).expect("client")
}

/// Exchanges a code of `fake` through `store`: the store then holds the account's pair.
pub async fn seed(fake: &FakeServer, store: Arc<dyn TokenStore>) {
    oauth(&fake.base_url(), store)
        .exchange_code(&fake.issue_authorization_code())
        .await
        .expect("code exchange");
}

/// Makes the stored pair of `account` expired (as if its holders had slept past it), and
/// the fake refuse its access token.
pub async fn expire(fake: &FakeServer, store: &dyn TokenStore) {
    let mut lock = store.lock(&fake.base_url()).await.expect("lock");
    let pair = lock.current().expect("a stored pair").clone();
    let expired = TokenPair::new(
        pair.access_token().clone(),
        pair.refresh_token().clone(),
        SystemTime::now() - Duration::from_secs(10),
    );
    lock.save(&expired).await.expect("save");
    lock.release().await.expect("release");
    fake.expire_access_tokens();
}

/// Requests the token endpoint received (granted or refused).
pub fn token_requests(fake: &FakeServer) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path == TOKEN_PATH)
        .count()
}

/// Refresh tokens sent again after they were spent: the token endpoint's requests that
/// were not one of its grants (`codes` authorization codes exchanged, each refresh).
pub fn reused_refresh_tokens(fake: &FakeServer, codes: usize) -> usize {
    token_requests(fake) - codes - fake.refresh_count()
}

/// A fresh directory under the system's temp dir, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// A new directory whose name starts with `amocrm-{name}-`.
    pub fn new(name: &str) -> TempDir {
        let unique = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("amocrm-{name}-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
