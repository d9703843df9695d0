//! Where OAuth token pairs live (`--token-store`: a file for one machine, PostgreSQL for a
//! fleet) and where request slots come from (`--redis-url`: Redis shared by every process,
//! else this process alone). Messages show a store's URL without its password.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use amocrm_postgres::PostgresTokenStore;
use amocrm_redis::{RedisConnection, RedisPacer};

use super::args::ConnectionArgs;
use crate::failure::Failure;
use crate::sdk::{FileTokenStore, Pacer, RateLimit, TokenStore};
use crate::util::path::resolve as resolve_path;

/// The file of the default store, next to the config file.
const DEFAULT_FILE: &str = "tokens.json";

/// A token store, as the flags, the environment or the profile name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreSpec {
    /// A JSON file on this machine.
    File(PathBuf),
    /// A PostgreSQL server: its URL and the table (`[schema.]table`), when given.
    Postgres {
        /// The connection URL (may hold a password: show it with [`StoreSpec::shown`]).
        url: String,
        /// `--token-table`.
        table: Option<String>,
    },
}

/// Whether `store` names PostgreSQL rather than a file: a `postgres://` URL, or a libpq
/// `key=value` connection string (`host=db user=amocrm password=…`), which the PostgreSQL
/// store takes too (taken for a file path, it was printed whole, password and all).
pub fn is_postgres_url(store: &str) -> bool {
    let lower = store.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://")
        || lower.starts_with("postgresql://")
        || is_connection_string(&lower)
}

/// The keywords of a libpq connection string this CLI recognises one by.
const LIBPQ_KEYS: [&str; 12] = [
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "sslmode",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
];

/// Whether `store` starts like a libpq `key=value` connection string: its first word is
/// one of [`LIBPQ_KEYS`] followed by `=`.
fn is_connection_string(store: &str) -> bool {
    store
        .split_once('=')
        .is_some_and(|(key, _)| LIBPQ_KEYS.contains(&key.trim()))
}

/// The store of `--token-store` / `AMOCRM_TOKEN_STORE`, else the profile's `token_store`
/// (`profile_store`, already resolved against the config file's folder), else `tokens.json`
/// in the folder of `config_file`.
pub fn spec(
    args: &ConnectionArgs,
    profile_store: Option<&str>,
    config_file: Option<&Path>,
) -> Result<StoreSpec, Failure> {
    let table = args
        .token_table
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    let named = args
        .token_store
        .as_deref()
        .map(|store| (store.trim(), true))
        .or_else(|| profile_store.map(|store| (store.trim(), false)));
    let spec = match named {
        Some(("", _)) => return Err(Failure::input("--token-store is empty")),
        Some((store, _)) if is_postgres_url(store) => StoreSpec::Postgres {
            url: store.to_owned(),
            table,
        },
        Some((store, from_flag)) => {
            let path = if from_flag {
                resolve_path(Path::new(store), Path::new(""))
            } else {
                PathBuf::from(store)
            };
            StoreSpec::File(path)
        }
        None => match config_file.and_then(Path::parent) {
            Some(folder) => StoreSpec::File(folder.join(DEFAULT_FILE)),
            None => {
                return Err(Failure::input(
                    "no token store: give --token-store PATH|URL (or AMOCRM_TOKEN_STORE); \
                     there is no config folder for the default one",
                ));
            }
        },
    };
    if args.token_table.is_some() && matches!(spec, StoreSpec::File(_)) {
        return Err(Failure::input(
            "--token-table goes with a postgres:// token store",
        ));
    }
    Ok(spec)
}

impl StoreSpec {
    /// The store for messages: the file's path, or the URL without user info; never a
    /// `password=` value.
    pub fn shown(&self) -> String {
        match self {
            StoreSpec::File(path) => without_passwords(&path.display().to_string()),
            StoreSpec::Postgres { url, table } => {
                let url = without_user_info(url);
                match table {
                    Some(table) => format!("{url} (table {table})"),
                    None => url,
                }
            }
        }
    }

    /// Opens the store. Nothing is read or connected yet: the first call does.
    pub fn open(&self) -> Result<Arc<dyn TokenStore>, Failure> {
        match self {
            StoreSpec::File(path) => Ok(Arc::new(FileTokenStore::new(path.clone()))),
            StoreSpec::Postgres { url, table } => {
                let mut builder = PostgresTokenStore::builder(url);
                if let Some(table) = table {
                    builder = match table.split_once('.') {
                        Some((schema, table)) => builder.schema(schema).table(table),
                        None => builder.table(table),
                    };
                }
                let store = builder.build().map_err(|error| {
                    Failure::input(format!("--token-store {}: {error}", self.shown()))
                })?;
                Ok(Arc::new(store))
            }
        }
    }
}

