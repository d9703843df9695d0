//! Every fault kind of the fake amoCRM (`amocrm_fake::Fault`) against `amocrm::Client`:
//! the client recovers where its retry policy allows (GET and DELETE on 5xx, 429, a reset
//! or a truncated body; install only on 429; continue never) and otherwise reports the
//! fault as a typed error (`ErrorKind`), after exactly the requests the policy allows.
//! (`wire_faults` does the same against a loopback server writing exact bytes.)

mod connections;
mod statuses;

use std::time::{Duration, Instant};

use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::error::AuthError;
use amocrm::store::TokenStoreFn;
use amocrm::widgets::{Settings, Widget};
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, ErrorKind, OAuth, RetryPolicy, TokenPair};
use amocrm_fake::{FakeServer, Fault, Operation};
use amocrm_test_support::fake;
use futures::StreamExt;

fn client(fake: &FakeServer, retry: RetryPolicy) -> Client {
    fake::client_builder(fake)
        .timeout(Duration::from_secs(2))
        .retry(retry)
        .build()
        .expect("client")
}

/// `attempts` in all, 10 ms apart.
fn quick(attempts: u32) -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(attempts)
        .delays(Duration::from_millis(10), Duration::from_millis(10))
}

async fn fake_with(fault: Fault) -> FakeServer {
    FakeServer::builder()
        .widgets(20)
        .fault(fault)
        .start()
        .await
        .expect("fake")
}

/// Requests the fake received on `path`.
fn requests_to(fake: &FakeServer, path: &str) -> usize {
    fake.requests().iter().filter(|r| r.path == path).count()
}

fn asterisk_settings() -> Settings {
    Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .users("phones", [(504141, "1039")])
        .text("script_path", "https://example.com/")
}

const DROPBOX: &str = "/api/v4/widgets/amo_dropbox";
const ASTERISK: &str = "/api/v4/widgets/amo_asterisk";
