//! [`MemoryTokenStore`]: the pairs of one process, one lock per account.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
use tokio::sync::OwnedMutexGuard;

use super::pair::TokenPair;
use super::{TokenLock, TokenStore};
use crate::error::StoreError;

/// The in-process token store: pairs in memory, one lock per account (a Tokio mutex). The
/// default of an [`OAuth`](crate::OAuth) without a store; pairs are lost with the process, so
/// anything longer-lived than a test or a script needs a durable store.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use amocrm::TokenPair;
/// use amocrm::store::{MemoryTokenStore, TokenStore};
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
    /// The amoCRM account id recorded for an account (base URL), as the file and
    /// PostgreSQL stores keep it beside the pair: one account id may have several
    /// accounts (its address on amocrm.com and on kommo.com).
    ids: Mutex<HashMap<String, i64>>,
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

    fn ids(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.ids.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Deletes `account`'s pair, moving its generation on; whether there was one.
    fn delete_now(&self, account: &str) -> bool {
        self.ids().remove(account);
        let stored = self.account(account);
        let mut stored = stored.stored();
        stored.1 += 1;
        stored.0.take().is_some()
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

    fn set_account_id<'a>(
        &'a self,
        account: &'a str,
        account_id: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let recorded = if self.account(account).stored().0.is_some() {
            self.ids().insert(account.to_owned(), account_id);
            Ok(())
        } else {
            Err(StoreError::new(
                "set_account_id: the account has no pair",
                None,
            ))
        };
        Box::pin(async { recorded })
    }

    fn delete<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let deleted = self.delete_now(account);
        Box::pin(async move { Ok(deleted) })
    }

    fn accounts_of_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let mut found: Vec<String> = self
            .ids()
            .iter()
            .filter(|(_, id)| **id == account_id)
            .map(|(account, _)| account.clone())
            .collect();
        found.sort();
        Box::pin(async move { Ok(found) })
    }

    fn accounts_without_id(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        let recorded: std::collections::HashSet<String> = self.ids().keys().cloned().collect();
        let accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut found: Vec<String> = accounts
            .iter()
            .filter(|(account, stored)| {
                stored.stored().0.is_some() && !recorded.contains(account.as_str())
            })
            .map(|(account, _)| account.clone())
            .collect();
        drop(accounts);
        found.sort();
        Box::pin(async move { Ok(found) })
    }

    fn delete_account_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        let mut accounts: Vec<String> = self
            .ids()
            .iter()
            .filter(|(_, id)| **id == account_id)
            .map(|(account, _)| account.clone())
            .collect();
        accounts.sort();
        let deleted: Vec<String> = accounts
            .into_iter()
            .filter(|account| self.delete_now(account))
            .collect();
        Box::pin(async move { Ok(deleted) })
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

    fn deleted(&self) -> bool {
        // Every save and every deletion moves the generation on from 0.
        self.current.is_none() && self.generation > 0
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
