//! `fleet-scale` (issue 24): 100,000 accounts in one `Integration`. Per account: the heap
//! of an idle cached client, the time to create one (median, p99), and the p99 of a cached
//! lookup while 1,000 new accounts are created on other threads (cores − 1 of them); and the `MemoryPacer`'s
//! heap for 100,000 accounts before and after their window passed.
//!
//! "Before" is the code path `Integration` had until issue 24, kept here as it was: per
//! account, `OAuth::builder()...build()` and `oauth.client_builder()...build()` (each
//! builds its own HTTP client, reading the system's trust store), under the cache's
//! `Mutex` held for the whole build. At ~6 ms and ~215 KiB an account, it runs on fewer
//! accounts ([`Options::before_accounts`]); its 100,000 total is that per-account figure
//! times 100,000. Nothing is sent: the accounts' URLs point at a closed loopback port.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, Client, Integration, OAuth, RetryPolicy};

use crate::alloc;
use crate::stats;

/// Options of the scale section.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Accounts of the "after" integration.
    pub accounts: usize,
    /// Accounts of the "before" code path (it is ~1,000 times slower to build).
    pub before_accounts: usize,
    /// New accounts created in parallel while lookups are timed.
    pub parallel: usize,
    /// Threads creating them: the machine's cores less one ([`default_creators`]), so
    /// that the lookup thread has a core of its own and its p99 measures the cache, not
    /// the OS scheduler sharing a core among more runnable threads than it has.
    pub creators: usize,
    /// Rounds of that on the "after" side (its 1,000 creations take milliseconds: one
    /// round gives too few lookups for a p99).
    pub rounds: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            accounts: 100_000,
            before_accounts: 1_000,
            parallel: 1_000,
            creators: default_creators(),
            rounds: 20,
        }
    }
}

/// The cores of this machine less one (the lookup thread's), at least one.
pub fn default_creators() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .saturating_sub(1)
        .max(1)
}

/// A way of caching accounts' clients: today's `Integration`, or the code before.
trait Fleet: Send + Sync {
    fn client(&self, n: usize) -> Client;
}

fn url(n: usize) -> AccountUrl {
    // Port 9 (discard) on loopback: nothing is sent, and plain HTTP is allowed there.
    AccountUrl::base_url(format!("http://127.0.0.1:9/a{n}"))
}

fn app() -> AppCredentials {
    AppCredentials::new("scale-id", "scale-secret", "https://example.com/cb")
}

impl Fleet for Integration {
    fn client(&self, n: usize) -> Client {
        self.client_at(&url(n)).expect("client")
    }
}

/// The code path before issue 24: build under the mutex, two HTTP clients per account.
struct Before {
    store: Arc<dyn TokenStore>,
    pacer: Arc<dyn Pacer>,
    clients: Mutex<HashMap<String, (Client, OAuth)>>,
}

impl Before {
    fn new() -> Before {
        Before {
            store: Arc::new(MemoryTokenStore::new()),
            pacer: Arc::new(MemoryPacer::default()),
            clients: Mutex::new(HashMap::new()),
        }
    }
}

impl Fleet for Before {
    fn client(&self, n: usize) -> Client {
        let url = url(n);
        let base_url = format!("http://127.0.0.1:9/a{n}");
        let mut clients = self.clients.lock().expect("lock");
        if let Some((client, _)) = clients.get(&base_url) {
            return client.clone();
        }
        let oauth = OAuth::builder()
            .account(url)
            .app(app())
            .shared_store(self.store.clone())
            .build()
            .expect("oauth");
        let client = oauth
            .client_builder()
            .pacer(self.pacer.clone())
            .retry(RetryPolicy::disabled())
            .build()
            .expect("client");
        clients.insert(base_url, (client.clone(), oauth));
        client
    }
}

fn after() -> Integration {
    Integration::builder()
        .app(app())
        .max_cached_accounts(1_000_000)
        .evict_idle_after(None)
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .expect("integration")
}

