//! The token request's place in the account's pace: its slot waited for a second at
//! most, then given up and the request counted as it leaves, so that a refresh is never
//! starved behind the calls that wait for its token.

use std::time::{Duration, Instant};

use super::Inner;
use crate::error::{Error, PaceError, Result};

/// The longest a token request waits for a slot of the account's pace before it leaves
/// anyway (counted as a departure): see `Inner::paced`.
const TOKEN_SLOT_WAIT: Duration = Duration::from_secs(1);

/// How a token request leaves: in its slot, or without one (counted as it leaves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    Taken,
    Unpaced,
}

impl Inner {
    /// A slot of the account from its pacer, when there is one, waited for
    /// [`TOKEN_SLOT_WAIT`] at most (less if the refresh deadline comes first). A slot not due
    /// by then (a long queue of booked calls, a `Retry-After` pause) is given up and the
    /// token request leaves anyway, told to the pacer as a departure now
    /// ([`Pacer::left_unpaced`](crate::pace::Pacer::left_unpaced)) so that the calls after
    /// it keep the account's window: the calls waiting for the token cannot be served
    /// without it, so it must not queue behind them. A blocked account fails at once,
    /// nothing sent.
    pub(super) async fn paced(&self, deadline: Instant) -> Result<Slot> {
        let Some(pacer) = &self.pacer else {
            return Ok(Slot::Taken);
        };
        let bound = deadline.min(Instant::now() + TOKEN_SLOT_WAIT);
        let blocked = |error: PaceError| match error.blocked_for() {
            Some(left) => Error::AccountBlocked { left },
            None => Error::Pace(error),
        };
        match tokio::time::timeout_at(bound.into(), pacer.acquire(&self.base_url)).await {
            Ok(Ok(())) => return Ok(Slot::Taken),
            Ok(Err(error)) => return Err(blocked(error)),
            Err(_) => {}
        }
        let past_deadline = || {
            Error::Pace(PaceError::new(
                "no slot of the account for the token request by the refresh deadline",
                None,
            ))
        };
        // The bound was the deadline: nothing is sent past it.
        if Instant::now() >= deadline {
            return Err(past_deadline());
        }
        // Blocked while waiting: still nothing sent.
        match tokio::time::timeout_at(deadline.into(), pacer.blocked(&self.base_url)).await {
            Ok(Ok(Some(left))) => return Err(Error::AccountBlocked { left }),
            Ok(Ok(None)) => {}
            Ok(Err(error)) => return Err(blocked(error)),
            Err(_) => return Err(past_deadline()),
        }
        tracing::debug!("no slot of the account soon enough: the token request leaves unpaced");
        Ok(Slot::Unpaced)
    }

    /// Tells the pacer of a token request leaving without its slot
    /// ([`Pacer::left_unpaced`](crate::pace::Pacer::left_unpaced)), within the deadline; a
    /// pacer that cannot count it is logged, the request still leaves.
    pub(super) async fn leaving(&self, slot: Slot, deadline: Instant) {
        let (Slot::Unpaced, Some(pacer)) = (slot, &self.pacer) else {
            return;
        };
        match tokio::time::timeout_at(deadline.into(), pacer.left_unpaced(&self.base_url)).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "the pacer could not count an unpaced token request");
            }
            Err(_) => tracing::warn!("the pacer did not count an unpaced token request in time"),
        }
    }
}
