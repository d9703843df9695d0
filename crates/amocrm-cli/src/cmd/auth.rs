//! `amocrm auth`: the account's OAuth token pair in the token store. `import` saves the
//! token endpoint's JSON answer read on stdin, `login` exchanges an authorization code,
//! `refresh` renews the pair now, `status` says whether one is stored and when its access
//! token expires. Nothing here ever prints a token: outputs show the account, the store and
//! the expiry only.

use std::io::{self, Read, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm::{TokenPair, TokenStore};
use clap::ArgMatches;
use secrecy::SecretString;
use secrecy::zeroize::Zeroizing;
use serde::Serialize;

use crate::cli::{AuthCommand, ConnectionArgs};
use crate::connect::stores::{self as store, StoreSpec};
use crate::connect::{self as connection, store_failure};
use crate::failure::Failure;
use crate::output;

/// The token endpoint's answer is a few KiB; more on stdin is not one.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The longest `expires_in` taken (a year), as the library clamps it.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// Runs `amocrm auth …`.
pub async fn run(
    command: &AuthCommand,
    args: &ConnectionArgs,
    matches: &ArgMatches,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let target = connection::target(args, matches)?;
    let spec = connection::store_spec(args, target.profile.as_ref())?;
    let key = target.key.as_str();
    match command {
        AuthCommand::Import => {
            // Read and checked before the store is touched.
            let pair = parse_answer(&read_stdin()?, SystemTime::now()).map_err(Failure::input)?;
            let store = spec.open()?;
            let mut lock = store.lock(key).await.map_err(store_failure)?;
            lock.save(&pair).await.map_err(store_failure)?;
            lock.release().await.map_err(store_failure)?;
            report(out, json, "imported", key, &spec, Some(&pair))
        }
        AuthCommand::Login(login) => {
            let code = login.code.trim();
            if code.is_empty() {
                return Err(Failure::input("--code is empty"));
            }
            let store = spec.open()?;
            let pacer = store::pacer(args)?;
            let integration = connection::integration(
                args,
                store,
                pacer,
                target.timeout,
                "exchange an authorization code",
            )?;
            let oauth = integration.oauth_for_base_url(key)?;
            oauth.exchange_code(code).await?;
            let pair = oauth.tokens().await;
            report(out, json, "logged in", key, &spec, pair.as_ref())
        }
        AuthCommand::Refresh => {
            let store = spec.open()?;
            if store.load(key).await.map_err(store_failure)?.is_none() {
                return Err(no_tokens(key, &spec));
            }
            let pacer = store::pacer(args)?;
            let integration =
                connection::integration(args, store, pacer, target.timeout, "refresh the pair")?;
            let oauth = integration.oauth_for_base_url(key)?;
            oauth.refresh_now().await?;
            let pair = oauth.tokens().await;
            report(out, json, "refreshed", key, &spec, pair.as_ref())
        }
        AuthCommand::Status => {
            let store = spec.open()?;
            match store.load(key).await.map_err(store_failure)? {
                Some(pair) => report(out, json, "stored", key, &spec, Some(&pair)),
                None => {
                    if json {
                        let status = Status::of(key, &spec, None, "none");
                        output::write_json_line(out, &status)?;
                        out.flush()?;
                    }
                    Err(no_tokens(key, &spec))
                }
            }
        }
    }
}

fn no_tokens(key: &str, spec: &StoreSpec) -> Failure {
    Failure::NoTokens(format!(
        "no OAuth token pair is stored for {key} in {}: amocrm auth login --code CODE or \
         amocrm auth import stores one",
        spec.shown()
    ))
}

/// What `auth` prints: never a token.
#[derive(Serialize)]
struct Status<'a> {
    account: &'a str,
    store: String,
    /// What was done: imported, logged in, refreshed, stored (status), none.
    outcome: &'a str,
    /// Whether a pair is stored.
    tokens: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at_unix: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired: Option<bool>,
}

impl<'a> Status<'a> {
    fn of(account: &'a str, spec: &StoreSpec, pair: Option<&TokenPair>, outcome: &'a str) -> Self {
        Status {
            account,
            store: spec.shown(),
            outcome,
            tokens: pair.is_some(),
            expires_at: pair.map(|p| utc(p.expires_at_unix())),
            expires_at_unix: pair.map(TokenPair::expires_at_unix),
            expired: pair.map(|p| p.expires_within(Duration::ZERO)),
        }
    }
}

