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

mod args;
mod profile;
mod stores;
mod token;
mod unsaved;

use std::sync::Arc;
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;

pub use args::{ConnectionArgs, DomainArg};
pub use stores::{StoreSpec, pacer};
pub use unsaved::{secure as secure_unsaved, watch as watch_unsaved};

use crate::failure::{self, Failure};
use crate::sdk::{
    AccountUrl, AppCredentials, AuthError, Client, ClientBuilder, Domain, Error, Integration,
    Pacer, StoreError, TokenStore,
};
use profile::{Profile, Selected};

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

/// What the flags, the environment and the profile say about the account.
pub struct Target {
    /// The chosen profile.
    pub profile: Option<Selected>,
    /// The account's base URL as [`Client::base_url`] gives it: the key of its token pair
    /// and its pace.
    pub key: String,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Whether plain `http://` is allowed to any host (`--allow-insecure-http`).
    allow_http: bool,
}

impl Target {
    /// The account, at its checked base URL.
    pub fn account(&self) -> AccountUrl {
        AccountUrl::base_url(&self.key).allow_insecure_http(self.allow_http)
    }
}

/// The account of the flags and the profile, checked (nothing is sent).
pub fn target(args: &ConnectionArgs, matches: &ArgMatches) -> Result<Target, Failure> {
    let profile = profile::selected(args)?;
    let account = resolve(args, matches, profile.as_ref())?;
    let timeout = args
        .timeout
        .or(profile.as_ref().and_then(|p| p.profile.timeout))
        .unwrap_or(DEFAULT_TIMEOUT);
    // A client that is never used, for the normalized base URL the library keys by.
    let url = match &account {
        Account::BaseUrl(url) => AccountUrl::base_url(url),
        Account::Subdomain(sub, domain) => AccountUrl::new(sub, *domain),
    };
    let allow_http = args.allow_insecure_http;
    let key = Client::builder()
        .account(url.allow_insecure_http(allow_http))
        .token("unused")
        .build()?
        .base_url()
        .to_owned();
    Ok(Target {
        profile,
        key,
        timeout,
        allow_http,
    })
}

/// Applies the CLI's timeouts and user agent.
fn configure(builder: ClientBuilder, timeout: Duration) -> ClientBuilder {
    builder
        .timeout(timeout)
        .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
        .user_agent(concat!("amocrm-cli/", env!("CARGO_PKG_VERSION")))
}

/// The client of the flags and the profile: account, token, timeout, pacer. Input problems
/// are [`Failure::Input`] or a [`amocrm::Error::Config`] (both exit 2); nothing is sent
/// here but the token store's read. A static token (read from a file or stdin only once
/// the rest is known to be right) is used as given; without one, the account's stored
/// OAuth pair, refreshed through the store as needed.
pub async fn client(args: &ConnectionArgs, matches: &ArgMatches) -> Result<Client, Failure> {
    let target = target(args, matches)?;
    let pacer = pacer(args)?;
    if let Some(token) = token::resolve(args, matches, target.profile.as_ref())? {
        let mut builder = configure(Client::builder().account(target.account()), target.timeout)
            .secret_token(token);
        if let Some(pacer) = pacer {
            builder = builder.pacer(pacer);
        }
        return Ok(builder.build()?);
    }
    let spec = store_spec(args, target.profile.as_ref())?;
    let store = spec.open()?;
    let stored = store.load(&target.key).await.map_err(store_failure)?;
    if stored.is_none() {
        return Err(Failure::input(format!(
            "no token: give --token-file PATH, --token-stdin or --token TOKEN (or \
             AMOCRM_TOKEN_FILE / AMOCRM_TOKEN, or a profile's token_file), or store an OAuth \
             pair for {} in {} with amocrm auth login --code CODE or amocrm auth import",
            target.key,
            spec.shown()
        )));
    }
    failure::note_token_source(
        format!(
            "the stored OAuth pair for {} in {}",
            target.key,
            spec.shown()
        ),
        true,
    );
    let integration = integration(args, store, pacer, target.timeout, "use the stored pair")?;
    let client = integration.client_at(&target.account())?;
    watch_unsaved(&integration.oauth_at(&target.account())?, spec.shown());
    Ok(client)
}

/// The token store of the flags, the environment and the profile (see [`stores::spec`]).
pub fn store_spec(args: &ConnectionArgs, profile: Option<&Selected>) -> Result<StoreSpec, Failure> {
    let profile_store = profile.and_then(|p| p.profile.token_store.as_deref());
    stores::spec(args, profile_store, profile::path(args).as_deref())
}

/// The integration of `--client-id`, `--client-secret` and `--redirect-uri` with `store`
/// and `pacer` (else an in-process one); `why` says what needs them, for the message.
pub fn integration(
    args: &ConnectionArgs,
    store: Arc<dyn TokenStore>,
    pacer: Option<Arc<dyn Pacer>>,
    timeout: Duration,
    why: &str,
) -> Result<Integration, Failure> {
    let id = args
        .client_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let redirect = args
        .redirect_uri
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let (Some(id), Some(secret), Some(redirect)) = (id, args.client_secret.clone(), redirect)
    else {
        let missing: Vec<&str> = [
            (id.is_none(), "--client-id (AMOCRM_CLIENT_ID)"),
            (
                args.client_secret.is_none(),
                "--client-secret (AMOCRM_CLIENT_SECRET)",
            ),
            (redirect.is_none(), "--redirect-uri (AMOCRM_REDIRECT_URI)"),
        ]
        .into_iter()
        .filter(|(missing, _)| *missing)
        .map(|(_, flag)| flag)
        .collect();
        return Err(Failure::input(format!(
            "to {why}, give the integration's {}",
            missing.join(", ")
        )));
    };
    let mut builder = Integration::builder()
        .app(AppCredentials::new(id, secret, redirect))
        .shared_store(store)
        // A refresh's waits (the store's lock, saves tried again) end by the run's timeout.
        .refresh_deadline(timeout)
        .configure_client(move |builder| configure(builder, timeout));
    if let Some(pacer) = pacer {
        builder = builder.pacer(pacer);
    }
    Ok(builder.build()?)
}

/// A token store that could not be read: exit 4, like a transport error.
pub fn store_failure(error: StoreError) -> Failure {
    Failure::Client(Error::Auth(AuthError::Store(error)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::{CommandFactory, FromArgMatches};

    fn account(argv: &[&str]) -> Result<Account, String> {
        let matches = Cli::command()
            .try_get_matches_from(argv)
            .map_err(|e| e.to_string())?;
        let cli = Cli::from_arg_matches(&matches).map_err(|e| e.to_string())?;
        resolve(&cli.connection, &matches, None).map_err(|f| format!("{f:?}"))
    }

    fn with_profile(argv: &[&str], profile: profile::Profile) -> Result<Account, String> {
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
        let kommo = || profile::Profile {
            subdomain: Some("example".into()),
            domain: Some(DomainArg::KommoCom),
            ..profile::Profile::default()
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
        let local = profile::Profile {
            base_url: Some("http://127.0.0.1:2".into()),
            ..profile::Profile::default()
        };
        assert_eq!(
            with_profile(&get, local.clone()),
            Ok(Account::BaseUrl("http://127.0.0.1:2".into()))
        );
        let mut argv = get.to_vec();
        argv.extend(["--domain", "kommo.com"]);
        assert!(with_profile(&argv, local).is_err());
        // A profile with a domain and no account: the subdomain of the flags is on it.
        let domain_only = || profile::Profile {
            domain: Some(DomainArg::KommoCom),
            ..profile::Profile::default()
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