/// One side's figures.
#[derive(Debug, Default)]
struct Figures {
    accounts: usize,
    bytes_per_account: f64,
    create_median_us: f64,
    create_p99_us: f64,
    lookup_p99_us: f64,
    lookup_p999_us: f64,
    lookup_max_us: f64,
    lookups: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Creates accounts `0..n`, timing each; the heap they hold, per account.
fn create(fleet: &dyn Fleet, n: usize, figures: &mut Figures) {
    let base = alloc::current();
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let started = Instant::now();
        let client = fleet.client(i);
        times.push(micros(started.elapsed()));
        drop(client);
    }
    let held = alloc::current() - base;
    times.sort_by(f64::total_cmp);
    figures.accounts = n;
    figures.bytes_per_account = held as f64 / n as f64;
    figures.create_median_us = stats::median(&times);
    figures.create_p99_us = percentile(&times, 0.99);
}

/// Lookups of cached accounts (`0..cached`) timed while `options.parallel` new ones are
/// created on `options.creators` threads, `rounds` times (new accounts each round).
fn lookups_while_creating(
    fleet: Arc<dyn Fleet>,
    cached: usize,
    options: &Options,
    rounds: usize,
    figures: &mut Figures,
) {
    let mut all = Vec::new();
    for round in 0..rounds.max(1) {
        let first = 10_000_000 + round * options.parallel;
        all.extend(one_round(&fleet, cached, options, first));
    }
    all.sort_by(f64::total_cmp);
    figures.lookups = all.len();
    figures.lookup_p99_us = percentile(&all, 0.99);
    figures.lookup_p999_us = percentile(&all, 0.999);
    figures.lookup_max_us = stats::max(&all);
}

/// One round: the lookups' times while accounts `first..first + parallel` are created.
fn one_round(fleet: &Arc<dyn Fleet>, cached: usize, options: &Options, first: usize) -> Vec<f64> {
    let done = Arc::new(AtomicBool::new(false));
    let per = options.parallel.div_ceil(options.creators.max(1));
    let creators: Vec<_> = (0..options.creators.max(1))
        .map(|t| {
            let fleet = fleet.clone();
            std::thread::spawn(move || {
                for i in 0..per {
                    fleet.client(first + t * per + i);
                }
            })
        })
        .collect();
    let lookup = std::thread::spawn({
        let fleet = fleet.clone();
        let done = done.clone();
        move || {
            let mut times = Vec::new();
            let mut i = 0usize;
            while !done.load(Ordering::Relaxed) {
                let n = (i.wrapping_mul(7919)) % cached.max(1);
                let started = Instant::now();
                let client = fleet.client(n);
                times.push(micros(started.elapsed()));
                drop(client);
                i += 1;
            }
            times
        }
    });
    for creator in creators {
        creator.join().expect("creator");
    }
    done.store(true, Ordering::Relaxed);
    lookup.join().expect("lookup")
}

/// The `MemoryPacer`'s heap for `n` accounts that each took a slot, and after their
/// window passed and one more account took one (the pruning).
fn pacer_bytes(n: usize) -> Result<(f64, f64, usize), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let base = alloc::current();
        let pacer = MemoryPacer::new(Some(RateLimit::AMOCRM));
        for i in 0..n {
            pacer
                .acquire(&format!("http://127.0.0.1:9/a{i}"))
                .await
                .map_err(|e| e.to_string())?;
        }
        let full = alloc::current() - base;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        // Prunes at the next new lane past its size: make them until it does.
        let mut extra = 0;
        let mut pruned = alloc::current() - base;
        while extra < n {
            let before = alloc::current();
            pacer
                .acquire(&format!("http://127.0.0.1:9/b{extra}"))
                .await
                .map_err(|e| e.to_string())?;
            extra += 1;
            let now = alloc::current();
            if now < before {
                pruned = now - base;
                break;
            }
        }
        Ok::<_, String>((full as f64, pruned as f64, extra))
    })
}

