//! Durable token pairs per account, and the lock under which exactly one holder refreshes
//! a pair. amoCRM's refresh tokens are single-use: two holders refreshing the same pair at
//! once leave the account with a dead chain, so every holder of a store (every process
//! sharing its engine) refreshes under [`TokenStore::lock`], and saves the new pair
//! before anyone uses it.

mod file;
mod file_io;
mod func;
mod held;
mod memory;
mod pair;
mod trust;

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;

use crate::error::StoreError;

pub use file::FileTokenStore;
pub use func::TokenStoreFn;
pub use held::FILE_LOCK_TIMEOUT;
pub use memory::MemoryTokenStore;
pub use pair::TokenPair;

/// Durable token pairs per account (the account's base URL, as [`Client::base_url`](crate::Client::base_url)
/// gives it), with an exclusive refresh lock shared by every holder (all processes using
/// the same engine). In-process default: [`MemoryTokenStore`]; one machine:
/// [`FileTokenStore`]; a fleet: the `amocrm-postgres` crate.
///
/// [`OAuth`](crate::OAuth) refreshes by this protocol: a fresh stored pair that differs from its
/// own is adopted; else it takes the lock, adopts [`TokenLock::current`] if that is fresh
/// and new, and only else calls the token endpoint with `current`'s refresh token and
/// [`TokenLock::save`]s the answer before using it.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use amocrm::{ExposeSecret, TokenPair};
/// use amocrm::store::{MemoryTokenStore, TokenStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), amocrm::error::StoreError> {
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

    /// Records that `account`'s pair is amoCRM account `account_id`'s (an install does,
    /// from `GET /api/v4/account`), so that [`TokenStore::delete_account_id`] finds it: the
    /// uninstall hook names an account only by its id. The default records nothing (such a
    /// store cannot delete by account id).
    fn set_account_id<'a>(
        &'a self,
        account: &'a str,
        account_id: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let _ = (account, account_id);
        Box::pin(async { Ok(()) })
    }

    /// The accounts (base URLs) whose pairs are recorded for amoCRM account `account_id`
    /// ([`TokenStore::set_account_id`]), changing nothing: an uninstall hook checks each
    /// pair before deleting it. The default fails: the store does not record account ids.
    fn accounts_of_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let _ = account_id;
        Box::pin(async { Err(unsupported("accounts_of_id")) })
    }

    /// The accounts (base URLs) with a stored pair but no recorded account id: pairs saved
    /// before the store recorded ids, or saved past [`Integration`](crate::Integration)'s
    /// install (the CLI's `auth login`, [`OAuth`](crate::OAuth) alone). An uninstall hook
    /// cannot find them; [`Integration::record_account_ids`](crate::Integration::record_account_ids)
    /// asks amoCRM whose they are. The default fails: the store does not record account
    /// ids.
    fn accounts_without_id(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        Box::pin(async { Err(unsupported("accounts_without_id")) })
    }

    /// Deletes `account`'s pair (and its account id); `true` when there was one. A holder
    /// of the account's lock that read the pair before cannot save over the deletion (the
    /// generation moves on). The default fails: the store cannot delete.
    fn delete<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = account;
        Box::pin(async { Err(unsupported("delete")) })
    }

    /// Deletes the pairs recorded for amoCRM account `account_id`
    /// ([`TokenStore::set_account_id`]) and returns their accounts (base URLs). The
    /// default fails: the store cannot delete.
    fn delete_account_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let _ = account_id;
        Box::pin(async { Err(unsupported("delete_account_id")) })
    }
}

/// The error of a method a store does not implement.
fn unsupported(what: &str) -> StoreError {
    StoreError::new(format!("this token store does not implement {what}"), None)
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

    fn set_account_id<'a>(
        &'a self,
        account: &'a str,
        account_id: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        (**self).set_account_id(account, account_id)
    }

    fn accounts_of_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        (**self).accounts_of_id(account_id)
    }

    fn accounts_without_id(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        (**self).accounts_without_id()
    }

    fn delete<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).delete(account)
    }

    fn delete_account_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        (**self).delete_account_id(account_id)
    }
}

/// The held lock of one account of a [`TokenStore`]. Dropping it releases the lock;
/// [`TokenLock::release`] does it now and reports errors.
pub trait TokenLock: Send + 'static {
    /// The pair stored when the lock was taken (or the one [`TokenLock::save`] wrote
    /// since).
    fn current(&self) -> Option<&TokenPair>;

    /// Whether the account's pair was deleted ([`TokenStore::delete`], an uninstall) and
    /// nothing saved since: a holder's own copy of the deleted pair must not be renewed
    /// and saved back, which would bring an uninstalled account back to life. An install
    /// saves over it as ever. The default, for an engine that keeps no trace of a
    /// deletion: `false`.
    fn deleted(&self) -> bool {
        false
    }

    /// Saves `pair` durably as the account's pair before returning; the lock stays held.
    /// A store never lets an older pair overwrite a newer one: engines keep a generation
    /// counter and save only if it is unchanged since the lock read it (else
    /// [`StoreError::conflict`]).
    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Checks that the lock is still this holder's and the stored pair still the one it
    /// read, right before [`OAuth`](crate::OAuth) spends [`TokenLock::current`]'s refresh token.
    /// A lock can be lost while held: PostgreSQL ends a session (a failover, a terminated
    /// backend, a network cut) and frees its lock, and another holder then reads and spends
    /// the same single-use token. [`StoreError::lock_lost`] (or any error) stops the grant:
    /// nothing is spent. The default finds nothing wrong: an in-process lock cannot be lost.
    fn verify(&mut self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async { Ok(()) })
    }

    /// Releases the lock.
    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>>;
}
