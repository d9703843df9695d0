//! A call's span and its attempts: a paced request, a retry after a 503, a 429's pause
//! shared by two clients, an undecodable entry, a batch; no secret in any of them.

use std::sync::Arc;
use std::time::Duration;

use amocrm::observe::{ATTEMPT_SPAN, BATCH_SPAN, REQUEST_SPAN, metrics as m};
use amocrm::pace::{MemoryPacer, RateLimit};
use amocrm::write::NewLead;
use amocrm::{ErrorKind, RetryPolicy};
use amocrm_fake::{CrmSize, FakeServer, Fault, Operation};
use amocrm_test_support::fake::client_builder;
use futures::StreamExt;

use crate::capture::Observed;

fn retries() -> RetryPolicy {
    RetryPolicy::new().delays(Duration::from_millis(1), Duration::from_millis(5))
}

#[tokio::test]
async fn a_paced_call_is_one_span_with_its_wait() {
    let observed = Observed::start();
    let fake = FakeServer::start().await.unwrap();
    let client = client_builder(&fake)
        .rate_limit(RateLimit::per_second(4))
        .build()
        .unwrap();
    for _ in 0..3 {
        client.account().get().send().await.unwrap();
    }
    let calls = observed.capture.spans(REQUEST_SPAN);
    assert_eq!(calls.len(), 3);
    let call = &calls[2];
    assert_eq!(call.field("amocrm.operation"), Some("get_account"));
    assert_eq!(call.field("http.request.method"), Some("GET"));
    assert_eq!(call.field("url.template"), Some("/api/v4/account"));
    assert_eq!(call.field("server.address"), Some("127.0.0.1"));
    let account = format!("127.0.0.1:{}", fake.addr().port());
    assert_eq!(call.field("amocrm.account"), Some(account.as_str()));
    assert_eq!(call.field("http.response.status_code"), Some("200"));
    assert_eq!(call.field("error.type"), None);
    assert_eq!(call.field("amocrm.attempts"), Some("1"));
    assert_eq!(call.field("amocrm.refreshed"), Some("false"));
    let attempts = observed.capture.spans(ATTEMPT_SPAN);
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|a| a.parent == Some(REQUEST_SPAN)));
    // 4 a second: the third call waited for its slot.
    let waited: u64 = attempts[2]
        .field("amocrm.pace_wait_ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(waited >= 100, "waited {waited} ms");
    let samples = observed.samples(m::PACE_WAIT_SECONDS);
    assert_eq!(samples.len(), 3);
    assert!(samples[2] >= 0.1, "{samples:?}");
    assert_eq!(
        observed.counter(
            m::REQUESTS_TOTAL,
            &[("operation", "get_account"), ("status_class", "2xx")]
        ),
        3.0
    );
    assert_eq!(observed.samples(m::REQUEST_DURATION_SECONDS).len(), 3);
    observed.assert_no_secret(&[fake.token()]);
}

#[tokio::test]
async fn a_retry_after_a_503_is_two_attempts_with_a_reason() {
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .fault(Fault::status(503).operation(Operation::Account).once())
        .start()
        .await
        .unwrap();
    let client = client_builder(&fake).retry(retries()).build().unwrap();
    client.account().get().send().await.unwrap();
    let call = &observed.capture.spans(REQUEST_SPAN)[0];
    assert_eq!(call.field("amocrm.attempts"), Some("2"));
    assert_eq!(call.field("http.response.status_code"), Some("200"));
    let attempts = observed.capture.spans(ATTEMPT_SPAN);
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].field("amocrm.attempt"), Some("1"));
    assert_eq!(attempts[0].field("http.response.status_code"), Some("503"));
    assert_eq!(attempts[0].field("error.type"), Some("503"));
    assert_eq!(attempts[0].field("amocrm.retry_reason"), Some("status_503"));
    assert_eq!(attempts[1].field("amocrm.attempt"), Some("2"));
    assert_eq!(attempts[1].field("amocrm.retry_reason"), None);
    assert_eq!(
        observed.counter(m::RETRIES_TOTAL, &[("reason", "status_503")]),
        1.0
    );
    let figures = fake.figures();
    assert_eq!(figures.requests, 2);
    assert_eq!(figures.by_status_class.get("5xx"), Some(&1));
    // A call that fails names its error's kind.
    fake.faults()
        .add(Fault::status(404).operation(Operation::Account).once());
    let error = client.account().get().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    let failed = &observed.capture.spans(REQUEST_SPAN)[1];
    assert_eq!(failed.field("error.type"), Some("NotFound"));
    assert_eq!(failed.field("http.response.status_code"), Some("404"));
    assert_eq!(
        observed.counter(
            m::REQUESTS_TOTAL,
            &[("operation", "get_account"), ("status_class", "4xx")]
        ),
        1.0
    );
    observed.assert_no_secret(&[fake.token()]);
}

