//! The connection both engines share: one multiplexed Redis connection that reconnects by
//! itself, every command bounded by a timeout.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::Error;

/// How long one command may take by default, connecting included.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// A Redis server for the engines of this crate: cheap to clone (clones share the one
/// connection), connected on first use and again after the server went away. Each command
/// waits at most [`RedisConnection::timeout`] (1 s by default), connecting included, and
/// then fails: an engine that cannot reach Redis answers an error, it never waits for ever.
///
/// Building one needs a Tokio runtime (it spawns the connection's task); it does not
/// contact the server. [`RedisConnection::ping`] does.
#[derive(Clone)]
pub struct RedisConnection {
    manager: ConnectionManager,
    /// `host:port` (or the socket path) for messages; never the password.
    address: String,
    timeout: Duration,
    tls: bool,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection")
            .field("address", &self.address)
            .field("timeout", &self.timeout)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// A connection to `url` (`redis://[:password@]host[:port][/db]`, or `redis+unix://`),
    /// with the default timeout.
    pub fn open(url: &str) -> Result<Self, Error> {
        Self::open_with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// The same, each command (connecting included) bounded by `timeout`.
    ///
    /// A `rediss://` URL (TLS) needs the crate's `rustls` feature and then verifies the
    /// server against the system's trust store; without the feature it is refused with
    /// [`Error::TlsUnavailable`] rather than connecting in the clear.
    pub fn open_with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        if is_tls(url) && cfg!(not(feature = "rustls")) {
            return Err(Error::TlsUnavailable);
        }
        let client = redis::Client::open(url).map_err(|source| Error::Url { source })?;
        Self::from_client(client, timeout)
    }

    /// A `rediss://` connection that trusts the root certificates of `root_pem` (PEM, one
    /// or more) instead of the system's trust store: a Redis with a private CA. Each
    /// command is bounded by `timeout`. A `redis://` URL is refused
    /// ([`Error::Url`]): certificates are for TLS.
    #[cfg(feature = "rustls")]
    pub fn open_tls(url: &str, root_pem: &[u8], timeout: Duration) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        let certificates = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_pem.to_vec()),
        };
        let client = redis::Client::build_with_tls(url, certificates)
            .map_err(|source| Error::Url { source })?;
        Self::from_client(client, timeout)
    }

    fn from_client(client: redis::Client, timeout: Duration) -> Result<Self, Error> {
        // redis-rs builds its TLS configuration on the process's default provider; where
        // the program installed none, ring is (an installed one is kept).
        #[cfg(feature = "rustls")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = matches!(
            client.get_connection_info().addr(),
            redis::ConnectionAddr::TcpTls { .. }
        );
        let address = client.get_connection_info().addr().to_string();
        // One attempt per command: while the server is down each command fails at once
        // (or after `timeout`) and the next one tries again, so a restarted server is used
        // as soon as it answers, without a backoff in between.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(0)
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        let manager =
            ConnectionManager::new_lazy_with_config(client, config).map_err(|source| {
                Error::Redis {
                    address: address.clone(),
                    source,
                }
            })?;
        Ok(RedisConnection {
            manager,
            address,
            timeout,
            tls,
        })
    }

    /// Whether commands go over TLS (a `rediss://` URL).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Each command fails after `timeout` without an answer (connecting included).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `host:port` of the server (or its socket path), for messages.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// Checks that the server answers (`PING`).
    pub async fn ping(&self) -> Result<(), Error> {
        self.run(redis::cmd("PING")).await.map(|_: String| ())
    }

    /// The shared connection manager, for commands of your own.
    pub fn manager(&self) -> &ConnectionManager {
        &self.manager
    }

    /// Runs `cmd`, bounded by the timeout.
    pub(crate) async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Result<T, Error> {
        let mut manager = self.manager.clone();
        let call = async move { cmd.query_async::<T>(&mut manager).await };
        self.bounded(call).await
    }

    /// Runs a script invocation, bounded by the timeout.
    pub(crate) async fn invoke<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        let mut manager = self.manager.clone();
        self.bounded(invocation.invoke_async::<T>(&mut manager))
            .await
    }

    async fn bounded<T>(
        &self,
        call: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, Error> {
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(source)) => Err(Error::Redis {
                address: self.address.clone(),
                source,
            }),
            Err(_) => Err(Error::Timeout {
                address: self.address.clone(),
                after: self.timeout,
            }),
        }
    }
}

/// Whether `url` asks for TLS (`rediss://`, any case).
fn is_tls(url: &str) -> bool {
    url.get(..9)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("rediss://"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_rediss_url_asks_for_tls() {
        assert!(is_tls("rediss://h:1/"));
        assert!(is_tls("REDISS://h"));
        assert!(!is_tls("redis://h:1/"));
        assert!(!is_tls("rediss:/"));
        assert!(!is_tls("redis+unix:///tmp/s"));
    }

    #[cfg(not(feature = "rustls"))]
    #[tokio::test]
    async fn a_rediss_url_without_tls_compiled_in_is_refused_never_sent_in_the_clear() {
        let refused = RedisConnection::open("rediss://127.0.0.1:6380/");
        assert!(matches!(refused, Err(Error::TlsUnavailable)), "{refused:?}");
    }

    #[cfg(feature = "rustls")]
    #[tokio::test]
    async fn a_rediss_url_with_tls_compiled_in_is_a_tls_connection() {
        let tls = RedisConnection::open("rediss://127.0.0.1:6380/").unwrap();
        assert!(tls.is_tls());
        assert!(
            !RedisConnection::open("redis://127.0.0.1:6380/")
                .unwrap()
                .is_tls()
        );
    }
}