fn report(
    out: &mut impl Write,
    json: bool,
    outcome: &str,
    key: &str,
    spec: &StoreSpec,
    pair: Option<&TokenPair>,
) -> Result<(), Failure> {
    if json {
        output::write_json_line(out, &Status::of(key, spec, pair, outcome))?;
    } else {
        writeln!(out, "account: {}", output::clean(key))?;
        writeln!(out, "store:   {}", output::clean(&spec.shown()))?;
        if let Some(pair) = pair {
            writeln!(out, "tokens:  {outcome}")?;
            writeln!(out, "{}", expiry(pair, SystemTime::now()))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `expires: 2026-11-27 02:40:00 UTC (in 23h 59m)` or `expired: … (5m ago)`.
fn expiry(pair: &TokenPair, now: SystemTime) -> String {
    let at = utc(pair.expires_at_unix());
    match pair.expires_at().duration_since(now) {
        Ok(left) if !left.is_zero() => format!("expires: {at} (in {})", span(left)),
        _ => {
            let ago = now.duration_since(pair.expires_at()).unwrap_or_default();
            format!(
                "expired: {at} ({} ago; the next command refreshes it)",
                span(ago)
            )
        }
    }
}

/// `2d 3h`, `23h 59m`, `5m 3s`, `42s`.
fn span(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS UTC` (the proleptic Gregorian calendar).
fn utc(unix: u64) -> String {
    let days = i64::try_from(unix / 86_400).unwrap_or(i64::MAX / 2);
    let rem = unix % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Standard input, to its end (at most [`MAX_ANSWER_BYTES`]); zeroed when dropped.
fn read_stdin() -> Result<Zeroizing<Vec<u8>>, Failure> {
    let mut buffer = Zeroizing::new(Vec::new());
    io::stdin()
        .lock()
        .take(MAX_ANSWER_BYTES + 1)
        .read_to_end(&mut buffer)
        .map_err(|e| Failure::input(format!("cannot read the token answer from stdin: {e}")))?;
    if buffer.len() as u64 > MAX_ANSWER_BYTES {
        return Err(Failure::input(format!(
            "standard input holds more than {} KiB: that is not a token endpoint's answer",
            MAX_ANSWER_BYTES / 1024
        )));
    }
    Ok(buffer)
}

/// The pair of a token endpoint's answer (`access_token`, `refresh_token`, `expires_in`,
/// `token_type`), received at `now`. Messages name the field, never a value.
fn parse_answer(bytes: &[u8], now: SystemTime) -> Result<TokenPair, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "stdin is not the token endpoint's JSON answer ({:?} error at line {})",
            e.classify(),
            e.line()
        )
    })?;
    let object = value
        .as_object()
        .ok_or("stdin is not a JSON object: give the token endpoint's answer")?;
    let token = |name: &str| -> Result<SecretString, String> {
        let text = object
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .ok_or_else(|| format!("{name} is missing, empty or not a string"))?;
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "{name} has characters that cannot be sent in a header"
            ));
        }
        Ok(SecretString::from(text.to_owned()))
    };
    let access = token("access_token")?;
    let refresh = token("refresh_token")?;
    if let Some(kind) = object.get("token_type")
        && !kind
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case("bearer"))
    {
        return Err("token_type is not Bearer".to_owned());
    }
    let expires_in = match object.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Some(serde_json::Value::String(text)) => text.trim().parse::<u64>().ok(),
        _ => None,
    }
    .ok_or("expires_in is missing or not a number of seconds")?;
    let lifetime = Duration::from_secs(expires_in).min(MAX_LIFETIME);
    let expires_at = now.checked_add(lifetime).unwrap_or(now);
    // Whole seconds, as every store keeps it.
    let expires_at = UNIX_EPOCH
        + Duration::from_secs(
            expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        );
    Ok(TokenPair::new(access, refresh, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_142_157), "2026-11-20 02:35:57 UTC");
        assert_eq!(span(Duration::from_secs(86_399)), "23h 59m");
        assert_eq!(span(Duration::from_secs(303)), "5m 3s");
        assert_eq!(span(Duration::from_secs(2 * 86_400 + 3 * 3600)), "2d 3h");
    }

    #[test]
    fn the_token_endpoint_answer_is_read() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let pair = parse_answer(
            br#"{"token_type":"Bearer","expires_in":86400,"access_token":"a.b.c","refresh_token":"def502"}"#,
            now,
        )
        .unwrap();
        assert_eq!(pair.access_token().expose_secret(), "a.b.c");
        assert_eq!(pair.refresh_token().expose_secret(), "def502");
        assert_eq!(pair.expires_at_unix(), 87_400);
        let pair = parse_answer(
            br#"{"expires_in":"0","access_token":"a","refresh_token":"r"}"#,
            now,
        )
        .unwrap();
        assert_eq!(pair.expires_at_unix(), 1_000);
    }

    #[test]
    fn a_bad_answer_is_refused_without_its_values() {
        for (body, expected) in [
            (&br#"{"access_token":"s3cr3t-a","expires_in":1}"#[..], "refresh_token"),
            (br#"{"access_token":"s3cr3t a","refresh_token":"r","expires_in":1}"#, "header"),
            (br#"{"access_token":"a","refresh_token":"s3cr3t"}"#, "expires_in"),
            (
                br#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":-5}"#,
                "expires_in",
            ),
            (
                br#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":5,"token_type":"mac"}"#,
                "Bearer",
            ),
            (br#"["s3cr3t"]"#, "object"),
            (b"s3cr3t", "JSON"),
        ] {
            let error = parse_answer(body, SystemTime::now()).err().unwrap_or_default();
            assert!(error.contains(expected), "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
    }
}
