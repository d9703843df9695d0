//! The real PostgreSQL and Redis of the end-to-end tests: their URLs, and the rule for a
//! service that cannot be reached — the test prints which test did not run and how to run
//! it, and passes, unless `AMOCRM_REQUIRE_SERVICES=1` (set by CI) makes it fail. Shared by
//! the CLI's tests and the widget_backend example's test (one copy of the rule).

#![allow(dead_code)]

use std::time::Duration;

// The URLs and the skip-or-fail rule are the workspace's one copy.
#[allow(unused_imports)]
pub use amocrm_workspace_tests::services::{postgres_url, redis_url, shown, unique};

/// Reports that `test` did not run because of `why`, and how to run it; panics instead
/// under `AMOCRM_REQUIRE_SERVICES=1`.
pub fn skip(test: &str, why: &str) {
    amocrm_workspace_tests::services::skip(
        test,
        why,
        "start PostgreSQL (trust auth) and Redis, or point AMOCRM_TEST_POSTGRES_URL and \
         AMOCRM_TEST_REDIS_URL at them",
    );
}

/// Whether a TCP connection to the `host:port` of `url` opens within 2 s; `Err` says why not.
pub async fn reachable(url: &str) -> Result<(), String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let default_port = if url.starts_with("redis") { 6379 } else { 5432 };
    let address = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    match tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(&address),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(format!("{} is unreachable ({error})", shown(url))),
        Err(_) => Err(format!("{} did not answer within 2 s", shown(url))),
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}
