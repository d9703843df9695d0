//! The one error type of this crate. No variant carries a token, a password or a stored row.

use std::fmt;

use tokio_postgres::error::SqlState;

/// Why the PostgreSQL token store could not load, lock or save a pair.
///
/// Every variant is safe to log: server error details (which can quote row values) are
/// dropped, the connection string's password is never shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store's configuration is unusable (connection string, schema or table name).
    #[error("PostgreSQL token store configuration: {0}")]
    Config(String),
    /// No connection to the server could be made (refused, unknown host, authentication,
    /// or no answer within the connect timeout).
    #[error("cannot connect to PostgreSQL at {server}: {reason}")]
    Connect {
        /// `host:port/dbname` (never the password).
        server: String,
        /// The cause, in words.
        reason: String,
        /// The driver's or pool's error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// A statement failed (the connection died, the server refused it, ...).
    #[error("PostgreSQL token store: {what} failed: {reason}")]
    Query {
        /// What the store was doing.
        what: &'static str,
        /// The server's message and SQLSTATE, or the driver's error (no DETAIL: it can
        /// quote row values).
        reason: String,
        /// SQLSTATE of a server error.
        code: Option<SqlState>,
        /// The driver's error when it is not a server error (a closed connection, I/O).
        #[source]
        source: Option<tokio_postgres::Error>,
    },
    /// The server accepted the statement but did not answer within the store's query
    /// timeout (a stalled server or a network that drops packets); the connection is closed.
    /// A `save` that timed out may or may not have been written.
    #[error("PostgreSQL token store: {what} got no answer within {after:?}")]
    Timeout {
        /// What the store was doing.
        what: &'static str,
        /// The store's query timeout.
        after: std::time::Duration,
    },
    /// `save` found a generation other than the one read under the lock: a newer pair was
    /// saved meanwhile, and this one was not saved.
    #[error(
        "a newer token pair of this account was saved meanwhile (generation {read} read under the lock is no longer current); this pair was not saved"
    )]
    Conflict {
        /// The generation the lock read.
        read: i64,
    },
    /// The account's lock was not free within the lock timeout
    /// ([`crate::PostgresTokenStoreBuilder::lock_timeout`]): its holder is slow, or behind
    /// a network partition that the server has not noticed yet. Nothing was read.
    #[error("PostgreSQL token store: the account's lock was not free within {after:?}")]
    LockTimeout {
        /// The lock timeout.
        after: std::time::Duration,
    },
    /// The session that took the account's lock no longer holds it (the server ended it, a
    /// failover, a network cut: PostgreSQL then frees the lock for the next holder), or the
    /// row changed under it. A refresh token read under it must not be spent.
    #[error("PostgreSQL token store: the account's lock was lost ({0})")]
    LockLost(&'static str),
    /// The account's row holds an incomplete pair (edited by hand?).
    #[error("the stored token pair is incomplete: {0}")]
    Corrupt(&'static str),
}

impl Error {
    pub(crate) fn query(what: &'static str, error: tokio_postgres::Error) -> Error {
        match error.as_db_error() {
            // A server error: keep its message and code, drop DETAIL/HINT (may quote rows).
            Some(db) => Error::Query {
                what,
                reason: format!(
                    "{}: {} (SQLSTATE {})",
                    db.severity(),
                    db.message(),
                    db.code().code()
                ),
                code: Some(db.code().clone()),
                source: None,
            },
            None => Error::Query {
                what,
                reason: error.to_string(),
                code: None,
                source: Some(error),
            },
        }
    }

    /// Whether the schema or table does not exist (yet).
    pub(crate) fn is_missing_table(&self) -> bool {
        matches!(self, Error::Query { code: Some(code), .. }
            if *code == SqlState::UNDEFINED_TABLE || *code == SqlState::INVALID_SCHEMA_NAME)
    }

    /// Whether a column is missing (a table of an earlier version, not migrated yet).
    pub(crate) fn is_undefined_column(&self) -> bool {
        matches!(self, Error::Query { code: Some(code), .. } if *code == SqlState::UNDEFINED_COLUMN)
    }

    /// Whether the connection was found closed (a pooled connection the server dropped).
    pub(crate) fn is_closed_connection(&self) -> bool {
        matches!(self, Error::Query { source: Some(e), .. } if e.is_closed())
    }

    /// The SQLSTATE of a server error.
    pub fn code(&self) -> Option<&SqlState> {
        match self {
            Error::Query { code, .. } => code.as_ref(),
            _ => None,
        }
    }
}

/// `host:port/dbname` of a config, for messages.
pub(crate) struct Server<'a>(pub(crate) &'a tokio_postgres::Config);

impl fmt::Display for Server<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use tokio_postgres::config::Host;
        let ports = self.0.get_ports();
        for (i, host) in self.0.get_hosts().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                Host::Tcp(name) => write!(f, "{name}:{port}")?,
                #[cfg(unix)]
                Host::Unix(path) => write!(f, "{}:{port}", path.display())?,
            }
        }
        if self.0.get_hosts().is_empty() {
            f.write_str("(default host)")?;
        }
        if let Some(db) = self.0.get_dbname() {
            write!(f, "/{db}")?;
        }
        Ok(())
    }
}
