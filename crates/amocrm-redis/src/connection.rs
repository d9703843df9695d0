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
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection")
            .field("address", &self.address)
            .field("timeout", &self.timeout)
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
    pub fn open_with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::NoRuntime);
        }
        let client = redis::Client::open(url).map_err(|source| Error::Url { source })?;
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
        })
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
