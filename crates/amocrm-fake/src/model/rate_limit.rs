//! The rate limit of one tenant: a sliding one-second window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Sliding-window limiter: at most `per_second` accepted requests in any
/// window of one second.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: usize,
    hits: VecDeque<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        let per_second = usize::try_from(per_second).unwrap_or(usize::MAX);
        RateLimiter {
            per_second,
            hits: VecDeque::with_capacity(per_second.min(4096)),
        }
    }

    /// Records a request that arrived at `at` if allowed; returns whether it was. Requests
    /// are judged when their body has been read, so `at` may be earlier than an instant
    /// recorded already (a slow body): the hits are kept in order of arrival and every
    /// window of one second holding `at` is checked, not only the one ending at it.
    pub fn try_acquire(&mut self, at: Instant) -> bool {
        let n = self.per_second;
        if n == 0 {
            return false;
        }
        // Hits older than the latest second (and a late body's slack) judge nothing more.
        let latest = self.hits.back().map_or(at, |&back| back.max(at));
        while let Some(&front) = self.hits.front() {
            if latest.saturating_duration_since(front) >= WINDOW + LATE_BODY {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        let pos = self.hits.partition_point(|&hit| hit <= at);
        // The hits with `at` among them, in order: no n + 1 of them within one second.
        let merged = |k: usize| match k.cmp(&pos) {
            std::cmp::Ordering::Less => self.hits[k],
            std::cmp::Ordering::Equal => at,
            std::cmp::Ordering::Greater => self.hits[k - 1],
        };
        for first in pos.saturating_sub(n)..=pos {
            let last = first + n;
            if last > self.hits.len() {
                break;
            }
            if merged(last).saturating_duration_since(merged(first)) < WINDOW {
                return false;
            }
        }
        self.hits.insert(pos, at);
        true
    }
}

/// The window: at most `per_second` requests in any second.
const WINDOW: Duration = Duration::from_secs(1);

/// How much earlier than the latest one a request's arrival may be when it is judged (its
/// body read slowly): hits are kept that long past their window.
const LATE_BODY: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_allows_n_per_sliding_second() {
        let mut l = RateLimiter::new(3);
        let t0 = Instant::now();
        assert!(l.try_acquire(t0));
        assert!(l.try_acquire(t0 + Duration::from_millis(100)));
        assert!(l.try_acquire(t0 + Duration::from_millis(900)));
        assert!(!l.try_acquire(t0 + Duration::from_millis(950)));
        // The first hit leaves the window at t0 + 1s.
        assert!(l.try_acquire(t0 + Duration::from_millis(1000)));
        assert!(!l.try_acquire(t0 + Duration::from_millis(1050)));
        assert!(l.try_acquire(t0 + Duration::from_millis(1100)));
    }

    #[test]
    fn a_request_judged_late_counts_where_it_arrived() {
        // 2 a second: C at 0.0, H at 1.0; A arrived at 0.3 but is judged after H.
        let mut l = RateLimiter::new(2);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        assert!(l.try_acquire(at(0)));
        assert!(l.try_acquire(at(1000)));
        assert!(l.try_acquire(at(300)), "C and A within a second, H not");
        // (0.35, 1.35] holds H only: A's stale instant must not block it.
        assert!(l.try_acquire(at(1350)));
        // (0.4, 1.4] holds H and the request at 1.35: full.
        assert!(!l.try_acquire(at(1400)));
        // A late one that would make 3 within a second is refused: 0.0, 0.3 and 0.5.
        assert!(!l.try_acquire(at(500)));
        // A request at exactly 1 s after another does not share its window.
        assert!(l.try_acquire(at(2350)));
    }
}
