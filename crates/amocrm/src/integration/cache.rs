//! The cache of an [`Integration`](super::Integration)'s accounts: one entry (client and OAuth) per base
//! URL, built outside its lock and bounded.
//!
//! - A lookup takes a read lock (of one of 16 shards, by the key's hash) for a hash lookup
//!   and a clone: it never waits behind a build, which runs with no lock held, and an
//!   insert blocks only the lookups of its shard. Two builds of one account racing keep the first
//!   one inserted; the other is dropped and the winner returned to both.
//! - Bounded by a number of entries and an idle time. Past the number, the entries used
//!   least recently are evicted (a sixteenth of it at once, so that a sweep over every
//!   entry runs once per that many builds); entries idle longer than the idle time are
//!   evicted by the first build after it. A sweep scans under the read lock and removes
//!   under the write lock only what is still idle.
//! - Only an entry nobody else holds and whose tokens are at rest is evicted
//!   ([`Evict::evictable`]): evicting a client a caller still holds would free nothing and
//!   make a second one; an OAuth refreshing or holding a pair its store has not taken yet
//!   would lose it. Everything else it holds is in the token store: the next lookup builds
//!   the account again and its first request loads the pair from there.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use std::time::Instant;

/// The accounts an [`Integration`](super::Integration) caches at most by default
/// ([`IntegrationBuilder::max_cached_accounts`](super::IntegrationBuilder::max_cached_accounts)).
pub const DEFAULT_MAX_CACHED_ACCOUNTS: usize = 10_000;
/// How long an account's cached client may stay unused by default before it is evicted
/// ([`IntegrationBuilder::evict_idle_after`](super::IntegrationBuilder::evict_idle_after)).
pub const DEFAULT_IDLE_EVICTION: Duration = Duration::from_secs(3600);

/// What a cached value tells the cache before it is evicted.
pub(crate) trait Evict {
    /// Whether dropping the cache's copy loses nothing and frees the value.
    fn evictable(&self) -> bool;
}

/// The bounds of a [`Cache`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Entries kept at most (beyond it only when every entry is held elsewhere).
    pub(crate) max_entries: usize,
    /// An entry unused this long is evicted; `None`: never for idleness.
    pub(crate) idle: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: DEFAULT_MAX_CACHED_ACCOUNTS,
            idle: Some(DEFAULT_IDLE_EVICTION),
        }
    }
}

/// Shards of a [`Cache`]: lookups wait only for an insert into their own.
const SHARDS: usize = 16;

type Shard<V> = RwLock<HashMap<String, Entry<V>>>;

/// Values by key, built outside the lock, bounded by [`Limits`].
pub(crate) struct Cache<V> {
    shards: Vec<Shard<V>>,
    /// Which shard a key is in.
    hasher: RandomState,
    /// Entries in every shard.
    len: AtomicUsize,
    limits: Limits,
    /// The origin of [`Entry::used`].
    epoch: Instant,
    /// When the next sweep for idleness is due (ms since `epoch`).
    idle_sweep_at: AtomicU64,
    /// The number of entries that starts the next sweep for size.
    size_sweep_at: AtomicU64,
    /// One sweep at a time.
    sweeping: AtomicBool,
    /// Time the tests move on (ms added to the clock).
    #[cfg(test)]
    skew: AtomicU64,
}

struct Entry<V> {
    value: V,
    /// Last use, ms since the cache's epoch.
    used: AtomicU64,
}

impl<V: Clone + Evict> Cache<V> {
    pub(crate) fn new(limits: Limits) -> Self {
        let limits = Limits {
            max_entries: limits.max_entries.max(1),
            ..limits
        };
        Cache {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            hasher: RandomState::new(),
            len: AtomicUsize::new(0),
            limits,
            epoch: Instant::now(),
            idle_sweep_at: AtomicU64::new(limits.idle.map_or(u64::MAX, millis)),
            size_sweep_at: AtomicU64::new(count(limits.max_entries)),
            sweeping: AtomicBool::new(false),
            #[cfg(test)]
            skew: AtomicU64::new(0),
        }
    }

