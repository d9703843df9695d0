//! The CRM's write side end to end against the fake amoCRM: batches, one refused item
//! costing one item, no add sent twice, patches sending only what was set, complex add,
//! and a 10,000-lead import within the 7/s window.

mod activity;
mod batches;
mod checks;
mod folds;
mod live;
mod patches;
mod tags_links;

use amocrm::Client;
use amocrm::write::{WriteError, Written};
use amocrm_fake::{CrmSize, FakeServer, RecordedRequest};
use futures::StreamExt;

/// A fake with the default CRM, `faults` and `rate_limit`, and an unpaced client of it.
async fn fake_with(
    build: impl FnOnce(amocrm_fake::FakeBuilder) -> amocrm_fake::FakeBuilder,
) -> (FakeServer, Client) {
    let fake = build(FakeServer::builder().crm(CrmSize::default()))
        .start()
        .await
        .expect("fake");
    let client = amocrm_test_support::fake::client(&fake);
    (fake, client)
}

/// Every result of a write stream.
async fn all(stream: amocrm::write::WriteStream) -> Vec<Result<Written, WriteError>> {
    stream.collect().await
}

/// The requests the fake received with `method` on `path`.
fn sent(fake: &FakeServer, method: &str, path: &str) -> Vec<RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

/// A request's JSON body.
fn body(request: &RecordedRequest) -> serde_json::Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}
