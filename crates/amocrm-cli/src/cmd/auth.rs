//! `amocrm auth`: the account's OAuth token pair in the token store. `import` saves the
//! token endpoint's JSON answer read on stdin, `login` exchanges an authorization code,
//! `refresh` renews the pair now, `status` says whether one is stored and when its access
//! token expires. Nothing here ever prints a token: outputs show the account, the store and
//! the expiry only.

mod answer;

use std::io::{self, Read, Write};
use std::time::{Duration, SystemTime};

use clap::{Args, Subcommand};
use secrecy::zeroize::Zeroizing;
use serde::Serialize;

use super::context::Ctx;
use crate::connect::{self, StoreSpec, store_failure};
use crate::failure::Failure;
use crate::output::{self, Output, clean};
use crate::sdk::{TokenPair, TokenStore};
use crate::util::time::{span, utc};

/// The token endpoint's answer is a few KiB; more on stdin is not one.
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The end of `auth --help`.
pub const AFTER_HELP: &str = "\
The pair is kept in the token store (--token-store, default tokens.json next to the
config file) under the account's base URL. Every other command uses it when no static
token is given, and refreshes it when it expires: one process of all that share the
store calls the token endpoint, the others wait and use the new pair.

Examples:
  curl -s https://example.amocrm.ru/oauth2/access_token -d @grant.json \\
    | amocrm --subdomain example auth import
  amocrm --subdomain example auth login --code def502003a...
  amocrm --subdomain example auth status     # exit 5: no pair stored
  amocrm --subdomain example auth refresh";

/// `amocrm auth …`
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Save the token endpoint's JSON answer (access_token, refresh_token, expires_in,
    /// token_type), read on stdin, as the account's pair
    Import(ImportArgs),
    /// Exchange an authorization code for a pair and save it (needs --client-id,
    /// --client-secret and --redirect-uri)
    Login(LoginArgs),
    /// Show whether a pair is stored and when its access token expires (never the
    /// tokens); exits 5 when none is stored
    Status,
    /// Refresh the stored pair now and save the new one (needs --client-id,
    /// --client-secret and --redirect-uri)
    Refresh,
}

/// `amocrm auth import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Take the pair as expired, whatever its expires_in says: the next command refreshes
    /// it (for an answer of unknown age, e.g. one copied from elsewhere)
    #[arg(long)]
    pub expired: bool,
}

/// `amocrm auth login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The authorization code of the redirect after the user allowed access (single-use,
    /// valid for 20 minutes), e.g. --code def50200a1b2...
    #[arg(long, value_name = "CODE")]
    pub code: String,
}

/// Runs `amocrm auth …`.
pub async fn run(command: &AuthCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let (args, out) = (ctx.connection, &mut ctx.out);
    let target = connect::target(args, ctx.matches)?;
    let spec = connect::store_spec(args, target.profile.as_ref())?;
    let key = target.key.as_str();
    match command {
        AuthCommand::Import(import) => {
            // Read and checked before the store is touched.
            let answer::Imported { pair, warnings } =
                answer::read(&read_stdin()?, SystemTime::now(), import.expired)
                    .map_err(Failure::input)?;
            for warning in warnings {
                output::warn(&warning);
            }
            let store = spec.open()?;
            let mut lock = store.lock(key).await.map_err(store_failure)?;
            lock.save(&pair).await.map_err(store_failure)?;
            lock.release().await.map_err(store_failure)?;
            report(out, "imported", key, &spec, Some(&pair))
        }
        AuthCommand::Login(login) => {
            let code = login.code.trim();
            if code.is_empty() {
                return Err(Failure::input("--code is empty"));
            }
            let store = spec.open()?;
            let pacer = connect::pacer(args)?;
            let integration = connect::integration(
                args,
                store,
                pacer,
                target.timeout,
                "exchange an authorization code",
            )?;
            let oauth = integration.oauth_at(&target.account())?;
            connect::watch_unsaved(&oauth, spec.shown());
            oauth.exchange_code(code).await?;
            let pair = oauth.tokens().await;
            report(out, "logged in", key, &spec, pair.as_ref())
        }
        AuthCommand::Refresh => {
            let store = spec.open()?;
            if store.load(key).await.map_err(store_failure)?.is_none() {
                return Err(no_tokens(key, &spec));
            }
            let pacer = connect::pacer(args)?;
            let integration =
                connect::integration(args, store, pacer, target.timeout, "refresh the pair")?;
            let oauth = integration.oauth_at(&target.account())?;
            connect::watch_unsaved(&oauth, spec.shown());
            oauth.refresh_now().await?;
            let pair = oauth.tokens().await;
            report(out, "refreshed", key, &spec, pair.as_ref())
        }
        AuthCommand::Status => {
            let store = spec.open()?;
            match store.load(key).await.map_err(store_failure)? {
                Some(pair) => report(out, "stored", key, &spec, Some(&pair)),
                None => {
                    if out.json() {
                        out.json_line(&Status::of(key, &spec, None, "none"))?;
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
    out: &mut Output,
    outcome: &str,
    key: &str,
    spec: &StoreSpec,
    pair: Option<&TokenPair>,
) -> Result<(), Failure> {
    if out.json() {
        out.json_line(&Status::of(key, spec, pair, outcome))?;
    } else {
        let text = out.writer();
        writeln!(text, "account: {}", clean(key))?;
        writeln!(text, "store:   {}", clean(&spec.shown()))?;
        if let Some(pair) = pair {
            writeln!(text, "tokens:  {outcome}")?;
            writeln!(text, "{}", expiry(pair, SystemTime::now()))?;
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
