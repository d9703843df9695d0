//! The one place that decides what a test does when PostgreSQL or Redis is not there:
//! every test needing a service (in any crate of the workspace) asks here.
//!
//! On a developer's machine without the service, the test prints that it did not run and
//! how to run it, and passes; with `AMOCRM_REQUIRE_SERVICES=1` (CI sets it) it fails.
//! The URLs come from `AMOCRM_TEST_POSTGRES_URL` and `AMOCRM_TEST_REDIS_URL`.

use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// PostgreSQL of the tests unless `AMOCRM_TEST_POSTGRES_URL` says otherwise.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// Redis of the tests unless `AMOCRM_TEST_REDIS_URL` says otherwise.
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379/";

/// The PostgreSQL the tests use: `AMOCRM_TEST_POSTGRES_URL`, else [`DEFAULT_POSTGRES_URL`].
pub fn postgres_url() -> String {
    std::env::var("AMOCRM_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

/// The Redis the tests use: `AMOCRM_TEST_REDIS_URL`, else [`DEFAULT_REDIS_URL`].
pub fn redis_url() -> String {
    std::env::var("AMOCRM_TEST_REDIS_URL").unwrap_or_else(|_| DEFAULT_REDIS_URL.to_owned())
}

/// Whether a missing service fails the test instead of skipping it
/// (`AMOCRM_REQUIRE_SERVICES=1`, as CI sets it).
pub fn services_required() -> bool {
    std::env::var("AMOCRM_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// `test` cannot run because of `why`: panics under `AMOCRM_REQUIRE_SERVICES=1`, else
/// prints `SKIPPED {test}: {why}` and `how` to run it, and returns (the test passes).
pub fn skip(test: &str, why: &str, how: &str) {
    if services_required() {
        panic!("{test}: {why} (AMOCRM_REQUIRE_SERVICES=1 forbids skipping)");
    }
    // Straight to the process's stderr: libtest captures eprintln! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why}. To run it: {how}; AMOCRM_REQUIRE_SERVICES=1 makes this a \
         failure instead of a skip."
    );
}

/// How to run a test that needs PostgreSQL.
pub const HOW_POSTGRES: &str = "start PostgreSQL (trust auth) or set AMOCRM_TEST_POSTGRES_URL \
     (default postgres://postgres@127.0.0.1:5432/test)";
/// How to run a test that needs both.
pub const HOW_BOTH: &str = "start PostgreSQL (trust auth) and Redis, or point \
     AMOCRM_TEST_POSTGRES_URL and AMOCRM_TEST_REDIS_URL at them";
/// How to run a test that needs Redis.
pub const HOW_REDIS: &str =
    "start Redis or set AMOCRM_TEST_REDIS_URL (default redis://127.0.0.1:6379/)";

/// `url` without `user:password@` (looked for in the authority only), for messages.
pub fn shown(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// A name no other test run uses (letters, digits and `_`: a schema or a key prefix).
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A Redis key prefix no other test or run uses: `amocrm-test:{test}:{pid}:{nanos}:`.
pub fn unique_prefix(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("amocrm-test:{test}:{}:{nanos}:", std::process::id())
}

/// Whether a TCP connection to the `host:port` of `url` opens within 2 s (the default port
/// of its scheme when it names none: 6379 for `redis`, else 5432); `Err` says why not,
/// without the URL's user info.
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
        std::time::Duration::from_secs(2),
        tokio::net::TcpStream::connect(&address),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(format!("{} is unreachable ({error})", shown(url))),
        Err(_) => Err(format!("{} did not answer within 2 s", shown(url))),
    }
}
