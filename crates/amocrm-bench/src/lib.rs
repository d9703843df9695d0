//! Benchmarks of the `amocrm` client against the fake: streaming throughput (widgets, and
//! the CRM's leads) against hand-written reqwest + serde_json loops, peak heap while
//! streaming, pacing under the 7 requests/second limit, decoding speed, and the changes
//! stream against a page-number scan while leads change. See `BENCHMARKS.md` at the
//! workspace root for the figures and how to reproduce them.
//!
//! Run everything with `cargo bench -p amocrm-bench` (or
//! `cargo run --release -p amocrm-bench -- all`); one part with e.g.
//! `cargo run --release -p amocrm-bench -- pacing --secs 10`.

pub mod alloc;
pub mod decode;
pub mod fake;
pub mod fleet;
pub mod hand;
pub mod leads;
pub mod memory;
pub mod pacing;
pub mod scale;
pub mod stats;
pub mod sync;
pub mod throughput;
pub mod write_memory;
pub mod write_rate;

use std::time::Duration;

const USAGE: &str = "\
usage: amocrm-bench [all|throughput|memory|pacing|decode|leads|machine] [options]

  all         every benchmark below (the default)
  throughput  stream 100,000 widgets: ergonomic client vs hand-written reqwest loops
  memory      peak heap streaming 10,000 vs 100,000 widgets (child processes)
  pacing      default 7/s limiter against the fake's 7/s window, plus hand-paced margins
  decode      decode one 250-widget page: ergonomic vs serde_json::Value
  leads       the three lead benchmarks below (100,000 leads, 10 custom field values each)
  leads-throughput  stream 100,000 leads: ergonomic client vs hand-written reqwest loops
  leads-memory      peak heap streaming 10,000 vs 100,000 leads (child processes)
  leads-decode      decode one 250-lead page: ergonomic vs hand-written vs serde_json::Value
  write-memory      peak heap of the batch writer: 10,000 vs 1,000,000 new leads (child
                    processes); not part of `all`
  write-rate        10,000 leads through the batch writer (default pacing) against the
                    fake's 7/s window, --repeats runs each with an ideal-schedule baseline;
                    exits 1 on any 429, a lead lost or doubled, or a run below 98% of the
                    ceiling (AMOCRM_BENCH_WRITE_LEADS,
                    default 10000); not part of `all`
  sync        the changes stream vs a page-number scan while 5% of 10,000 leads change
  machine     print the machine description
  fleet       many processes and accounts: one refresh per fleet (PostgreSQL and file
              stores, kill -9 of the lock holder), the Redis pacer across 4 processes,
              200 accounts in one process, the pacer's cost, Redis restarted (needs
              PostgreSQL and Redis: AMOCRM_TEST_POSTGRES_URL, AMOCRM_TEST_REDIS_URL);
              not part of `all`
  fleet-refresh|fleet-pace|fleet-accounts|fleet-cost|fleet-restart   one fleet scenario
  fleet-scale 100,000 accounts in one Integration: heap per cached account, create time,
              lookup p99 while 1,000 accounts are created, before (the pre-issue-24 path)
              and after; needs no services; not part of `fleet` or `all`
              (AMOCRM_BENCH_SCALE_ACCOUNTS, default 100000; AMOCRM_BENCH_SCALE_BEFORE, 1000)
  once IMPL [N]          one streaming run of ergonomic|hand|raw (for callgrind.sh)
  once-observed [N]      the ergonomic run with a subscriber and a recorder (callgrind.sh observe)
  once-decode DEC [N]    N decodes of page 1 by ergonomic|raw|hand|value (for callgrind.sh)
  once-leads IMPL [N]          one run over N leads of ergonomic|hand|raw (callgrind.sh leads)
  once-decode-leads DEC [N]    N decodes of a 250-lead page by ergonomic|hand|value

