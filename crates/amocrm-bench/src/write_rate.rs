//! The batch writer's rate (issue 22): 10,000 new leads through
//! `client.leads().add(…)` (default batch 50: 200 requests) with the client's default pacing
//! (`RateLimit::AMOCRM`, its default jitter margin), against an in-process fake with its
//! 7 requests/second sliding window; every run checks the fake's figures (429s) and that
//! every lead is there exactly once.
//!
//! The ceiling is 7 requests/s × 50 leads = 350 leads/s. The baseline, measured in the same
//! run: the same 200 batch bodies sent by a hand-written reqwest loop on the ideal schedule
//! (one every 1/7 s exactly, each awaiting its answer as the writer does) against the same
//! fake without its window — the fastest a sequential importer at 7/s can be on this
//! machine, fake included. Sent against the window, that schedule has no margin left for
//! any delay, so it is measured without it.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use amocrm::AccountUrl;
use amocrm::write::NewLead;
use amocrm_fake::{CrmEntity, FakeServer};
use futures::StreamExt;

use crate::stats::{self, median};

/// amoCRM's limit, requests per second.
const PER_SECOND: u32 = 7;
/// The writer's default batch.
const BATCH: usize = amocrm::write::DEFAULT_BATCH;
/// The ceiling in leads per second.
const CEILING: f64 = PER_SECOND as f64 * BATCH as f64;
/// What a run must reach, as a share of the ceiling.
const TARGET: f64 = 0.98;

/// Options of the write-rate benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Runs (each: the writer, then the baseline).
    pub runs: usize,
    /// Leads a run imports.
    pub leads: usize,
}

/// What one run of the writer saw.
#[derive(Clone, Copy, Debug, Default)]
struct Run {
    /// From the first result asked for to the last one.
    wall: f64,
    /// Leads per second as the fake saw them: (accepted requests − 1) × batch between the
    /// first and the last accepted arrival.
    steady: f64,
    /// The fake's figures: API requests and those answered 429.
    requests: u64,
    rate_limited: u64,
    /// Results `Ok` with their own index, in order.
    ok_in_order: usize,
    /// Leads in the fake named after no input or more than once, and inputs missing.
    doubled: usize,
    missing: usize,
    /// The shortest span of 8 consecutive accepted arrivals (the window needs ≥ 1 s).
    shortest_eight: f64,
    /// The baseline's wall time, and its requests not answered 2xx.
    baseline_wall: f64,
    baseline_failed: usize,
}

impl Run {
    fn rate(&self, leads: usize) -> f64 {
        leads as f64 / self.wall
    }

    fn clean(&self, leads: usize) -> bool {
        self.rate_limited == 0
            && self.doubled == 0
            && self.missing == 0
            && self.ok_in_order == leads
            && self.baseline_failed == 0
    }
}

fn lead(i: usize) -> NewLead {
    NewLead::default()
        .name(format!("Import {i}"))
        .price(i as i64)
}

async fn fake(window: Option<u32>) -> Result<FakeServer, String> {
    FakeServer::builder()
        .rate_limit(window)
        .record_requests(true)
        .start()
        .await
        .map_err(|e| e.to_string())
}

/// The writer with the client's defaults against the 7/s window.
async fn writer(leads: usize) -> Result<Run, String> {
    let server = fake(Some(PER_SECOND)).await?;
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token(server.token())
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut results = client.leads().add((0..leads).map(lead)).stream();
    let mut run = Run::default();
    let mut next = 0u64;
    while let Some(result) = results.next().await {
        if matches!(&result, Ok(written) if written.index == next) {
            run.ok_in_order += 1;
        }
        next += 1;
    }
    run.wall = stats::secs(started.elapsed());
    let figures = server.figures();
    run.requests = figures.requests;
    run.rate_limited = figures.rate_limited;
    let mut seen = vec![0usize; leads];
    for (_, name) in server.crm().names(CrmEntity::Leads) {
        match name
            .strip_prefix("Import ")
            .and_then(|i| i.parse::<usize>().ok())
        {
            Some(i) if i < leads => seen[i] += 1,
            Some(_) => run.doubled += 1,
            None => {}
        }
    }
    run.doubled += seen.iter().map(|n| n.saturating_sub(1)).sum::<usize>();
    run.missing = seen.iter().filter(|n| **n == 0).count();
    let accepted: Vec<Instant> = server
        .requests()
        .iter()
        .filter(|r| r.status().is_some_and(|s| (200..300).contains(&s)))
        .map(|r| r.received_at)
        .collect();
    if let (Some(first), Some(last)) = (accepted.first(), accepted.last())
        && accepted.len() > 1
    {
        run.steady =
            ((accepted.len() - 1) * BATCH) as f64 / stats::secs(last.duration_since(*first));
    }
    run.shortest_eight = accepted
        .windows(8)
        .map(|eight| stats::secs(eight[7].duration_since(eight[0])))
        .fold(f64::INFINITY, f64::min);
    server.shutdown().await;
    Ok(run)
}

