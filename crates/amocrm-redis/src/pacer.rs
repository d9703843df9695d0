//! [`RedisPacer`]: the slots of each account granted by one atomic script on the Redis
//! server, so that every process of an integration shares one schedule per account.

use std::sync::LazyLock;
use std::time::Duration;

use amocrm::error::PaceError;
use amocrm::pace::{Pacer, RateLimit};
use futures::future::BoxFuture;

use crate::{Error, RedisConnection, account_key};

/// The schedule script: acquire a slot, depart for it, pause (see the script's header).
static SCRIPT: LazyLock<redis::Script> =
    LazyLock::new(|| redis::Script::new(include_str!("pace.lua")));

/// How long an account is still blocked, in µs of the server's clock (0: not blocked); it
/// reads the schedule's `b` field (see `pace.lua`) and changes nothing.
static BLOCK_LEFT: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "local b = tonumber(redis.call('HGET', KEYS[1], 'b')) or 0\n\
         local t = redis.call('TIME')\n\
         local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n\
         if b > now then return string.format('%.0f', b - now) end\n\
         return '0'",
    )
});

/// The default key prefix.
const DEFAULT_PREFIX: &str = "amocrm:pace:";

/// The longest pause written ([`RedisPacer::pause_for`] cuts a longer one to it).
const MAX_PAUSE: Duration = Duration::from_secs(3_600);

/// The longest wait for a slot by default: the longest pause and five minutes of queue.
const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(3_600 + 300);

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
/// * **Late wake-ups**: departures are checked as they happen, on the server's clock: a
///   request leaves only when the one `n` departures before it left at least `n` intervals
///   ago (the last `n` departures are kept), so any `n + 1` departures span a second and
///   the margin even when some woke up late, and a late one does not delay the next slot.
/// * **Lost state** (Redis restarted or the key flushed while requests waited): each
///   schedule has an epoch (the instant its key was created); a slot of another epoch is
///   void and taken again, so the new schedule is not doubled by the old one.
/// * **Idle accounts** leave nothing: an account's key (a hash at `{prefix}{account}`,
///   the account being a Cluster hash tag) expires a second after its last instant (a
///   departure counting `n` intervals on).
/// * **Redis unreachable, an error or no answer within the connection's timeout**: the
///   call fails and the request is not sent.
///
/// * **A slot too far away** (more than [`RedisPacer::max_wait`], an hour and five
///   minutes by default: no client pauses longer than an hour) fails the call at once
///   rather than waiting: only a schedule planted or corrupted by another writer of the
///   prefix holds such a wait.
///
/// A request that gives up waiting (its future dropped) leaves its slot unused.
#[derive(Clone)]
pub struct RedisPacer {
    redis: RedisConnection,
    prefix: String,
    /// The longest wait for a slot; a longer one fails the call.
    max_wait: Duration,
    limit: Option<RateLimit>,
    /// µs between two slots; 0: pauses only.
    interval_us: u64,
    /// Departures per window of `n` intervals (the limit's requests per second; 1 for
    /// pauses only, where the window is empty).
    per_second: u32,
}

impl std::fmt::Debug for RedisPacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisPacer")
            .field("redis", &self.redis)
            .field("prefix", &self.prefix)
            .field("limit", &self.limit)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

