//! The store: a connection pool, `load`, and the per-account lock.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::TokenPair;
use amocrm::error::StoreError;
use amocrm::store::{TokenLock, TokenStore};
use deadpool_postgres::{Object, Pool, PoolError};
use futures::future::BoxFuture;
use secrecy::SecretString;
use tokio_postgres::Row;

use crate::error::Error;
use crate::schema::Table;

mod builder;
mod delete;
mod lock;

pub use builder::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEEPALIVES_IDLE, DEFAULT_LOCK_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_QUERY_TIMEOUT, PostgresTokenStoreBuilder,
};
use lock::Held;
pub use lock::PostgresTokenLock;

/// Durable OAuth token pairs in a PostgreSQL table, one row per account, refreshed under a
/// lock that every process using the same table shares.
///
/// The lock of an account is a session-level advisory lock held by one pooled connection;
/// PostgreSQL releases it when that connection ends, so a holder that is killed (or whose
/// connection is lost) never leaves it held. `save` writes the pair in its own committed
/// statement before returning, under the lock, and only if the row's generation is still the
/// one read when the lock was taken.
///
/// Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct PostgresTokenStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    table: Table,
    server: String,
    query_timeout: Duration,
    lock_timeout: Duration,
}

impl fmt::Debug for PostgresTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTokenStore")
            .field("server", &self.inner.server)
            .field("table", &self.inner.table.qualified())
            .finish_non_exhaustive()
    }
}

impl PostgresTokenStore {
    /// `"schema"."table"` of this store.
    pub fn table(&self) -> &str {
        self.inner.table.qualified()
    }

    /// Creates the schema and the table unless they exist (idempotent; concurrent runs are
    /// serialized). `lock` does the same on first use, so calling this is optional: it lets
    /// a deployment create the table with a privileged role and run the app with DML grants
    /// only.
    pub async fn migrate(&self) -> Result<(), Error> {
        let mut conn = self.connection().await?;
        let migrated = self
            .bounded("migrate", self.inner.table.migrate(&mut conn))
            .await;
        if matches!(migrated, Err(Error::Timeout { .. })) {
            drop(Object::take(conn));
        }
        migrated
    }

    /// `statement`, failing with [`Error::Timeout`] when the server does not answer within
    /// the query timeout. The caller closes the connection on a timeout.
    async fn bounded<T>(
        &self,
        what: &'static str,
        statement: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        let after = self.inner.query_timeout;
        tokio::time::timeout(after, statement)
            .await
            .unwrap_or(Err(Error::Timeout { what, after }))
    }

    /// The SQL that [`migrate`](Self::migrate) runs to create the table.
    pub fn create_table_sql(&self) -> String {
        self.inner.table.create_table()
    }

