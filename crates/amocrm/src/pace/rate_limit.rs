//! [`RateLimit`]: how many requests per second an account gets, and the margin that keeps
//! `n + 1` of them more than a second apart at the server.

use std::num::NonZeroU32;
use std::time::Duration;

/// How much longer than one second the limiter makes its window by default: `n + 1`
/// requests of a client limited to `n` per second always span more than a second even when
/// the network delays the first of them by up to this much more than the last. 10 ms keeps
/// amoCRM's 7/s at 6.93 requests/s achieved (BENCHMARKS.md: 0 answers 429 against a strict
/// sliding window); where delays vary more (a busy host, many accounts from one process)
/// [`RateLimit::jitter_margin`] widens it.
pub const DEFAULT_JITTER_MARGIN: Duration = Duration::from_millis(10);

/// The widest margin [`RateLimit::jitter_margin`] takes.
const MAX_JITTER_MARGIN: Duration = Duration::from_secs(1);

/// How many requests per second the client sends at most. amoCRM allows 7 per second per
/// integration and blocks accounts that keep exceeding it. Clones of a client share one
/// limiter.
///
#[doc = include_str!("../docs/rate_limit.md")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    per_second: NonZeroU32,
    margin: Duration,
}

impl RateLimit {
    /// amoCRM's limit: 7 requests per second.
    pub const AMOCRM: RateLimit = RateLimit {
        per_second: NonZeroU32::new(7).expect("7 is not zero"),
        margin: DEFAULT_JITTER_MARGIN,
    };

    /// At most `per_second` requests per second; `None` for 0.
    pub fn per_second(per_second: u32) -> Option<RateLimit> {
        NonZeroU32::new(per_second).map(|per_second| RateLimit {
            per_second,
            margin: DEFAULT_JITTER_MARGIN,
        })
    }

    /// How much longer than a second `n + 1` requests always span (default 10 ms, at most
    /// 1 s): the most by which the delay of one request to the server may exceed another's
    /// without the server seeing `n + 1` in one second. Wider costs throughput:
    /// `n / (1 s + margin)` requests per second at most.
    pub fn jitter_margin(mut self, margin: Duration) -> Self {
        self.margin = margin.min(MAX_JITTER_MARGIN);
        self
    }

    /// The margin of [`RateLimit::jitter_margin`].
    pub fn margin(&self) -> Duration {
        self.margin
    }

    /// Requests per second.
    pub fn requests_per_second(&self) -> u32 {
        self.per_second.get()
    }

    /// The shortest time between two requests: `(1 s + margin) / n`, rounded up to the
    /// nanosecond.
    pub fn interval(&self) -> Duration {
        let window = (Duration::from_secs(1) + self.margin).as_nanos();
        let n = u128::from(self.per_second.get());
        let nanos = window.div_ceil(n);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::AMOCRM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_leaves_a_margin_and_never_rounds_down() {
        let seven = RateLimit::AMOCRM.interval();
        // (1 s + 10 ms) / 7, rounded up to the nanosecond.
        assert_eq!(seven, Duration::from_nanos(144_285_715));
        assert!(1.0 / seven.as_secs_f64() >= 6.9);
        // Eight requests of a 7/s client span more than a second.
        assert!(seven * 7 > Duration::from_secs(1));
        for n in [1, 3, 7, 9, 10, 13, 100, 1_000, u32::MAX] {
            let limit = RateLimit::per_second(n).unwrap();
            assert!(u128::from(n) * limit.interval().as_nanos() >= 1_010_000_000);
        }
    }
}
