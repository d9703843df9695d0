//! [`PostgresTokenLock`]: an account's advisory lock, held by one pooled connection, and
//! the pair read under it.

use std::fmt;

use amocrm::TokenPair;
use amocrm::error::StoreError;
use amocrm::store::TokenLock;
use deadpool_postgres::Object;
use futures::future::BoxFuture;
use secrecy::ExposeSecret;

use super::{PostgresTokenStore, store_error};
use crate::error::Error;

/// A pooled connection that holds (or is taking) an account's advisory lock. Dropped without
/// [`Held::release`], it closes the connection instead of returning it to the pool, so the
/// server ends the session and the lock with it. Dropped while waiting for the lock (its
/// cancel token set), it also cancels the wait on the server: closing the connection alone
/// would leave the session queued until it got the lock.
pub(super) struct Held(
    pub(super) Option<Object>,
    pub(super) Option<tokio_postgres::CancelToken>,
);

impl Held {
    pub(super) fn client(&self) -> &Object {
        self.0.as_ref().expect("held until released")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(conn) = self.0.take() {
            // Detached from the pool and dropped: the connection task ends, the socket
            // closes, PostgreSQL releases the session's advisory locks.
            drop(Object::take(conn));
        }
        if let Some(token) = self.1.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            // A cancel request on a connection of its own (plain TCP: PostgreSQL does not
            // authenticate cancel requests; a server that insists on TLS refuses it, and
            // the session then ends once it has taken the lock, as without this).
            runtime.spawn(async move {
                let _ = token.cancel_query(tokio_postgres::NoTls).await;
            });
        }
    }
}

/// The held lock of one account (from [`PostgresTokenStore::lock_account`]). Dropping it
/// releases the lock by closing its connection; [`release`](Self::release) unlocks and
/// returns the connection to the pool.
pub struct PostgresTokenLock {
    pub(super) held: Held,
    pub(super) store: PostgresTokenStore,
    pub(super) account: String,
    pub(super) current: Option<TokenPair>,
    pub(super) generation: i64,
}

impl fmt::Debug for PostgresTokenLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTokenLock")
            .field("account", &self.account)
            .field("current", &self.current)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl PostgresTokenLock {
    /// The account this lock holds.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The pair stored when the lock was taken, or the one [`save_pair`](Self::save_pair)
    /// wrote since.
    pub fn current(&self) -> Option<&TokenPair> {
        self.current.as_ref()
    }

    /// The row's generation read under the lock (0: nothing saved yet), +1 per save.
    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// Saves `pair` as the account's pair, committed before this returns; the lock stays
    /// held. Refused with [`Error::Conflict`] if the row's generation changed since the lock
    /// read it (a writer that did not take the lock saved a newer pair).
    pub async fn save_pair(&mut self, pair: &TokenPair) -> Result<(), Error> {
        let table = &self.store.inner.table;
        let update = async {
            self.held
                .client()
                .query_opt(
                    &table.update,
                    &[
                        &self.account,
                        &pair.access_token().expose_secret(),
                        &pair.refresh_token().expose_secret(),
                        &pair.expires_at(),
                        &self.generation,
                    ],
                )
                .await
                .map_err(|e| Error::query("save", e))
        };
        // A timeout leaves the connection here: release (or drop) closes it.
        let row = self.store.bounded("save", update).await?;
        let Some(row) = row else {
            return Err(Error::Conflict {
                read: self.generation,
            });
        };
        self.generation = row.get(0);
        self.current = Some(pair.clone());
        Ok(())
    }

    /// Checks that this lock's session still holds the account's advisory lock and that
    /// the row's generation is still the one read under it; [`Error::LockLost`] otherwise
    /// (or the error of a session that is gone). Run right before a refresh token read
    /// under the lock is spent: a session the server ended (a failover, a terminated
    /// backend, a network cut) freed the lock, and another holder may be spending the same
    /// single-use token. Bounded by the query timeout.
    pub async fn verify_held(&mut self) -> Result<(), Error> {
        let table = &self.store.inner.table;
        let key = table.lock_key(&self.account) as u64;
        // pg_locks shows a bigint advisory key as its high and low halves (objsubid 1).
        let (high, low) = ((key >> 32) as u32, key as u32);
        let query = format!(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
             AND pid = pg_backend_pid() AND granted AND classid = $2 AND objid = $3 \
             AND objsubid = 1), (SELECT generation FROM {} WHERE account = $1)",
            table.qualified()
        );
        let check = async {
            self.held
                .client()
                .query_one(&query, &[&self.account, &high, &low])
                .await
                .map_err(|e| Error::query("verify the lock", e))
        };
        let row = self.store.bounded("verify the lock", check).await?;
        let held: bool = row.get(0);
        let generation: Option<i64> = row.get(1);
        if !held {
            return Err(Error::LockLost("this session does not hold it"));
        }
        if generation != Some(self.generation) {
            return Err(Error::LockLost("the pair was changed under it"));
        }
        Ok(())
    }

    /// Releases the lock now and returns the connection to the pool. An error means the
    /// unlock could not be confirmed; the connection is closed, which releases it anyway.
    pub async fn release_now(mut self) -> Result<(), Error> {
        let key = self.store.inner.table.lock_key(&self.account);
        let unlock = async {
            self.held
                .client()
                .query_one("SELECT pg_advisory_unlock($1)", &[&key])
                .await
                .map_err(|e| Error::query("release (pg_advisory_unlock)", e))
        };
        // On an error `self` is dropped, which closes the connection.
        let unlocked = self
            .store
            .bounded("release (pg_advisory_unlock)", unlock)
            .await?
            .get::<_, bool>(0);
        if !unlocked {
            // Not held by this session any more: keep nothing of this connection.
            return Err(Error::Query {
                what: "release (pg_advisory_unlock)",
                reason: "the session did not hold the lock".into(),
                code: None,
                source: None,
            });
        }
        // Back to the pool, unlocked.
        drop(self.held.0.take());
        Ok(())
    }
}

impl TokenLock for PostgresTokenLock {
    fn current(&self) -> Option<&TokenPair> {
        PostgresTokenLock::current(self)
    }

    fn deleted(&self) -> bool {
        // An emptied row: a row made for the lock has generation 0 until a save.
        PostgresTokenLock::current(self).is_none() && self.generation > 0
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.save_pair(pair).await.map_err(store_error) })
    }

    fn verify(&mut self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move { self.verify_held().await.map_err(store_error) })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        Box::pin(async move { self.release_now().await.map_err(store_error) })
    }
}
