//! Decoding one 250-widget page: the client's decoder against `serde_json::Value`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::hand;
use crate::stats::{self, median};

/// The decoders compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoder {
    /// `amocrm::__bench::widget_page`: `serde_json::from_slice::<raw::WidgetList>` then
    /// `Page::<Widget>::from` — exactly what the client runs on a list body.
    Ergonomic,
    /// `serde_json::from_slice::<raw::WidgetList>` alone (no conversion).
    RawTypes,
    /// `serde_json::from_slice::<hand::Page>` (same fields, hand-written struct).
    HandStruct,
    /// `serde_json::from_slice::<serde_json::Value>`.
    Value,
    /// The hand-written struct with [`hand::FastRating`]: what a visitor-based `Rating`
    /// would save (a proposal, not what the client does).
    HandFastRating,
}

impl Decoder {
    /// All, in report order.
    pub const ALL: [Decoder; 5] = [
        Decoder::Ergonomic,
        Decoder::RawTypes,
        Decoder::HandStruct,
        Decoder::Value,
        Decoder::HandFastRating,
    ];

    /// Name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Decoder::Ergonomic => {
                "`amocrm::__bench::widget_page` (raw types + `Page::<Widget>::from`)"
            }
            Decoder::RawTypes => "`from_slice::<amocrm_raw::types::WidgetList>` only",
            Decoder::HandStruct => "`from_slice::<hand-written struct>`",
            Decoder::Value => "`from_slice::<serde_json::Value>`",
            Decoder::HandFastRating => {
                "`from_slice::<hand-written struct>`, `rating` by a visitor (proposal)"
            }
        }
    }

    /// Short id (criterion, command line).
    pub fn id(self) -> &'static str {
        match self {
            Decoder::Ergonomic => "ergonomic",
            Decoder::RawTypes => "raw",
            Decoder::HandStruct => "hand",
            Decoder::Value => "value",
            Decoder::HandFastRating => "hand-fast-rating",
        }
    }

    /// Decodes `body` once; returns the number of widgets (so nothing is optimised away).
    pub fn decode(self, body: &[u8]) -> usize {
        match self {
            Decoder::Ergonomic => amocrm::__bench::widget_page(body)
                .map(|p| p.items.len())
                .unwrap_or(0),
            Decoder::RawTypes => serde_json::from_slice::<amocrm_raw::types::WidgetList>(body)
                .map(|p| p.embedded.0.map_or(0, |e| e.widgets.len()))
                .unwrap_or(0),
            Decoder::HandStruct => serde_json::from_slice::<hand::Page>(body)
                .map(|p| p.embedded.widgets.len())
                .unwrap_or(0),
            Decoder::HandFastRating => serde_json::from_slice::<hand::Page<hand::FastRating>>(body)
                .map(|p| p.embedded.widgets.len())
                .unwrap_or(0),
            Decoder::Value => serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| Some(v.get("_embedded")?.get("widgets")?.as_array()?.len()))
                .unwrap_or(0),
        }
    }
}

impl std::str::FromStr for Decoder {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decoder::ALL
            .into_iter()
            .find(|d| d.id() == s)
            .ok_or_else(|| {
                format!("{s:?}: expected ergonomic, raw, hand, value or hand-fast-rating")
            })
    }
}

/// The body of `GET /api/v4/widgets?limit=250&page=PAGE` from a fake with 100,000
/// widgets (page 1 holds the three seed widgets, Cyrillic names among them).
pub fn page_body(page: u32) -> Result<Vec<u8>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let server = amocrm_fake::FakeServer::builder()
            .widgets(100_000 - amocrm_fake::SEED_WIDGET_COUNT)
            .record_requests(false)
            .start()
            .await
            .map_err(|e| e.to_string())?;
        let body = reqwest::Client::new()
            .get(format!(
                "{}/api/v4/widgets?limit=250&page={page}",
                server.base_url()
            ))
            .bearer_auth(server.token())
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?
            .bytes()
            .await
            .map_err(|e| e.to_string())?;
        server.shutdown().await;
        Ok(body.to_vec())
    })
}

/// Options of the decoding benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Rounds; each times a batch of every decoder, in rotating order.
    pub rounds: usize,
    /// Target length of one batch.
    pub batch: Duration,
}

/// Interleaved timing of every decoder on the same body.
pub fn run(options: Options) -> Result<String, String> {
    let body = page_body(1)?;
    for d in Decoder::ALL {
        if d.decode(&body) != 250 {
            return Err(format!("{} did not decode 250 widgets", d.name()));
        }
    }
    // Iterations per batch, from the slowest decoder's warm-up.
    let started = Instant::now();
    let mut warm = 0u32;
    while started.elapsed() < Duration::from_millis(200) {
        for d in Decoder::ALL {
            black_box(d.decode(black_box(&body)));
        }
        warm += 1;
    }
    let per_iter = started.elapsed() / (warm * Decoder::ALL.len() as u32);
    let iters = (options.batch.as_secs_f64() / per_iter.as_secs_f64())
        .ceil()
        .max(1.0) as u32;

    let mut samples = vec![Vec::new(); Decoder::ALL.len()];
    for round in 0..options.rounds.max(1) {
        let mut order: Vec<usize> = (0..Decoder::ALL.len()).collect();
        order.rotate_left(round % Decoder::ALL.len());
        for i in order {
            let d = Decoder::ALL[i];
            let t = Instant::now();
            for _ in 0..iters {
                black_box(d.decode(black_box(&body)));
            }
            samples[i].push(stats::secs(t.elapsed()) / f64::from(iters));
        }
    }
    let mb = body.len() as f64 / 1e6;
    let med: Vec<f64> = samples.iter().map(|s| median(s)).collect();
    let value = med[3];
    let ergo = med[0];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Decoding one 250-widget page ({} bytes, page 1)\n",
        body.len()
    );
    let _ = writeln!(
        out,
        "{} interleaved rounds of {iters} decodes per decoder; median time per decode. MB = 10^6 bytes of JSON.\n",
        options.rounds.max(1)
    );
    let _ = writeln!(
        out,
        "| decoder | µs / page | MB/s | time / `Value` | time / ergonomic |\n|---|---:|---:|---:|---:|"
    );
    for (i, d) in Decoder::ALL.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {:.3}x | {:.3}x |",
            d.name(),
            med[i] * 1e6,
            mb / med[i],
            med[i] / value,
            med[i] / ergo,
        );
    }
    let _ = writeln!(
        out,
        "\nergonomic decode: **{:.1} MB/s** vs `Value` **{:.1} MB/s**: the ergonomic decoder is **{:.2}x** the speed of `Value` (conversion `Page::<Widget>::from` is {:.1}% of its time)\n",
        mb / ergo,
        mb / value,
        value / ergo,
        (ergo - med[1]) / ergo * 100.0
    );
    Ok(out)
}
