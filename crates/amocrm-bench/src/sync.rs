//! Sync under churn: the changes stream (`amocrm::sync`) against a page-number scan by
//! `order[updated_at]=asc`, each reading the same seeded account while the same share of
//! its leads changes (the scenario of `amocrm_test_support::churn`), in one process with
//! the fake in it (the churn needs the fake's own handle). The rounds alternate the two
//! ways, each on a fresh account; the counts are the same every round (the churn is
//! seeded), the wall time is reported as medians.

use std::fmt::Write as _;

use amocrm_fake::{CrmSize, FakeClock, FakeServer};
use amocrm_test_support::churn::{self, Churn, Tally};

use crate::stats;

/// What the section runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Leads in the account.
    pub leads: usize,
    /// The share of them changed while they are read.
    pub share: f64,
    /// Rounds of both ways, alternating.
    pub rounds: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            leads: 10_000,
            share: 0.05,
            rounds: 5,
        }
    }
}

/// A fresh account of `leads` leads, its clock stopped at a fixed second.
async fn account(leads: usize) -> Result<FakeServer, String> {
    FakeServer::builder()
        .crm(CrmSize::default().leads(leads))
        .clock(FakeClock::manual(1_800_000_000))
        .start()
        .await
        .map_err(|e| e.to_string())
}

/// Runs both ways and reports them side by side.
pub fn run(options: Options) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let churn = Churn::share(options.leads, options.share);
    let (changes, scan) = runtime.block_on(async {
        let (mut changes, mut scan) = (Vec::new(), Vec::new());
        for _ in 0..options.rounds.max(1) {
            let server = account(options.leads).await?;
            changes.push(
                churn::changes(&server, churn)
                    .await
                    .map_err(|e| e.to_string())?,
            );
            let server = account(options.leads).await?;
            scan.push(
                churn::page_scan(&server, churn)
                    .await
                    .map_err(|e| e.to_string())?,
            );
        }
        Ok::<_, String>((changes, scan))
    })?;
    let same = |tallies: &[Tally]| {
        tallies.iter().all(|t| {
            let first = Tally {
                wall: t.wall,
                ..tallies[0].clone()
            };
            first == *t
        })
    };
    if !same(&changes) || !same(&scan) {
        return Err(format!("the rounds disagree: {changes:?} {scan:?}"));
    }
    let median = |tallies: &[Tally]| Tally {
        wall: std::time::Duration::from_secs_f64(stats::median(
            &tallies
                .iter()
                .map(|t| stats::secs(t.wall))
                .collect::<Vec<_>>(),
        )),
        ..tallies[0].clone()
    };
    Ok(report(options, churn, &median(&changes), &median(&scan)))
}

fn report(options: Options, churn: Churn, changes: &Tally, scan: &Tally) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### sync under churn: {} leads, {:.0}% changed while read ({} every {} read, a \
         second passing every {} bursts), then a second run from where the first stopped; \
         wall: median of {} rounds, alternating\n",
        options.leads,
        options.share * 100.0,
        churn.burst,
        churn.every,
        churn.tick,
        options.rounds.max(1)
    );
    let _ = writeln!(
        out,
        "| way | leads read | changed while read | missed | repeated | requests | wall |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for (name, tally) in [
        ("changes stream (`client.changes::<Lead>`)", changes),
        ("page-number scan, `order[updated_at]=asc`", scan),
    ] {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {:.3} s |",
            tally.read,
            tally.changed,
            tally.missed,
            tally.repeated,
            tally.requests,
            stats::secs(tally.wall)
        );
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let _ = writeln!(
        out,
        "\nchanges stream / page-number scan: wall {:.2}x, requests {:.2}x",
        ratio(stats::secs(changes.wall), stats::secs(scan.wall)),
        ratio(changes.requests as f64, scan.requests as f64),
    );
    let _ = writeln!(
        out,
        "missed: final states of live leads never read; repeated: a state read again"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_report_sets_both_ways_side_by_side() {
        let tally = |missed, wall| Tally {
            read: 10,
            missed,
            repeated: 0,
            changed: 1,
            requests: 4,
            wall: Duration::from_millis(wall),
        };
        let churn = Churn::share(10, 0.1);
        let text = report(Options::default(), churn, &tally(0, 200), &tally(3, 100));
        assert!(text.contains("| 10 | 1 | 0 | 0 | 4 | 0.200 s |"), "{text}");
        assert!(text.contains("| 10 | 1 | 3 | 0 | 4 | 0.100 s |"), "{text}");
        assert!(text.contains("wall 2.00x, requests 1.00x"), "{text}");
    }
}
