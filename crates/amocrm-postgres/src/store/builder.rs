//! [`PostgresTokenStoreBuilder`]: the table, the pool and the timeouts of a
//! [`PostgresTokenStore`], and the TLS of its connections.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};

use super::{Inner, PostgresTokenStore};
use crate::error::{Error, Server};
use crate::schema::{DEFAULT_SCHEMA, DEFAULT_TABLE, Table};

/// How long connecting may take when the connection string sets no `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a statement may go unanswered when not set (the wait for a held lock has its
/// own bound, [`DEFAULT_LOCK_TIMEOUT`]).
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `lock` waits for a lock another holder keeps when not set (30 s).
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a connection may be idle before TCP keepalive probes start, on both ends,
/// when not set: 10 s (the operating system's default is 2 hours). With the probes 2 s
/// apart and 3 unanswered ending it, a peer gone without a word (a partition, a host that
/// died) is noticed in about 16 s: the server then ends a partitioned holder's session and
/// frees its lock.
pub const DEFAULT_KEEPALIVES_IDLE: Duration = Duration::from_secs(10);
/// Seconds between two keepalive probes.
const KEEPALIVES_INTERVAL: Duration = Duration::from_secs(2);
/// Unanswered probes that end the connection.
const KEEPALIVES_RETRIES: u32 = 3;
/// Connections per store when not set: each held lock keeps one.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// Configures a [`PostgresTokenStore`]: `PostgresTokenStore::builder(url)`.
#[must_use]
pub struct PostgresTokenStoreBuilder {
    config: Result<tokio_postgres::Config, Error>,
    schema: String,
    table: String,
    max_connections: usize,
    connect_timeout: Option<Duration>,
    query_timeout: Duration,
    lock_timeout: Duration,
    keepalives_idle: Duration,
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

    /// How long a statement may go unanswered before the call fails with
    /// [`Error::Timeout`] and its connection is closed (default 10 s): a server that
    /// accepted the connection but stalls, or a network that drops packets, does not hang
    /// `load`, `save` or `release`. The wait for a lock another holder keeps has its own bound,
    /// [`lock_timeout`](Self::lock_timeout).
    pub fn query_timeout(mut self, timeout: Duration) -> Self {
        self.query_timeout = timeout;
        self
    }

    /// How long [`PostgresTokenStore::lock_account`] waits for a lock another holder keeps
    /// before it fails with [`Error::LockTimeout`] (default [`DEFAULT_LOCK_TIMEOUT`]); the
    /// wait is cancelled on the server. A holder behind a network partition keeps its
    /// lock until the server notices (see [`keepalives_idle`](Self::keepalives_idle)):
    /// meanwhile the others' refreshes fail by this timeout instead of hanging.
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// How long a connection may be idle before TCP keepalive probes start (default
    /// [`DEFAULT_KEEPALIVES_IDLE`]; then 3 probes 2 s apart), set on both ends: on this
    /// side, so that a call on a dead connection fails rather than waits; on the server's
    /// (`tcp_keepalives_idle`, `_interval`, `_count` and `tcp_user_timeout` of the session,
    /// which any role may set), so that the server ends the session of a holder it can no
    /// longer reach and frees its lock in seconds rather than the system's 2 hours. The
    /// connection string's own `keepalives_idle` wins when it sets one.
    pub fn keepalives_idle(mut self, idle: Duration) -> Self {
        self.keepalives_idle = idle;
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
        with_keepalives(&mut config, self.keepalives_idle);
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
                query_timeout: self.query_timeout,
                lock_timeout: self.lock_timeout,
            }),
        })
    }
}

/// The operating system's keepalive idle time, which `tokio_postgres` reports when the
/// connection string sets none.
const SYSTEM_KEEPALIVES_IDLE: Duration = Duration::from_secs(2 * 60 * 60);

/// TCP keepalives on the client's end (unless the connection string turned them off), and
/// the same asked of the server for the session through `options` (appended to the
/// connection string's own). A Unix socket ignores both.
fn with_keepalives(config: &mut tokio_postgres::Config, idle: Duration) {
    if !config.get_keepalives() {
        return;
    }
    let idle = match config.get_keepalives_idle() {
        SYSTEM_KEEPALIVES_IDLE => idle,
        set => set,
    }
    .max(Duration::from_secs(1));
    let interval = config
        .get_keepalives_interval()
        .unwrap_or(KEEPALIVES_INTERVAL)
        .max(Duration::from_secs(1));
    let retries = config
        .get_keepalives_retries()
        .unwrap_or(KEEPALIVES_RETRIES)
        .max(1);
    // Unacknowledged data is given as long as the probes get.
    let user_timeout = config
        .get_tcp_user_timeout()
        .copied()
        .unwrap_or(idle + interval * retries);
    config
        .keepalives_idle(idle)
        .keepalives_interval(interval)
        .keepalives_retries(retries)
        .tcp_user_timeout(user_timeout);
    let server = format!(
        "-c tcp_keepalives_idle={} -c tcp_keepalives_interval={} -c tcp_keepalives_count={} \
         -c tcp_user_timeout={}",
        idle.as_secs(),
        interval.as_secs(),
        retries,
        user_timeout.as_millis()
    );
    let options = match config.get_options() {
        Some(own) if !own.trim().is_empty() => format!("{own} {server}"),
        _ => server,
    };
    config.options(options);
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
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            keepalives_idle: DEFAULT_KEEPALIVES_IDLE,
            #[cfg(feature = "native-tls")]
            tls: None,
        }
    }

    /// A store on the default table `public.amocrm_tokens` of the server at `url`. Does not
    /// connect: the first call does.
    pub fn new(url: &str) -> Result<PostgresTokenStore, Error> {
        Self::builder(url).build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalives_are_set_on_both_ends_and_the_connection_string_wins() {
        let mut config = tokio_postgres::Config::from_str("postgres://u@h/db").unwrap();
        with_keepalives(&mut config, DEFAULT_KEEPALIVES_IDLE);
        assert!(config.get_keepalives());
        assert_eq!(config.get_keepalives_idle(), Duration::from_secs(10));
        assert_eq!(
            config.get_keepalives_interval(),
            Some(Duration::from_secs(2))
        );
        assert_eq!(config.get_keepalives_retries(), Some(3));
        assert_eq!(
            config.get_tcp_user_timeout(),
            Some(&Duration::from_secs(16))
        );
        assert_eq!(
            config.get_options(),
            Some(
                "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=2 \
                 -c tcp_keepalives_count=3 -c tcp_user_timeout=16000"
            )
        );

        let mut own = tokio_postgres::Config::from_str(
            "host=h user=u keepalives_idle=30 options='-c search_path=x'",
        )
        .unwrap();
        with_keepalives(&mut own, DEFAULT_KEEPALIVES_IDLE);
        assert_eq!(own.get_keepalives_idle(), Duration::from_secs(30));
        assert!(
            own.get_options()
                .unwrap()
                .starts_with("-c search_path=x -c tcp_keepalives_idle=30")
        );

        let mut off = tokio_postgres::Config::from_str("host=h user=u keepalives=0").unwrap();
        with_keepalives(&mut off, DEFAULT_KEEPALIVES_IDLE);
        assert_eq!(off.get_options(), None);
    }
}
