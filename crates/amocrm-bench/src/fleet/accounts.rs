//! Many accounts in one process, each paced to 7/s by one shared pacer: the aggregate
//! against N × 7/s, 429s, the slowest account.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Instant;

use amocrm_fake::FakeServer;

use super::process::Worker;
use super::{Options, max_in_one_second, services};

/// How the accounts' requests are spaced: the pacers' jitter margin, and whether the
/// accounts start spread over one interval (else together).
#[derive(Clone, Copy, Debug)]
pub struct Spacing {
    /// `RateLimit::jitter_margin`, in ms.
    pub margin_ms: u64,
    /// Accounts start spread over one interval.
    pub stagger: bool,
}

/// What a many-accounts run saw.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    /// Accounts.
    pub accounts: usize,
    /// Calls that succeeded within the duration, per account.
    pub per_account: Vec<usize>,
    /// Calls that succeeded in all.
    pub ok: usize,
    /// Calls that failed.
    pub failed: usize,
    /// The first failure's text.
    pub first_error: Option<String>,
    /// Requests the fake received.
    pub received: usize,
    /// Answers 429: received - ok.
    pub answers_429: usize,
    /// Aggregate rate within the duration.
    pub rate: f64,
    /// The slowest account's rate.
    pub min_rate: f64,
    /// The most arrivals at one account within any one second.
    pub max_arrivals_per_second: usize,
}

/// `accounts` accounts of a fresh fake (7/s each), one client process, `tasks` tasks per
/// account, the pacer `memory` (in-process) or `redis`.
pub async fn run(
    exe: &std::path::Path,
    accounts: usize,
    tasks: usize,
    secs: f64,
    pacer: &str,
    redis_url: &str,
    spacing: Spacing,
) -> Result<Accounts, String> {
    let Spacing { margin_ms, stagger } = spacing;
    let names: Vec<String> = (0..accounts).map(|i| format!("a{i}")).collect();
    let fake = FakeServer::builder()
        .rate_limit(Some(7))
        .record_requests(true)
        .accounts(names.iter().map(String::as_str))
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let spec: Vec<String> = fake
        .accounts()
        .iter()
        .map(|a| format!("{}|{}", a.url(), a.token()))
        .collect();
    let args = [
        ("accounts", spec.join(",")),
        ("tasks", tasks.to_string()),
        ("secs", secs.to_string()),
        ("pacer", pacer.to_owned()),
        ("redis", redis_url.to_owned()),
        ("margin_ms", margin_ms.to_string()),
        ("stagger", u8::from(stagger).to_string()),
        (
            "prefix",
            format!("{}:", services::unique("amocrm-fleet-accounts")),
        ),
    ];
    let mut worker = Worker::spawn(exe, "accounts", &args)?;
    worker.expect("ready").await?;
    worker.send("go").await?;
    let result = worker.expect("result").await?;
    let mut figures = Accounts {
        accounts,
        ..Accounts::default()
    };
    for field in result.split(' ') {
        match field.split_once('=') {
            Some(("ok", n)) => figures.ok = n.parse().unwrap_or(0),
            Some(("failed", n)) => figures.failed = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    if let Some((_, e)) = result.split_once("first_error=")
        && e != "-"
    {
        figures.first_error = Some(e.to_owned());
    }
    figures.per_account = worker
        .expect("in_window")
        .await?
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    worker.wait().await?;
    let requests = fake.requests();
    figures.received = requests.len();
    figures.answers_429 = figures.received.saturating_sub(figures.ok);
    let mut by_account: HashMap<Option<String>, Vec<Instant>> = HashMap::new();
    for request in &requests {
        by_account
            .entry(request.account.clone())
            .or_default()
            .push(request.received_at);
    }
    for arrivals in by_account.values_mut() {
        arrivals.sort();
        figures.max_arrivals_per_second = figures
            .max_arrivals_per_second
            .max(max_in_one_second(arrivals));
    }
    let in_window: usize = figures.per_account.iter().sum();
    figures.rate = in_window as f64 / secs;
    figures.min_rate = figures.per_account.iter().copied().min().unwrap_or(0) as f64 / secs;
    fake.shutdown().await;
    Ok(figures)
}

/// The in-process pacer's run, and the Redis pacer's when Redis answers.
pub async fn report(options: &Options) -> Result<String, String> {
    let mut out = format!(
        "#### accounts: {} accounts in one process, 7/s each, {:.0} s\n\n",
        options.accounts, options.accounts_secs
    );
    let mut pacers = vec!["memory"];
    if services::redis_reachable(&options.redis_url).await.is_ok() {
        pacers.push("redis");
    }
    let runs = pacers.iter().flat_map(|pacer| {
        options
            .accounts_margins_ms
            .iter()
            .flat_map(move |margin| [(*pacer, *margin, true), (*pacer, *margin, false)])
    });
    for (pacer, margin, stagger) in runs {
        let f = run(
            &options.exe,
            options.accounts,
            2,
            options.accounts_secs,
            pacer,
            &options.redis_url,
            Spacing {
                margin_ms: margin,
                stagger,
            },
        )
        .await?;
        let target = 7.0 * options.accounts as f64;
        writeln!(
            out,
            "- {pacer} pacer, jitter margin {margin} ms, accounts started {}: **{:.1} req/s** aggregate = **{:.1}%** of {target:.0}; **{}** \
             answers 429; slowest account **{:.2} req/s**; at most {} arrivals at one account \
             in any 1 s window; {} calls succeeded, {} failed",
            if stagger {
                "spread over one interval"
            } else {
                "together"
            },
            f.rate,
            100.0 * f.rate / target,
            f.answers_429,
            f.min_rate,
            f.max_arrivals_per_second,
            f.ok,
            f.failed,
        )
        .ok();
        if let Some(e) = &f.first_error {
            writeln!(out, "  - first failure: {e}").ok();
        }
    }
    Ok(out)
}
