//! Decoding one 250-lead page (10 custom field values a lead): the client's decoder against
//! a hand-written struct and `serde_json::Value`.
//!
//! The ergonomic lead is the generated one (`amocrm::leads::Lead` is
//! `amocrm_raw::types::Lead`), and the client decodes a list body with
//! `serde_json::from_slice::<amocrm_raw::types::LeadList>` (the generated client's
//! decoding), then moves the leads out: so "ergonomic" and "raw types" are one decoder here.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use super::hand;
use crate::fake::FIELDS_PER_LEAD;
use crate::stats::{self, median};

/// The decoders compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoder {
    /// `serde_json::from_slice::<amocrm_raw::types::LeadList>`: what the client runs.
    Ergonomic,
    /// `serde_json::from_slice::<hand::Page>`.
    HandStruct,
    /// `serde_json::from_slice::<serde_json::Value>`.
    Value,
}

impl Decoder {
    /// All, in report order.
    pub const ALL: [Decoder; 3] = [Decoder::Ergonomic, Decoder::HandStruct, Decoder::Value];

    /// Name for the report.
    pub fn name(self) -> &'static str {
        match self {
            Decoder::Ergonomic => "ergonomic = `from_slice::<amocrm_raw::types::LeadList>`",
            Decoder::HandStruct => "`from_slice::<hand-written struct>`",
            Decoder::Value => "`from_slice::<serde_json::Value>`",
        }
    }

    /// Short id (criterion, command line).
    pub fn id(self) -> &'static str {
        match self {
            Decoder::Ergonomic => "ergonomic",
            Decoder::HandStruct => "hand",
            Decoder::Value => "value",
        }
    }

    /// Decodes `body` once; returns the number of leads (so nothing is optimised away).
    pub fn decode(self, body: &[u8]) -> usize {
        match self {
            Decoder::Ergonomic => serde_json::from_slice::<amocrm_raw::types::LeadList>(body)
                .map(|p| p.embedded.0.map_or(0, |e| e.leads.len()))
                .unwrap_or(0),
            Decoder::HandStruct => serde_json::from_slice::<hand::Page>(body)
                .map(|p| p.embedded.leads.len())
                .unwrap_or(0),
            Decoder::Value => serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|v| Some(v.get("_embedded")?.get("leads")?.as_array()?.len()))
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
            .ok_or_else(|| format!("{s:?}: expected ergonomic, hand or value"))
    }
}

/// The body of `GET /api/v4/leads?limit=250&page=1` from an in-process fake of 1,000 leads
/// of [`FIELDS_PER_LEAD`] custom field values each.
pub fn page_body() -> Result<Vec<u8>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let size = amocrm_fake::CrmSize::default()
            .leads(1_000)
            .fields_per_lead(FIELDS_PER_LEAD);
        let server = amocrm_fake::FakeServer::builder()
            .crm(size)
            .record_requests(false)
            .start()
            .await
            .map_err(|e| e.to_string())?;
        let body = reqwest::Client::new()
            .get(format!(
                "{}/api/v4/leads?limit=250&page=1",
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
    let body = page_body()?;
    for d in Decoder::ALL {
        if d.decode(&body) != 250 {
            return Err(format!("{} did not decode 250 leads", d.name()));
        }
    }
    let started = Instant::now();
    let mut warm = 0u32;
    while started.elapsed() < Duration::from_millis(300) {
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
    let at = |d: Decoder| med[Decoder::ALL.iter().position(|x| *x == d).unwrap_or(0)];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Decoding one 250-lead page ({} bytes, {FIELDS_PER_LEAD} custom field values a lead)\n",
        body.len()
    );
    let _ = writeln!(
        out,
        "{} interleaved rounds of {iters} decodes per decoder; median time per decode. MB = 10^6 bytes of JSON.\n",
        options.rounds.max(1)
    );
    let _ = writeln!(
        out,
        "| decoder | µs / page | MB/s | time / `Value` | time / hand-written |\n|---|---:|---:|---:|---:|"
    );
    for d in Decoder::ALL {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {:.3}x | {:.3}x |",
            d.name(),
            at(d) * 1e6,
            mb / at(d),
            at(d) / at(Decoder::Value),
            at(d) / at(Decoder::HandStruct),
        );
    }
    let _ = writeln!(
        out,
        "\nergonomic decode / `Value`: **{:.3}x** the time ({:.1} vs {:.1} MB/s)\n",
        at(Decoder::Ergonomic) / at(Decoder::Value),
        mb / at(Decoder::Ergonomic),
        mb / at(Decoder::Value),
    );
    Ok(out)
}
