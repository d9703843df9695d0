//! End to end: every operation and every documented status code, through the ergonomic
//! crate, against the fake amoCRM server on loopback; one module per section, and `access`
//! for who may call and how fast.

mod access;
mod account;
mod bots;
mod pipelines;
mod widgets;

use amocrm::Client;
use amocrm::widgets::Settings;
use amocrm_fake::FakeServer;
use amocrm_test_support::fake;

fn client(fake: &FakeServer, token: &str) -> Client {
    fake::client_builder(fake)
        .token(token)
        .build()
        .expect("client")
}

fn client_with_bad_token(fake: &FakeServer) -> Client {
    client(fake, "not-the-token")
}

fn asterisk_settings() -> Settings {
    Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .users("phones", [(504141, "1039")])
        .text("script_path", "https://example.com/")
}

fn api_requests(fake: &FakeServer) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count()
}
