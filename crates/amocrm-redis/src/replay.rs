//! [`RedisReplayGuard`]: the widget_request tokens accepted by any instance of a service,
//! remembered in Redis until they expire.

use std::time::SystemTime;

use amocrm::widget_request::{ReplayGuard, ReplayGuardError};
use futures::future::BoxFuture;

use crate::{Error, RedisConnection};

/// The default key prefix.
const DEFAULT_PREFIX: &str = "amocrm:replay:";

/// A [`ReplayGuard`] shared by every instance using the same Redis and key prefix: a token
/// is accepted once by all of them. Each accepted token is one key, `SET {prefix}{key} 1 NX
/// PXAT until` (atomic: of two instances that see one token at once, one wins), kept until
/// the token expires: an absolute time, kept by Redis's clock, so an instance whose clock
/// runs fast does not shorten the fleet's memory of a token (a TTL computed on its clock
/// would). Needs Redis 6.2 or later.
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

    /// Remembers `key` until `until` (an absolute time, Unix milliseconds on Redis's
    /// clock) and answers `true`, or `false` when it is remembered already.
    pub async fn remember(&self, key: &str, until: SystemTime) -> Result<bool, Error> {
        // Redis takes a positive time; one already past is set and gone at once.
        let until_ms = until
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            })
            .clamp(1, i64::MAX as u64);
        let mut cmd = redis::cmd("SET");
        cmd.arg(format!("{}{key}", self.prefix))
            .arg(1)
            .arg("NX")
            .arg("PXAT")
            .arg(until_ms);
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
