//! Redis engines for [`amocrm`], shared by every process of an integration:
//!
//! * [`RedisPacer`]: where request slots come from, per account. amoCRM allows 7
//!   requests per second per integration and account, counted over all of the
//!   integration's processes; each slot is granted by one atomic script on the server's
//!   clock, and a `Retry-After` seen by one process pauses all of them.
//! * [`RedisReplayGuard`]: remembers the widget_request tokens accepted by any instance
//!   (`SET key NX PXAT until`: the expiry on Redis's clock), so a captured request is refused by all of them.
//!
//! Both fail closed: when Redis cannot be reached (or does not answer within the
//! connection's timeout) a request is not sent and a widget_request is not accepted,
//! with an error that says why. Nothing falls back to pacing per process.
//!
//! ```no_run
//! use std::sync::Arc;
//! use amocrm::pace::RateLimit;
//! use amocrm::{AccountUrl, Client};
//! use amocrm::widget_request::WidgetRequestVerifier;
//! use amocrm_redis::{RedisConnection, RedisPacer, RedisReplayGuard};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Lazy: connects on first use, and again after Redis went away (inside a Tokio runtime).
//! let redis = RedisConnection::open("redis://127.0.0.1:6379/")?;
//! let pacer = RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix("myapp:pace:");
//!
//! // Every request of this client waits for its account's slot, shared by every process
//! // that uses this Redis and prefix.
//! let client = Client::builder()
//!     .account(AccountUrl::base_url("https://example.amocrm.ru"))
//!     .token("access token")
//!     .pacer(Arc::new(pacer))
//!     .build()?;
//! let widgets = client.widgets().list().send().await?;
//!
//! // widget_request tokens accepted once by all instances of the service.
//! let guard = RedisReplayGuard::new(redis).key_prefix("myapp:replay:");
//! let verifier = WidgetRequestVerifier::new("client secret").replay_guard(Arc::new(guard));
//! # let _ = (widgets, verifier);
//! # Ok(())
//! # }
//! ```
//!
//! When Redis is down, a client call fails with [`amocrm::Error::Pace`] (its source says
//! which server and why) and sends nothing; the replay guard's error makes the verifier
//! refuse the request ([`amocrm::error::WidgetRequestError::ReplayGuard`]).

// The workspace denies `unsafe`; a published crate forbids it outright.
#![forbid(unsafe_code)]

mod connection;
mod pacer;
mod replay;
/// The integration tests' helpers (the test Redis, skipping), for the script's unit tests.
/// The README's examples compile (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_common;
// So that the helpers' `amocrm_redis::` paths resolve inside the crate too.
#[cfg(test)]
extern crate self as amocrm_redis;

use std::time::Duration;

pub use connection::RedisConnection;
pub use pacer::RedisPacer;
pub use redis;
pub use replay::RedisReplayGuard;

/// Why a Redis engine could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Redis URL could not be parsed.
    #[error("invalid Redis URL: {source}")]
    Url {
        /// The parser's reason.
        #[source]
        source: redis::RedisError,
    },
    /// A `rediss://` URL without the crate's `rustls` feature: TLS is not compiled in, and
    /// the connection is refused rather than made in the clear.
    #[error("a rediss:// (TLS) URL needs amocrm-redis's `rustls` feature")]
    TlsUnavailable,
    /// [`RedisConnection::open`] was called outside a Tokio runtime.
    #[error("a Redis connection must be opened inside a Tokio runtime")]
    NoRuntime,
    /// Redis could not be reached, or answered an error (the script included).
    #[error("Redis at {address}: {source}")]
    Redis {
        /// `host:port` of the server (never its password).
        address: String,
        /// The client's error.
        #[source]
        source: redis::RedisError,
    },
    /// Redis did not answer in time (connecting included).
    #[error("Redis at {address} did not answer within {after:?}")]
    Timeout {
        /// `host:port` of the server.
        address: String,
        /// The connection's timeout.
        after: Duration,
    },
    /// The schedule holds a slot further away than [`RedisPacer::max_wait`]: longer than
    /// any pause a client writes, so planted or corrupted by another writer of the prefix.
    /// The request is not sent.
    #[error(
        "Redis at {address}: the next slot is {wait:?} away, longer than the {max:?} a request waits"
    )]
    WaitTooLong {
        /// `host:port` of the server.
        address: String,
        /// How far away the slot is.
        wait: Duration,
        /// [`RedisPacer::max_wait`].
        max: Duration,
    },
    /// amoCRM blocked the account ([`RedisPacer::block_for`]): no slot for `left` more. The
    /// request is not sent.
    #[error("Redis at {address}: the account is blocked for {left:?} more")]
    Blocked {
        /// `host:port` of the server.
        address: String,
        /// How long the block lasts still.
        left: Duration,
    },
    /// A widget_request token's end is not ahead on Redis's clock, so it cannot be
    /// remembered until then (the key would be gone at once, and a replay accepted): the
    /// token is refused. The verifier's clock runs behind Redis's by at least `by`.
    #[error("Redis at {address}: the token ended {by:?} ago on Redis's clock; it is refused")]
    Expired {
        /// `host:port` of the server.
        address: String,
        /// How long ago the token ended, on Redis's clock.
        by: Duration,
    },
    /// Redis answered something the engine does not understand.
    #[error("Redis at {address} answered unexpectedly: {detail}")]
    Unexpected {
        /// `host:port` of the server.
        address: String,
        /// What was wrong.
        detail: String,
    },
}

/// The key of `account` under `prefix`: `{prefix}{{account}}`. The braces make the account
/// a Redis Cluster hash tag (all of an account's keys on one slot); braces and `%` inside
/// the account are percent-encoded so that the tag is always the whole account.
fn account_key(prefix: &str, account: &str) -> String {
    let mut key = String::with_capacity(prefix.len() + account.len() + 2);
    key.push_str(prefix);
    key.push('{');
    for c in account.chars() {
        match c {
            '{' => key.push_str("%7B"),
            '}' => key.push_str("%7D"),
            '%' => key.push_str("%25"),
            c => key.push(c),
        }
    }
    key.push('}');
    key
}

#[cfg(test)]
mod tests {
    use super::account_key;

    #[test]
    fn account_is_the_whole_hash_tag() {
        assert_eq!(
            account_key("amocrm:pace:", "https://example.amocrm.ru"),
            "amocrm:pace:{https://example.amocrm.ru}"
        );
        assert_eq!(account_key("p:", "a}b{c%"), "p:{a%7Db%7Bc%25}");
    }
}