/// The same batch bodies on the ideal 7/s schedule, each awaited, against the fake without
/// its window: wall time and requests not answered 2xx.
async fn baseline(leads: usize) -> Result<(f64, usize), String> {
    let server = fake(None).await?;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v4/leads", server.base_url());
    let interval = Duration::from_secs(1) / PER_SECOND;
    let bodies: Vec<Vec<u8>> = (0..leads)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(|chunk| {
            let items: Vec<serde_json::Value> = chunk
                .iter()
                .map(|i| {
                    serde_json::json!({"name": format!("Import {i}"), "price": i, "request_id": i.to_string()})
                })
                .collect();
            serde_json::to_vec(&items).unwrap_or_default()
        })
        .collect();
    let started = tokio::time::Instant::now();
    let mut failed = 0;
    for (k, body) in bodies.into_iter().enumerate() {
        tokio::time::sleep_until(started + interval * k as u32).await;
        let response = http
            .post(&url)
            .bearer_auth(server.token())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            failed += 1;
        }
        let _ = response.bytes().await;
    }
    let wall = stats::secs(started.elapsed());
    server.shutdown().await;
    Ok((wall, failed))
}

/// Runs the writer and the baseline `options.runs` times, interleaved; the report, and
/// whether every run was clean (no 429, every lead once, every baseline request 2xx).
pub fn run(options: Options) -> Result<(String, bool), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let leads = options.leads.max(BATCH);
    let mut runs = Vec::new();
    for _ in 0..options.runs.max(1) {
        let mut run = runtime.block_on(writer(leads))?;
        (run.baseline_wall, run.baseline_failed) = runtime.block_on(baseline(leads))?;
        runs.push(run);
    }
    let margin = amocrm::pace::RateLimit::AMOCRM.margin();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Writes: {leads} leads through the batch writer against the fake's 7/s window\n"
    );
    let _ = writeln!(
        out,
        "`client.leads().add(…)`, batch {BATCH}, the client's default pacing (`RateLimit::AMOCRM`, margin {} ms); the fake: `rate_limit(Some(7))`. Ceiling {CEILING:.0} leads/s. Baseline: the same bodies on the ideal 1/7 s schedule, each awaited, against the fake without its window. steady = (accepted requests − 1) × {BATCH} / (last − first accepted arrival at the fake).\n",
        margin.as_millis()
    );
    let _ = writeln!(
        out,
        "| run | wall (s) | leads/s | / ceiling | steady leads/s | steady / ceiling | baseline wall (s) | / baseline | requests | 429s | ok in order | missing | doubled | shortest 8 arrivals (ms) |"
    );
    let _ = writeln!(
        out,
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (i, r) in runs.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {:.2} | {:.1} | {:.1}% | {:.1} | {:.1}% | {:.2} | {:.3} | {} | **{}** | {} | {} | {} | {:.1} |",
            i + 1,
            r.wall,
            r.rate(leads),
            100.0 * r.rate(leads) / CEILING,
            r.steady,
            100.0 * r.steady / CEILING,
            r.baseline_wall,
            r.baseline_wall / r.wall,
            r.requests,
            r.rate_limited,
            r.ok_in_order,
            r.missing,
            r.doubled,
            r.shortest_eight * 1e3,
        );
    }
    let worst = runs
        .iter()
        .map(|r| r.steady / CEILING)
        .fold(f64::INFINITY, f64::min);
    let clean = runs.iter().all(|r| r.clean(leads));
    let _ = writeln!(
        out,
        "\nmedian: {:.1} leads/s wall ({:.1}% of the ceiling), {:.3} of the baseline; worst steady {:.1}% of the ceiling: **{}** (≥ {:.0}%); 429s {}, leads lost or doubled {}: **{}**",
        median(&runs.iter().map(|r| r.rate(leads)).collect::<Vec<_>>()),
        100.0
            * median(
                &runs
                    .iter()
                    .map(|r| r.rate(leads) / CEILING)
                    .collect::<Vec<_>>()
            ),
        median(
            &runs
                .iter()
                .map(|r| r.baseline_wall / r.wall)
                .collect::<Vec<_>>()
        ),
        100.0 * worst,
        if worst >= TARGET { "PASS" } else { "FAIL" },
        100.0 * TARGET,
        runs.iter().map(|r| r.rate_limited).sum::<u64>(),
        runs.iter().map(|r| r.missing + r.doubled).sum::<usize>(),
        if clean { "PASS" } else { "FAIL" },
    );
    // The target is part of the verdict: a slow run fails the bench like a 429 does.
    Ok((out, clean && worst >= TARGET))
}