    /// The account's stored pair: `None` when there is no row, no pair in it, or no table yet.
    pub async fn load_pair(&self, account: &str) -> Result<Option<TokenPair>, Error> {
        let mut retried = false;
        loop {
            let conn = self.connection().await?;
            let query = async {
                conn.query_opt(&self.inner.table.select, &[&account])
                    .await
                    .map_err(|e| Error::query("load", e))
            };
            let result = self.bounded("load", query).await;
            match result {
                Err(e @ Error::Timeout { .. }) => {
                    // Stalled: this connection is not handed out again.
                    drop(Object::take(conn));
                    return Err(e);
                }
                Ok(row) => return Ok(row.map(|row| read_row(&row)).transpose()?.and_then(|r| r.0)),
                Err(e) if e.is_missing_table() => return Ok(None),
                Err(e) if e.is_closed_connection() && !retried => {
                    // A pooled connection the server had closed (restart): one fresh try.
                    drop(Object::take(conn));
                    retried = true;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes the account's exclusive lock, waiting while another holder (any process using
    /// this table) has it, and reads the stored pair under it. Creates the table if missing.
    pub async fn lock_account(&self, account: &str) -> Result<PostgresTokenLock, Error> {
        let mut retried = false;
        loop {
            match self.try_lock(account).await {
                Err(e) if e.is_closed_connection() && !retried => retried = true,
                result => return result,
            }
        }
    }

    async fn try_lock(&self, account: &str) -> Result<PostgresTokenLock, Error> {
        let table = &self.inner.table;
        // From here on, the guard discards the connection unless the lock is released.
        let mut held = Held(Some(self.connection().await?), None);
        // Given up while waiting (this future dropped): the guard cancels the wait.
        held.1 = Some(held.client().cancel_token());
        let conn = held.client();
        let key = table.lock_key(account);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&key];
        let locked = conn.execute("SELECT pg_advisory_lock($1)", &params);
        match tokio::time::timeout(self.inner.lock_timeout, locked).await {
            Ok(locked) => locked.map_err(|e| Error::query("lock (pg_advisory_lock)", e))?,
            // `held` is dropped: the wait is cancelled on the server, the connection closed.
            Err(_) => {
                return Err(Error::LockTimeout {
                    after: self.inner.lock_timeout,
                });
            }
        };
        held.1 = None;
        let mut migrated = false;
        let row = loop {
            let conn = held.client();
            let insert = async {
                conn.execute(&table.insert_empty, &[&account])
                    .await
                    .map_err(|e| Error::query("lock (insert the account's row)", e))
            };
            let ensured = self
                .bounded("lock (insert the account's row)", insert)
                .await;
            match ensured {
                Err(e) if e.is_missing_table() && !migrated => {
                    migrated = true;
                    let conn = held.0.as_mut().expect("held until released");
                    self.bounded("lock (create the table)", table.migrate(conn))
                        .await?;
                    continue;
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
            let read = async {
                conn.query_one(&table.select, &[&account])
                    .await
                    .map_err(|e| Error::query("lock (read the pair)", e))
            };
            break self.bounded("lock (read the pair)", read).await?;
        };
        let (current, generation) = read_row(&row)?;
        Ok(PostgresTokenLock {
            held,
            store: self.clone(),
            account: account.to_owned(),
            current,
            generation,
        })
    }

    async fn connection(&self) -> Result<Object, Error> {
        self.inner
            .pool
            .get()
            .await
            .map_err(|e| self.connect_error(e))
    }

    fn connect_error(&self, error: PoolError) -> Error {
        let server = self.inner.server.clone();
        match error {
            PoolError::Backend(e) => match e.as_db_error() {
                // Authentication and the like: the server's words, without DETAIL.
                Some(db) => Error::Connect {
                    server,
                    reason: format!(
                        "{}: {} (SQLSTATE {})",
                        db.severity(),
                        db.message(),
                        db.code().code()
                    ),
                    source: None,
                },
                None => Error::Connect {
                    server,
                    reason: e.to_string(),
                    source: Some(Box::new(e)),
                },
            },
            PoolError::Timeout(_) => Error::Connect {
                server,
                reason: "no connection within the connect timeout".into(),
                source: Some(Box::new(error)),
            },
            other => Error::Connect {
                server,
                reason: other.to_string(),
                source: Some(Box::new(other)),
            },
        }
    }
}

/// (pair, generation) of a row; a row with no pair yet is `None`.
fn read_row(row: &Row) -> Result<(Option<TokenPair>, i64), Error> {
    let column = |name: &'static str| -> Result<Option<String>, Error> {
        row.try_get(name)
            .map_err(|_| Error::Corrupt("a token column is not text"))
    };
    let access = column("access_token")?;
    let refresh = column("refresh_token")?;
    let expires_at: Option<SystemTime> = row
        .try_get("expires_at")
        .map_err(|_| Error::Corrupt("expires_at is not a timestamptz"))?;
    let generation: i64 = row
        .try_get("generation")
        .map_err(|_| Error::Corrupt("generation is not a bigint"))?;
    let pair = match (access, refresh, expires_at) {
        (Some(access), Some(refresh), Some(expires_at)) => Some(TokenPair::new(
            SecretString::from(access),
            SecretString::from(refresh),
            expires_at,
        )),
        (None, None, None) => None,
        _ => {
            return Err(Error::Corrupt(
                "some of access_token, refresh_token, expires_at are null",
            ));
        }
    };
    Ok((pair, generation))
}

/// The crate's error as the store error `amocrm` sees: a refused save is
/// [`StoreError::conflict`]; anything else keeps this crate's [`Error`] as its source (for
/// `downcast_ref`).
fn store_error(error: Error) -> StoreError {
    match error {
        Error::Conflict { .. } => StoreError::conflict(),
        error @ Error::LockTimeout { .. } => StoreError::timed_out(error.to_string()),
        error @ Error::LockLost(_) => StoreError::lock_lost(error.to_string()),
        error => StoreError::new(error.to_string(), Some(Box::new(error))),
    }
}

impl TokenStore for PostgresTokenStore {
    fn load<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<TokenPair>, StoreError>> {
        Box::pin(async move { self.load_pair(account).await.map_err(store_error) })
    }

    fn lock<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Box<dyn TokenLock>, StoreError>> {
        Box::pin(async move {
            let lock = self.lock_account(account).await.map_err(store_error)?;
            Ok(Box::new(lock) as Box<dyn TokenLock>)
        })
    }

    fn set_account_id<'a>(
        &'a self,
        account: &'a str,
        account_id: i64,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.record_account_id(account, account_id)
                .await
                .map_err(store_error)
        })
    }

    fn delete<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move { self.delete_pair(account).await.map_err(store_error) })
    }

    fn accounts_of_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move { self.accounts_of(account_id).await.map_err(store_error) })
    }

    fn accounts_without_id(&self) -> BoxFuture<'_, Result<Vec<String>, StoreError>> {
        Box::pin(async move {
            PostgresTokenStore::accounts_without_id(self)
                .await
                .map_err(store_error)
        })
    }

    fn delete_account_id<'a>(
        &'a self,
        account_id: i64,
    ) -> BoxFuture<'a, Result<Vec<String>, StoreError>> {
        Box::pin(async move { self.delete_pairs_of(account_id).await.map_err(store_error) })
    }
}
