//! Each widget_request token accepted once: [`ReplayGuard`] and the in-process
//! [`MemoryReplayGuard`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use futures::future::BoxFuture;

/// Why a [`ReplayGuard`] could not answer: any error of yours.
pub type ReplayGuardError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Remembers widget_request tokens so that each is accepted once
/// ([`WidgetRequestVerifier::verify_once`](super::WidgetRequestVerifier::verify_once)). The default is a [`MemoryReplayGuard`];
/// services running several instances share one (e.g. Redis `SET key 1 NX EXAT until`).
///
/// ```
/// use std::time::SystemTime;
/// use amocrm::widget_request::{ReplayGuard, ReplayGuardError};
/// use futures::future::BoxFuture;
///
/// #[derive(Debug)]
/// struct Redis;
///
/// impl ReplayGuard for Redis {
///     fn check_and_remember<'a>(
///         &'a self,
///         key: &'a str,
///         until: SystemTime,
///     ) -> BoxFuture<'a, Result<bool, ReplayGuardError>> {
///         Box::pin(async move {
///             // SET widget_request:{key} 1 NX EXAT {until}; true when it was set.
///             let _ = (key, until);
///             Ok(true)
///         })
///     }
/// }
/// ```
pub trait ReplayGuard: Send + Sync + 'static {
    /// Remembers `key` until `until` and answers `true`, or answers `false` when it is
    /// remembered already (a replay). Atomic: of two concurrent calls with one key, one
    /// answers `true`.
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<bool, ReplayGuardError>>;
}

/// A guard's answer when it holds as many unexpired keys as it may and cannot remember
/// another ([`MemoryReplayGuard`]'s, boxed in a [`ReplayGuardError`]; a guard of yours may
/// answer it too). A widget_request's check refuses the request then (fail closed); a
/// webhook receiver, whose dedupe is best effort, lets the delivery through as new and
/// says so in a warning.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, thiserror::Error)]
#[error("the in-memory replay guard is full of unexpired keys")]
#[non_exhaustive]
pub struct ReplayGuardFull;

impl ReplayGuardFull {
    /// Whether `error` is a full guard's answer.
    pub fn is(error: &ReplayGuardError) -> bool {
        error.downcast_ref::<ReplayGuardFull>().is_some()
    }
}

/// The default [`ReplayGuard`]: the keys of one process, each until its token expires.
/// Expired keys are dropped as new ones arrive, so it holds only the tokens still valid,
/// and at most `capacity` of them (100 000 by default): past that it refuses new tokens
/// rather than grow.
#[derive(Debug)]
pub struct MemoryReplayGuard {
    state: Mutex<MemoryState>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct MemoryState {
    seen: HashMap<String, SystemTime>,
    /// Size at which expired keys are dropped next; doubles with the live keys, so the
    /// sweeps cost O(1) a call on average.
    sweep_at: usize,
    /// Sweeps so far.
    sweeps: u64,
}

/// The smallest size at which [`MemoryReplayGuard`] sweeps.
const MIN_SWEEP: usize = 1024;

impl MemoryReplayGuard {
    /// An empty guard for up to 100 000 live tokens.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty guard for up to `capacity` live tokens (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryReplayGuard {
            state: Mutex::new(MemoryState {
                seen: HashMap::new(),
                sweep_at: MIN_SWEEP,
                sweeps: 0,
            }),
            capacity: capacity.max(1),
        }
    }

    /// Keys remembered now (expired ones not swept yet included).
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .seen
            .len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`ReplayGuard::check_and_remember`] at the instant `now`.
    fn remember(
        &self,
        key: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, ReplayGuardError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(expiry) = state.seen.get(key)
            && *expiry > now
        {
            return Ok(false);
        }
        if state.seen.len() >= state.sweep_at || state.seen.len() >= self.capacity {
            state.seen.retain(|_, expiry| *expiry > now);
            state.sweep_at = (state.seen.len() * 2).max(MIN_SWEEP);
            state.sweeps += 1;
        }
        if state.seen.len() >= self.capacity && !state.seen.contains_key(key) {
            return Err(Box::new(ReplayGuardFull));
        }
        state.seen.insert(key.to_owned(), until);
        Ok(true)
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<bool, ReplayGuardError>> {
        let answer = self.remember(key, until, SystemTime::now());
        Box::pin(std::future::ready(answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_key_is_accepted_once_until_it_expires() {
        let guard = MemoryReplayGuard::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = now + Duration::from_secs(60);
        assert!(guard.remember("a", until, now).unwrap());
        assert!(!guard.remember("a", until, now).unwrap());
        assert!(
            !guard
                .remember("a", until, until - Duration::from_secs(1))
                .unwrap()
        );
        assert!(guard.remember("b", until, now).unwrap());
        // Once expired the key is forgotten (verification refuses the token by then).
        assert!(
            guard
                .remember("a", until + Duration::from_secs(60), until)
                .unwrap()
        );
        assert_eq!(guard.len(), 2);
        assert!(!guard.is_empty());
        assert!(MemoryReplayGuard::default().is_empty());
    }

    #[test]
    fn expired_keys_are_swept_so_memory_stays_bounded() {
        let guard = MemoryReplayGuard::new();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        // 100 000 tokens of one second each, arriving over 100 000 seconds: at most a
        // few are live at any time, and the map never holds many more.
        let mut largest = 0;
        for i in 0..100_000u64 {
            let now = start + Duration::from_secs(i);
            assert!(
                guard
                    .remember(&i.to_string(), now + Duration::from_secs(1), now)
                    .unwrap()
            );
            largest = largest.max(guard.len());
        }
        assert!(largest <= MIN_SWEEP + 1, "{largest}");
    }

    #[test]
    fn sweeps_are_rare_while_every_key_is_live() {
        let guard = MemoryReplayGuard::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = now + Duration::from_secs(600);
        for i in 0..20_000u32 {
            assert!(guard.remember(&i.to_string(), until, now).unwrap());
        }
        // Thresholds 1024, 2048, ..., 16384: five sweeps for 20 000 keys, not thousands.
        let state = guard.state.lock().unwrap();
        assert_eq!(state.sweeps, 5);
        assert_eq!(state.sweep_at, 32_768);
    }

    #[test]
    fn a_full_guard_refuses_rather_than_grows() {
        let guard = MemoryReplayGuard::with_capacity(3);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = now + Duration::from_secs(60);
        for key in ["a", "b", "c"] {
            assert!(guard.remember(key, until, now).unwrap());
        }
        let full = guard.remember("d", until, now).unwrap_err();
        assert!(ReplayGuardFull::is(&full), "{full}");
        // A replay is still told apart while full.
        assert!(!guard.remember("a", until, now).unwrap());
        assert_eq!(guard.len(), 3);
        // Once they expire there is room again.
        assert!(
            guard
                .remember("d", until + Duration::from_secs(60), until)
                .unwrap()
        );
        assert_eq!(guard.len(), 1);
        assert!(
            MemoryReplayGuard::with_capacity(0)
                .remember("x", until, now)
                .unwrap()
        );
    }
}
