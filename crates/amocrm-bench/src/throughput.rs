//! Streaming every widget: the ergonomic client against hand-written reqwest + serde_json
//! loops over the same pages.

use amocrm::AccountUrl;
use std::fmt::Write as _;
use std::time::Instant;

use futures::StreamExt;

use crate::fake::FakeProcess;
use crate::hand;
use crate::stats::{self, median};

/// Widgets streamed per run: 400 pages of 250.
pub const WIDGETS: usize = 100_000;
/// Page size.
pub const LIMIT: u32 = 250;

/// What a run saw, to check that every implementation read the same widgets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Widgets.
    pub widgets: usize,
    /// Pages.
    pub pages: usize,
    /// A checksum over ids, codes, versions and templates.
    pub checksum: u64,
}

impl Tally {
    fn add(&mut self, id: i64, code: &str, version: &str, template_len: usize) {
        self.widgets += 1;
        self.checksum = self
            .checksum
            .wrapping_mul(31)
            .wrapping_add(id as u64)
            .wrapping_add(code.len() as u64)
            .wrapping_add(version.len() as u64)
            .wrapping_add(template_len as u64);
    }
}

/// The implementations compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Impl {
    /// `client.widgets().list().limit(250).stream()`, `.rate_limit(None)`.
    Ergonomic,
    /// reqwest + serde_json into the hand-written [`hand::Page`] (every field).
    HandStruct,
    /// reqwest + serde_json into `amocrm_raw::types::WidgetList` (every field).
    RawTypes,
}

impl Impl {
    /// All, in a fixed order.
    pub const ALL: [Impl; 3] = [Impl::Ergonomic, Impl::HandStruct, Impl::RawTypes];

    /// Short name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Impl::Ergonomic => "ergonomic `stream()`",
            Impl::HandStruct => "baseline: reqwest + hand-written struct",
            Impl::RawTypes => "baseline: reqwest + amocrm_raw types",
        }
    }

    /// Streams `max` widgets (or all) from the fake.
    pub async fn run(self, base_url: &str, token: &str, max: usize) -> Result<Tally, String> {
        match self {
            Impl::Ergonomic => ergonomic(base_url, token, max).await,
            Impl::HandStruct => baseline::<hand::Page>(base_url, token, max).await,
            Impl::RawTypes => baseline::<amocrm_raw::types::WidgetList>(base_url, token, max).await,
        }
    }
}

/// The ergonomic client, as the README uses it, with the limiter off.
pub async fn ergonomic(base_url: &str, token: &str, max: usize) -> Result<Tally, String> {
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token(token)
        .rate_limit(None)
        .build()
        .map_err(|e| e.to_string())?;
    let mut widgets = client.widgets().list().limit(LIMIT).stream().take(max);
    let mut tally = Tally::default();
    while let Some(widget) = widgets.next().await {
        let widget = widget.map_err(|e| e.to_string())?;
        tally.add(
            widget.id,
            &widget.code,
            widget.version.as_deref().unwrap_or_default(),
            widget.settings_template.len(),
        );
    }
    tally.pages = tally.widgets.div_ceil(LIMIT as usize);
    Ok(tally)
}

/// A page type the baseline loop can read.
pub trait BaselinePage: serde::de::DeserializeOwned {
    /// Whether `_links.next` is present.
    fn has_next(&self) -> bool;
    /// Feeds every widget to the tally (by value, as the stream hands them out).
    fn tally(self, tally: &mut Tally, max: usize);
}

impl BaselinePage for hand::Page {
    fn has_next(&self) -> bool {
        self.links.next.is_some()
    }

    fn tally(self, tally: &mut Tally, max: usize) {
        for w in self.embedded.widgets {
            if tally.widgets >= max {
                break;
            }
            tally.add(w.id, &w.code, &w.version, w.settings_template.len());
        }
    }
}

impl BaselinePage for amocrm_raw::types::WidgetList {
    fn has_next(&self) -> bool {
        self.links.0.as_ref().is_some_and(|l| l.next.is_some())
    }

    fn tally(self, tally: &mut Tally, max: usize) {
        let widgets = self.embedded.0.map(|e| e.widgets).unwrap_or_default();
        for w in widgets {
            if tally.widgets >= max {
                break;
            }
            let version = w.version.as_ref().map_or("", |v| v.0.as_str());
            let fields = w.settings_template.as_ref().map_or(0, Vec::len);
            tally.add(w.id, &w.code, version, fields);
        }
    }
}

/// The hand-written loop: GET page after page while `_links.next` is there.
pub async fn baseline<P: BaselinePage>(
    base_url: &str,
    token: &str,
    max: usize,
) -> Result<Tally, String> {
    let http = reqwest::Client::new();
    let url = format!("{base_url}/api/v4/widgets");
    let mut tally = Tally::default();
    let mut page = 1u32;
    while tally.widgets < max {
        let response = http
            .get(&url)
            .query(&[("limit", LIMIT), ("page", page)])
            .bearer_auth(token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status() == reqwest::StatusCode::NO_CONTENT {
            break;
        }
        let response = response.error_for_status().map_err(|e| e.to_string())?;
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        let list: P = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
        tally.pages += 1;
        let next = list.has_next();
        list.tally(&mut tally, max);
        if !next {
            break;
        }
        page += 1;
    }
    Ok(tally)
}

/// Options of the throughput benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Measured rounds (after one warm-up round); each round runs every implementation
    /// once, in an order that rotates from round to round.
    pub rounds: usize,
}

