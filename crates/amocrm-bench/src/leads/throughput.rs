//! Streaming 100,000 leads: wall time and CPU time of the client process, the fake in a
//! child process, every implementation in every round, in rotating order.

use std::fmt::Write as _;
use std::time::Instant;

use super::digest::Tally;
use super::{Impl, LEADS, LIMIT};
use crate::fake::{FIELDS_PER_LEAD, FakeProcess};
use crate::stats::{self, median};

/// Options of the lead throughput benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Measured rounds, after one warm-up round.
    pub rounds: usize,
}

fn rotated(round: usize) -> Vec<Impl> {
    let n = Impl::ALL.len();
    let mut order = Impl::ALL.to_vec();
    order.rotate_left(round % n);
    if (round / n) % 2 == 1 {
        order.reverse();
    }
    order
}

fn index(which: Impl) -> usize {
    Impl::ALL.iter().position(|&i| i == which).unwrap_or(0)
}

/// Checks that every run read all the leads, and the same ones.
#[derive(Default)]
struct Check {
    expected: Option<Tally>,
}

impl Check {
    fn run(&mut self, tally: Tally, which: Impl) -> Result<(), String> {
        if tally.leads != LEADS || tally.values < LEADS * FIELDS_PER_LEAD {
            return Err(format!(
                "{} streamed {} leads, {} custom field values",
                which.name(),
                tally.leads,
                tally.values
            ));
        }
        match self.expected {
            None => self.expected = Some(tally),
            Some(e) if e.checksum == tally.checksum && e.values == tally.values => {}
            Some(_) => return Err(format!("{} read different leads", which.name())),
        }
        Ok(())
    }
}

/// Runs the rounds and reports.
pub fn run(options: Options) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let fake = FakeProcess::start_leads(LEADS).map_err(|e| e.to_string())?;
    let mut wall = vec![Vec::new(); Impl::ALL.len()];
    let mut cpu = vec![Vec::new(); Impl::ALL.len()];
    let mut check = Check::default();
    runtime.block_on(async {
        for round in 0..=options.rounds {
            for which in rotated(round) {
                let (started, before) = (Instant::now(), stats::process_cpu_time());
                let tally = which.run(fake.base_url(), fake.token(), LEADS).await?;
                let used = stats::process_cpu_time().saturating_sub(before);
                let elapsed = started.elapsed();
                check.run(tally, which)?;
                if round > 0 {
                    wall[index(which)].push(stats::secs(elapsed));
                    cpu[index(which)].push(stats::secs(used));
                }
            }
        }
        Ok::<(), String>(())
    })?;
    drop(fake);
    let values = check.expected.map_or(0, |t| t.values);
    Ok(report(&wall, &cpu, options, values))
}

fn report(wall: &[Vec<f64>], cpu: &[Vec<f64>], options: Options, values: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Throughput: streaming {LEADS} leads ({} pages of {LIMIT}, {values} custom field values)\n",
        LEADS / LIMIT as usize
    );
    let _ = writeln!(
        out,
        "{} interleaved rounds after one warm-up round, the fake in a child process; every run checked to read the same {LEADS} leads and custom field values. Wall = the run's elapsed time (client and fake); CPU = CPU time of the client process.\n",
        options.rounds
    );
    let _ = writeln!(
        out,
        "| implementation | wall median s | wall min–max s | leads/s | CPU median s | CPU / hand-written | CPU / raw types | wall / hand-written | wall / raw types |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let med = |s: &[Vec<f64>], which: Impl| median(&s[index(which)]);
    for which in Impl::ALL {
        let (w, c) = (&wall[index(which)], &cpu[index(which)]);
        let _ = writeln!(
            out,
            "| {} | {:.3} | {:.3}–{:.3} | {:.0} | {:.3} | {:.3}x | {:.3}x | {:.3}x | {:.3}x |",
            which.name(),
            median(w),
            stats::min(w),
            stats::max(w),
            LEADS as f64 / median(w),
            median(c),
            median(c) / med(cpu, Impl::HandStruct),
            median(c) / med(cpu, Impl::RawTypes),
            median(w) / med(wall, Impl::HandStruct),
            median(w) / med(wall, Impl::RawTypes),
        );
    }
    for (title, samples) in [("wall", wall), ("CPU", cpu)] {
        let ergo = &samples[index(Impl::Ergonomic)];
        let hand = &samples[index(Impl::HandStruct)];
        let per_round: Vec<f64> = ergo.iter().zip(hand).map(|(e, h)| e / h).collect();
        let _ = writeln!(
            out,
            "\n{title}: ergonomic / hand-written **{:.3}x** (ratio of medians), {:.3}x (median of per-round ratios, min {:.3}x, max {:.3}x)",
            median(ergo) / med(samples, Impl::HandStruct),
            median(&per_round),
            stats::min(&per_round),
            stats::max(&per_round),
        );
    }
    out.push('\n');
    out
}

/// One run of `which` over `leads` leads on a current-thread runtime, the fake in a child
/// process: what `callgrind.sh leads` counts instructions of (the client alone).
pub fn once(which: Impl, leads: usize) -> Result<Tally, String> {
    let fake = FakeProcess::start_leads(LEADS).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let tally = runtime.block_on(which.run(fake.base_url(), fake.token(), leads))?;
    if tally.leads != leads {
        return Err(format!("{} streamed {} leads", which.name(), tally.leads));
    }
    Ok(tally)
}