/// What may be shown of a store or Redis location: built from the parts read, never
/// echoed. A URL is `scheme://host:port/path` (everything up to the last `@` dropped: a
/// password may hold any character; the query and fragment dropped whole, shown as `?…`:
/// a password may sit there under any key, percent-encoded too); a libpq `key=value`
/// string keeps the values of a few harmless keys only (`host`, `port`, `dbname`, …) and
/// shows every other one as `[REDACTED]` (spaces around `=` and quoted values read as libpq
/// reads them); anything else (a file path) as it is.
pub fn without_user_info(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rfind('@').map_or(rest, |at| &rest[at + 1..]);
            match rest.find(['?', '#']) {
                Some(cut) => format!("{scheme}://{}?…", &rest[..cut]),
                None => format!("{scheme}://{rest}"),
            }
        }
        None if is_connection_string(&url.trim_start().to_ascii_lowercase()) => {
            connection_string_shown(url)
        }
        None => url.to_owned(),
    }
}

/// `text` with the value of every `password=` (a file path someone pasted a connection
/// string's part into) replaced by `[REDACTED]`, up to the next separator.
fn without_passwords(text: &str) -> String {
    const KEY: &str = "password=";
    let mut shown = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.to_ascii_lowercase().find(KEY) {
        shown.push_str(&rest[..at + KEY.len()]);
        shown.push_str("[REDACTED]");
        let value = &rest[at + KEY.len()..];
        let end = value
            .find(['&', ' ', '\t', '\n', '#'])
            .unwrap_or(value.len());
        rest = &value[end..];
    }
    shown.push_str(rest);
    shown
}

/// The libpq keys whose values are shown; every other value is `[REDACTED]`.
const SHOWN_KEYS: [&str; 7] = [
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "sslmode",
    "connect_timeout",
];

/// A libpq connection string shown key by key (see [`without_user_info`]).
fn connection_string_shown(text: &str) -> String {
    let mut shown = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        let after = rest[key_end..].trim_start();
        let Some(value) = after.strip_prefix('=') else {
            // Not `key = value`: nothing more is read, nor shown.
            shown.push("…".to_owned());
            break;
        };
        let value = value.trim_start();
        let (value, next) = match value.strip_prefix('\'') {
            Some(quoted) => {
                // Up to the closing quote; `\'` and `\\` are escapes.
                let mut escaped = false;
                let end = quoted
                    .char_indices()
                    .find(|&(_, c)| {
                        let closes = c == '\'' && !escaped;
                        escaped = c == '\\' && !escaped;
                        closes
                    })
                    .map_or(quoted.len(), |(i, _)| i);
                (
                    &value[..(end + 2).min(value.len())],
                    &quoted[(end + 1).min(quoted.len())..],
                )
            }
            None => {
                let end = value.find(char::is_whitespace).unwrap_or(value.len());
                (&value[..end], &value[end..])
            }
        };
        if SHOWN_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
            shown.push(format!("{key}={value}"));
        } else {
            shown.push(format!("{key}=[REDACTED]"));
        }
        rest = next.trim_start();
    }
    shown.join(" ")
}

/// The Redis pacer of `--redis-url` / `AMOCRM_REDIS_URL` (7 requests/s per account), or
/// `None`: each client paces itself. Must run inside the Tokio runtime.
pub fn pacer(args: &ConnectionArgs) -> Result<Option<Arc<dyn Pacer>>, Failure> {
    let Some(url) = args.redis_url.as_deref().map(str::trim) else {
        return Ok(None);
    };
    if url.is_empty() {
        return Err(Failure::input("--redis-url is empty"));
    }
    let pacer = redis_pacer(url, args.client_id.as_deref())?;
    Ok(Some(Arc::new(pacer)))
}

/// The pacer on the Redis at `url`. amoCRM counts each integration's requests apart, so
/// with the integration's `client_id` its schedules are its own
/// (`amocrm:pace:{client_id}:{account}`): integrations sharing a Redis do not slow each
/// other down. Without one (a long-lived token), the default prefix `amocrm:pace:`.
fn redis_pacer(url: &str, client_id: Option<&str>) -> Result<RedisPacer, Failure> {
    let redis = RedisConnection::open(url).map_err(|error| {
        Failure::input(format!("--redis-url {}: {error}", without_user_info(url)))
    })?;
    let pacer = RedisPacer::new(redis, RateLimit::AMOCRM);
    Ok(match client_id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => pacer.key_prefix(format!("amocrm:pace:{}:", key_part(id))),
        None => pacer,
    })
}