/// Per-implementation samples.
struct Samples {
    wall: Vec<Vec<f64>>,
    cpu: Vec<Vec<f64>>,
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

/// Wall time with the fake in-process (one multi-thread runtime for both), as specified;
/// and CPU time of this process with the fake in a child process (the client alone).
pub fn run(options: Options) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let generated = WIDGETS - amocrm_fake::SEED_WIDGET_COUNT;
    let mut samples = Samples {
        wall: vec![Vec::new(); Impl::ALL.len()],
        cpu: vec![Vec::new(); Impl::ALL.len()],
    };
    let mut expected: Option<Tally> = None;
    let mut check = |tally: Tally, which: Impl| -> Result<(), String> {
        if tally.widgets != WIDGETS {
            return Err(format!(
                "{} streamed {} widgets",
                which.name(),
                tally.widgets
            ));
        }
        match expected {
            None => expected = Some(tally),
            Some(e) if e.checksum == tally.checksum => {}
            Some(_) => return Err(format!("{} read different widgets", which.name())),
        }
        Ok(())
    };

    // 1. Wall time, fake in-process.
    runtime.block_on(async {
        let server = amocrm_fake::FakeServer::builder()
            .widgets(generated)
            .rate_limit(None)
            .record_requests(false)
            .start()
            .await
            .map_err(|e| e.to_string())?;
        let (base, token) = (server.base_url(), server.token().to_owned());
        for round in 0..=options.rounds {
            for which in rotated(round) {
                let started = Instant::now();
                let tally = which.run(&base, &token, WIDGETS).await?;
                let elapsed = started.elapsed();
                check(tally, which)?;
                if round > 0 {
                    samples.wall[index(which)].push(stats::secs(elapsed));
                }
            }
        }
        server.shutdown().await;
        Ok::<(), String>(())
    })?;

    // 2. CPU time of this process, fake in a child process.
    let fake = FakeProcess::start(generated).map_err(|e| e.to_string())?;
    runtime.block_on(async {
        for round in 0..=options.rounds {
            for which in rotated(round) {
                let before = stats::process_cpu_time();
                let tally = which.run(fake.base_url(), fake.token(), WIDGETS).await?;
                let used = stats::process_cpu_time().saturating_sub(before);
                check(tally, which)?;
                if round > 0 {
                    samples.cpu[index(which)].push(stats::secs(used));
                }
            }
        }
        Ok::<(), String>(())
    })?;
    drop(fake);

    Ok(report(&samples, options))
}

fn index(which: Impl) -> usize {
    Impl::ALL.iter().position(|&i| i == which).unwrap_or(0)
}

fn report(samples: &Samples, options: Options) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Throughput: streaming {WIDGETS} widgets ({} pages of {LIMIT})\n",
        WIDGETS / LIMIT as usize
    );
    let _ = writeln!(
        out,
        "{} interleaved rounds after one warm-up round; every run checked to read the same {WIDGETS} widgets.\n",
        options.rounds
    );
    for (title, which, unit_note) in [
        (
            "Wall time, fake in-process (same tokio runtime)",
            &samples.wall,
            "client + fake",
        ),
        (
            "CPU time of the client process, fake in a child process",
            &samples.cpu,
            "client only",
        ),
    ] {
        let base = median(&which[index(Impl::HandStruct)]);
        let raw = median(&which[index(Impl::RawTypes)]);
        let _ = writeln!(out, "{title} ({unit_note}):\n");
        let _ = writeln!(
            out,
            "| implementation | median s | min s | max s | widgets/s (median) | / hand-written | / raw types |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        for imp in Impl::ALL {
            let s = &which[index(imp)];
            let m = median(s);
            let _ = writeln!(
                out,
                "| {} | {:.3} | {:.3} | {:.3} | {:.0} | {:.3}x | {:.3}x |",
                imp.name(),
                m,
                stats::min(s),
                stats::max(s),
                WIDGETS as f64 / m,
                m / base,
                m / raw,
            );
        }
        // Per-round ratio: robust to load that changes between rounds.
        let ergo = &which[index(Impl::Ergonomic)];
        let hand = &which[index(Impl::HandStruct)];
        let per_round: Vec<f64> = ergo.iter().zip(hand).map(|(e, h)| e / h).collect();
        let _ = writeln!(
            out,
            "\nergonomic / hand-written baseline: **{:.3}x** (ratio of medians), {:.3}x (median of per-round ratios, min {:.3}x, max {:.3}x)\n",
            median(ergo) / base,
            median(&per_round),
            stats::min(&per_round),
            stats::max(&per_round),
        );
    }
    out
}

/// One run of `which` over `widgets` widgets on a current-thread runtime, the fake in a
/// child process: what `callgrind.sh` counts instructions of (the client alone).
pub fn once(which: Impl, widgets: usize) -> Result<Tally, String> {
    let fake =
        FakeProcess::start(WIDGETS - amocrm_fake::SEED_WIDGET_COUNT).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let tally = runtime.block_on(which.run(fake.base_url(), fake.token(), widgets))?;
    if tally.widgets != widgets {
        return Err(format!(
            "{} streamed {} widgets",
            which.name(),
            tally.widgets
        ));
    }
    Ok(tally)
}

impl std::str::FromStr for Impl {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ergonomic" => Ok(Impl::Ergonomic),
            "hand" => Ok(Impl::HandStruct),
            "raw" => Ok(Impl::RawTypes),
            other => Err(format!("{other:?}: expected ergonomic, hand or raw")),
        }
    }
}