/// Runs the section; a Markdown table.
pub fn run(options: &Options) -> Result<String, String> {
    // Counting on: its relaxed atomics cost both sides alike.
    alloc::enable();
    let mut after_figures = Figures::default();
    let mut before_figures = Figures::default();
    let built = Instant::now();
    let integration = Arc::new(after());
    let integration_build_ms = built.elapsed().as_secs_f64() * 1e3;
    create(&*integration, options.accounts, &mut after_figures);
    let rss_kib = stats::peak_rss_kib();
    lookups_while_creating(
        integration.clone(),
        options.accounts,
        options,
        options.rounds,
        &mut after_figures,
    );
    drop(integration);

    let before = Arc::new(Before::new());
    create(&*before, options.before_accounts, &mut before_figures);
    lookups_while_creating(
        before.clone(),
        options.before_accounts,
        options,
        1,
        &mut before_figures,
    );
    drop(before);

    let (pacer_full, pacer_pruned, pacer_since) = pacer_bytes(options.accounts)?;

    let kib = |bytes: f64| bytes / 1024.0;
    let total_gib = |figures: &Figures| figures.bytes_per_account * 100_000.0 / (1u64 << 30) as f64;
    let mut out = String::new();
    out.push_str("### 100,000 accounts in one Integration (fleet-scale)\n\n");
    out.push_str("| | before (main's path) | after | target |\n|---|---:|---:|---:|\n");
    out.push_str(&format!(
        "| accounts created | {} | {} | 100,000 |\n",
        before_figures.accounts, after_figures.accounts
    ));
    out.push_str(&format!(
        "| heap per idle cached account | {:.1} KiB | {:.2} KiB | ≤ 8 KiB |\n",
        kib(before_figures.bytes_per_account),
        kib(after_figures.bytes_per_account)
    ));
    out.push_str(&format!(
        "| 100,000 accounts' heap | {:.2} GiB (per account × 100,000) | {:.3} GiB (measured) | < 1 GiB |\n",
        total_gib(&before_figures),
        total_gib(&after_figures)
    ));
    out.push_str(&format!(
        "| create an account's client, median / p99 | {:.0} µs / {:.0} µs | {:.1} µs / {:.1} µs | ≤ 50 µs |\n",
        before_figures.create_median_us,
        before_figures.create_p99_us,
        after_figures.create_median_us,
        after_figures.create_p99_us
    ));
    out.push_str(&format!(
        "| cached lookup p99 / p99.9 / max while {} new accounts are created on {} threads | {:.1} / {:.0} / {:.0} µs ({} lookups, 1 round) | {:.1} / {:.0} / {:.0} µs ({} lookups, {} rounds) | p99 ≤ 100 µs |\n",
        options.parallel,
        options.creators,
        before_figures.lookup_p99_us,
        before_figures.lookup_p999_us,
        before_figures.lookup_max_us,
        before_figures.lookups,
        after_figures.lookup_p99_us,
        after_figures.lookup_p999_us,
        after_figures.lookup_max_us,
        after_figures.lookups,
        options.rounds
    ));
    out.push_str(&format!(
        "| `MemoryPacer`, {} accounts with one slot each | {:.1} MiB, never pruned | {:.1} MiB; once their window passed, {:.1} MiB: the {} accounts made since, until the pruning | bounded |\n",
        options.accounts,
        pacer_full / 1048576.0,
        pacer_full / 1048576.0,
        pacer_pruned / 1048576.0,
        pacer_since
    ));
    out.push_str(&format!(
        "\nThe after integration's one HTTP client took {integration_build_ms:.1} ms to build; \
         peak RSS after {} accounts: {} MiB.\n",
        options.accounts,
        rss_kib.map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0))
    ));
    Ok(out)
}
