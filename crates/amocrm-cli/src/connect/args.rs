//! The connection's global flags: which account, the token, the profile, the timeout, the
//! integration's OAuth credentials, the token store and the shared pacer. Each has an
//! environment variable; values that may be secrets are never echoed in clap's errors.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use secrecy::SecretString;

use crate::sdk::Domain;
use crate::util::duration;

/// Which account to talk to and how. Exactly one of `--base-url` and `--subdomain`, from
/// the command line, the environment or the profile; exactly one token source.
// The field docs are the `--help` text: a URL there is an example to type, not a link.
#[allow(rustdoc::bare_urls)]
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Base URL of the account (or of a proxy or test server), e.g.
    /// https://example.amocrm.ru; plain http only for loopback hosts
    #[arg(
        long,
        env = "AMOCRM_BASE_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub base_url: Option<String>,

    /// Account subdomain: example for example.amocrm.ru (a full host such as
    /// example.kommo.com is accepted too)
    #[arg(
        long,
        env = "AMOCRM_SUBDOMAIN",
        value_name = "NAME",
        global = true,
        hide_env_values = true
    )]
    pub subdomain: Option<String>,

    /// Domain of the account given with --subdomain [default: amocrm.ru]
    #[arg(
        long,
        env = "AMOCRM_DOMAIN",
        value_enum,
        global = true,
        hide_env_values = true
    )]
    pub domain: Option<DomainArg>,

    /// Long-lived token or OAuth access token; never printed. Prefer --token-file or
    /// --token-stdin: a command line is visible to other users (ps)
    #[arg(
        long,
        env = "AMOCRM_TOKEN",
        value_name = "TOKEN",
        global = true,
        hide_env_values = true,
        value_parser = parse_token
    )]
    pub token: Option<SecretString>,

    /// Read the token from a file (surrounding whitespace and the trailing newline are
    /// trimmed), e.g. --token-file ~/.config/amocrm/example.token
    #[arg(
        long,
        env = "AMOCRM_TOKEN_FILE",
        value_name = "PATH",
        global = true,
        hide_env_values = true
    )]
    pub token_file: Option<PathBuf>,

    /// Read the token from standard input, a pipe (a terminal is refused), e.g.
    /// pass show amocrm | amocrm --token-stdin ...
    #[arg(long, global = true)]
    pub token_stdin: bool,

    /// Use a named profile of the config file, e.g. --profile work
    #[arg(
        long,
        env = "AMOCRM_PROFILE",
        value_name = "NAME",
        global = true,
        hide_env_values = true
    )]
    pub profile: Option<String>,

    /// The config file with the profiles, e.g. --config ./amocrm.toml [default:
    /// $XDG_CONFIG_HOME/amocrm/config.toml or ~/.config/amocrm/config.toml;
    /// %APPDATA%\amocrm\config.toml on Windows]
    #[arg(
        long,
        env = "AMOCRM_CONFIG",
        value_name = "PATH",
        global = true,
        hide_env_values = true
    )]
    pub config: Option<PathBuf>,

    /// Timeout of one request: 30s, 1500ms, 2m, 1m30s or plain seconds [default: 30s]
    #[arg(
        long,
        env = "AMOCRM_TIMEOUT",
        value_name = "DURATION",
        global = true,
        hide_env_values = true,
        value_parser = parse_timeout
    )]
    pub timeout: Option<Duration>,

    /// Accept a plain-http base URL on a non-loopback host (the token then crosses the
    /// network in clear text)
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,

    /// The integration's ID, to refresh a stored OAuth token pair, e.g.
    /// --client-id 2f8e1a4c-1111-4c2b-9d3e-0123456789ab
    #[arg(
        long,
        env = "AMOCRM_CLIENT_ID",
        value_name = "ID",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub client_id: Option<String>,

    /// The integration's secret key; never printed. Prefer the variable: a command line is
    /// visible to other users (ps), e.g. AMOCRM_CLIENT_SECRET=$(pass show amocrm/secret)
    #[arg(
        long,
        env = "AMOCRM_CLIENT_SECRET",
        value_name = "SECRET",
        global = true,
        hide_env_values = true,
        value_parser = parse_client_secret,
        help_heading = "OAuth"
    )]
    pub client_secret: Option<SecretString>,

    /// The integration's redirect URI, exactly as registered, e.g.
    /// --redirect-uri https://example.com/oauth/callback
    #[arg(
        long,
        env = "AMOCRM_REDIRECT_URI",
        value_name = "URI",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub redirect_uri: Option<String>,

    /// Where OAuth token pairs are kept: a file, e.g. --token-store ~/amocrm/tokens.json,
    /// or PostgreSQL, e.g. --token-store postgres://amocrm@db.internal/amocrm [default:
    /// tokens.json next to the config file]
    #[arg(
        long,
        env = "AMOCRM_TOKEN_STORE",
        value_name = "PATH|URL",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub token_store: Option<String>,

    /// The table of a PostgreSQL token store, as [SCHEMA.]TABLE, e.g. --token-table
    /// integration_a.amocrm_tokens (one per integration) [default: public.amocrm_tokens]
    #[arg(
        long,
        env = "AMOCRM_TOKEN_TABLE",
        value_name = "[SCHEMA.]TABLE",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub token_table: Option<String>,

    /// Share the 7 requests/s of each account with every process using this Redis, e.g.
    /// --redis-url redis://127.0.0.1:6379/ [default: paced within this process only]
    #[arg(
        long,
        env = "AMOCRM_REDIS_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true,
        help_heading = "Pacing"
    )]
    pub redis_url: Option<String>,
}

/// `--client-secret`: never empty, never echoed.
fn parse_client_secret(value: &str) -> Result<SecretString, String> {
    let secret = value.trim();
    if secret.is_empty() {
        return Err("the client secret is empty".to_owned());
    }
    Ok(SecretString::from(secret.to_owned()))
}

/// `--timeout`: a duration from 1 ms to 1 hour.
fn parse_timeout(value: &str) -> Result<Duration, String> {
    duration::parse_timeout(value)
}

/// An amoCRM product domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
pub enum DomainArg {
    /// {subdomain}.amocrm.ru
    #[value(name = "amocrm.ru")]
    #[serde(rename = "amocrm.ru")]
    AmocrmRu,
    /// {subdomain}.amocrm.com
    #[value(name = "amocrm.com")]
    #[serde(rename = "amocrm.com")]
    AmocrmCom,
    /// {subdomain}.kommo.com
    #[value(name = "kommo.com")]
    #[serde(rename = "kommo.com")]
    KommoCom,
}

impl From<DomainArg> for Domain {
    fn from(domain: DomainArg) -> Self {
        match domain {
            DomainArg::AmocrmRu => Domain::AmocrmRu,
            DomainArg::AmocrmCom => Domain::AmocrmCom,
            DomainArg::KommoCom => Domain::KommoCom,
        }
    }
}

/// The token, trimmed of surrounding whitespace (a trailing newline from a file, say). The
/// error never repeats the value.
fn parse_token(value: &str) -> Result<SecretString, String> {
    let token = value.trim();
    if token.is_empty() {
        return Err("the token is empty".to_owned());
    }
    Ok(SecretString::from(token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_trimmed_and_never_empty() {
        assert!(parse_token("  \n").is_err());
        let token =
            parse_token(" abc\n").map(|t| secrecy::ExposeSecret::expose_secret(&t).to_owned());
        assert_eq!(token.as_deref(), Ok("abc"));
    }
}