/// What the script answered.
#[derive(Debug, PartialEq, Eq)]
enum Turn {
    /// The departure is recorded: send.
    Go,
    /// Sleep this long, then depart for the slot (granted in the schedule of `epoch`).
    Wait {
        wait_us: u64,
        slot_us: i64,
        epoch: i64,
    },
    /// The slot is void: acquire again.
    Void,
    /// The account is blocked this long more: fail at once.
    Blocked { left_us: u64 },
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
            max_wait: DEFAULT_MAX_WAIT,
            limit,
            interval_us,
            per_second: limit.map_or(1, |limit| limit.requests_per_second()),
        }
    }

    /// Keys start with `prefix` (`amocrm:pace:` by default): one prefix per integration,
    /// since amoCRM counts each integration's requests apart.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// A slot further away than `max` fails the call at once
    /// ([`Error::WaitTooLong`]) instead of being waited for (an hour and five minutes by
    /// default: the longest pause a client writes, an hour, and a queue behind it).
    pub fn max_wait(mut self, max: Duration) -> Self {
        self.max_wait = max;
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
        let mut turn = self.call(&key, "acquire", 0, 0).await?;
        loop {
            match turn {
                Turn::Go => return Ok(()),
                Turn::Void => turn = self.call(&key, "acquire", 0, 0).await?,
                Turn::Blocked { left_us } => {
                    return Err(Error::Blocked {
                        address: self.redis.address().to_owned(),
                        left: Duration::from_micros(left_us),
                    });
                }
                Turn::Wait {
                    wait_us,
                    slot_us,
                    epoch,
                } => {
                    let wait = Duration::from_micros(wait_us);
                    if wait > self.max_wait {
                        return Err(Error::WaitTooLong {
                            address: self.redis.address().to_owned(),
                            wait,
                            max: self.max_wait,
                        });
                    }
                    tokio::time::sleep(wait).await;
                    turn = self.call(&key, "depart", slot_us, epoch).await?;
                }
            }
        }
    }

    /// No slot of `account` for any process before now + `delay` (the server's now).
    pub async fn pause_for(&self, account: &str, delay: Duration) -> Result<(), Error> {
        let key = self.key(account);
        let delay_us = i64::try_from(delay.as_micros()).unwrap_or(i64::MAX);
        // A pause that long is an error upstream; an hour is what the client honours at most.
        let delay_us = delay_us.min(i64::try_from(MAX_PAUSE.as_micros()).unwrap_or(i64::MAX));
        self.call(&key, "pause", delay_us, 0).await.map(|_| ())
    }

    /// amoCRM blocked `account`: no slot for any process for `delay` (cut to an hour), and
    /// every acquire fails at once with [`Error::Blocked`] meanwhile.
    pub async fn block_for(&self, account: &str, delay: Duration) -> Result<(), Error> {
        let key = self.key(account);
        let delay_us = i64::try_from(delay.min(MAX_PAUSE).as_micros()).unwrap_or(i64::MAX);
        self.call(&key, "block", delay_us, 0).await.map(|_| ())
    }

    /// How long `account` is still blocked ([`RedisPacer::block_for`] by any process), if
    /// it is; takes no slot.
    pub async fn block_left(&self, account: &str) -> Result<Option<Duration>, Error> {
        let mut invocation = BLOCK_LEFT.prepare_invoke();
        invocation.key(self.key(account));
        let left: String = self.redis.invoke(&invocation).await?;
        let left_us = left.parse::<u64>().map_err(|_| Error::Unexpected {
            address: self.redis.address().to_owned(),
            detail: format!("the block script answered {left:?}"),
        })?;
        Ok((left_us > 0).then(|| Duration::from_micros(left_us)))
    }

    /// Forgets `account`'s schedule, pauses and block (its key deleted).
    pub async fn forget_account(&self, account: &str) -> Result<(), Error> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(account));
        let _: i64 = self.redis.run(cmd).await?;
        Ok(())
    }

    /// One run of the script: `op` on `key` with its argument (and a slot's epoch).
    async fn call(&self, key: &str, op: &str, arg: i64, epoch: i64) -> Result<Turn, Error> {
        let mut invocation = SCRIPT.prepare_invoke();
        invocation
            .key(key)
            .arg(op)
            .arg(self.interval_us)
            .arg(KEY_MARGIN_MS)
            .arg(self.per_second)
            .arg(arg)
            .arg(epoch);
        let answer: Vec<i64> = self.redis.invoke(&invocation).await?;
        let unexpected = || Error::Unexpected {
            address: self.redis.address().to_owned(),
            detail: format!("the pace script answered {answer:?}"),
        };
        match answer.as_slice() {
            [0, _, _, _] => Ok(Turn::Go),
            [1, wait, slot, epoch] => Ok(Turn::Wait {
                wait_us: u64::try_from(*wait).map_err(|_| unexpected())?,
                slot_us: *slot,
                epoch: *epoch,
            }),
            [2, _, _, _] => Ok(Turn::Void),
            [3, left, _, _] => Ok(Turn::Blocked {
                left_us: u64::try_from(*left).map_err(|_| unexpected())?,
            }),
            _ => Err(unexpected()),
        }
    }
}

