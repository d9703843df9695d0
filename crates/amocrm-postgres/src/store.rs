//! The store: a connection pool, `load`, and the per-account lock.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::{StoreError, TokenLock, TokenPair, TokenStore};
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio_postgres::Row;

use crate::error::{Error, Server};
use crate::schema::{DEFAULT_SCHEMA, DEFAULT_TABLE, Table};

/// How long connecting may take when the connection string sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per store when not set: each held lock keeps one.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

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
}

impl fmt::Debug for PostgresTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTokenStore")
            .field("server", &self.inner.server)
            .field("table", &self.inner.table.qualified())
            .finish_non_exhaustive()
    }
}

/// Configures a [`PostgresTokenStore`]: `PostgresTokenStore::builder(url)`.
#[must_use]
pub struct PostgresTokenStoreBuilder {
    config: Result<tokio_postgres::Config, Error>,
    schema: String,
    table: String,
    max_connections: usize,
    connect_timeout: Option<Duration>,
    #[cfg(feature = "native-tls")]
    tls: Option<native_tls::TlsConnector>,
}

impl fmt::Debug for PostgresTokenStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTokenStoreBuilder")
            .field("schema", &self.schema)
            .field("table", &self.table)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

impl PostgresTokenStoreBuilder {
    /// The schema of the table (default `public`). Created by [`PostgresTokenStore::migrate`]
    /// or on first lock if missing. A plain identifier: ASCII letters, digits and `_`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The table's name (default `amocrm_tokens`). One table per integration: its rows are
    /// keyed by account only.
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// At most this many connections (default 16). Every held lock keeps one; a `lock` or
    /// `load` beyond it waits for a connection to come back.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long connecting may take before the call fails (default: the connection string's
    /// `connect_timeout`, else 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The TLS connector for `sslmode=require` (default: the platform's, verifying the
    /// server's certificate and name against the system's trust store).
    #[cfg(feature = "native-tls")]
    pub fn tls(mut self, connector: native_tls::TlsConnector) -> Self {
        self.tls = Some(connector);
        self
    }

    /// Builds the store. Does not connect: the first call does.
    pub fn build(self) -> Result<PostgresTokenStore, Error> {
        let mut config = self.config?;
        let table = Table::new(&self.schema, &self.table)?;
        let timeout = self
            .connect_timeout
            .or(config.get_connect_timeout().copied())
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        config.connect_timeout(timeout);
        let server = Server(&config).to_string();
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = self::tls::manager(
            config,
            manager_config,
            #[cfg(feature = "native-tls")]
            self.tls,
        )?;
        let pool = Pool::builder(manager)
            .max_size(self.max_connections)
            .runtime(Runtime::Tokio1)
            // Each host try has `timeout`; DNS and the handshake get the same again.
            .create_timeout(Some(timeout.saturating_mul(2)))
            .build()
            .map_err(|e| Error::Config(format!("connection pool: {e}")))?;
        Ok(PostgresTokenStore {
            inner: Arc::new(Inner {
                pool,
                table,
                server,
            }),
        })
    }
}

mod tls {
    use super::*;

    #[cfg(not(feature = "native-tls"))]
    pub(super) fn manager(
        config: tokio_postgres::Config,
        manager_config: ManagerConfig,
    ) -> Result<Manager, Error> {
        if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
            return Err(Error::Config(
                "sslmode=require needs TLS: enable the `native-tls` feature of amocrm-postgres"
                    .into(),
            ));
        }
        Ok(Manager::from_config(
            config,
            tokio_postgres::NoTls,
            manager_config,
        ))
    }

    /// TLS only for `sslmode=require` (certificates verified: stricter than libpq's
    /// `require`); `prefer`, the default, connects in plain, as without this feature, so
    /// that turning the feature on changes no working connection string.
    #[cfg(feature = "native-tls")]
    pub(super) fn manager(
        config: tokio_postgres::Config,
        manager_config: ManagerConfig,
        connector: Option<native_tls::TlsConnector>,
    ) -> Result<Manager, Error> {
        if config.get_ssl_mode() != tokio_postgres::config::SslMode::Require {
            return Ok(Manager::from_config(
                config,
                tokio_postgres::NoTls,
                manager_config,
            ));
        }
        let connector = match connector {
            Some(connector) => connector,
            None => native_tls::TlsConnector::new()
                .map_err(|e| Error::Config(format!("TLS connector: {e}")))?,
        };
        Ok(Manager::from_config(
            config,
            postgres_native_tls::MakeTlsConnector::new(connector),
            manager_config,
        ))
    }
}