    /// The value of `key`, marked used.
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        let entries = self.read(key);
        let entry = entries.get(key)?;
        entry.used.store(self.now(), Relaxed);
        Some(entry.value.clone())
    }

    /// The value of `key`: the cached one, else `build`'s, run with no lock held (a
    /// failed build caches nothing); when another build of `key` got in first, its value.
    pub(crate) fn get_or_build<E>(
        &self,
        key: &str,
        build: impl FnOnce() -> Result<V, E>,
    ) -> Result<V, E> {
        if let Some(value) = self.get(key) {
            return Ok(value);
        }
        let built = build()?;
        Ok(self.insert(key, built))
    }

    /// Caches `value` under `key` unless a value is there already; returns the one cached.
    fn insert(&self, key: &str, value: V) -> V {
        let now = self.now();
        let (kept, len) = {
            let mut entries = self.write(key);
            let kept = match entries.get(key) {
                Some(entry) => {
                    entry.used.store(now, Relaxed);
                    entry.value.clone()
                }
                None => {
                    let used = AtomicU64::new(now);
                    let entry = Entry {
                        value: value.clone(),
                        used,
                    };
                    entries.insert(key.to_owned(), entry);
                    self.len.fetch_add(1, Relaxed);
                    value
                }
            };
            (kept, self.len.load(Relaxed))
        };
        self.maybe_sweep(now, count(len));
        kept
    }

    /// Drops the entry of `key`, whoever holds it; whether there was one.
    pub(crate) fn remove(&self, key: &str) -> bool {
        let removed = self.write(key).remove(key).is_some();
        if removed {
            self.len.fetch_sub(1, Relaxed);
        }
        removed
    }

    /// The keys cached, sorted.
    pub(crate) fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for shard in &self.shards {
            keys.extend(read(shard).keys().cloned());
        }
        keys.sort();
        keys
    }

    /// Entries cached.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    /// Sweeps when one is due: past the size that starts one, or past the idle sweep's time.
    fn maybe_sweep(&self, now: u64, len: u64) {
        let for_size = len >= self.size_sweep_at.load(Relaxed);
        let for_idle = now >= self.idle_sweep_at.load(Relaxed);
        if !(for_size || for_idle) || self.sweeping.swap(true, Relaxed) {
            return;
        }
        self.sweep(now);
        self.sweeping.store(false, Relaxed);
    }

    /// Evicts what is idle too long, then the least recently used down to the size a
    /// sixteenth below the maximum; sets when the next sweeps are due.
    fn sweep(&self, now: u64) {
        let idle_before = self
            .limits
            .idle
            .map(|idle| now.saturating_sub(millis(idle)));
        let max = self.limits.max_entries;
        let target = max - max / 16;
        let mut victims: Vec<(u64, String)> = Vec::new();
        let guards: Vec<_> = self.shards.iter().map(read).collect();
        let len: usize = guards.iter().map(|entries| entries.len()).sum();
        // Only what may go (held or busy entries stay whatever their age).
        let mut candidates: Vec<(u64, &String)> = guards
            .iter()
            .flat_map(|entries| entries.iter())
            .filter(|(_, entry)| entry.value.evictable())
            .map(|(key, entry)| (entry.used.load(Relaxed), key))
            .collect();
        // The `excess` least recently used first, then the rest.
        let excess = len.saturating_sub(target).min(candidates.len());
        if excess > 0 && excess < candidates.len() {
            candidates.select_nth_unstable_by_key(excess, |(used, _)| *used);
        }
        for (index, (used, key)) in candidates.into_iter().enumerate() {
            let too_idle = idle_before.is_some_and(|before| used < before);
            if index < excess || too_idle {
                victims.push((used, key.clone()));
            }
        }
        drop(guards);
        let mut evicted = 0;
        for (seen, key) in victims {
            let mut entries = self.write(&key);
            // Used since the scan, or held or busy now: kept.
            let keep = entries
                .get(&key)
                .is_none_or(|entry| entry.used.load(Relaxed) != seen || !entry.value.evictable());
            if !keep {
                entries.remove(&key);
                self.len.fetch_sub(1, Relaxed);
                evicted += 1;
            }
        }
        let left = len.saturating_sub(evicted);
        // Entries held elsewhere stay: the next size sweep waits for another sixteenth.
        let next = left.max(target).saturating_add((max / 16).max(1));
        self.size_sweep_at.store(count(next.max(max)), Relaxed);
        if let Some(idle) = self.limits.idle {
            let every = millis(idle / 4).max(1);
            self.idle_sweep_at.store(now.saturating_add(every), Relaxed);
        }
    }

    fn now(&self) -> u64 {
        let now = millis(self.epoch.elapsed());
        #[cfg(test)]
        let now = now.saturating_add(self.skew.load(Relaxed));
        now
    }

    /// Moves the cache's clock on by `by`.
    #[cfg(test)]
    fn advance(&self, by: Duration) {
        self.skew.fetch_add(millis(by), Relaxed);
    }

    fn shard(&self, key: &str) -> &Shard<V> {
        let hash = self.hasher.hash_one(key);
        // The remainder is below SHARDS: it fits any usize.
        let index = usize::try_from(hash % SHARDS as u64).unwrap_or_default();
        &self.shards[index]
    }

    fn read(&self, key: &str) -> RwLockReadGuard<'_, HashMap<String, Entry<V>>> {
        read(self.shard(key))
    }

    fn write(&self, key: &str) -> RwLockWriteGuard<'_, HashMap<String, Entry<V>>> {
        self.shard(key)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn read<V>(shard: &Shard<V>) -> RwLockReadGuard<'_, HashMap<String, Entry<V>>> {
    shard.read().unwrap_or_else(PoisonError::into_inner)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    /// A value evictable when nobody but the cache holds it, as a client is.
    #[derive(Clone, Debug)]
    struct Value(Arc<u32>);

    impl Evict for Value {
        fn evictable(&self) -> bool {
            Arc::strong_count(&self.0) == 1
        }
    }

    fn value(n: u32) -> Result<Value, String> {
        Ok(Value(Arc::new(n)))
    }

    fn limits(max_entries: usize, idle: Option<Duration>) -> Limits {
        Limits { max_entries, idle }
    }

    #[test]
    fn a_lookup_never_waits_behind_a_build() {
        let cache = Arc::new(Cache::new(Limits::default()));
        cache.get_or_build("cached", || value(1)).unwrap();
        let building = Arc::new(Barrier::new(2));
        let slow = std::thread::spawn({
            let cache = cache.clone();
            let building = building.clone();
            move || {
                cache.get_or_build("slow", || {
                    building.wait();
                    std::thread::sleep(Duration::from_millis(800));
                    value(2)
                })
            }
        });
        building.wait();
        let started = std::time::Instant::now();
        // A lookup, and a build of another account, while the slow build runs.
        assert_eq!(*cache.get("cached").unwrap().0, 1);
        assert_eq!(*cache.get_or_build("other", || value(3)).unwrap().0, 3);
        let took = started.elapsed();
        assert!(took < Duration::from_millis(400), "waited {took:?}");
        assert_eq!(*slow.join().unwrap().unwrap().0, 2);
        assert_eq!(cache.keys(), ["cached", "other", "slow"]);
    }

    #[test]
    fn racing_builds_of_one_key_keep_one() {
        let cache = Arc::new(Cache::new(Limits::default()));
        let both = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|n| {
                let cache = cache.clone();
                let both = both.clone();
                std::thread::spawn(move || {
                    cache.get_or_build("one", || {
                        // Both builds run before either is inserted.
                        both.wait();
                        value(n)
                    })
                })
            })
            .collect();
        let got: Vec<Value> = racers
            .into_iter()
            .map(|racer| racer.join().unwrap().unwrap())
            .collect();
        assert!(Arc::ptr_eq(&got[0].0, &got[1].0), "{got:?}");
        assert!(Arc::ptr_eq(&cache.get("one").unwrap().0, &got[0].0));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn a_failed_build_caches_nothing() {
        let cache: Cache<Value> = Cache::new(Limits::default());
        let failed = cache.get_or_build("junk", || Err("refused".to_owned()));
        assert_eq!(failed.unwrap_err(), "refused");
        assert_eq!(cache.len(), 0);
        assert!(cache.get("junk").is_none());
    }

    #[test]
    fn past_the_maximum_the_least_recently_used_go() {
        let cache = Cache::new(limits(32, None));
        for n in 0..32 {
            cache
                .get_or_build(&format!("k{n:02}"), || value(n))
                .unwrap();
            cache.advance(Duration::from_millis(2));
            // k00 stays in use.
            cache.get("k00").unwrap();
        }
        // The 32nd build reached the maximum: the two least recently used went (32/16).
        assert_eq!(cache.len(), 30);
        assert!(cache.get("k01").is_none() && cache.get("k02").is_none());
        assert!(cache.get("k00").is_some() && cache.get("k03").is_some());
        // Bounded however many are built.
        for n in 32..1000 {
            cache
                .get_or_build(&format!("k{n:02}"), || value(n))
                .unwrap();
            assert!(cache.len() <= 32);
        }
        // Removed whatever its state.
        let held = cache.get("k999").unwrap();
        assert!(cache.remove("k999"));
        assert!(!cache.remove("k999"));
        drop(held);
    }

    #[test]
    fn a_held_value_is_never_evicted() {
        let cache = Cache::new(limits(16, Some(Duration::from_secs(10))));
        let held = cache.get_or_build("held", || value(0)).unwrap();
        cache.get_or_build("idle", || value(1)).unwrap();
        cache.advance(Duration::from_secs(11));
        for n in 2..100 {
            cache.get_or_build(&format!("k{n}"), || value(n)).unwrap();
        }
        assert!(cache.get("held").is_some(), "held by a caller: kept");
        assert!(cache.get("idle").is_none(), "idle and free: evicted");
        assert!(cache.len() <= 16);
        drop(held);
    }

    #[test]
    fn an_idle_value_goes_at_the_next_build_after_its_idle_time() {
        let cache = Cache::new(limits(1000, Some(Duration::from_secs(10))));
        cache.get_or_build("old", || value(0)).unwrap();
        cache.get_or_build("used", || value(1)).unwrap();
        cache.advance(Duration::from_secs(6));
        cache.get("used").unwrap();
        cache.advance(Duration::from_secs(6));
        assert_eq!(cache.len(), 2, "nothing evicted without a build");
        cache.get_or_build("new", || value(2)).unwrap();
        assert_eq!(cache.keys(), ["new", "used"]);
    }
}