/// `text` as a part of a Redis key: `{` and `}` (which would make a Cluster hash tag of
/// it), `:` (the parts' separator) and `%` percent-encoded.
fn key_part(text: &str) -> String {
    let mut part = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '{' => part.push_str("%7B"),
            '}' => part.push_str("%7D"),
            ':' => part.push_str("%3A"),
            '%' => part.push_str("%25"),
            c => part.push(c),
        }
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_never_shown() {
        assert_eq!(
            without_user_info("postgres://amocrm:s3cr3t@db:5432/x?sslmode=require"),
            "postgres://db:5432/x?…"
        );
        // Everything up to the last `@`: a password may hold `/`, `?` or `#`.
        assert_eq!(
            without_user_info("postgres://db/x?user=a@b"),
            "postgres://b"
        );
        assert_eq!(
            without_user_info("redis://:pw/SECRET@127.0.0.1:6379/"),
            "redis://127.0.0.1:6379/"
        );
        assert_eq!(
            without_user_info("redis://:p@w?SECRET#x@127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(
            without_user_info("postgres://db/x?sslmode=require&password=SECRET&user=u"),
            "postgres://db/x?…"
        );
        assert_eq!(without_user_info("/tmp/tokens.json"), "/tmp/tokens.json");
        // A password under any key, percent-encoded or not, goes with the query.
        for url in [
            "postgres://postgres@127.0.0.1:5432/test?pass%77ord=SECRET",
            "postgres://127.0.0.1/test?user=postgres&%70assword=SECRET",
            "redis+unix:///tmp/x.sock?db=zz&pass=SECRET",
            "unix:///tmp/x.sock#SECRET",
        ] {
            let shown = without_user_info(url);
            assert!(
                !shown.contains("SECRET") && shown.ends_with("?…"),
                "{shown}"
            );
        }
        assert_eq!(
            without_user_info("redis://:pw@127.0.0.1:6379/"),
            "redis://127.0.0.1:6379/"
        );
    }

    #[test]
    fn connection_strings_are_postgres_and_shown_without_passwords() {
        let conninfo = "host=db user=u password='a b\\' c' dbname=x";
        assert!(is_postgres_url(conninfo));
        assert!(is_postgres_url("  HOST=db"));
        assert!(!is_postgres_url("tokens=1.json"));
        assert_eq!(
            without_user_info(conninfo),
            "host=db user=u password=[REDACTED] dbname=x"
        );
        // Spaces around `=` (libpq takes them), a key it does not show, a quoted value.
        assert_eq!(
            without_user_info("host=127.0.0.1 user=postgres password = pw-SECRET dbname=test"),
            "host=127.0.0.1 user=postgres password=[REDACTED] dbname=test"
        );
        assert_eq!(
            without_user_info("host='a b' sslpassword=SECRET options='-c x=1'"),
            "host='a b' sslpassword=[REDACTED] options=[REDACTED]"
        );
        assert_eq!(without_user_info("host=db junk SECRET"), "host=db …");
        assert_eq!(without_user_info("password=SECRET"), "password=[REDACTED]");
        assert_eq!(
            without_user_info("PASSWORD=SECRET host=db"),
            "PASSWORD=[REDACTED] host=db"
        );
    }

    #[tokio::test]
    async fn each_integration_has_its_own_redis_schedules() {
        let url = "redis://127.0.0.1:9/";
        let account = "https://example.amocrm.ru";
        let one = redis_pacer(url, Some("id-one")).unwrap();
        let other = redis_pacer(url, Some(" id-two ")).unwrap();
        assert_eq!(
            one.key(account),
            format!("amocrm:pace:id-one:{{{account}}}")
        );
        assert_eq!(
            other.key(account),
            format!("amocrm:pace:id-two:{{{account}}}")
        );
        let odd = redis_pacer(url, Some("a{b}:%")).unwrap();
        assert_eq!(
            odd.key(account),
            format!("amocrm:pace:a%7Bb%7D%3A%25:{{{account}}}")
        );
        // A long-lived token names no integration.
        for none in [None, Some(""), Some("  ")] {
            let pacer = redis_pacer(url, none).unwrap();
            assert_eq!(pacer.key(account), format!("amocrm:pace:{{{account}}}"));
        }
    }

    #[test]
    fn postgres_urls_are_told_from_paths() {
        assert!(is_postgres_url("postgres://h/db"));
        assert!(is_postgres_url("PostgreSQL://h/db"));
        assert!(!is_postgres_url("postgres.json"));
        assert!(!is_postgres_url("./postgres://x"));
    }
}
