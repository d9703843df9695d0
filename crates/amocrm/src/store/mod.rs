//! Durable token pairs per account, and the lock under which exactly one holder refreshes
//! a pair. amoCRM's refresh tokens are single-use: two holders refreshing the same pair at
//! once leave the account with a dead chain, so every holder of a store (every process
//! sharing its engine) refreshes under [`TokenStore::lock`], and saves the new pair
//! before anyone uses it.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use secrecy::SecretString;
use tokio::sync::OwnedMutexGuard;

use crate::error::StoreError;

/// An access token, the refresh token that renews it, and when the access token expires.
/// The token values never appear in `Debug` output.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use amocrm::{ExposeSecret, TokenPair};
///
/// // Tokens loaded from your storage.
/// let pair = TokenPair::new(
///     "access-123".to_owned().into(),
///     "refresh-456".to_owned().into(),
///     SystemTime::now() + Duration::from_secs(3600),
/// );
/// assert_eq!(pair.access_token().expose_secret(), "access-123");
/// assert!(!pair.expires_within(Duration::from_secs(60)));
/// assert!(!format!("{pair:?}").contains("access-123"));
/// assert!(!format!("{pair:?}").contains("refresh-456"));
/// ```
#[derive(Clone)]
pub struct TokenPair {
    pub(crate) access_token: SecretString,
    pub(crate) refresh_token: SecretString,
    pub(crate) expires_at: SystemTime,
    /// The lifetime the token endpoint gave (`expires_in`), when this pair came from it.
    pub(crate) lifetime: Option<Duration>,
}

impl TokenPair {
    /// A pair as it was stored: the access token expires at `expires_at`.
    pub fn new(
        access_token: SecretString,
        refresh_token: SecretString,
        expires_at: SystemTime,
    ) -> Self {
        TokenPair {
            access_token,
            refresh_token,
            expires_at,
            lifetime: None,
        }
    }

    /// How long before expiry to refresh: `skew`, but at most half the token's lifetime,
    /// so that a token living less than two skews is not refreshed on every request.
    pub(crate) fn refresh_margin(&self, skew: Duration) -> Duration {
        match self.lifetime {
            Some(lifetime) => skew.min(lifetime / 2),
            None => skew,
        }
    }

    /// The bearer token of API requests.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The single-use token that gets the next pair.
    pub fn refresh_token(&self) -> &SecretString {
        &self.refresh_token
    }

    /// When the access token expires (computed from `expires_in` when the pair arrived).
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// [`TokenPair::expires_at`] in whole seconds since the Unix epoch (0 before it), a
    /// convenient form to store.
    pub fn expires_at_unix(&self) -> u64 {
        self.expires_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// Whether the access token has expired, or will within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        match SystemTime::now().checked_add(margin) {
            Some(deadline) => deadline >= self.expires_at,
            None => true,
        }
    }
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Durable token pairs per account (the account's base URL, as [`crate::Client::base_url`]
/// gives it), with an exclusive refresh lock shared by every holder (all processes using
/// the same engine). In-process default: [`MemoryTokenStore`]; one machine:
/// [`crate::FileTokenStore`]; a fleet: the `amocrm-postgres` crate.
///
/// [`crate::OAuth`] refreshes by this protocol: a fresh stored pair that differs from its
/// own is adopted; else it takes the lock, adopts [`TokenLock::current`] if that is fresh
/// and new, and only else calls the token endpoint with `current`'s refresh token and
/// [`TokenLock::save`]s the answer before using it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use amocrm::{ExposeSecret, MemoryTokenStore, TokenPair, TokenStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), amocrm::StoreError> {
/// let store = MemoryTokenStore::new();
/// let account = "https://example.amocrm.ru";
/// assert!(store.load(account).await?.is_none());
///
/// let pair = TokenPair::new(
///     "access".to_owned().into(),
///     "refresh".to_owned().into(),
///     SystemTime::now() + Duration::from_secs(3600),
/// );
/// let mut lock = store.lock(account).await?; // other holders wait here
/// assert!(lock.current().is_none());
/// lock.save(&pair).await?;
/// lock.release().await?;
///
/// let stored = store.load(account).await?.expect("saved");
/// assert_eq!(stored.refresh_token().expose_secret(), "refresh");
/// # Ok(()) }
/// ```
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The account's stored pair, `None` when there is none.
    fn load<'a>(&'a self, account: &'a str)
    -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>>;

    /// Takes the account's exclusive lock, waiting for it. The returned lock holds the pair
    /// read *under* the lock. A holder that dies (process killed, connection lost) must not
    /// leave the lock held: PostgreSQL releases a row lock with the connection, the OS a
    /// file lock with the process.
    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>>;
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        (**self).load(account)
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        (**self).lock(account)
    }
}

/// The held lock of one account of a [`TokenStore`]. Dropping it releases the lock;
/// [`TokenLock::release`] does it now and reports errors.
pub trait TokenLock: Send + 'static {
    /// The pair stored when the lock was taken (or the one [`TokenLock::save`] wrote
    /// since).
    fn current(&self) -> Option<&TokenPair>;

    /// Saves `pair` durably as the account's pair before returning; the lock stays held.
    /// A store never lets an older pair overwrite a newer one: engines keep a generation
    /// counter and save only if it is unchanged since the lock read it (else
    /// [`StoreError::conflict`]).
    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Releases the lock.
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>>;
}