impl PostgresTokenStore {
    /// A builder for the server at `url`: a `postgres://` / `postgresql://` URL or a
    /// `key=value` connection string (libpq syntax; `connect_timeout`, `sslmode`,
    /// `application_name` are honoured).
    pub fn builder(url: &str) -> PostgresTokenStoreBuilder {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::Config(format!("invalid connection string: {e}")));
        Self::builder_from_config_result(config)
    }

    /// A builder from a parsed driver configuration.
    pub fn builder_from_config(config: tokio_postgres::Config) -> PostgresTokenStoreBuilder {
        Self::builder_from_config_result(Ok(config))
    }

    fn builder_from_config_result(
        config: Result<tokio_postgres::Config, Error>,
    ) -> PostgresTokenStoreBuilder {
        PostgresTokenStoreBuilder {
            config,
            schema: DEFAULT_SCHEMA.to_owned(),
            table: DEFAULT_TABLE.to_owned(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            connect_timeout: None,
            #[cfg(feature = "native-tls")]
            tls: None,
        }
    }

    /// A store on the default table `public.amocrm_tokens` of the server at `url`. Does not
    /// connect: the first call does.
    pub fn new(url: &str) -> Result<PostgresTokenStore, Error> {
        Self::builder(url).build()
    }

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
        self.inner.table.migrate(&mut conn).await
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
            let result = conn
                .query_opt(&self.inner.table.select, &[&account])
                .await
                .map_err(|e| Error::query("load", e));
            match result {
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
        let mut held = Held(Some(self.connection().await?));
        let conn = held.client();
        conn.execute("SELECT pg_advisory_lock($1)", &[&table.lock_key(account)])
            .await
            .map_err(|e| Error::query("lock (pg_advisory_lock)", e))?;
        let mut migrated = false;
        let row = loop {
            let conn = held.client();
            let ensured = conn
                .execute(&table.insert_empty, &[&account])
                .await
                .map_err(|e| Error::query("lock (insert the account's row)", e));
            match ensured {
                Err(e) if e.is_missing_table() && !migrated => {
                    migrated = true;
                    let conn = held.0.as_mut().expect("held until released");
                    table.migrate(conn).await?;
                    continue;
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
            break conn
                .query_one(&table.select, &[&account])
                .await
                .map_err(|e| Error::query("lock (read the pair)", e))?;
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

/// A pooled connection that holds (or is taking) an account's advisory lock. Dropped without
/// [`Held::release`], it closes the connection instead of returning it to the pool, so the
/// server ends the session and the lock with it.
struct Held(Option<Object>);

impl Held {
    fn client(&self) -> &Object {
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
    }
}

/// The held lock of one account (from [`PostgresTokenStore::lock_account`]). Dropping it
/// releases the lock by closing its connection; [`release`](Self::release) unlocks and
/// returns the connection to the pool.
pub struct PostgresTokenLock {
    held: Held,
    store: PostgresTokenStore,
    account: String,
    current: Option<TokenPair>,
    generation: i64,
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
        let row = self
            .held
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
            .map_err(|e| Error::query("save", e))?;
        let Some(row) = row else {
            return Err(Error::Conflict {
                read: self.generation,
            });
        };
        self.generation = row.get(0);
        self.current = Some(pair.clone());
        Ok(())
    }

    /// Releases the lock now and returns the connection to the pool. An error means the
    /// unlock could not be confirmed; the connection is closed, which releases it anyway.
    pub async fn release_now(mut self) -> Result<(), Error> {
        let key = self.store.inner.table.lock_key(&self.account);
        let unlocked = self
            .held
            .client()
            .query_one("SELECT pg_advisory_unlock($1)", &[&key])
            .await
            .map_err(|e| Error::query("release (pg_advisory_unlock)", e))?
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

/// The crate's error as the store error `amocrm` sees: a refused save is
/// [`StoreError::conflict`]; anything else keeps this crate's [`Error`] as its source (for
/// `downcast_ref`).
fn store_error(error: Error) -> StoreError {
    match error {
        Error::Conflict { .. } => StoreError::conflict(),
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
}

impl TokenLock for PostgresTokenLock {
    fn current(&self) -> Option<&TokenPair> {
        PostgresTokenLock::current(self)
    }

    fn save<'a>(&'a mut self, pair: &'a TokenPair) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { self.save_pair(pair).await.map_err(store_error) })
    }

    fn release(self: Box<Self>) -> BoxFuture<'static, Result<(), StoreError>> {
        Box::pin(async move { self.release_now().await.map_err(store_error) })
    }
}
