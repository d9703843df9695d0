//! Where request slots come from. Every request of a [`Client`](crate::Client) waits for a slot of
//! its account from a [`Pacer`]; a `Retry-After` the server sends (429, 503) pauses every
//! holder of that pacer. [`MemoryPacer`] paces the clients of one process; an engine shared
//! by processes (Redis: the `amocrm-redis` crate) implements [`Pacer`] for a fleet.

mod memory;
mod rate_limit;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::error::PaceError;

pub use memory::MemoryPacer;
pub use rate_limit::{DEFAULT_JITTER_MARGIN, RateLimit};

/// Where request slots come from, by account (the account's base URL as
/// [`Client::base_url`](crate::Client::base_url) gives it). In-process default: [`MemoryPacer`].
///
/// An engine paces every account at a [`RateLimit`]: slots one [`RateLimit::interval`]
/// apart, never in a burst. A [`Client`](crate::Client) calls [`Pacer::acquire`] before each
/// request (retries included) and [`Pacer::pause`] when the server answers 429 or 503
/// with a `Retry-After`.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
/// use amocrm::{AccountUrl, Client};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), amocrm::Error> {
/// // One pacer for every client of the process: the accounts are paced separately.
/// let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::new(Some(RateLimit::AMOCRM)));
/// let client = Client::builder()
///     .account(AccountUrl::base_url("http://127.0.0.1:9/acc1"))
///     .token("t")
///     .pacer(pacer.clone())
///     .build()?;
/// // The slot of a request to that account, taken by hand:
/// pacer.acquire(client.base_url()).await?;
/// // Nothing leaves for acc1 in the next 50 ms, from any client of this pacer.
/// pacer.pause(client.base_url(), Duration::from_millis(50)).await?;
/// # Ok(()) }
/// ```
pub trait Pacer: Send + Sync + std::fmt::Debug + 'static {
    /// Waits until a request to `account` may leave. An `Err` means the request is not sent
    /// (a client never falls back to unpaced requests). Dropping the future gives up the
    /// wait (and, where the engine can, the slot).
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>>;

    /// The server said `Retry-After: delay` (429 or 503) for `account`: no slot for any
    /// holder of this pacer (every process sharing the engine) before now + `delay`; slots
    /// already granted inside the pause are taken again after it. A later pause extends an
    /// earlier one, never shortens it.
    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>>;

    /// amoCRM blocked `account` (a 403 after 429s, or its block page): no request for it
    /// from any holder for `delay`, and [`Pacer::acquire`] fails at once with
    /// [`PaceError::blocked`] (the time left) rather than waiting, so that nothing digs the
    /// hole deeper. The default pauses the account for `delay` (an engine that knows no
    /// block still sends nothing meanwhile, but makes callers wait).
    fn block<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.pause(account, delay)
    }

    /// How long `account` is still blocked ([`Pacer::block`]) for every holder, without
    /// taking a slot: asked before anything else is sent for the account outside its slots
    /// (a token renewal at its token endpoint, which amoCRM counts as the account's
    /// traffic too). The default knows no block (`None`).
    fn blocked<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<Duration>, PaceError>> {
        let _ = account;
        Box::pin(async { Ok(None) })
    }

    /// A request to `account` came back over a new connection: the connection's setup
    /// (TCP, TLS) delayed its first byte, so it may have reached the server only now,
    /// in the same second as the requests that left after it. An engine counts it as
    /// leaving now in the account's window, so that the next `n` slots still span a
    /// second (and its margin) after it at the server. [`MemoryPacer`] does; the default
    /// does nothing (the connection's setup then has only the margin to hide in).
    fn reached_late<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        let _ = account;
        Box::pin(async { Ok(()) })
    }

    /// A request to `account` left now without its slot: a token request that waited
    /// for one as long as it may (a second; the calls queued for the account wait for its
    /// token, so it must not queue behind them all). An engine counts it as leaving now in
    /// the account's window, as [`Pacer::reached_late`] does; the default calls that (so
    /// an engine without `reached_late` does not count it).
    fn left_unpaced<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.reached_late(account)
    }

    /// Forgets `account`'s schedule, pauses and block (the integration was uninstalled
    /// from it). The default does nothing.
    fn forget<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        let _ = account;
        Box::pin(async { Ok(()) })
    }
}

impl<T: Pacer + ?Sized> Pacer for Arc<T> {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        (**self).acquire(account)
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        (**self).pause(account, delay)
    }

    fn block<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        (**self).block(account, delay)
    }

    fn blocked<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<Duration>, PaceError>> {
        (**self).blocked(account)
    }

    fn forget<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        (**self).forget(account)
    }

    fn reached_late<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        (**self).reached_late(account)
    }

    fn left_unpaced<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        (**self).left_unpaced(account)
    }
}
