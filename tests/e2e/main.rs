//! End to end: every operation and every documented status code, through the ergonomic
//! crate, against the fake amoCRM server on loopback; one module per section, and `access`
//! for who may call and how fast.

mod access;
mod account;
mod bots;
mod pipelines;
mod widgets;

use amocrm::widgets::Settings;
use amocrm::{AccountUrl, Client};
use amocrm_fake::FakeServer;

fn client(fake: &FakeServer, token: &str) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(token)
        .rate_limit(None)
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
