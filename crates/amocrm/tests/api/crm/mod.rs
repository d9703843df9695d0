//! The CRM read sections against the in-process fake amoCRM (and, where a body the fake
//! never writes is needed, the loopback server): the query sent, the checks before
//! sending, the 204s, streaming, and the shapes amoCRM may send.

mod activity;
mod dictionaries;
mod filters;
mod leads;
mod parties;
mod tasks;

use amocrm::{AccountUrl, Client};
use amocrm_fake::{CrmSize, FakeServer};

/// A fake with a CRM of `size` (`real_world`: the shapes amoCRM may send) and a client.
pub(super) async fn fake(size: CrmSize, real_world: bool) -> (FakeServer, Client) {
    let fake = FakeServer::builder()
        .crm(size)
        .real_world_shapes(real_world)
        .start()
        .await
        .expect("fake");
    let client = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .build()
        .expect("client");
    (fake, client)
}

/// The query of the last request the fake received, percent-decoded, as
/// `key=value&key=value`.
pub(super) fn last_query(fake: &FakeServer) -> String {
    let requests = fake.requests();
    let query = requests.last().expect("a request").query.clone();
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}
