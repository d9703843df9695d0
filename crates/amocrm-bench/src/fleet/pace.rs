//! P processes × T tasks on one account, paced by one Redis, against the fake's 7/s
//! window: the aggregate rate, 429s, arrivals per second as the fake saw them; then a
//! 429 with `Retry-After` injected once: the one process that sees it pauses all.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use amocrm_fake::{FakeServer, Fault};

use super::process::Worker;
use super::services;
use super::{Options, max_in_one_second};

/// Options of one pacing run.
#[derive(Clone, Debug)]
pub struct PaceOptions {
    /// Processes.
    pub processes: usize,
    /// Tasks per process.
    pub tasks: usize,
    /// How long they send.
    pub secs: f64,
    /// Inject one 429 with `Retry-After: {0}` this far into the run.
    pub fault_at: Option<(f64, u64)>,
}

/// What a pacing run saw.
#[derive(Clone, Debug, Default)]
pub struct Paced {
    /// Calls that succeeded, all processes (some finish after the duration).
    pub ok: usize,
    /// Calls that succeeded within the duration.
    pub ok_in_window: usize,
    /// Calls that failed.
    pub failed: usize,
    /// The first failure's text.
    pub first_error: Option<String>,
    /// Requests the fake received.
    pub received: usize,
    /// Injected 429s the fake answered.
    pub injected: u64,
    /// Answers 429 from the fake's 7/s window: received - ok - injected.
    pub window_429: usize,
    /// The most arrivals at the fake within any one second.
    pub max_arrivals_per_second: usize,
    /// ok_in_window / secs.
    pub rate: f64,
    /// With a fault: per process, from the injected 429's arrival to that process's next
    /// request at the fake (ms).
    pub gaps_ms: Vec<f64>,
    /// With a fault: the gap at the fake between the injected 429's arrival and the next
    /// arrival from any process (ms).
    pub fake_gap_ms: f64,
    /// With a fault: requests that arrived within the `Retry-After` after the 429.
    pub arrivals_in_pause: usize,
}

/// Runs `options` against a fresh fake (7/s) and Redis keys of its own.
pub async fn run(
    exe: &std::path::Path,
    redis_url: &str,
    options: &PaceOptions,
) -> Result<Paced, String> {
    let fake = FakeServer::builder()
        .rate_limit(Some(7))
        .record_requests(true)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let prefix = format!("{}:", services::unique("amocrm-fleet-pace"));
    let args = [
        ("account", fake.base_url()),
        ("token", fake.token().to_owned()),
        ("tasks", options.tasks.to_string()),
        ("secs", options.secs.to_string()),
        ("redis", redis_url.to_owned()),
        ("prefix", prefix),
    ];
    let mut workers = Vec::new();
    for _ in 0..options.processes {
        workers.push(Worker::spawn(exe, "pace", &args)?);
    }
    for worker in &mut workers {
        worker.expect("ready").await?;
    }
    for worker in &mut workers {
        worker.send("go").await?;
    }
    let start_unix = super::worker::unix_micros();
    let mut fault = None;
    let mut armed = Instant::now();
    if let Some((at, retry_after)) = options.fault_at {
        tokio::time::sleep(Duration::from_secs_f64(at)).await;
        armed = Instant::now();
        fault = Some(
            fake.faults()
                .add(Fault::status(429).retry_after(retry_after).once()),
        );
    }
    let mut paced = Paced::default();
    let deadline = start_unix + (options.secs * 1e6) as u64;
    for worker in &mut workers {
        let result = worker.expect("result").await?;
        for field in result.split(' ') {
            match field.split_once('=') {
                Some(("ok", n)) => paced.ok += n.parse::<usize>().unwrap_or(0),
                Some(("failed", n)) => paced.failed += n.parse::<usize>().unwrap_or(0),
                _ => {}
            }
        }
        if let Some((_, e)) = result.split_once("first_error=")
            && e != "-"
        {
            paced.first_error.get_or_insert_with(|| e.to_owned());
        }
        let times: Vec<u64> = worker
            .expect("times")
            .await?
            .split_whitespace()
            .filter_map(|t| t.parse().ok())
            .collect();
        paced.ok_in_window += times.iter().filter(|&&t| t <= deadline).count();
        worker.wait().await?;
    }
    let requests = fake.requests();
    paced.received = requests.len();
    paced.injected = fault.map_or(0, |id| fake.faults().fired(id));
    paced.window_429 = paced
        .received
        .saturating_sub(paced.ok)
        .saturating_sub(paced.injected as usize);
    let mut arrivals: Vec<Instant> = requests.iter().map(|r| r.received_at).collect();
    arrivals.sort();
    paced.max_arrivals_per_second = max_in_one_second(&arrivals);
    paced.rate = paced.ok_in_window as f64 / options.secs;
    if fault.is_some() && paced.injected > 0 {
        // The fault answered the first request that arrived once it was armed.
        if let Some(i) = arrivals.iter().position(|&t| t >= armed)
            && i + 1 < arrivals.len()
        {
            paced.fake_gap_ms = (arrivals[i + 1] - arrivals[i]).as_secs_f64() * 1e3;
            let fault_at = arrivals[i];
            let retry_after = Duration::from_secs(options.fault_at.map_or(0, |(_, s)| s));
            paced.arrivals_in_pause = arrivals
                .iter()
                .filter(|&&t| t > fault_at && t < fault_at + retry_after)
                .count();
            let mut next: std::collections::BTreeMap<String, Instant> = Default::default();
            for request in &requests {
                let agent = request.header("user-agent").unwrap_or("-").to_owned();
                if request.received_at > fault_at {
                    let first = next.entry(agent).or_insert(request.received_at);
                    *first = (*first).min(request.received_at);
                }
            }
            paced.gaps_ms = next
                .values()
                .map(|t| (*t - fault_at).as_secs_f64() * 1e3)
                .collect();
        }
    }
    fake.shutdown().await;
    Ok(paced)
}

