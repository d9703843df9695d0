//! The fleet guarantees with real OS processes (the bench binary as workers), shorter
//! than `amocrm-bench fleet` but with the same assertions: one refresh for 16 processes on
//! the PostgreSQL store, its lock holder killed with SIGKILL, and 4 processes × 8 tasks
//! paced by Redis against the fake's 7/s window. (The file store across processes is
//! tested by `amocrm`'s own `tests/fleet/processes.rs`.)
//!
//! Tests needing PostgreSQL or Redis skip with a message when it is not there, unless
//! `AMOCRM_REQUIRE_SERVICES=1` (CI).

use std::path::Path;
use std::time::Duration;

use amocrm_bench::fleet::pace::{self, PaceOptions};
use amocrm_bench::fleet::refresh::{self, Refreshed};
use amocrm_bench::fleet::services::{self, StoreSpec};
use amocrm_test_support::services::{HOW_POSTGRES, HOW_REDIS, postgres_url, redis_url, skip};

/// The scenarios run dozens of processes each: they take turns, so that one's load does
/// not disturb another's timing.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn exe() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_amocrm-bench"))
}

/// Runs a scenario in its turn; fails one that hangs instead of letting the test run for
/// ever.
async fn within<T>(f: impl Future<Output = Result<T, String>>) -> Result<T, String> {
    let _turn = TURN.lock().await;
    tokio::time::timeout(Duration::from_secs(180), f)
        .await
        .unwrap_or_else(|_| Err("no result within 180 s".into()))
}

/// PostgreSQL's store spec (a schema of the test's own), or `None` after the skip.
async fn postgres_or_skip(test: &str) -> Option<StoreSpec> {
    let url = postgres_url();
    if let Err(e) = services::postgres_reachable(&url).await {
        skip(test, &e, HOW_POSTGRES);
        return None;
    }
    Some(StoreSpec::Postgres {
        url,
        schema: services::unique("amocrm_fleet_test"),
    })
}

fn assert_one_grant(f: &Refreshed, processes: usize) {
    assert_eq!(f.failures, Vec::<String>::new(), "every process succeeds");
    assert_eq!(f.ok, processes, "{f:?}");
    assert_eq!(f.grants, 1, "one refresh_token grant for the fleet: {f:?}");
    assert_eq!(f.reused, 0, "no refresh token sent twice: {f:?}");
}

async fn sixteen_at_once(spec: StoreSpec) {
    let figures = within(refresh::at_once(exe(), &spec, 16)).await;
    spec.cleanup().await;
    assert_one_grant(&figures.expect("16 processes"), 16);
}

async fn holder_killed(spec: StoreSpec) {
    let figures = within(refresh::holder_killed(exe(), &spec, 4)).await;
    spec.cleanup().await;
    let figures = figures.expect("kill -9 the holder");
    assert_eq!(
        figures.grants_while_held, 0,
        "nobody refreshes while the holder has the lock"
    );
    assert_one_grant(&figures, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_processes_postgres_store_one_grant() {
    if let Some(spec) = postgres_or_skip("sixteen_processes_postgres_store_one_grant").await {
        sixteen_at_once(spec).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lock_holder_killed_another_process_refreshes() {
    if let Some(spec) =
        postgres_or_skip("postgres_lock_holder_killed_another_process_refreshes").await
    {
        holder_killed(spec).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_paced_by_redis_stay_within_7_per_second() {
    let url = redis_url();
    if let Err(e) = services::redis_reachable(&url).await {
        skip(
            "four_processes_paced_by_redis_stay_within_7_per_second",
            &e,
            HOW_REDIS,
        );
        return;
    }
    let options = PaceOptions {
        processes: 4,
        tasks: 8,
        secs: 5.0,
        fault_at: None,
    };
    let paced = within(pace::run(exe(), &url, &options))
        .await
        .expect("4 processes × 8 tasks");
    assert_eq!(paced.failed, 0, "{paced:?}");
    assert_eq!(paced.window_429, 0, "no answer 429: {paced:?}");
    assert!(
        paced.max_arrivals_per_second <= 7,
        "at most 7 arrivals in any second: {paced:?}"
    );
    // 7 per 1.01 s over 5 s, less the processes' start: the pace is used, not just kept.
    assert!(paced.ok_in_window >= 30, "{paced:?}");
}
