//! The faults' random numbers: one small generator, fixed here.

use std::time::Duration;

/// SplitMix64: tiny, and fixed here so that a seed means the same sequence everywhere.
#[derive(Debug, Clone)]
pub(super) struct SplitMix64(pub(super) u64);

impl SplitMix64 {
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[min, max]`, to the nanosecond.
    pub(super) fn between(&mut self, min: Duration, max: Duration) -> Duration {
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
