//! N processes find the account's access token expired at once: one of them refreshes
//! (one grant at the token endpoint), the others adopt the saved pair, no refresh token is
//! sent twice. Then the lock holder is killed (SIGKILL) before it calls the endpoint:
//! the lock is released with it and another process completes the refresh.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use amocrm::{SecretString, TokenPair};
use amocrm_fake::FakeServer;

use super::Options;
use super::process::Worker;
use super::services::{self, StoreSpec};

/// What the token endpoint and the processes saw.
#[derive(Clone, Debug, Default)]
pub struct Refreshed {
    /// Processes that sent a request.
    pub processes: usize,
    /// `refresh_token` grants at the fake's token endpoint.
    pub grants: usize,
    /// Refresh tokens sent again after being spent ("Token has been revoked").
    pub reused: usize,
    /// Processes whose request succeeded.
    pub ok: usize,
    /// The failures the others printed.
    pub failures: Vec<String>,
    /// From `go` (or the kill) to the last process's answer.
    pub elapsed: Duration,
    /// Kill scenario: grants seen while the killed holder held the lock (0 expected).
    pub grants_while_held: usize,
}

/// A fake with one account (no rate limit: only the token endpoint is looked at) and the
/// store seeded with an expired pair the fake issued.
async fn seeded(spec: &StoreSpec) -> Result<FakeServer, String> {
    let fake = FakeServer::builder()
        .rate_limit(None)
        .account("acc1")
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let account = fake.account("acc1").ok_or("no acc1")?;
    spec.prepare().await?;
    let issued = account.issue_token_pair(Duration::ZERO);
    let expired = TokenPair::new(
        SecretString::from(issued.access_token),
        SecretString::from(issued.refresh_token),
        SystemTime::now() - Duration::from_secs(10),
    );
    let store = spec.open()?;
    let mut lock = store.lock(account.url()).await.map_err(|e| e.to_string())?;
    lock.save(&expired).await.map_err(|e| e.to_string())?;
    lock.release().await.map_err(|e| e.to_string())?;
    Ok(fake)
}

async fn spawn_ready(
    exe: &Path,
    spec: &StoreSpec,
    account: &str,
    n: usize,
) -> Result<Vec<Worker>, String> {
    let mut args = spec.args();
    args.push(("account", account.to_owned()));
    let mut workers = Vec::new();
    for _ in 0..n {
        workers.push(Worker::spawn(exe, "refresh", &args)?);
    }
    for worker in &mut workers {
        worker.expect("ready").await?;
    }
    Ok(workers)
}

async fn collect(workers: &mut [Worker], figures: &mut Refreshed) -> Result<(), String> {
    for worker in workers.iter_mut() {
        match worker.line().await {
            Some(line) if line == "ok" => figures.ok += 1,
            Some(line) => figures.failures.push(line),
            None => figures
                .failures
                .push("worker ended without an answer".into()),
        }
    }
    for worker in workers.iter_mut() {
        worker.wait().await?;
    }
    Ok(())
}

/// `processes` processes, the stored pair expired, `go` at once.
pub async fn at_once(exe: &Path, spec: &StoreSpec, processes: usize) -> Result<Refreshed, String> {
    let fake = seeded(spec).await?;
    let account = fake.account("acc1").ok_or("no acc1")?;
    let mut workers = spawn_ready(exe, spec, account.url(), processes).await?;
    let start = Instant::now();
    for worker in &mut workers {
        worker.send("go").await?;
    }
    let mut figures = Refreshed {
        processes,
        ..Refreshed::default()
    };
    collect(&mut workers, &mut figures).await?;
    figures.elapsed = start.elapsed();
    let stats = account.oauth_stats();
    figures.grants = stats.refresh_token_grants;
    figures.reused = stats.reused_refresh_tokens;
    fake.shutdown().await;
    Ok(figures)
}

/// A holder takes the lock and is killed with SIGKILL while `waiters` processes wait for
/// it with the pair expired.
pub async fn holder_killed(
    exe: &Path,
    spec: &StoreSpec,
    waiters: usize,
) -> Result<Refreshed, String> {
    let fake = seeded(spec).await?;
    let account = fake.account("acc1").ok_or("no acc1")?;
    let mut args = spec.args();
    args.push(("account", account.url().to_owned()));
    let mut holder = Worker::spawn(exe, "hold", &args)?;
    holder.expect("locked").await?;
    let mut workers = spawn_ready(exe, spec, account.url(), waiters).await?;
    for worker in &mut workers {
        worker.send("go").await?;
    }
    // They load the expired pair and queue for the lock the holder has.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut figures = Refreshed {
        processes: waiters,
        grants_while_held: account.oauth_stats().refresh_token_grants,
        ..Refreshed::default()
    };
    let killed = Instant::now();
    holder.kill9().await?;
    collect(&mut workers, &mut figures).await?;
    figures.elapsed = killed.elapsed();
    let stats = account.oauth_stats();
    figures.grants = stats.refresh_token_grants;
    figures.reused = stats.reused_refresh_tokens;
    fake.shutdown().await;
    Ok(figures)
}

/// The store specs of a run: PostgreSQL (a schema of its own) and a file in a temporary
/// directory of its own.
pub fn specs(options: &Options) -> [StoreSpec; 2] {
    [
        StoreSpec::Postgres {
            url: options.postgres_url.clone(),
            schema: services::unique("amocrm_fleet"),
        },
        StoreSpec::File {
            path: std::env::temp_dir()
                .join(services::unique("amocrm-fleet"))
                .join("tokens.json"),
        },
    ]
}

/// Runs both scenarios on both stores and prints the figures.
pub async fn report(options: &Options) -> Result<String, String> {
    let mut out = String::from("#### refresh: one grant for the fleet\n\n");
    services::postgres_reachable(&options.postgres_url).await?;
    writeln!(
        out,
        "| store | scenario | processes | grants | reused refresh tokens | succeeded | time |"
    )
    .ok();
    writeln!(out, "|---|---|---|---|---|---|---|").ok();
    for spec in specs(options) {
        let figures = at_once(&options.exe, &spec, options.refresh_processes).await;
        spec.cleanup().await;
        row(&mut out, &spec, "expired at once", &figures?);
    }
    for spec in specs(options) {
        let figures = holder_killed(&options.exe, &spec, 4).await;
        spec.cleanup().await;
        row(&mut out, &spec, "lock holder killed (-9)", &figures?);
    }
    out.push_str(
        "\n(time: from `go` to the last answer; for the kill, from SIGKILL to the last \
         answer, grants before the kill in brackets)\n",
    );
    Ok(out)
}

fn row(out: &mut String, spec: &StoreSpec, scenario: &str, f: &Refreshed) {
    let held = if scenario.contains("killed") {
        format!(" ({} before)", f.grants_while_held)
    } else {
        String::new()
    };
    writeln!(
        out,
        "| {} | {scenario} | {} | **{}**{held} | **{}** | **{}** / {} | {:.0} ms |",
        spec.name(),
        f.processes,
        f.grants,
        f.reused,
        f.ok,
        f.processes,
        f.elapsed.as_secs_f64() * 1e3,
    )
    .ok();
    for failure in &f.failures {
        writeln!(out, "  - failure: {failure}").ok();
    }
}