/// The in-process token store: pairs in memory, one lock per account (a Tokio mutex). The
/// default of an [`crate::OAuth`] without a store; pairs are lost with the process, so
/// anything longer-lived than a test or a script needs a durable store.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use amocrm::{MemoryTokenStore, TokenPair, TokenStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pair = TokenPair::new(
///     "access".to_owned().into(),
///     "refresh".to_owned().into(),
///     SystemTime::now() + Duration::from_secs(3600),
/// );
/// let store = MemoryTokenStore::new().with_pair("https://example.amocrm.ru", pair);
/// assert!(store.load("https://example.amocrm.ru").await.unwrap().is_some());
/// # }
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    accounts: Mutex<HashMap<String, Arc<MemoryAccount>>>,
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("MemoryTokenStore")
            .field("accounts", &accounts.len())
            .finish()
    }
}

/// One account of a [`MemoryTokenStore`].
#[derive(Default)]
struct MemoryAccount {
    /// The refresh lock.
    lock: Arc<tokio::sync::Mutex<()>>,
    /// The pair and its generation (bumped by every save), readable without the lock.
    stored: Mutex<(Option<TokenPair>, u64)>,
}

impl MemoryAccount {
    fn stored(&self) -> std::sync::MutexGuard<'_, (Option<TokenPair>, u64)> {
        self.stored.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store with `pair` stored for `account` (tokens saved elsewhere, to go on with).
    pub fn with_pair(self, account: &str, pair: TokenPair) -> Self {
        let stored = self.account(account);
        let mut stored = stored.stored();
        stored.0 = Some(pair);
        stored.1 += 1;
        drop(stored);
        self
    }

    fn account(&self, account: &str) -> Arc<MemoryAccount> {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        accounts.entry(account.to_owned()).or_default().clone()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        let pair = self.account(account).stored().0.clone();
        Box::pin(async move { Ok(pair) })
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        let account = self.account(account);
        Box::pin(async move {
            let guard = account.lock.clone().lock_owned().await;
            let (current, generation) = account.stored().clone();
            Ok(Box::new(MemoryLock {
                account,
                _guard: guard,
                current,
                generation,
            }) as Box<dyn TokenLock>)
        })
    }
}

/// The held lock of a [`MemoryTokenStore`] account.
struct MemoryLock {
    account: Arc<MemoryAccount>,
    _guard: OwnedMutexGuard<()>,
    current: Option<TokenPair>,
    generation: u64,
}

impl TokenLock for MemoryLock {
    fn current(&self) -> Option<&TokenPair> {
        self.current.as_ref()
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        let saved = {
            let mut stored = self.account.stored();
            if stored.1 == self.generation {
                stored.0 = Some(pair.clone());
                stored.1 += 1;
                self.generation = stored.1;
                self.current = Some(pair.clone());
                Ok(())
            } else {
                Err(StoreError::conflict())
            }
        };
        Box::pin(async move { saved })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        drop(self);
        Box::pin(async { Ok(()) })
    }
}

/// A [`MemoryTokenStore`] that also hands every pair it saves to a closure (a cheap clone)
/// and saves it only when the closure's future succeeded: the way to persist pairs to
/// storage of your own in a single process. The lock is in-process only: processes that
/// share an account need a store whose lock they share ([`crate::FileTokenStore`], the
/// `amocrm-postgres` crate).
///
/// ```
/// use amocrm::{ExposeSecret, TokenPair, TokenStoreFn};
///
/// let store = TokenStoreFn::new(|tokens: TokenPair| async move {
///     std::fs::write(
///         "/tmp/amocrm-refresh-token",
///         tokens.refresh_token().expose_secret(),
///     )
/// });
/// # let _ = store;
/// ```
pub struct TokenStoreFn<F> {
    memory: MemoryTokenStore,
    save: Arc<F>,
}

impl<F, Fut, E> TokenStoreFn<F>
where
    F: Fn(TokenPair) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    /// Wraps `save`.
    pub fn new(save: F) -> Self {
        TokenStoreFn {
            memory: MemoryTokenStore::new(),
            save: Arc::new(save),
        }
    }
}

impl<F> fmt::Debug for TokenStoreFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenStoreFn")
    }
}

impl<F, Fut, E> TokenStore for TokenStoreFn<F>
where
    F: Fn(TokenPair) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        self.memory.load(account)
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        Box::pin(async move {
            let inner = self.memory.lock(account).await?;
            Ok(Box::new(FnLock {
                inner,
                save: self.save.clone(),
            }) as Box<dyn TokenLock>)
        })
    }
}

/// The lock of a [`TokenStoreFn`]: the closure first, then memory.
struct FnLock<F> {
    inner: Box<dyn TokenLock>,
    save: Arc<F>,
}

impl<F, Fut, E> TokenLock for FnLock<F>
where
    F: Fn(TokenPair) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    fn current(&self) -> Option<&TokenPair> {
        self.inner.current()
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        let saving = (self.save)(pair.clone());
        Box::pin(async move {
            saving.await.map_err(|error| {
                StoreError::new("the TokenStoreFn closure failed", Some(error.into()))
            })?;
            self.inner.save(pair).await
        })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        self.inner.release()
    }
}
