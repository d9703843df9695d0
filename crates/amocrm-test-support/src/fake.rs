//! Clients of the fake amoCRM's default account.

use amocrm::{AccountUrl, Client, ClientBuilder};
use amocrm_fake::FakeServer;

/// A builder for a client of `fake`'s default account with its token, unpaced (tests that
/// measure pacing set their own); set more on it before building.
pub fn client_builder(fake: &FakeServer) -> ClientBuilder {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
}

/// [`client_builder`], built.
pub fn client(fake: &FakeServer) -> Client {
    client_builder(fake).build().expect("a client of the fake")
}
