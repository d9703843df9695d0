//! The [`amocrm::Client`] built from the connection flags, environment variables and the
//! chosen profile.
//!
//! Exactly one of `--base-url` and `--subdomain` names the account. A flag on the
//! command line wins over the environment variable of the other one (so
//! `AMOCRM_SUBDOMAIN=a amocrm --base-url http://127.0.0.1:8080 …` talks to the URL);
//! both on the command line, or both only in the environment, is an input error. The
//! profile's account is used only when neither is given; its domain and timeout give way
//! to `--domain`/`AMOCRM_DOMAIN` and `--timeout`/`AMOCRM_TIMEOUT`. A profile with a domain
//! but no account gives the domain of the `--subdomain` of each call.

use std::time::Duration;

use amocrm::{Client, Domain};
use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::args::{ConnectionArgs, DomainArg};
use crate::config::{self, Profile, Selected};
use crate::failure::Failure;
use crate::token;

/// Timeout of one request when neither the flags nor the profile set one.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Connecting takes at most this long (or the request timeout, when shorter).
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the account is.
#[derive(Debug, PartialEq, Eq)]
enum Account {
    BaseUrl(String),
    Subdomain(String, Domain),
}

fn from_command_line(matches: &ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::CommandLine))
}

fn resolve(
    args: &ConnectionArgs,
    matches: &ArgMatches,
    profile: Option<&Selected>,
) -> Result<Account, Failure> {
    let mut base_url = args.base_url.as_deref().map(str::trim);
    let mut subdomain = args.subdomain.as_deref().map(str::trim);
    let mut profile_domain = None;
    if let (None, None, Some(selected)) = (base_url, subdomain, profile) {
        base_url = selected.profile.base_url.as_deref().map(str::trim);
        subdomain = selected.profile.subdomain.as_deref().map(str::trim);
        profile_domain = selected.profile.domain;
    } else if let Some(Profile {
        base_url: None,
        subdomain: None,
        domain,
        ..
    }) = profile.map(|selected| &selected.profile)
    {
        // A profile that names a domain but no account: the subdomain comes with each call.
        profile_domain = *domain;
    }
    let use_base_url = match (base_url, subdomain) {
        (None, None) => {
            return Err(Failure::input(
                "no account: give --base-url URL or --subdomain NAME (or AMOCRM_BASE_URL / AMOCRM_SUBDOMAIN, or a --profile that names one)",
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
    let explicit_domain = args.domain.or(profile_domain).map(Domain::from);
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
        explicit_domain.unwrap_or(Domain::from(DomainArg::AmocrmRu)),
    ))
}

/// The client of the flags and the profile: account, token, timeout. Input problems are
/// [`Failure::Input`] or a [`amocrm::Error::Config`] (both exit 2); nothing is sent here.
/// The token is read (from a file or stdin) only once the rest is known to be right.
pub fn client(args: &ConnectionArgs, matches: &ArgMatches) -> Result<Client, Failure> {
    let profile = config::selected(args)?;
    let account = resolve(args, matches, profile.as_ref())?;
    let timeout = args
        .timeout
        .or(profile.as_ref().and_then(|p| p.profile.timeout))
        .unwrap_or(DEFAULT_TIMEOUT);
    let token = token::resolve(args, matches, profile.as_ref())?;
    let builder = match &account {
        Account::BaseUrl(url) => Client::builder().base_url(url),
        Account::Subdomain(sub, domain) => Client::builder().account(sub, *domain),
    };
    let client = builder
        .secret_token(token)
        .timeout(timeout)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
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
        resolve(&cli.connection, &matches, None).map_err(|f| format!("{f:?}"))
    }

    fn with_profile(argv: &[&str], profile: config::Profile) -> Result<Account, String> {
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .map_err(|e| e.to_string())?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        let selected = Selected {
            name: "p".into(),
            profile,
        };
        resolve(&cli.connection, &matches, Some(&selected)).map_err(|f| format!("{f:?}"))
    }

    #[test]
    fn the_profile_names_the_account_unless_flags_do() {
        let kommo = || config::Profile {
            subdomain: Some("example".into()),
            domain: Some(DomainArg::KommoCom),
            ..config::Profile::default()
        };
        let get = ["amocrm", "widgets", "get", "x"];
        assert_eq!(
            with_profile(&get, kommo()),
            Ok(Account::Subdomain("example".into(), Domain::KommoCom))
        );
        let mut argv = get.to_vec();
        argv.extend(["--domain", "amocrm.com"]);
        assert_eq!(
            with_profile(&argv, kommo()),
            Ok(Account::Subdomain("example".into(), Domain::AmocrmCom))
        );
        let mut argv = get.to_vec();
        argv.extend(["--subdomain", "other"]);
        assert_eq!(
            with_profile(&argv, kommo()),
            Ok(Account::Subdomain("other".into(), Domain::AmocrmRu))
        );
        let mut argv = get.to_vec();
        argv.extend(["--base-url", "http://127.0.0.1:1"]);
        assert_eq!(
            with_profile(&argv, kommo()),
            Ok(Account::BaseUrl("http://127.0.0.1:1".into()))
        );
        let local = config::Profile {
            base_url: Some("http://127.0.0.1:2".into()),
            ..config::Profile::default()
        };
        assert_eq!(
            with_profile(&get, local.clone()),
            Ok(Account::BaseUrl("http://127.0.0.1:2".into()))
        );
        let mut argv = get.to_vec();
        argv.extend(["--domain", "kommo.com"]);
        assert!(with_profile(&argv, local).is_err());
        // A profile with a domain and no account: the subdomain of the flags is on it.
        let domain_only = || config::Profile {
            domain: Some(DomainArg::KommoCom),
            ..config::Profile::default()
        };
        let mut argv = get.to_vec();
        argv.extend(["--subdomain", "acme"]);
        assert_eq!(
            with_profile(&argv, domain_only()),
            Ok(Account::Subdomain("acme".into(), Domain::KommoCom))
        );
        argv.extend(["--domain", "amocrm.com"]);
        assert_eq!(
            with_profile(&argv, domain_only()),
            Ok(Account::Subdomain("acme".into(), Domain::AmocrmCom))
        );
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
