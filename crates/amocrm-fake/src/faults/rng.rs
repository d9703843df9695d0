//! The faults' random numbers: one small generator, fixed here.

use std::time::Duration;

pub(super) use crate::model::rng::SplitMix64;

impl SplitMix64 {
    /// Uniform in `[min, max]`, to the nanosecond.
    pub(crate) fn between(&mut self, min: Duration, max: Duration) -> Duration {
        let span = (max - min).as_nanos();
        if span == 0 {
            return min;
        }
        let span = u64::try_from(span).unwrap_or(u64::MAX);
        let offset = if span == u64::MAX {
            self.next_u64()
        } else {
            self.next_u64() % (span + 1)
        };
        min + Duration::from_nanos(offset)
    }
}
