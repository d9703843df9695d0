//! Peak heap while streaming 10,000 vs 100,000 leads, as [`crate::memory`] measures it for
//! widgets: every measurement in a fresh child process (`__memory-leads`) whose counting
//! allocator is on from the start, the fake in another child process.

use amocrm::AccountUrl;
use std::fmt::Write as _;
use std::process::Command;

use futures::{StreamExt, TryStreamExt};

use super::{LEADS, LIMIT};
use crate::alloc;
use crate::fake::FakeProcess;
use crate::memory::Mode;
use crate::stats::{self, median};

/// The child's command.
pub const CHILD: &str = "__memory-leads";

/// What one child measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Peak live heap bytes above the baseline (taken before the runtime and client).
    pub peak_heap: i64,
    /// Live heap bytes above the baseline once the client and the runtime are dropped.
    pub retained: i64,
    /// Allocations during the run.
    pub allocations: u64,
    /// `VmHWM` of the child, KiB.
    pub peak_rss_kib: u64,
    /// Leads seen.
    pub leads: u64,
}

/// The child's side: `__memory-leads BASE TOKEN N stream|collect`; prints one line of
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
    let allocs_before = alloc::allocations();
    let baseline = alloc::reset_peak();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let leads = runtime.block_on(async {
        let client = amocrm::Client::builder()
            .account(AccountUrl::base_url(base))
            .token(token.as_str())
            .rate_limit(None)
            .build()
            .map_err(|e| e.to_string())?;
        let mut stream = client.leads().list().limit(LIMIT).stream().take(n);
        if collect {
            let all: Vec<amocrm::leads::Lead> =
                stream.try_collect().await.map_err(|e| e.to_string())?;
            return Ok::<u64, String>(all.len() as u64);
        }
        let mut seen = 0u64;
        while let Some(lead) = stream.next().await {
            let lead = lead.map_err(|e| e.to_string())?;
            std::hint::black_box(&lead);
            seen += 1;
        }
        Ok(seen)
    })?;
    let peak = alloc::peak() - baseline;
    let allocations = alloc::allocations() - allocs_before;
    drop(runtime);
    let retained = alloc::current() - baseline;
    println!(
        "peak_heap={peak} retained={retained} allocations={allocations} peak_rss_kib={} leads={leads}",
        stats::peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

fn measure(fake: &FakeProcess, n: usize, mode: Mode) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mode = match mode {
        Mode::Stream => "stream",
        Mode::Collect => "collect",
    };
    let output = Command::new(exe)
        .args([CHILD, fake.base_url(), fake.token(), &n.to_string(), mode])
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "memory child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut m = Measured::default();
    for (key, value) in text.split_whitespace().filter_map(|p| p.split_once('=')) {
        match key {
            "peak_heap" => m.peak_heap = value.parse().unwrap_or(-1),
            "retained" => m.retained = value.parse().unwrap_or(-1),
            "allocations" => m.allocations = value.parse().unwrap_or(0),
            "peak_rss_kib" => m.peak_rss_kib = value.parse().unwrap_or(0),
            "leads" => m.leads = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    if m.leads != n as u64 {
        return Err(format!("memory child saw {} leads, not {n}", m.leads));
    }
    Ok(m)
}

/// Options of the lead memory benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Children per (size, mode), interleaved.
    pub repeats: usize,
}

/// Runs the children and reports.
pub fn run(options: Options) -> Result<String, String> {
    const SIZES: [usize; 2] = [10_000, LEADS];
    let fake = FakeProcess::start_leads(LEADS).map_err(|e| e.to_string())?;
    let mut results: Vec<((usize, Mode), Vec<Measured>)> = [Mode::Stream, Mode::Collect]
        .into_iter()
        .flat_map(|mode| SIZES.map(|n| ((n, mode), Vec::new())))
        .collect();
    for _ in 0..options.repeats.max(1) {
        for ((n, mode), samples) in results.iter_mut() {
            samples.push(measure(&fake, *n, *mode)?);
        }
    }
    drop(fake);

    let med = |samples: &[Measured], f: fn(&Measured) -> f64| -> f64 {
        median(&samples.iter().map(f).collect::<Vec<_>>())
    };
    let mut out = String::new();
    let _ = writeln!(out, "### Peak memory: streaming 10,000 vs {LEADS} leads\n");
    let _ = writeln!(
        out,
        "Leads of 10 custom field values each. Each figure: median of {} fresh child processes (interleaved); the fake runs in another child process. Heap = peak live bytes (counting `#[global_allocator]`) above the baseline taken before the (current-thread) tokio runtime and the client were built; retained = live bytes left once the client, the stream and the runtime were dropped; RSS = the child's `VmHWM`.\n",
        options.repeats.max(1)
    );
    let _ = writeln!(
        out,
        "| consumer | leads | peak heap (KiB) | retained after drop (B) | allocations | peak RSS (KiB) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for ((n, mode), samples) in &results {
        let _ = writeln!(
            out,
            "| {} | {n} | {:.0} | {:.0} | {:.0} | {:.0} |",
            match mode {
                Mode::Stream => "`stream()` + `next()`",
                Mode::Collect => "`try_collect::<Vec<_>>()` (reference)",
            },
            med(samples, |m| m.peak_heap as f64) / 1024.0,
            med(samples, |m| m.retained as f64),
            med(samples, |m| m.allocations as f64),
            med(samples, |m| m.peak_rss_kib as f64),
        );
    }
    let ratio = |mode: Mode, f: fn(&Measured) -> f64| -> f64 {
        let get = |n: usize| {
            results
                .iter()
                .find(|((size, m), _)| *size == n && *m == mode)
                .map_or(f64::NAN, |(_, s)| med(s, f))
        };
        get(LEADS) / get(10_000)
    };
    let _ = writeln!(
        out,
        "\nstreaming: peak heap({LEADS}) / peak heap(10,000) = **{:.3}**; peak RSS ratio {:.3}",
        ratio(Mode::Stream, |m| m.peak_heap as f64),
        ratio(Mode::Stream, |m| m.peak_rss_kib as f64),
    );
    let _ = writeln!(
        out,
        "collecting (to show the measure sees growth): peak heap ratio {:.3}\n",
        ratio(Mode::Collect, |m| m.peak_heap as f64),
    );
    Ok(out)
}
