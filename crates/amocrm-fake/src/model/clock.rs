//! The fake's clock: the `created_at`/`updated_at` of what it changes, in Unix seconds.
//! The system's by default; a test sets and advances a manual one, so that it can put as
//! many changes as it likes in one second.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Marks a clock that follows the system's time.
const SYSTEM: i64 = i64::MIN;

/// The time the fake stamps changes with (Unix seconds). Cloning shares it: set it on the
/// clock you gave [`FakeBuilder::clock`](crate::FakeBuilder::clock), or on
/// [`FakeServer::clock`](crate::FakeServer::clock), and every account sees it.
///
/// ```
/// let clock = amocrm_fake::FakeClock::manual(1_700_000_000);
/// clock.advance(5);
/// assert_eq!(clock.now(), 1_700_000_005);
/// clock.set(1_700_000_100);
/// assert_eq!(clock.now(), 1_700_000_100);
/// ```
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<AtomicI64>);

impl FakeClock {
    /// The system's time (the default).
    pub fn system() -> FakeClock {
        FakeClock(Arc::new(AtomicI64::new(SYSTEM)))
    }

    /// A clock that stands at `unix_seconds` until it is [set](FakeClock::set) or
    /// [advanced](FakeClock::advance).
    pub fn manual(unix_seconds: i64) -> FakeClock {
        FakeClock(Arc::new(AtomicI64::new(unix_seconds.max(0))))
    }

    /// The current time, Unix seconds.
    pub fn now(&self) -> i64 {
        match self.0.load(Ordering::SeqCst) {
            SYSTEM => system_now(),
            t => t,
        }
    }

    /// Stops the clock at `unix_seconds` (a system clock becomes a manual one).
    pub fn set(&self, unix_seconds: i64) {
        self.0.store(unix_seconds.max(0), Ordering::SeqCst);
    }

    /// Moves the clock `seconds` on (from the system's time, for a system clock, which
    /// then stays manual).
    pub fn advance(&self, seconds: i64) {
        let now = self.now();
        self.set(now.saturating_add(seconds));
    }

    /// Whether the clock follows the system's time.
    pub fn is_system(&self) -> bool {
        self.0.load(Ordering::SeqCst) == SYSTEM
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        FakeClock::system()
    }
}

fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_stands_still_and_is_shared() {
        let clock = FakeClock::manual(100);
        let shared = clock.clone();
        assert!(!clock.is_system());
        shared.advance(3);
        assert_eq!(clock.now(), 103);
        clock.set(-5);
        assert_eq!(shared.now(), 0);
    }

    #[test]
    fn system_clock_follows_the_system_until_set() {
        let clock = FakeClock::system();
        assert!(clock.is_system());
        assert!((clock.now() - system_now()).abs() <= 1);
        clock.advance(1000);
        assert!(!clock.is_system());
        assert!(clock.now() >= system_now() + 998);
    }
}
