//! The [`amocrm::Client`] built from the connection flags and environment variables.
//!
//! Exactly one of `--base-url` and `--subdomain` names the account. A flag on the
//! command line wins over the environment variable of the other one (so
//! `AMOCRM_SUBDOMAIN=a amocrm --base-url http://127.0.0.1:8080 …` talks to the URL);
//! both on the command line, or both only in the environment, is an input error.

use std::time::Duration;

use amocrm::{Client, Domain};
use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::args::ConnectionArgs;
use crate::failure::Failure;

/// Where the account is.
#[derive(Debug, PartialEq, Eq)]
enum Account {
    BaseUrl(String),
    Subdomain(String, Domain),
}

fn from_command_line(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine))
}

fn resolve(args: &ConnectionArgs, matches: &ArgMatches) -> Result<Account, Failure> {
    let base_url = args.base_url.as_deref().map(str::trim);
    let subdomain = args.subdomain.as_deref().map(str::trim);
    let use_base_url = match (base_url, subdomain) {
        (None, None) => {
            return Err(Failure::input(
                "no account: give --base-url URL or --subdomain NAME (or AMOCRM_BASE_URL / AMOCRM_SUBDOMAIN)",
            ));
        }
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (Some(_), Some(_)) => {
            match (
                from_command_line(matches, "base_url"),
                from_command_line(matches, "subdomain"),
            ) {
                (true, false) => true,
                (false, true) => false,
                _ => {
                    return Err(Failure::input(
                        "give either --base-url or --subdomain, not both (AMOCRM_BASE_URL / AMOCRM_SUBDOMAIN count too)",
                    ));
                }
            }
        }
    };
    let explicit_domain = (matches.value_source("domain") != Some(ValueSource::DefaultValue))
        .then_some(Domain::from(args.domain));
    if use_base_url {
        let url = base_url.unwrap_or_default();
        if from_command_line(matches, "domain") {
            return Err(Failure::input(
                "--domain goes with --subdomain; a --base-url names its host already",
            ));
        }
        return Ok(Account::BaseUrl(url.to_owned()));
    }
    let name = subdomain.unwrap_or_default();
    // A full host: example.kommo.com.
    if name.contains('.') {
        return match Domain::of_host(&name.to_ascii_lowercase()) {
            Some((sub, domain)) if explicit_domain.is_none_or(|d| d == domain) => {
                Ok(Account::Subdomain(sub, domain))
            }
            Some(_) => Err(Failure::input(format!(
                "--subdomain {name:?} is on another domain than --domain / AMOCRM_DOMAIN"
            ))),
            None => Err(Failure::input(format!(
                "--subdomain {name:?}: give the subdomain alone (example), or a host on amocrm.ru, amocrm.com or kommo.com"
            ))),
        };
    }
    Ok(Account::Subdomain(
        name.to_owned(),
        Domain::from(args.domain),
    ))
}

/// The client of the flags: account, token, timeout. Input problems are [`Failure::Input`]
/// or a [`amocrm::Error::Config`] (both exit 2); nothing is sent here.
pub fn client(args: &ConnectionArgs, matches: &ArgMatches) -> Result<Client, Failure> {
    let account = resolve(args, matches)?;
    let Some(token) = args.token.clone() else {
        return Err(Failure::input(
            "no token: give --token TOKEN or set AMOCRM_TOKEN",
        ));
    };
    let builder = match &account {
        Account::BaseUrl(url) => Client::builder().base_url(url),
        Account::Subdomain(sub, domain) => Client::builder().account(sub, *domain),
    };
    let client = builder
        .secret_token(token)
        .timeout(Duration::from_secs(args.timeout))
        .connect_timeout(Duration::from_secs(args.timeout.min(10)))
        .allow_insecure_http(args.allow_insecure_http)
        .user_agent(concat!("amocrm-cli/", env!("CARGO_PKG_VERSION")))
        .build()?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::{CommandFactory, FromArgMatches};

    fn account(argv: &[&str]) -> Result<Account, String> {
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .map_err(|e| e.to_string())?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        resolve(&cli.connection, &matches).map_err(|f| format!("{f:?}"))
    }

    #[test]
    fn exactly_one_account() {
        assert_eq!(
            account(&["amocrm", "--subdomain", "ex", "widgets", "get", "x"]),
            Ok(Account::Subdomain("ex".into(), Domain::AmocrmRu))
        );
        assert_eq!(
            account(&[
                "amocrm",
                "widgets",
                "get",
                "x",
                "--subdomain",
                "ex",
                "--domain",
                "kommo.com"
            ]),
            Ok(Account::Subdomain("ex".into(), Domain::KommoCom))
        );
        assert_eq!(
            account(&[
                "amocrm",
                "--subdomain",
                "ex.amocrm.com",
                "widgets",
                "get",
                "x"
            ]),
            Ok(Account::Subdomain("ex".into(), Domain::AmocrmCom))
        );
        assert_eq!(
            account(&[
                "amocrm",
                "widgets",
                "get",
                "x",
                "--base-url",
                "http://127.0.0.1:1"
            ]),
            Ok(Account::BaseUrl("http://127.0.0.1:1".into()))
        );
        assert!(
            account(&[
                "amocrm",
                "--base-url",
                "http://127.0.0.1:1",
                "--subdomain",
                "ex",
                "widgets",
                "get",
                "x"
            ])
            .is_err()
        );
        assert!(
            account(&[
                "amocrm",
                "--base-url",
                "http://127.0.0.1:1",
                "--domain",
                "kommo.com",
                "widgets",
                "get",
                "x"
            ])
            .is_err()
        );
        assert!(
            account(&[
                "amocrm",
                "--subdomain",
                "ex.kommo.com",
                "--domain",
                "amocrm.ru",
                "widgets",
                "get",
                "x"
            ])
            .is_err()
        );
    }
}
