//! Peak heap while streaming 10,000 vs 100,000 widgets.
//!
//! The fake runs in one child process; every measurement runs in a fresh child process of
//! its own (the bench binary re-executed as `__memory`), whose counting allocator is on
//! from the start of `main`, and whose `VmHWM` is its own. The heap figure is the peak of
//! live bytes during the run minus the live bytes just before the tokio runtime and the client
//! were built: the runtime, the client, its connection pool, one page in flight and the
//! caller's current widget.

use amocrm::AccountUrl;
use std::fmt::Write as _;
use std::process::Command;

use futures::{StreamExt, TryStreamExt};

use crate::alloc;
use crate::fake::FakeProcess;
use crate::stats::{self, median};
use crate::throughput::LIMIT;

/// What one child measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Peak live heap bytes above the baseline.
    pub peak_heap: i64,
    /// Live heap bytes above the baseline after the run (everything dropped).
    pub retained: i64,
    /// Allocations during the run.
    pub allocations: u64,
    /// `VmHWM` of the child, KiB.
    pub peak_rss_kib: u64,
    /// Widgets seen.
    pub widgets: u64,
}

/// How the child consumes the widgets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `while let Some(w) = stream.next().await`: one widget at a time.
    Stream,
    /// `stream.try_collect::<Vec<_>>()`: the reference that must grow.
    Collect,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Stream => "stream",
            Mode::Collect => "collect",
        }
    }
}

/// The child's side: `__memory BASE TOKEN N MODE`. Prints one line of `key=value`.
pub fn child(args: &[String]) -> Result<(), String> {
    let [base, token, n, mode] = args else {
        return Err("usage: __memory BASE TOKEN N stream|collect".into());
    };
    let n: usize = n.parse().map_err(|e| format!("{n}: {e}"))?;
    let collect = mode == "collect";
    let allocs_before = alloc::allocations();
    let baseline = alloc::reset_peak();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let widgets = runtime.block_on(async {
        let client = amocrm::Client::builder()
            .account(AccountUrl::base_url(base))
            .token(token.as_str())
            .rate_limit(None)
            .build()
            .map_err(|e| e.to_string())?;
        let stream = client.widgets().list().limit(LIMIT).stream().take(n);
        if collect {
            let all: Vec<amocrm::widgets::Widget> =
                stream.try_collect().await.map_err(|e| e.to_string())?;
            Ok::<u64, String>(all.len() as u64)
        } else {
            let mut seen = 0u64;
            let mut stream = stream;
            while let Some(widget) = stream.next().await {
                let widget = widget.map_err(|e| e.to_string())?;
                std::hint::black_box(&widget);
                seen += 1;
            }
            Ok(seen)
        }
    })?;
    let peak = alloc::peak() - baseline;
    let allocations = alloc::allocations() - allocs_before;
    // After the runtime is gone too (its tasks hold the pooled connection's buffers).
    drop(runtime);
    let retained = alloc::current() - baseline;
    println!(
        "peak_heap={peak} retained={retained} allocations={allocations} peak_rss_kib={} widgets={widgets}",
        stats::peak_rss_kib().unwrap_or(0)
    );
    Ok(())
}

fn measure(fake: &FakeProcess, n: usize, mode: Mode) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .args([
            "__memory",
            fake.base_url(),
            fake.token(),
            &n.to_string(),
            mode.as_str(),
        ])
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
    for pair in text.split_whitespace() {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        match key {
            "peak_heap" => m.peak_heap = value.parse().unwrap_or(-1),
            "retained" => m.retained = value.parse().unwrap_or(-1),
            "allocations" => m.allocations = value.parse().unwrap_or(0),
            "peak_rss_kib" => m.peak_rss_kib = value.parse().unwrap_or(0),
            "widgets" => m.widgets = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    if m.widgets != n as u64 {
        return Err(format!("memory child saw {} widgets, not {n}", m.widgets));
    }
    Ok(m)
}

/// Options of the memory benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Children per (size, mode), interleaved.
    pub repeats: usize,
}

/// Runs the children and reports.
pub fn run(options: Options) -> Result<String, String> {
    const SIZES: [usize; 2] = [10_000, 100_000];
    let fake =
        FakeProcess::start(100_000 - amocrm_fake::SEED_WIDGET_COUNT).map_err(|e| e.to_string())?;
    let mut results: Vec<((usize, Mode), Vec<Measured>)> = Vec::new();
    for mode in [Mode::Stream, Mode::Collect] {
        for n in SIZES {
            results.push(((n, mode), Vec::new()));
        }
    }
    for _ in 0..options.repeats.max(1) {
        for (key, samples) in results.iter_mut() {
            samples.push(measure(&fake, key.0, key.1)?);
        }
    }
    drop(fake);

    let med = |samples: &[Measured], f: fn(&Measured) -> f64| -> f64 {
        median(&samples.iter().map(f).collect::<Vec<_>>())
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Peak memory: streaming 10,000 vs 100,000 widgets\n"
    );
    let _ = writeln!(
        out,
        "Each figure: median of {} fresh child processes (interleaved); the fake runs in another child process, so nothing of it is counted. Heap = peak live bytes (counting `#[global_allocator]`) above the baseline taken before the (current-thread) tokio runtime and the client were built; retained = live bytes left after the client, the stream and the runtime were dropped; RSS = the child's `VmHWM` (includes the binary and runtime).\n",
        options.repeats.max(1)
    );
    let _ = writeln!(
        out,
        "| consumer | widgets | peak heap (KiB) | retained after drop (B) | allocations | peak RSS (KiB) |"
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
        get(100_000) / get(10_000)
    };
    let _ = writeln!(
        out,
        "\nstreaming: peak heap(100k) / peak heap(10k) = **{:.3}**; peak RSS(100k) / peak RSS(10k) = {:.3}",
        ratio(Mode::Stream, |m| m.peak_heap as f64),
        ratio(Mode::Stream, |m| m.peak_rss_kib as f64),
    );
    let _ = writeln!(
        out,
        "collecting (to show the measure sees growth): peak heap(100k) / peak heap(10k) = {:.3}\n",
        ratio(Mode::Collect, |m| m.peak_heap as f64),
    );
    Ok(out)
}
