//! The PostgreSQL token store against a real server: round trip, serialization of lockers,
//! generation refusal, lock release on connection and process death, unreachable and
//! restarted servers; and the store through `amocrm`'s `TokenStore`/`TokenLock` traits.

mod failures;
mod locks;
mod round_trip;
mod through_traits;

#[path = "../common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amocrm::TokenPair;
use amocrm_postgres::{Error, PostgresTokenStore};
use common::{OwnPostgres, TestDb};
use secrecy::ExposeSecret;

const ACCOUNT: &str = "https://example.amocrm.ru";

/// A pair whose expiry has whole seconds (timestamptz keeps microseconds).
fn pair(n: u32) -> TokenPair {
    TokenPair::new(
        format!("access-{n}").into(),
        format!("refresh-{n}").into(),
        UNIX_EPOCH + Duration::from_secs(2_000_000_000 + u64::from(n)),
    )
}

fn same(a: Option<&TokenPair>, b: &TokenPair) -> bool {
    a.is_some_and(|a| {
        a.access_token().expose_secret() == b.access_token().expose_secret()
            && a.refresh_token().expose_secret() == b.refresh_token().expose_secret()
            && a.expires_at() == b.expires_at()
    })
}