impl Pacer for RedisPacer {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.acquire_slot(account)
                .await
                .map_err(|error| match error {
                    Error::Blocked { left, .. } => PaceError::blocked(left),
                    error => PaceError::new(
                        format!("no slot for {account} from the Redis pacer: {error}"),
                        Some(Box::new(error)),
                    ),
                })
        })
    }

    fn block<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.block_for(account, delay).await.map_err(|error| {
                PaceError::new(
                    format!("the Redis pacer could not block {account}: {error}"),
                    Some(Box::new(error)),
                )
            })
        })
    }

    fn blocked<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<Duration>, PaceError>> {
        Box::pin(async move {
            self.block_left(account).await.map_err(|error| {
                PaceError::new(
                    format!("the Redis pacer could not tell whether {account} is blocked: {error}"),
                    Some(Box::new(error)),
                )
            })
        })
    }

    fn forget<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async move {
            self.forget_account(account).await.map_err(|error| {
                PaceError::new(
                    format!("the Redis pacer could not forget {account}: {error}"),
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

#[cfg(test)]
mod tests {
    //! The script's answers, one operation at a time, against the test Redis.

    use super::*;
    use crate::test_common as common;

    async fn pacer(test: &str) -> Option<RedisPacer> {
        let redis = common::redis_or_skip(test).await?;
        let prefix = common::unique_prefix(test);
        Some(RedisPacer::new(redis, RateLimit::AMOCRM).key_prefix(prefix))
    }

    async fn del(pacer: &RedisPacer, key: &str) {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(key);
        let _: i64 = pacer.redis.run(cmd).await.unwrap();
    }

    fn wait(turn: &Turn) -> (u64, i64, i64) {
        match *turn {
            Turn::Wait {
                wait_us,
                slot_us,
                epoch,
            } => (wait_us, slot_us, epoch),
            ref other => panic!("not a wait: {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_limit_and_the_prefix_are_shown() {
        let Some(p) = pacer("script_shown").await else {
            return;
        };
        assert_eq!(p.rate_limit(), Some(RateLimit::AMOCRM));
        let shown = format!("{p:?}");
        assert!(
            shown.contains(&p.prefix) && shown.contains("limit: Some"),
            "{shown}"
        );
        let pauses = RedisPacer::pauses_only(p.redis.clone());
        assert_eq!(pauses.rate_limit(), None);
        assert_eq!(pauses.interval_us, 0);
    }

    #[tokio::test]
    async fn pauses_only_grants_back_to_back_until_a_pause() {
        let Some(p) = pacer("script_pauses_only").await else {
            return;
        };
        let p = RedisPacer::pauses_only(p.redis.clone()).key_prefix(p.prefix.clone());
        let key = p.key("a");
        for _ in 0..20 {
            assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        }
        p.pause_for("a", Duration::from_millis(500)).await.unwrap();
        let (wait_us, _, _) = wait(&p.call(&key, "acquire", 0, 0).await.unwrap());
        assert!((400_000..=500_000).contains(&wait_us), "{wait_us}");
    }

    #[tokio::test]
    async fn slots_are_one_interval_apart_and_an_early_depart_waits() {
        let Some(p) = pacer("script_spacing").await else {
            return;
        };
        let key = p.key("a");
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        let second = p.call(&key, "acquire", 0, 0).await.unwrap();
        let (wait_us, slot, epoch) = wait(&second);
        let interval = i64::try_from(p.interval_us).unwrap();
        assert!(wait_us > 0 && wait_us <= p.interval_us, "{wait_us}");
        let (_, third, _) = wait(&p.call(&key, "acquire", 0, 0).await.unwrap());
        assert_eq!(third - slot, interval);
        // Too early: wait for the rest, keeping the slot.
        let early = p.call(&key, "depart", slot, epoch).await.unwrap();
        assert_eq!(wait(&early).1, slot);
    }

    #[tokio::test]
    async fn a_pause_covering_a_slot_voids_it() {
        let Some(p) = pacer("script_pause_voids").await else {
            return;
        };
        let key = p.key("a");
        p.call(&key, "acquire", 0, 0).await.unwrap();
        let (_, slot, epoch) = wait(&p.call(&key, "acquire", 0, 0).await.unwrap());
        p.pause_for("a", Duration::from_secs(2)).await.unwrap();
        assert_eq!(
            p.call(&key, "depart", slot, epoch).await.unwrap(),
            Turn::Void
        );
        // A new slot starts at the pause's end, about 2 s from now.
        let (wait_us, _, _) = wait(&p.call(&key, "acquire", 0, 0).await.unwrap());
        assert!((1_900_000..=2_000_000).contains(&wait_us), "{wait_us}");
    }

    #[tokio::test]
    async fn a_slot_of_a_lost_schedule_is_void() {
        let Some(p) = pacer("script_lost_schedule").await else {
            return;
        };
        let key = p.key("a");
        p.call(&key, "acquire", 0, 0).await.unwrap();
        let (_, slot, epoch) = wait(&p.call(&key, "acquire", 0, 0).await.unwrap());
        // Flushed (or a restarted server), then a new schedule granted slots again.
        del(&p, &key).await;
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        for _ in 0..3 {
            p.call(&key, "acquire", 0, 0).await.unwrap();
        }
        tokio::time::sleep(Duration::from_micros(p.interval_us)).await;
        assert_eq!(
            p.call(&key, "depart", slot, epoch).await.unwrap(),
            Turn::Void
        );
    }

    /// A slot for `key`, and a local instant at or after it (the server's clock is not
    /// ours: the wait counts from after the answer came).
    async fn booked(p: &RedisPacer, key: &str) -> (i64, i64, tokio::time::Instant) {
        let (wait_us, slot, epoch) = wait(&p.call(key, "acquire", 0, 0).await.unwrap());
        let at = tokio::time::Instant::now() + Duration::from_micros(wait_us);
        (slot, epoch, at)
    }

    /// Departs for `slot` once due, whatever the wait.
    async fn depart(p: &RedisPacer, key: &str, slot: i64, epoch: i64) {
        loop {
            match p.call(key, "depart", slot, epoch).await.unwrap() {
                Turn::Go => return,
                Turn::Wait { wait_us, .. } => {
                    tokio::time::sleep(Duration::from_micros(wait_us)).await;
                }
                Turn::Void => panic!("slot {slot} void"),
                Turn::Blocked { .. } => panic!("blocked"),
            }
        }
    }

    #[tokio::test]
    async fn a_block_fails_acquires_at_once_until_forgotten() {
        let Some(p) = pacer("script_block").await else {
            return;
        };
        let key = p.key("a");
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        p.block_for("a", Duration::from_secs(60)).await.unwrap();
        match p.call(&key, "acquire", 0, 0).await.unwrap() {
            Turn::Blocked { left_us } => assert!(left_us > 59_000_000, "{left_us}"),
            other => panic!("{other:?}"),
        }
        let error = Pacer::acquire(&p, "a").await.unwrap_err();
        assert!(
            error
                .blocked_for()
                .is_some_and(|left| left > Duration::from_secs(59))
        );
        // Asked without a slot (before a token renewal), by any process.
        let left = Pacer::blocked(&p, "a").await.unwrap();
        assert!(
            left.is_some_and(|left| left > Duration::from_secs(59)),
            "{left:?}"
        );
        // Other accounts are not blocked.
        assert_eq!(Pacer::blocked(&p, "b").await.unwrap(), None);
        assert!(Pacer::acquire(&p, "b").await.is_ok());
        Pacer::forget(&p, "a").await.unwrap();
        assert_eq!(Pacer::blocked(&p, "a").await.unwrap(), None);
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
    }

    /// The departures recorded in the account's hash.
    async fn departures(p: &RedisPacer, key: &str) -> Vec<i64> {
        let mut cmd = redis::cmd("HGET");
        cmd.arg(key).arg("l");
        let list: String = p.redis.run(cmd).await.unwrap();
        list.split(' ')
            .map(|instant| instant.parse().unwrap())
            .collect()
    }

    async fn server_now_us(p: &RedisPacer) -> i64 {
        let (secs, micros): (i64, i64) = p.redis.run(redis::cmd("TIME")).await.unwrap();
        secs * 1_000_000 + micros
    }

    #[tokio::test]
    async fn a_late_departure_does_not_delay_the_next_slot() {
        let Some(p) = pacer("script_late_departure").await else {
            return;
        };
        let key = p.key("a");
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        let (second, epoch, second_at) = booked(&p, &key).await;
        let (third, _, third_at) = booked(&p, &key).await;
        // The second wakes up 5 ms late and leaves; the third, on time, is not held back.
        tokio::time::sleep_until(second_at + Duration::from_millis(5)).await;
        assert_eq!(
            p.call(&key, "depart", second, epoch).await.unwrap(),
            Turn::Go
        );
        tokio::time::sleep_until(third_at).await;
        assert_eq!(
            p.call(&key, "depart", third, epoch).await.unwrap(),
            Turn::Go
        );
        let left = departures(&p, &key).await;
        assert_eq!(left.len(), 3, "{left:?}");
        assert!(left.windows(2).all(|pair| pair[0] <= pair[1]), "{left:?}");
    }

    #[tokio::test]
    async fn n_plus_one_departures_never_fall_within_the_window() {
        let Some(p) = pacer("script_window").await else {
            return;
        };
        let key = p.key("a");
        let n = usize::try_from(p.per_second).unwrap();
        let span = i64::try_from(p.interval_us).unwrap() * i64::from(p.per_second);
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        let mut slots = Vec::new();
        for _ in 0..=n {
            slots.push(booked(&p, &key).await);
        }
        // The first of them wakes up 40 ms late, the next n - 1 on time.
        let (first, epoch, first_at) = slots[0];
        tokio::time::sleep_until(first_at + Duration::from_millis(40)).await;
        depart(&p, &key, first, epoch).await;
        for &(slot, epoch, at) in &slots[1..n] {
            tokio::time::sleep_until(at).await;
            depart(&p, &key, slot, epoch).await;
        }
        let before = departures(&p, &key).await;
        assert_eq!(before.len(), n, "{before:?}");
        // The last one, on time, would make n + 1 departures within n intervals: it waits
        // until the late one left n intervals ago, keeping its slot.
        let (last, epoch, last_at) = slots[n];
        tokio::time::sleep_until(last_at).await;
        let held = p.call(&key, "depart", last, epoch).await.unwrap();
        let (wait_us, slot, _) = wait(&held);
        assert_eq!(slot, last);
        assert!(wait_us > 0 && wait_us < p.interval_us, "{wait_us}");
        depart(&p, &key, last, epoch).await;
        let after = departures(&p, &key).await;
        assert_eq!(after.len(), n, "{after:?}");
        assert_eq!(after[..n - 1], before[1..]);
        assert!(after[n - 1] - before[0] >= span, "{before:?} {after:?}");
    }

    #[tokio::test]
    async fn an_old_single_departure_still_reads() {
        let Some(p) = pacer("script_old_departure").await else {
            return;
        };
        // Written by an earlier version: `l` holds the last departure alone.
        let now = server_now_us(&p).await;
        let old = |key: &str| {
            let mut cmd = redis::cmd("HSET");
            cmd.arg(key).arg("e").arg(now).arg("l").arg(now);
            cmd
        };
        let key = p.key("a");
        let _: i64 = p.redis.run(old(&key)).await.unwrap();
        assert_eq!(p.call(&key, "acquire", 0, 0).await.unwrap(), Turn::Go);
        let left = departures(&p, &key).await;
        assert_eq!(left.len(), 2, "{left:?}");
        assert_eq!(left[0], now);
        // One per second: the departure one back is that single value.
        let once = RedisPacer::new(p.redis.clone(), RateLimit::per_second(1).unwrap())
            .key_prefix(p.prefix.clone());
        let key = once.key("b");
        let _: i64 = p.redis.run(old(&key)).await.unwrap();
        let (wait_us, _, _) = wait(&once.call(&key, "acquire", 0, 0).await.unwrap());
        assert!((900_000..=once.interval_us).contains(&wait_us), "{wait_us}");
    }

    #[tokio::test]
    async fn a_script_error_is_a_pace_error_with_its_source() {
        let Some(p) = pacer("script_error").await else {
            return;
        };
        // The account's key taken by something else: the script fails, nothing is granted.
        let mut cmd = redis::cmd("SET");
        cmd.arg(p.key("taken"))
            .arg("not a hash")
            .arg("PX")
            .arg(5_000);
        let _: String = p.redis.run(cmd).await.unwrap();
        let error = Pacer::acquire(&p, "taken").await.unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("pacer: no slot for taken"), "{text}");
        assert!(text.contains("WRONGTYPE"), "{text}");
        assert!(std::error::Error::source(&error).is_some());

        let error = p.call(&p.key("a"), "bogus", 0, 0).await.unwrap_err();
        assert!(
            error.to_string().contains("unknown operation bogus"),
            "{error}"
        );
    }
}
