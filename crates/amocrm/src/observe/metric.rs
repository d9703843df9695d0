//! The metrics, through the `metrics` facade with the feature `metrics`; without it every
//! function here is empty and inlined away (no dependency, nothing measured).

use std::time::{Duration, Instant};

/// How a call ended, as its span and metrics record it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outcome {
    /// The status of the last response, when there was one.
    pub status: Option<u16>,
    /// The [`crate::ErrorKind`] name of a failed call.
    pub error: Option<&'static str>,
}

/// The status class label of a call's outcome: `2xx`…`5xx`, or `none` (no answer).
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
fn status_class(outcome: Outcome) -> &'static str {
    match outcome.status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        Some(_) => "_OTHER",
        // Refused before sending (a blocked account, no token) or no answer at all.
        None => "none",
    }
}

#[cfg(feature = "metrics")]
mod on {
    use super::*;
    use crate::observe::metrics::*;

    pub(crate) fn request(operation: &'static str, outcome: Outcome, started: Instant) {
        metrics::counter!(REQUESTS_TOTAL, "operation" => operation,
            "status_class" => status_class(outcome))
        .increment(1);
        metrics::histogram!(REQUEST_DURATION_SECONDS, "operation" => operation)
            .record(started.elapsed().as_secs_f64());
    }

    pub(crate) fn rate_limited(operation: &'static str) {
        metrics::counter!(RATE_LIMITED_TOTAL, "operation" => operation).increment(1);
    }

    pub(crate) fn retry(reason: &'static str) {
        metrics::counter!(RETRIES_TOTAL, "reason" => reason).increment(1);
    }

    pub(crate) fn pace_wait(wait: Duration) {
        metrics::histogram!(PACE_WAIT_SECONDS).record(wait.as_secs_f64());
    }

    pub(crate) fn token_refresh(outcome: &'static str) {
        metrics::counter!(TOKEN_REFRESHES_TOTAL, "outcome" => outcome).increment(1);
    }

    pub(crate) fn store_lock_wait(wait: Duration) {
        metrics::histogram!(STORE_LOCK_WAIT_SECONDS).record(wait.as_secs_f64());
    }

    pub(crate) fn undecodable_entries(entity: &'static str, count: usize) {
        metrics::counter!(UNDECODABLE_ENTRIES_TOTAL, "entity" => entity).increment(count as u64);
    }

    pub(crate) fn accounts_blocked() {
        metrics::counter!(ACCOUNTS_BLOCKED_TOTAL).increment(1);
    }

    pub(crate) fn batch_items(entity: &'static str, outcome: &'static str, count: usize) {
        if count > 0 {
            metrics::counter!(BATCH_ITEMS_TOTAL, "entity" => entity, "outcome" => outcome)
                .increment(count as u64);
        }
    }
}

#[cfg(not(feature = "metrics"))]
mod on {
    use super::*;

    #[inline(always)]
    pub(crate) fn request(_: &'static str, _: Outcome, _: Instant) {}
    #[inline(always)]
    pub(crate) fn rate_limited(_: &'static str) {}
    #[inline(always)]
    pub(crate) fn retry(_: &'static str) {}
    #[inline(always)]
    pub(crate) fn pace_wait(_: Duration) {}
    #[inline(always)]
    pub(crate) fn token_refresh(_: &'static str) {}
    #[inline(always)]
    pub(crate) fn store_lock_wait(_: Duration) {}
    #[inline(always)]
    pub(crate) fn undecodable_entries(_: &'static str, _: usize) {}
    #[inline(always)]
    pub(crate) fn accounts_blocked() {}
    #[inline(always)]
    pub(crate) fn batch_items(_: &'static str, _: &'static str, _: usize) {}
}

pub(crate) use on::*;
