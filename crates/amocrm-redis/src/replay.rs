//! [`RedisReplayGuard`]: the widget_request tokens accepted by any instance of a service,
//! remembered in Redis until they expire.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use amocrm::widget_request::{ReplayGuard, ReplayGuardError};
use futures::future::BoxFuture;

use crate::{Error, RedisConnection};

/// The remember script: `SET NX PXAT` after checking, on Redis's clock, that the end is
/// still ahead (see the script's header).
static SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("replay.lua")));

/// The default key prefix.
const DEFAULT_PREFIX: &str = "amocrm:replay:";

/// A [`ReplayGuard`] shared by every instance using the same Redis and key prefix: a token
/// is accepted once by all of them. Each accepted token is one key, `SET {prefix}{key} 1 NX
/// PXAT until` (atomic: of two instances that see one token at once, one wins), kept until
/// the token expires: an absolute time, kept by Redis's clock, so an instance whose clock
/// runs fast does not shorten the fleet's memory of a token (a TTL computed on its clock
/// would). A token whose end is not ahead on Redis's clock is refused
/// ([`Error::Expired`]): a key set to expire in the past is dropped at once, and every
/// replay of the token would then be accepted. Needs Redis 6.2 or later.
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
    /// clock) and answers `true`, or `false` when it is remembered already; a `until` not
    /// ahead on Redis's clock is [`Error::Expired`].
    pub async fn remember(&self, key: &str, until: SystemTime) -> Result<bool, Error> {
        let until_ms = until
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| {
                u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
            })
            .min(i64::MAX as u64);
        let mut invocation = SCRIPT.prepare_invoke();
        invocation
            .key(format!("{}{key}", self.prefix))
            .arg(until_ms);
        match self.redis.invoke::<i64>(&invocation).await? {
            1 => Ok(true),
            0 => Ok(false),
            past if past < 0 => Err(Error::Expired {
                address: self.redis.address().to_owned(),
                by: Duration::from_millis((-(past + 1)).unsigned_abs()),
            }),
            other => Err(Error::Unexpected {
                address: self.redis.address().to_owned(),
                detail: format!("the replay script answered {other}"),
            }),
        }
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