/// The full run and the pause run, printed.
pub async fn report(options: &Options) -> Result<String, String> {
    services::redis_reachable(&options.redis_url).await?;
    let mut out = format!(
        "#### pace: {} processes × {} tasks, one account, Redis pacer vs the fake's 7/s window\n\n",
        options.pace_processes, options.pace_tasks
    );
    let steady = run(
        &options.exe,
        &options.redis_url,
        &PaceOptions {
            processes: options.pace_processes,
            tasks: options.pace_tasks,
            secs: options.pace_secs,
            fault_at: None,
        },
    )
    .await?;
    writeln!(
        out,
        "- {:.0} s: **{:.3} req/s** aggregate ({} calls succeeded within the time, {} in all, \
         {} failed); **{}** answers 429; at most **{}** arrivals at the fake in any 1 s window \
         ({} requests received)",
        options.pace_secs,
        steady.rate,
        steady.ok_in_window,
        steady.ok,
        steady.failed,
        steady.window_429,
        steady.max_arrivals_per_second,
        steady.received,
    )
    .ok();
    if let Some(e) = &steady.first_error {
        writeln!(out, "  - first failure: {e}").ok();
    }
    let pause_secs = 10.0_f64.min(options.pace_secs.max(6.0));
    let paused = run(
        &options.exe,
        &options.redis_url,
        &PaceOptions {
            processes: options.pace_processes,
            tasks: options.pace_tasks,
            secs: pause_secs,
            fault_at: Some((pause_secs / 2.0 - 1.0, 2)),
        },
    )
    .await?;
    let gaps: Vec<String> = paused
        .gaps_ms
        .iter()
        .map(|g| format!("{g:.0} ms"))
        .collect();
    writeln!(
        out,
        "- one 429 with `Retry-After: 2` injected at {:.0} s of a {pause_secs:.0} s run \
         (answered {} time): **{}** requests arrived within the 2 s after it; the fake's next \
         arrival came **{:.0} ms** later; each process's next request came after: **{}**; \
         {} answers 429 from the window, at most {} arrivals in any 1 s window, {} calls \
         failed",
        pause_secs / 2.0 - 1.0,
        paused.injected,
        paused.arrivals_in_pause,
        paused.fake_gap_ms,
        gaps.join(", "),
        paused.window_429,
        paused.max_arrivals_per_second,
        paused.failed,
    )
    .ok();
    Ok(out)
}