options (or environment variables):
  --rounds N        throughput and sync rounds, widgets and leads (AMOCRM_BENCH_ROUNDS, default 11)
  --secs S          pacing duration in seconds (AMOCRM_BENCH_PACING_SECS, default 60)
  --margin-secs S   duration of each hand-paced margin run (AMOCRM_BENCH_MARGIN_SECS, default 20; 0 skips)
  --concurrency N   pacing tasks sharing the client (AMOCRM_BENCH_CONCURRENCY, default 4)
  --repeats N       memory children per size, widgets and leads (AMOCRM_BENCH_REPEATS, default 3)
  --fleet-secs S    fleet pace duration, one account (AMOCRM_BENCH_FLEET_SECS, default 60)
  --accounts N      fleet accounts in one process (AMOCRM_BENCH_ACCOUNTS, default 200)
  --accounts-secs S fleet accounts duration (AMOCRM_BENCH_ACCOUNTS_SECS, default 30)
  --processes N     fleet refresh processes (AMOCRM_BENCH_PROCESSES, default 16)
";

#[derive(Debug)]
struct Args {
    command: String,
    rounds: usize,
    secs: f64,
    margin_secs: f64,
    concurrency: usize,
    repeats: usize,
    fleet_secs: f64,
    accounts: usize,
    accounts_secs: f64,
    processes: usize,
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        command: "all".into(),
        rounds: env_or("AMOCRM_BENCH_ROUNDS", 11),
        secs: env_or("AMOCRM_BENCH_PACING_SECS", 60.0),
        margin_secs: env_or("AMOCRM_BENCH_MARGIN_SECS", 20.0),
        concurrency: env_or("AMOCRM_BENCH_CONCURRENCY", 4),
        repeats: env_or("AMOCRM_BENCH_REPEATS", 3),
        fleet_secs: env_or("AMOCRM_BENCH_FLEET_SECS", 60.0),
        accounts: env_or("AMOCRM_BENCH_ACCOUNTS", 200),
        accounts_secs: env_or("AMOCRM_BENCH_ACCOUNTS_SECS", 30.0),
        processes: env_or("AMOCRM_BENCH_PROCESSES", 16),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<String, String> {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            // Passed by `cargo bench`.
            "--bench" => {}
            "--rounds" => parsed.rounds = number(&value(arg)?)?,
            "--secs" => parsed.secs = number(&value(arg)?)?,
            "--margin-secs" => parsed.margin_secs = number(&value(arg)?)?,
            "--concurrency" => parsed.concurrency = number(&value(arg)?)?,
            "--repeats" => parsed.repeats = number(&value(arg)?)?,
            "--fleet-secs" => parsed.fleet_secs = number(&value(arg)?)?,
            "--accounts" => parsed.accounts = number(&value(arg)?)?,
            "--accounts-secs" => parsed.accounts_secs = number(&value(arg)?)?,
            "--processes" => parsed.processes = number(&value(arg)?)?,
            "-h" | "--help" => return Err(USAGE.into()),
            command if !command.starts_with('-') => parsed.command = command.to_owned(),
            other => return Err(format!("unknown option {other}\n\n{USAGE}")),
        }
    }
    if !(parsed.secs.is_finite() && parsed.secs > 0.0 && parsed.margin_secs >= 0.0) {
        return Err("--secs must be positive and --margin-secs not negative".into());
    }
    Ok(parsed)
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

