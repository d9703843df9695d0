//! Peak heap of the batch writer (issue 22): 10,000 vs 1,000,000 new leads from a lazy
//! iterator, `client.leads().add(…).batch(250)`, each measured in a fresh child process
//! (`__memory-write`) whose counting allocator is on from the start, against the fake in
//! another child process. The writer holds one batch of input and its results, so the
//! peak must not grow with the input; collecting the results (the reference) shows the
//! measure sees growth.

use std::fmt::Write as _;
use std::process::Command;

use amocrm::AccountUrl;
use amocrm::write::NewLead;
use futures::StreamExt;

use crate::alloc;
use crate::fake::FakeProcess;
use crate::stats::{self, median};

/// The child's command.
pub const CHILD: &str = "__memory-write";
/// Entities a request.
const BATCH: usize = 250;
/// The sizes compared.
const SIZES: [usize; 2] = [10_000, 1_000_000];

#[derive(Clone, Copy, Debug, Default)]
struct Measured {
    peak_heap: i64,
    peak_rss_kib: u64,
    written: u64,
}

/// The child's side: `__memory-write BASE TOKEN N stream|collect`; prints one line of
/// `key=value`.
pub fn child(args: &[String]) -> Result<(), String> {
    let [base, token, n, mode] = args else {
        return Err(format!("usage: {CHILD} BASE TOKEN N stream|collect"));
    };
    let n: usize = n.parse().map_err(|e| format!("{n}: {e}"))?;
    let collect = match mode.as_str() {
        "stream" => false,
        "collect" => true,
        other => return Err(format!("{other:?}: expected stream or collect")),
    };
    let baseline = alloc::reset_peak();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let written = runtime.block_on(async {
        let client = amocrm::Client::builder()
            .account(AccountUrl::base_url(base))
            .token(token.as_str())
            .rate_limit(None)
            .build()
            .map_err(|e| e.to_string())?;
        let leads = (0..n).map(|i| {
            NewLead::default()
                .name(format!("Import {i}"))
                .price(i as i64 % 100_000)
        });
        let mut results = client
            .leads()
            .add(leads)
            .batch(BATCH)
            .map_err(|e| e.to_string())?
            .stream();
        let mut kept = Vec::new();
        let mut written = 0u64;
        while let Some(result) = results.next().await {
            let done = result.map_err(|e| e.to_string())?;
            written += 1;
            if collect {
                kept.push(done);
            } else {
                std::hint::black_box(&done);
            }
        }
        Ok::<u64, String>(written)
    })?;
    let peak = alloc::peak() - baseline;
    println!(
        "peak_heap={peak} peak_rss_kib={} written={written}",
        stats::peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

fn measure(fake: &FakeProcess, n: usize, collect: bool) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mode = if collect { "collect" } else { "stream" };
    let output = Command::new(exe)
        .args([CHILD, fake.base_url(), fake.token(), &n.to_string(), mode])
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "write memory child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut m = Measured::default();
    for (key, value) in text.split_whitespace().filter_map(|p| p.split_once('=')) {
        match key {
            "peak_heap" => m.peak_heap = value.parse().unwrap_or(-1),
            "peak_rss_kib" => m.peak_rss_kib = value.parse().unwrap_or(0),
            "written" => m.written = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    if m.written != n as u64 {
        return Err(format!("write memory child wrote {}, not {n}", m.written));
    }
    Ok(m)
}

/// Runs the children (`repeats` of each size and mode, interleaved) and reports.
pub fn run(repeats: usize) -> Result<String, String> {
    let mut samples: Vec<((usize, bool), Vec<Measured>)> = [false, true]
        .into_iter()
        .flat_map(|collect| SIZES.map(|n| ((n, collect), Vec::new())))
        .collect();
    for _ in 0..repeats.max(1) {
        for ((n, collect), runs) in samples.iter_mut() {
            // A fresh fake each run: its own memory grows with the leads it stores.
            let fake = FakeProcess::start(0).map_err(|e| e.to_string())?;
            runs.push(measure(&fake, *n, *collect)?);
        }
    }
    let med = |runs: &[Measured], f: fn(&Measured) -> f64| -> f64 {
        median(&runs.iter().map(f).collect::<Vec<_>>())
    };
    let get = |n: usize, collect: bool, f: fn(&Measured) -> f64| -> f64 {
        samples
            .iter()
            .find(|((size, c), _)| *size == n && *c == collect)
            .map_or(f64::NAN, |(_, runs)| med(runs, f))
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Peak memory: the batch writer, 10,000 vs 1,000,000 leads\n"
    );
    let _ = writeln!(
        out,
        "`client.leads().add(iter).batch({BATCH})` over a lazy iterator of new leads; each figure the median of {} fresh child processes (interleaved), each against a fresh fake in another child process. Heap = peak live bytes (counting `#[global_allocator]`) above the baseline taken before the runtime and the client were built; RSS = the child's `VmHWM`.\n",
        repeats.max(1)
    );
    let _ = writeln!(
        out,
        "| consumer | leads | peak heap (KiB) | peak RSS (KiB) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    for ((n, collect), runs) in &samples {
        let _ = writeln!(
            out,
            "| {} | {n} | {:.0} | {:.0} |",
            if *collect {
                "results collected into a `Vec` (reference)"
            } else {
                "`stream()` + `next()`"
            },
            med(runs, |m| m.peak_heap as f64) / 1024.0,
            med(runs, |m| m.peak_rss_kib as f64),
        );
    }
    let [small, large] = SIZES;
    let _ = writeln!(
        out,
        "\nstreaming: peak heap({large}) / peak heap({small}) = **{:.3}**; peak RSS ratio {:.3}",
        get(large, false, |m| m.peak_heap as f64) / get(small, false, |m| m.peak_heap as f64),
        get(large, false, |m| m.peak_rss_kib as f64) / get(small, false, |m| m.peak_rss_kib as f64),
    );
    let _ = writeln!(
        out,
        "collecting (to show the measure sees growth): peak heap ratio {:.3}\n",
        get(large, true, |m| m.peak_heap as f64) / get(small, true, |m| m.peak_heap as f64),
    );
    Ok(out)
}
