//! Fuzzing of every response body the client decodes: the raw types through serde_json,
//! the conversion into the ergonomic model, and the error path (problem+json, HTML,
//! garbage, any status, any `Retry-After`).
//!
//! The properties below run a modest number of cases with `cargo test`. The long run is
//! the ignored test at the end:
//!
//! ```text
//! AMOCRM_FUZZ_CASES=1000000 cargo test -p amocrm --release --test decode -- --ignored --nocapture
//! ```

use amocrm::__bench as decode;
use amocrm::widgets::Widget;
use amocrm::{Error, Page};
use amocrm_raw::types as raw;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

mod checks;
mod edits;
mod seeds;
mod values;

use checks::*;
use edits::*;
use seeds::*;
use values::*;

// ---------------------------------------------------------------------------------------
// The properties, with `cargo test`.

fn quick() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(quick())]

    #[test]
    fn mutated_seeds_never_panic(body in mutated_seed()) {
        check_success_decoders(&body)?;
    }

    #[test]
    fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check_success_decoders(&body)?;
    }

    #[test]
    fn random_json_never_panics(value in arb_json()) {
        check_success_decoders(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn structured_pages_and_widgets_never_panic(page in page_value(), widget in widget_value()) {
        check_success_decoders(&serde_json::to_vec(&page).unwrap())?;
        check_success_decoders(&serde_json::to_vec(&widget).unwrap())?;
    }

    #[test]
    fn error_path_is_total(status in any_status(), retry_after in any_retry_after(), body in any_body()) {
        check_error_path(status, retry_after.as_deref(), &body)?;
    }
}

/// Valid pages decode to exactly what they hold.
fn valid_page() -> impl Strategy<Value = (u32, Option<u32>, Vec<(i64, String, f64)>)> {
    (
        1u32..1000,
        prop::option::of(1u32..2000),
        prop::collection::vec((any::<i64>(), "[a-z_0-9]{1,20}", 0.0f64..5.0), 0..20),
    )
}

proptest! {
    #![proptest_config(quick())]

    #[test]
    fn valid_pages_decode_exactly((page, next, widgets) in valid_page()) {
        let items: Vec<Value> = widgets
            .iter()
            .map(|(id, code, rating)| {
                let rating = format!("{rating:.1}").replace('.', ",");
                let mut widget: Value = serde_json::from_str(SEED_WIDGET).unwrap();
                widget["id"] = json!(id);
                widget["code"] = json!(code);
                widget["rating"] = json!(rating);
                widget
            })
            .collect();
        let mut links = json!({"self": {"href": format!("https://example.amocrm.ru/api/v4/widgets?page={page}")}});
        if let Some(next) = next {
            links["next"] = json!({"href": format!("https://example.amocrm.ru/api/v4/widgets?limit=5&page={next}")});
        }
        let body = json!({"_page": page, "_links": links, "_embedded": {"widgets": items}});
        let decoded = decode::widget_page(&serde_json::to_vec(&body).unwrap()).unwrap();
        prop_assert_eq!(decoded.page, page);
        prop_assert_eq!(decoded.next_page(), next);
        prop_assert_eq!(decoded.items.len(), widgets.len());
        for (widget, (id, code, rating)) in decoded.items.iter().zip(&widgets) {
            prop_assert_eq!(widget.id, *id);
            prop_assert_eq!(&widget.code, code);
            let parsed = widget.rating.as_ref().and_then(|r| r.value()).unwrap();
            prop_assert!((parsed - rating).abs() < 0.051, "{} vs {}", parsed, rating);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The long run.

/// Runs every decoder on `AMOCRM_FUZZ_CASES` inputs (default one million); each input goes
/// through the raw types, the ergonomic model and the error path with a random status.
#[test]
#[ignore = "long run: AMOCRM_FUZZ_CASES=1000000 cargo test -p amocrm --release --test decode -- --ignored --nocapture"]
fn fuzz_long() {
    let cases: u32 = std::env::var("AMOCRM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 10_000,
        ..Config::default()
    });
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let count = AtomicU64::new(0);
    // How many inputs each decoder accepted: the generators must reach the success paths.
    let [pages, widgets, problems] = [(); 3].map(|()| AtomicU64::new(0));
    // Pages kept entry by entry with at least one undecodable entry, and those entries.
    let [partial_pages, failed_entries] = [(); 2].map(|()| AtomicU64::new(0));
    let started = std::time::Instant::now();
    let result = runner.run(
        &(any_body(), any_status(), any_retry_after()),
        |(body, status, retry_after)| {
            count.fetch_add(1, Relaxed);
            let accepted = |ok: bool, counter: &AtomicU64| {
                counter.fetch_add(u64::from(ok), Relaxed);
            };
            let page = decode::widget_page(&body);
            accepted(page.is_ok(), &pages);
            if let Ok(page) = &page {
                accepted(!page.failed.is_empty(), &partial_pages);
                failed_entries.fetch_add(page.failed.len() as u64, Relaxed);
            }
            accepted(decode::widget(&body).is_ok(), &widgets);
            accepted(
                serde_json::from_slice::<raw::Problem>(&body).is_ok(),
                &problems,
            );
            check_success_decoders(&body)?;
            check_error_path(status, retry_after.as_deref(), &body)?;
            Ok(())
        },
    );
    let outcome = if result.is_ok() {
        "no failure"
    } else {
        "FAILED"
    };
    eprintln!(
        "fuzz_long: {} inputs (including shrinking) in {:?}, {outcome}; accepted as a page: \
         {} ({} of them with {} undecodable entries), as a widget: {}, as a problem: {}",
        count.into_inner(),
        started.elapsed(),
        pages.into_inner(),
        partial_pages.into_inner(),
        failed_entries.into_inner(),
        widgets.into_inner(),
        problems.into_inner(),
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