#[tokio::test]
async fn a_429_pauses_every_client_of_the_pacer() {
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .fault("account=429:retry-after=1".parse::<Fault>().unwrap().once())
        .start()
        .await
        .unwrap();
    let pacer = Arc::new(MemoryPacer::new(None));
    let builder = || {
        amocrm::Client::builder()
            .account(amocrm::AccountUrl::base_url(fake.base_url()))
            .token(fake.token())
    };
    let first = builder()
        .pacer(pacer.clone())
        .retry(retries())
        .build()
        .unwrap();
    let second = builder().pacer(pacer).build().unwrap();
    // The first client's 429 (Retry-After: 1) pauses the account for both: the second
    // client's call, started meanwhile, waits for the pause to end.
    let (one, two) = tokio::join!(first.account().get().send(), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        second.account().get().send().await
    });
    one.unwrap();
    two.unwrap();
    let attempts = observed.capture.spans(ATTEMPT_SPAN);
    assert_eq!(attempts.len(), 3, "{attempts:#?}");
    assert_eq!(attempts[0].field("amocrm.retry_reason"), Some("status_429"));
    assert_eq!(attempts[0].field("error.type"), Some("429"));
    let waited = |at: usize| -> u64 {
        attempts[at]
            .field("amocrm.pace_wait_ms")
            .unwrap()
            .parse()
            .unwrap()
    };
    // The second client's attempt (the second span) waited for the rest of the pause.
    assert!(waited(1) >= 500, "{}", waited(1));
    assert_eq!(
        observed.counter(m::RATE_LIMITED_TOTAL, &[("operation", "get_account")]),
        1.0
    );
    assert_eq!(
        observed.counter(m::RETRIES_TOTAL, &[("reason", "status_429")]),
        1.0
    );
    // What the client reports is what the server saw.
    let figures = fake.figures();
    assert_eq!(figures.requests, attempts.len() as u64);
    assert_eq!(
        figures.rate_limited as f64,
        observed.counter(m::RATE_LIMITED_TOTAL, &[("operation", "get_account")])
    );
    observed.assert_no_secret(&[fake.token()]);
}

#[tokio::test]
async fn an_undecodable_entry_is_counted_by_entity() {
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .raw_widget(serde_json::json!({ "code": 7 }))
        .start()
        .await
        .unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let entries: Vec<_> = client.widgets().list().stream().collect().await;
    let bad = entries.iter().filter(|e| e.is_err()).count();
    assert_eq!(bad, 1);
    assert_eq!(
        observed.counter(m::UNDECODABLE_ENTRIES_TOTAL, &[("entity", "widget")]),
        1.0
    );
    let call = &observed.capture.spans(REQUEST_SPAN)[0];
    assert_eq!(call.field("url.template"), Some("/api/v4/widgets"));
    observed.assert_no_secret(&[fake.token()]);
}

#[tokio::test]
async fn a_batch_is_a_span_with_its_counts_and_no_body_value() {
    const BODY_VALUE: &str = "Lead-SECRET-4c1d";
    let observed = Observed::start();
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .start()
        .await
        .unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let leads = (0..3).map(|i| NewLead::default().name(format!("{BODY_VALUE} {i}")));
    let results: Vec<_> = client.leads().add(leads).stream().collect().await;
    assert!(results.iter().all(Result::is_ok));
    let batch = &observed.capture.spans(BATCH_SPAN)[0];
    assert_eq!(batch.field("amocrm.entity"), Some("leads"));
    assert_eq!(batch.field("amocrm.batch.size"), Some("3"));
    assert_eq!(batch.field("amocrm.batch.written"), Some("3"));
    assert_eq!(batch.field("amocrm.batch.refused"), Some("0"));
    let call = &observed.capture.spans(REQUEST_SPAN)[0];
    assert_eq!(call.parent, Some(BATCH_SPAN));
    assert_eq!(call.field("url.template"), Some("/api/v4/leads"));
    assert_eq!(
        observed.counter(
            m::BATCH_ITEMS_TOTAL,
            &[("entity", "leads"), ("outcome", "written")]
        ),
        3.0
    );
    observed.assert_no_secret(&[fake.token(), BODY_VALUE]);
}
