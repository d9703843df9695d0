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

    /// Records a request at `now` if allowed; returns whether it was.
    pub fn try_acquire(&mut self, now: Instant) -> bool {
        while let Some(&front) = self.hits.front() {
            if now.saturating_duration_since(front) >= Duration::from_secs(1) {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        if self.hits.len() < self.per_second {
            self.hits.push_back(now);
            true
        } else {
            false
        }
    }
}

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
}
