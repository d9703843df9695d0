//! [`TokenStoreFn`]: pairs in memory, each one also handed to a closure of yours.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::memory::MemoryTokenStore;
use super::pair::TokenPair;
use super::{TokenLock, TokenStore};
use crate::error::StoreError;

/// A [`MemoryTokenStore`] that also hands every pair it saves to a closure (a cheap clone)
/// and saves it only when the closure's future succeeded: the way to persist pairs to
/// storage of your own in a single process. The lock is in-process only: processes that
/// share an account need a store whose lock they share ([`FileTokenStore`](crate::store::FileTokenStore), the
/// `amocrm-postgres` crate).
///
/// ```
/// use amocrm::{ExposeSecret, TokenPair};
/// use amocrm::store::TokenStoreFn;
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
