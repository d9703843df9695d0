//! The steps of the transcript, section by section: each starts the servers it needs and
//! says which of their values vary by run.

mod commands;
mod connection;
mod failures;

pub use commands::{account, bots, completions, help, usage_errors, widgets};
pub use connection::{auth, profiles, token_sources};
pub use failures::{api_and_transport_errors, display, output_failures};

use std::path::Path;

use amocrm_fake::{FakeBuilder, FakeServer};

use crate::harness::Transcript;

/// Starts `builder`'s fake and masks its port as `<name>` and its tokens.
pub(crate) async fn fake(t: &mut Transcript, builder: FakeBuilder, name: &str) -> FakeServer {
    let fake = builder.start().await.expect("the fake starts");
    t.mask_port(&fake.base_url(), name);
    t.mask(fake.token(), "<token>");
    t.mask(fake.user_token(), "<user token>");
    t.secret(fake.token());
    t.secret(fake.user_token());
    fake
}

/// A server that accepts connections and never answers.
pub(crate) async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    base
}

pub(crate) fn path(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_owned()
}
