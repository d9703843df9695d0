//! [`RedisPacer`]: the slots of each account granted by one atomic script on the Redis
//! server, so that every process of an integration shares one schedule per account.

use std::sync::LazyLock;
use std::time::Duration;

use amocrm::{PaceError, Pacer, RateLimit};
use futures::future::BoxFuture;

use crate::{Error, RedisConnection, account_key};

/// The schedule script: acquire a slot, depart for it, pause (see the script's header).
static SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("pace.lua")));

/// The default key prefix.
const DEFAULT_PREFIX: &str = "amocrm:pace:";

/// How long an account's key outlives the last instant it holds (ms): a request that wakes
/// up for its slot up to this late still finds its schedule.
const KEY_MARGIN_MS: u64 = 1_000;

/// Request slots per account, shared by every process that uses the same Redis and key
/// prefix: the fleet of one integration sends at most `n` requests per second to each
/// account, evenly spaced (one every [`RateLimit::interval`], never a burst), like one
/// client does in-process.
///
/// * **Slots** come from one atomic Lua script per request on the server's clock (`TIME`,
///   never a client's): `slot = max(now, next, paused_until)`, `next = slot + interval`
///   (GCRA). The request sleeps until its slot, then a second call of the script checks
///   that the slot still holds and records the departure.
/// * **Pauses** (`Retry-After` of a 429/503): no slot for anyone before `now + delay`
///   (a later pause extends an earlier one, never shortens it). A slot granted earlier
///   that falls inside a pause is void: its request takes a new one after the pause,
///   spaced like the others.
/// * **Late wake-ups**: a request that left less than an interval ago (one that woke up
///   late for its slot) holds the next one back, so departures stay an interval apart.
/// * **Lost state** (Redis restarted or the key flushed while requests waited): a slot the
///   schedule no longer knows is void and taken again, so the new schedule is not doubled
///   by the old one.
/// * **Idle accounts** leave nothing: an account's key (a hash at `{prefix}{account}`,
///   the account being a Cluster hash tag) expires a second after its last instant.
/// * **Redis unreachable, an error or no answer within the connection's timeout**: the
///   call fails and the request is not sent.
///
/// A request that gives up waiting (its future dropped) leaves its slot unused.
#[derive(Clone)]
pub struct RedisPacer {
    redis: RedisConnection,
    prefix: String,
    limit: Option<RateLimit>,
    /// µs between two slots; 0: pauses only.
    interval_us: u64,
}

impl std::fmt::Debug for RedisPacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPacer")
            .field("redis", &self.redis)
            .field("prefix", &self.prefix)
            .field("limit", &self.limit)
            .finish()
    }
}

/// What the script answered.
#[derive(Debug, PartialEq, Eq)]
enum Turn {
    /// The departure is recorded: send.
    Go,
    /// Sleep this long, then depart for the slot.
    Wait { wait_us: u64, slot_us: i64 },
    /// The slot is void: acquire again.
    Void,
}

impl RedisPacer {
    /// Slots `limit.interval()` apart per account, under the key prefix `amocrm:pace:`.
    pub fn new(redis: RedisConnection, limit: RateLimit) -> Self {
        Self::build(redis, Some(limit))
    }

    /// No spacing, only the pauses shared (a `Retry-After` still stops every process).
    pub fn pauses_only(redis: RedisConnection) -> Self {
        Self::build(redis, None)
    }

    fn build(redis: RedisConnection, limit: Option<RateLimit>) -> Self {
        // Rounded up: never faster than the limit.
        let interval_us = limit.map_or(0, |limit| {
            u64::try_from(limit.interval().as_nanos().div_ceil(1_000)).unwrap_or(u64::MAX)
        });
        RedisPacer {
            redis,
            prefix: DEFAULT_PREFIX.to_owned(),
            limit,
            interval_us,
        }
    }

    /// Keys start with `prefix` (`amocrm:pace:` by default): one prefix per integration,
    /// since amoCRM counts each integration's requests apart.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The limit every account is paced at (`None`: pauses only).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.limit
    }

    /// The Redis key holding `account`'s schedule.
    pub fn key(&self, account: &str) -> String {
        account_key(&self.prefix, account)
    }

    /// Waits until a request to `account` may leave. An error means it may not be sent.
    pub async fn acquire_slot(&self, account: &str) -> Result<(), Error> {
        let key = self.key(account);
        let mut turn = self.call(&key, "acquire", 0).await?;
        loop {
            match turn {
                Turn::Go => return Ok(()),
                Turn::Void => turn = self.call(&key, "acquire", 0).await?,
                Turn::Wait { wait_us, slot_us } => {
                    tokio::time::sleep(Duration::from_micros(wait_us)).await;
                    turn = self.call(&key, "depart", slot_us).await?;
                }
            }
        }
    }

    /// No slot of `account` for any process before now + `delay` (the server's now).
    pub async fn pause_for(&self, account: &str, delay: Duration) -> Result<(), Error> {
        let key = self.key(account);
        let delay_us = i64::try_from(delay.as_micros()).unwrap_or(i64::MAX);
        // A pause that long is an error upstream; an hour is what the client honours at most.
        let delay_us = delay_us.min(3_600 * 1_000_000);
        self.call(&key, "pause", delay_us).await.map(|_| ())
    }

    async fn call(&self, key: &str, op: &str, arg: i64) -> Result<Turn, Error> {
        let mut invocation = SCRIPT.prepare_invoke();
        invocation
            .key(key)
            .arg(op)
            .arg(self.interval_us)
            .arg(KEY_MARGIN_MS)
            .arg(arg);
        let answer: Vec<i64> = self.redis.invoke(&invocation).await?;
        let unexpected = || Error::Unexpected {
            address: self.redis.address().to_owned(),
            detail: format!("the pace script answered {answer:?}"),
        };
        match answer.as_slice() {
            [0, _, _] => Ok(Turn::Go),
            [1, wait, slot] => Ok(Turn::Wait {
                wait_us: u64::try_from(*wait).map_err(|_| unexpected())?,
                slot_us: *slot,
            }),
            [2, _, _] => Ok(Turn::Void),
            _ => Err(unexpected()),
        }
    }
}

impl Pacer for RedisPacer {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.acquire_slot(account).await.map_err(|error| {
                PaceError::new(
                    format!("no slot for {account} from the Redis pacer: {error}"),
                    Some(Box::new(error)),
                )
            })
        })
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.pause_for(account, delay).await.map_err(|error| {
                PaceError::new(
                    format!("the Redis pacer could not pause {account} for {delay:?}: {error}"),
                    Some(Box::new(error)),
                )
            })
        })
    }
}