/// The entry point of the bench binaries: `std::env::args()` minus the program name.
/// Children (`__fake`, `__memory`) are dispatched here too.
pub fn main_with_args(args: Vec<String>) -> std::process::ExitCode {
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("__fake") => {
            let widgets = args.get(1).map_or(Ok(0), |n| number(n))?;
            let leads = args.get(2).map(|n| number(n)).transpose()?;
            return fake::serve(widgets, leads).map_err(|e| e.to_string());
        }
        // For callgrind.sh: one streaming run (fake in a child process, not traced) ...
        Some("once") => {
            let which: throughput::Impl = args
                .get(1)
                .map_or(Ok(throughput::Impl::Ergonomic), |s| s.parse())?;
            let n = args.get(2).map_or(Ok(throughput::WIDGETS), |n| number(n))?;
            let tally = throughput::once(which, n)?;
            println!("{} widgets, {} pages", tally.widgets, tally.pages);
            return Ok(());
        }
        // The same with a tracing subscriber (INFO, spans formatted as they close, to a
        // sink) and a metrics recorder installed: what observability costs (issue 25).
        Some("once-observed") => {
            let n = args.get(1).map_or(Ok(throughput::WIDGETS), |n| number(n))?;
            tracing_subscriber::fmt()
                .with_writer(std::io::sink)
                .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                .init();
            metrics::set_global_recorder(metrics_util::debugging::DebuggingRecorder::new())
                .map_err(|e| e.to_string())?;
            let tally = throughput::once(throughput::Impl::Ergonomic, n)?;
            println!("{} widgets, {} pages", tally.widgets, tally.pages);
            return Ok(());
        }
        // ... and N decodes of page 1 (N = 0 measures the set-up alone).
        Some("once-decode") => {
            let decoder: decode::Decoder = args
                .get(1)
                .map_or(Ok(decode::Decoder::Ergonomic), |s| s.parse())?;
            let n: usize = args.get(2).map_or(Ok(100), |n| number(n))?;
            let body = decode::page_body(1)?;
            let mut widgets = 0;
            for _ in 0..n {
                widgets += decoder.decode(std::hint::black_box(&body));
            }
            println!("{widgets} widgets decoded from {} bytes x {n}", body.len());
            return Ok(());
        }
        Some("once-leads") => {
            let which: leads::Impl = args
                .get(1)
                .map_or(Ok(leads::Impl::Ergonomic), |s| s.parse())?;
            let n = args.get(2).map_or(Ok(leads::LEADS), |n| number(n))?;
            let tally = leads::throughput::once(which, n)?;
            println!(
                "{} leads, {} custom field values",
                tally.leads, tally.values
            );
            return Ok(());
        }
        Some("once-decode-leads") => {
            let decoder: leads::decode::Decoder = args
                .get(1)
                .map_or(Ok(leads::decode::Decoder::Ergonomic), |s| s.parse())?;
            let n: usize = args.get(2).map_or(Ok(100), |n| number(n))?;
            let body = leads::decode::page_body()?;
            let mut decoded = 0;
            for _ in 0..n {
                decoded += decoder.decode(std::hint::black_box(&body));
            }
            println!("{decoded} leads decoded from {} bytes x {n}", body.len());
            return Ok(());
        }
        Some(write_memory::CHILD) => {
            alloc::enable();
            return write_memory::child(&args[1..]);
        }
        Some(leads::memory::CHILD) => {
            alloc::enable();
            return leads::memory::child(&args[1..]);
        }
        Some(fleet::process::WORKER) => return fleet::worker::main(&args[1..]),
        Some("__memory") => {
            alloc::enable();
            return memory::child(&args[1..]);
        }
        _ => {}
    }
    let args = parse(args)?;
    let all = args.command == "all";
    if args.command == "write-memory" {
        print!("## amocrm-bench\n\n{}\n", stats::machine());
        report(write_memory::run(args.repeats)?);
        return Ok(());
    }
    if args.command == "write-rate" {
        print!("## amocrm-bench\n\n{}\n", stats::machine());
        let (section, clean) = write_rate::run(write_rate::Options {
            runs: args.repeats,
            leads: env_or("AMOCRM_BENCH_WRITE_LEADS", 10_000),
        })?;
        report(section);
        if !clean {
            return Err("write-rate: a run saw a 429, a lead lost or doubled, a refused baseline request, or a steady rate below 98% of the ceiling".into());
        }
        return Ok(());
    }
    if args.command == "fleet-scale" {
        let defaults = scale::Options::default();
        let options = scale::Options {
            accounts: env_or("AMOCRM_BENCH_SCALE_ACCOUNTS", defaults.accounts).max(1),
            before_accounts: env_or("AMOCRM_BENCH_SCALE_BEFORE", defaults.before_accounts).max(1),
            ..defaults
        };
        print!("## amocrm-bench\n\n{}\n", stats::machine());
        report(scale::run(&options)?);
        println!("load average at end: {}", stats::load_average());
        return Ok(());
    }
    if let Some(which) = args.command.strip_prefix("fleet") {
        let scenarios: Vec<fleet::Scenario> = fleet::Scenario::ALL
            .into_iter()
            .filter(|s| which.is_empty() || which == format!("-{}", s.name()))
            .collect();
        if scenarios.is_empty() {
            return Err(format!("unknown benchmark {:?}\n\n{USAGE}", args.command));
        }
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let options = fleet::Options {
            refresh_processes: args.processes.max(1),
            pace_secs: args.fleet_secs,
            accounts: args.accounts.max(1),
            accounts_secs: args.accounts_secs,
            ..fleet::Options::full(exe)
        };
        print!("## amocrm-bench\n\n{}\n", stats::machine());
        report(fleet::run(&options, &scenarios)?);
        println!("load average at end: {}", stats::load_average());
        return Ok(());
    }
    let known = [
        "all",
        "throughput",
        "memory",
        "pacing",
        "decode",
        "machine",
        "leads",
        "leads-throughput",
        "leads-memory",
        "leads-decode",
        "sync",
    ];
    if !known.contains(&args.command.as_str()) {
        return Err(format!("unknown benchmark {:?}\n\n{USAGE}", args.command));
    }
    let section = |name: &str| {
        all || args.command == name || (args.command == "leads" && name.starts_with("leads-"))
    };
    print!("## amocrm-bench\n\n{}\n", stats::machine());
    if section("decode") {
        report(decode::run(decode::Options {
            rounds: 31,
            batch: Duration::from_millis(30),
        })?);
    }
    if section("sync") {
        report(sync::run(sync::Options {
            rounds: args.rounds.max(1),
            ..sync::Options::default()
        })?);
    }
    if section("throughput") {
        report(throughput::run(throughput::Options {
            rounds: args.rounds.max(1),
        })?);
    }
    if section("memory") {
        report(memory::run(memory::Options {
            repeats: args.repeats,
        })?);
    }
    if section("leads-decode") {
        report(leads::decode::run(leads::decode::Options {
            rounds: 31,
            batch: Duration::from_millis(30),
        })?);
    }
    if section("leads-throughput") {
        report(leads::throughput::run(leads::throughput::Options {
            rounds: args.rounds.max(1),
        })?);
    }
    if section("leads-memory") {
        report(leads::memory::run(leads::memory::Options {
            repeats: args.repeats,
        })?);
    }
    if section("pacing") {
        let margins = if args.margin_secs > 0.0 {
            vec![
                Duration::ZERO,
                Duration::from_millis(5),
                Duration::from_millis(10),
                Duration::from_millis(14),
            ]
        } else {
            Vec::new()
        };
        report(pacing::run(
            pacing::Options {
                duration: Duration::from_secs_f64(args.secs),
                concurrency: args.concurrency,
            },
            &margins,
            Duration::from_secs_f64(args.margin_secs),
        )?);
    }
    println!("load average at end: {}", stats::load_average());
    Ok(())
}

fn report(section: String) {
    println!("{section}");
    println!("(load average now: {})\n", stats::load_average());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_options_and_cargo_bench_flag() {
        let args: Vec<String> = ["pacing", "--secs", "10", "--bench"]
            .into_iter()
            .map(String::from)
            .collect();
        let parsed = parse(&args).unwrap();
        assert_eq!(parsed.command, "pacing");
        assert_eq!(parsed.secs, 10.0);
        assert!(parse(&["--secs".to_owned()]).is_err());
        assert!(parse(&["--what".to_owned()]).is_err());
        assert!(parse(&["--secs".to_owned(), "0".to_owned()]).is_err());
    }
}
