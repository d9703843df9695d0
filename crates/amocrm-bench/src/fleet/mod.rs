//! The fleet benchmarks (issue 14): many OS processes and many accounts sharing one token
//! chain per account (PostgreSQL or file store) and one pace (Redis). The bench binary
//! re-executes itself as the worker processes (`__fleet-worker`, [`worker`]); the fake
//! amoCRM runs in the parent, which counts grants, reused refresh tokens and arrivals.
//!
//! Scenarios (each returns its figures; [`run`] prints them all):
//! * [`refresh`]: N processes find the access token expired at once; the lock holder
//!   killed with SIGKILL before it calls the token endpoint.
//! * [`pace`]: P processes × T tasks on one account with the Redis pacer against the
//!   fake's 7/s window; a 429 with Retry-After seen by one pauses all.
//! * [`accounts`]: many accounts in one process, 7/s each.
//! * [`cost`]: what acquiring a slot adds to a request, Redis vs in-process.
//! * [`restart`]: Redis restarted mid-run.

pub mod accounts;
pub mod cost;
pub mod pace;
pub mod process;
pub mod refresh;
pub mod restart;
pub mod services;
pub mod worker;

use std::path::PathBuf;
use std::time::Duration;

/// Options of the fleet section.
#[derive(Clone, Debug)]
pub struct Options {
    /// The bench binary (workers are this binary under `__fleet-worker`).
    pub exe: PathBuf,
    /// PostgreSQL for the token store (a schema of the run's own is created and dropped).
    pub postgres_url: String,
    /// Redis for the pacer (keys under a prefix of the run's own).
    pub redis_url: String,
    /// Processes of the refresh scenario.
    pub refresh_processes: usize,
    /// Duration of the one-account pacing scenario.
    pub pace_secs: f64,
    /// Processes and tasks per process of the one-account pacing scenario.
    pub pace_processes: usize,
    /// Tasks per process of the one-account pacing scenario.
    pub pace_tasks: usize,
    /// Accounts and duration of the many-accounts scenario.
    pub accounts: usize,
    /// Duration of the many-accounts scenario.
    pub accounts_secs: f64,
    /// The pacers' jitter margins the many-accounts scenario runs with, in ms (the default
    /// 10 ms, and a wider one for a host this loaded).
    pub accounts_margins_ms: Vec<u64>,
    /// Acquires per pacer in the cost scenario.
    pub cost_acquires: usize,
}

impl Options {
    /// The figures of BENCHMARKS.md: 16 processes, 60 s, 200 accounts for 30 s.
    pub fn full(exe: PathBuf) -> Options {
        Options {
            exe,
            postgres_url: env_or(
                "AMOCRM_TEST_POSTGRES_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            redis_url: env_or("AMOCRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/"),
            refresh_processes: 16,
            pace_secs: 60.0,
            pace_processes: 4,
            pace_tasks: 8,
            accounts: 200,
            accounts_secs: 30.0,
            accounts_margins_ms: vec![10],
            cost_acquires: 2000,
        }
    }
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_owned())
}

/// Which scenarios [`run`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// [`refresh`].
    Refresh,
    /// [`pace`].
    Pace,
    /// [`accounts`].
    Accounts,
    /// [`cost`].
    Cost,
    /// [`restart`].
    Restart,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 5] = [
        Scenario::Refresh,
        Scenario::Pace,
        Scenario::Accounts,
        Scenario::Cost,
        Scenario::Restart,
    ];

    /// Its name on the command line (`fleet-refresh` runs it alone).
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Refresh => "refresh",
            Scenario::Pace => "pace",
            Scenario::Accounts => "accounts",
            Scenario::Cost => "cost",
            Scenario::Restart => "restart",
        }
    }
}

/// Runs `scenarios` and returns the report (markdown).
pub fn run(options: &Options, scenarios: &[Scenario]) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut out = String::from("### fleet\n\n");
        for scenario in scenarios {
            let section = match scenario {
                Scenario::Refresh => refresh::report(options).await?,
                Scenario::Pace => pace::report(options).await?,
                Scenario::Accounts => accounts::report(options).await?,
                Scenario::Cost => cost::report(options).await?,
                Scenario::Restart => restart::report(options).await?,
            };
            out.push_str(&section);
            out.push_str(&format!(
                "\n(load average after {}: {})\n\n",
                scenario.name(),
                crate::stats::load_average()
            ));
        }
        Ok(out)
    })
}

/// The most arrivals within any window of one second (`at` sorted).
pub fn max_in_one_second(at: &[std::time::Instant]) -> usize {
    let mut best = 0;
    let mut first = 0;
    for (last, &t) in at.iter().enumerate() {
        while t.duration_since(at[first]) >= Duration::from_secs(1) {
            first += 1;
        }
        best = best.max(last - first + 1);
    }
    best
}

/// The `q` quantile (0..=1) of sorted `values`.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
