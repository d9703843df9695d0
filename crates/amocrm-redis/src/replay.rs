//! [`RedisReplayGuard`]: the widget_request tokens accepted by any instance of a service,
//! remembered in Redis until they expire.

use std::time::{Duration, SystemTime};

use amocrm::widget_request::{ReplayGuard, ReplayGuardError};
use futures::future::BoxFuture;

use crate::{Error, RedisConnection};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "amocrm:replay:";

/// A [`ReplayGuard`] shared by every instance using the same Redis and key prefix: a token
/// is accepted once by all of them. Each accepted token is one key, `SET {prefix}{key} 1 NX
/// PX ttl` (atomic: of two instances that see one token at once, one wins), kept until the
/// token expires.
///
/// Fails closed: when Redis cannot be reached or does not answer in time, the guard
/// answers an error and the verifier refuses the request
/// ([`amocrm::error::WidgetRequestError::ReplayGuard`]).
#[derive(Clone, Debug)]
pub struct RedisReplayGuard {
    redis: RedisConnection,
    prefix: String,
}

impl RedisReplayGuard {
    /// A guard under the key prefix `amocrm:replay:`.
    pub fn new(redis: RedisConnection) -> Self {
        RedisReplayGuard {
            redis,
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }

    /// Keys start with `prefix` (`amocrm:replay:` by default).
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Remembers `key` until `until` and answers `true`, or `false` when it is remembered
    /// already. `until` is read on this machine's clock.
    pub async fn remember(&self, key: &str, until: SystemTime) -> Result<bool, Error> {
        // At least a millisecond: a key already expired is still set (and gone at once),
        // so the answer stays "first use" only for the first caller.
        let ttl = until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO)
            .max(Duration::from_millis(1));
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("{}{key}", self.prefix))
            .arg(1)
            .arg("NX")
            .arg("PX")
            .arg(ttl_ms);
        // "OK" when set, nil when the key exists.
        let set: Option<String> = self.redis.run(cmd).await?;
        Ok(set.is_some())
    }
}

impl ReplayGuard for RedisReplayGuard {
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<bool, ReplayGuardError>> {
        Box::pin(async move {
            self.remember(key, until)
                .await
                .map_err(|error| Box::new(error) as ReplayGuardError)
        })
    }
}
