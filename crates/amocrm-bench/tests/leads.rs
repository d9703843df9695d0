//! The lead benchmarks' parts against an in-process fake, smaller than
//! `amocrm-bench leads`: the three implementations read the same leads and every custom
//! field value, a run stops at its maximum, and the memory child reports what it streamed.

use std::path::Path;
use std::process::Command;

use amocrm_bench::fake::{FIELDS_PER_LEAD, generated_leads};
use amocrm_bench::leads::decode::{Decoder, page_body};
use amocrm_bench::leads::{Impl, LIMIT};
use amocrm_fake::{CrmSize, FakeServer};

/// 2.4 pages of 250.
const LEADS: usize = 600;

async fn fake(leads: usize) -> FakeServer {
    let size = CrmSize::default()
        .leads(generated_leads(leads))
        .fields_per_lead(FIELDS_PER_LEAD);
    FakeServer::builder()
        .crm(size)
        .rate_limit(None)
        .record_requests(false)
        .start()
        .await
        .expect("the fake starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_implementation_reads_the_same_leads_and_values() {
    let server = fake(LEADS).await;
    let mut tallies = Vec::new();
    for which in Impl::ALL {
        let tally = which
            .run(&server.base_url(), server.token(), usize::MAX)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", which.name()));
        assert_eq!(tally.leads, LEADS, "{}", which.name());
        assert!(tally.values >= LEADS * FIELDS_PER_LEAD, "{tally:?}");
        assert_eq!(
            tally.pages,
            LEADS.div_ceil(LIMIT as usize),
            "{}",
            which.name()
        );
        tallies.push(tally);
    }
    assert!(tallies.windows(2).all(|w| w[0] == w[1]), "{tallies:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stops_at_its_maximum() {
    let server = fake(LEADS).await;
    for which in Impl::ALL {
        let tally = which
            .run(&server.base_url(), server.token(), 260)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", which.name()));
        assert_eq!(tally.leads, 260, "{}", which.name());
    }
    server.shutdown().await;
}

#[test]
fn every_decoder_reads_the_whole_page() {
    let body = page_body().expect("a page from the fake");
    for decoder in Decoder::ALL {
        assert_eq!(decoder.decode(&body), 250, "{}", decoder.name());
    }
    // Not a page: nothing decoded, no panic.
    for decoder in Decoder::ALL {
        assert_eq!(decoder.decode(b"{\"_embedded\":"), 0, "{}", decoder.name());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_child_streams_and_counts_the_heap() {
    let server = fake(LEADS).await;
    let exe = Path::new(env!("CARGO_BIN_EXE_amocrm-bench"));
    let (base, token) = (server.base_url(), server.token().to_owned());
    let output = tokio::task::spawn_blocking(move || {
        Command::new(exe)
            .args(["__memory-leads", &base, &token, "300", "stream"])
            .output()
            .expect("the child runs")
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |key: &str| -> i64 {
        text.split_whitespace()
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {text:?}"))
    };
    assert_eq!(field("leads"), 300);
    // At least one page of 250 leads was alive at once (~600 KB of JSON).
    assert!(field("peak_heap") > 250 * 1_000, "{text}");
    assert!(field("allocations") > 300, "{text}");
    let refused = Command::new(exe)
        .args(["__memory-leads", "http://127.0.0.1:1", "t", "1", "sideways"])
        .output()
        .expect("the child runs");
    assert!(!refused.status.success());
    server.shutdown().await;
}
