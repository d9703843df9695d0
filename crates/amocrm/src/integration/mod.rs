#![doc = include_str!("../docs/fleet.md")]

mod account_ids;
mod builder;
mod cache;
mod delivery;
mod redirect;
mod state;
mod uninstall;

use std::fmt;
use std::sync::Arc;

use crate::auth::{AppCredentials, OAuth};
use crate::client::{AccountUrl, Client, ClientBuilder, Domain};
use crate::error::{AuthError, Error, ErrorKind, Result, UnverifiedInstall};
use crate::pace::Pacer;
use crate::store::{MemoryTokenStore, TokenPair, TokenStore};
use crate::transport::RetryPolicy;
use crate::widget_request::{ReplayGuard, VerifiedWidgetRequest, WidgetRequestVerifier};

pub use account_ids::AccountIdsRecorded;
pub use builder::IntegrationBuilder;
use cache::{Cache, Evict};
pub use cache::{DEFAULT_IDLE_EVICTION, DEFAULT_MAX_CACHED_ACCOUNTS};
pub use redirect::{InstallOrigin, InstallRedirect, Installed};
pub use state::{AuthMode, AuthorizationUrl, DEFAULT_STATE_LIFETIME, VerifiedState};
pub use uninstall::{UninstallHook, Uninstalled};

/// Maps an account (subdomain, domain) to its URL.
type AccountUrlFor = Arc<dyn Fn(&str, Domain) -> AccountUrl + Send + Sync>;

/// Adjusts the clients an [`Integration`] builds (run once, on a template).
type Configure = Box<dyn FnOnce(ClientBuilder) -> ClientBuilder + Send + Sync>;

/// An amoCRM integration (client id, secret, redirect URI) and every account that
/// installed it. It hands out one cached [`Client`] per account (clones of it are cheap),
/// whose OAuth tokens live in the integration's [`TokenStore`] and whose requests take
/// their slots from the integration's [`Pacer`], keyed by the account's base URL; the
/// instances of a service that share the store's and the pacer's engines (PostgreSQL,
/// Redis) refresh each account's tokens once and keep each account under its limit
/// together.
///
/// ```no_run
/// use amocrm::store::FileTokenStore;
/// use amocrm::widget_request::WidgetRequest;
/// use amocrm::{AppCredentials, Integration};
///
/// # async fn run(code: &str, referer: &str, body: &[u8]) -> Result<(), amocrm::Error> {
/// let integration = Integration::builder()
///     .app(AppCredentials::new(
///         "integration-id",
///         "integration-secret",
///         "https://example.com/oauth/callback",
///     ))
///     .store(FileTokenStore::new("/var/lib/widget/tokens.json"))
///     .build()?;
///
/// // The install redirect: `?code=...&referer=example.amocrm.ru`.
/// let client = integration.install(code, referer).await?;
/// let _account = client.account().get().send().await?;
///
/// // A bot's widget step: verify it, then continue with that account's client.
/// let request = WidgetRequest::from_slice(body)?;
/// let verified = integration.widget_request_verifier().verify_once(&request).await?;
/// let client = integration.client_for(&verified)?;
/// # let _ = client;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Integration {
    inner: Arc<Inner>,
}

struct Inner {
    app: AppCredentials,
    store: Arc<dyn TokenStore>,
    pacer: Arc<dyn Pacer>,
    replay: Arc<dyn ReplayGuard>,
    account_url_for: AccountUrlFor,
    /// The one HTTP client (connection pool, TLS setup) of every account's API calls and
    /// token requests.
    http: reqwest::Client,
    /// The retry policy of every account's client (`configure_client`'s).
    retry: Option<RetryPolicy>,
    /// How long a blocked account is paused (`block_pause`), when set.
    block_pause: Option<std::time::Duration>,
    /// How long an issued install state is accepted.
    state_lifetime: std::time::Duration,
    /// Whether a widget's install redirect without a state is refused too.
    require_install_state: bool,
    /// How long a refresh may wait in all (every account's `OAuth`).
    refresh_deadline: std::time::Duration,
    /// The client of each account, by base URL.
    clients: Cache<Account>,
}

/// A cached account: its client and the OAuth under it.
#[derive(Clone)]
struct Account {
    client: Client,
    oauth: OAuth,
}

impl Evict for Account {
    fn evictable(&self) -> bool {
        !self.client.is_held_elsewhere() && self.oauth.is_at_rest()
    }
}

impl fmt::Debug for Integration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts = self.accounts();
        f.debug_struct("Integration")
            .field("app", &self.inner.app)
            .field("store", &self.inner.store)
            .field("pacer", &self.inner.pacer)
            .field("accounts", &accounts)
            .finish_non_exhaustive()
    }
}

impl Integration {
    /// The integration's token store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    /// The integration's pacer.
    pub fn pacer(&self) -> &Arc<dyn Pacer> {
        &self.inner.pacer
    }

    /// The URL of an account, as the integration maps it (`https://{sub}.{domain}` by
    /// default, see [`IntegrationBuilder::account_url_for`]); a subdomain that is not one
    /// is [`Error::Config`].
    pub fn account_url(&self, subdomain: &str, domain: Domain) -> Result<AccountUrl> {
        AccountUrl::new(subdomain, domain).checked("account")?;
        Ok((self.inner.account_url_for)(subdomain, domain))
    }

    /// The client of the account `subdomain` on `domain`: built on first use, then the
    /// same client (a cheap clone) every time.
    ///
    /// ```
    /// use amocrm::{AccountUrl, AppCredentials, Domain, Integration};
    ///
    /// # fn main() -> Result<(), amocrm::Error> {
    /// let integration = Integration::builder()
    ///     .app(AppCredentials::new(
    ///         "integration-id",
    ///         "integration-secret",
    ///         "https://example.com/oauth/callback",
    ///     ))
    ///     // Accounts of a local fake server, served under a path each.
    ///     .account_url_for(|subdomain, _| {
    ///         AccountUrl::base_url(format!("http://127.0.0.1:8080/{subdomain}"))
    ///     })
    ///     .build()?;
    /// let one = integration.client("example", Domain::AmocrmRu)?;
    /// assert_eq!(one.base_url(), "http://127.0.0.1:8080/example");
    /// assert!(integration.client("example", Domain::AmocrmRu)?.ptr_eq(&one));
    /// assert!(!integration.client("other", Domain::AmocrmRu)?.ptr_eq(&one));
    /// # Ok(()) }
    /// ```
    pub fn client(&self, subdomain: &str, domain: Domain) -> Result<Client> {
        self.client_at(&self.account_url(subdomain, domain)?)
    }

    /// The client of the account at `url` (built on first use, then cached by its base
    /// URL).
    pub fn client_at(&self, url: &AccountUrl) -> Result<Client> {
        self.account(url).map(|account| account.client)
    }

    /// The OAuth tokens of the account at `url` (those of its cached client).
    pub fn oauth_at(&self, url: &AccountUrl) -> Result<OAuth> {
        self.account(url).map(|account| account.oauth)
    }

    /// The client of the account a verified widget_request came from (the subdomain in its
    /// signed token, on the domain of its `return_url`).
    pub fn client_for(&self, request: &VerifiedWidgetRequest) -> Result<Client> {
        let subdomain = &request.claims().subdomain;
        let domain = Domain::of_host(request.continue_url().host())
            .map_or(Domain::AmocrmRu, |(_, domain)| domain);
        self.client(subdomain, domain)
    }

    /// The install redirect (`?code=...&referer=example.amocrm.ru`): exchanges `code` for
    /// the account named by `referer` (a host such as `example.amocrm.ru`, or a URL of
    /// it), checks with `GET /api/v4/account` that the new token is that account's (a
    /// forged referer must not put one account's tokens under another's key:
    /// [`AuthError::WrongAccount`], and nothing is stored), then saves the pair in the
    /// store under that account and returns its client. When the check itself fails for a
    /// passing reason (a 5xx, a 429, the network), nothing is stored either, and the
    /// error is [`Error::InstallUnverified`], which keeps the new pair (the code is spent):
    /// finish with [`Integration::complete_install`].
    pub async fn install(&self, code: &str, referer: &str) -> Result<Client> {
        let (subdomain, url, base_url) = self.install_target(referer)?;
        // The code is exchanged apart from the store, whose pair changes only once the
        // token is known to be this account's.
        let trial = self.trial(&url, &base_url, None)?;
        trial.exchange_code(code).await?;
        self.bind(&trial, referer, &subdomain, &url).await
    }

    /// Finishes an install whose check failed for a passing reason
    /// ([`Error::InstallUnverified`]): checks its pair against the referer's account and,
    /// when it is that account's, stores it and returns the account's client; a failed
    /// check again is [`Error::InstallUnverified`] again.
    ///
    /// ```no_run
    /// # async fn run(integration: amocrm::Integration, code: &str) -> amocrm::Result<()> {
    /// let client = match integration.install(code, "example.amocrm.ru").await {
    ///     Err(amocrm::Error::InstallUnverified(unverified)) => {
    ///         // amoCRM did not answer the check; try again a little later.
    ///         tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    ///         integration.complete_install(*unverified).await?
    ///     }
    ///     other => other?,
    /// };
    /// # let _ = client; Ok(()) }
    /// ```
    pub async fn complete_install(&self, unverified: UnverifiedInstall) -> Result<Client> {
        let referer = unverified.referer;
        let (subdomain, url, base_url) = self.install_target(&referer)?;
        let trial = self.trial(&url, &base_url, Some(unverified.pair))?;
        self.bind(&trial, &referer, &subdomain, &url).await
    }

    /// The account an install is for: the referer's subdomain, URL and base URL.
    fn install_target(&self, referer: &str) -> Result<(String, AccountUrl, String)> {
        let (subdomain, domain) = referer_account(referer)?;
        let url = self.account_url(&subdomain, domain)?;
        let base_url = url.checked("account base URL")?;
        Ok((subdomain, url, base_url))
    }

    /// OAuth of the account at `url` on a store of its own (nothing reaches the shared
    /// store before the check), holding `pair` when given.
    fn trial(&self, url: &AccountUrl, base_url: &str, pair: Option<TokenPair>) -> Result<OAuth> {
        let account = AccountUrl::base_url(base_url.to_owned())
            .allow_insecure_http(url.allows_insecure_http());
        let mut builder = OAuth::builder()
            .account(account)
            .app(self.inner.app.clone())
            .store(MemoryTokenStore::new())
            .shared_http(self.inner.http.clone())
            .pacer(self.inner.pacer.clone())
            .refresh_deadline(self.inner.refresh_deadline);
        if let Some(pair) = pair {
            builder = builder.tokens(pair);
        }
        builder.build()
    }

    /// Checks `trial`'s token against the account `subdomain`, then stores its pair and
    /// returns the account's client.
    async fn bind(
        &self,
        trial: &OAuth,
        referer: &str,
        subdomain: &str,
        url: &AccountUrl,
    ) -> Result<Client> {
        let base_url = url.checked("account base URL")?;
        let checked = self.client_of(trial)?.account().get().send().await;
        let account = match checked {
            Ok(account) => account,
            Err(source) if passing(&source) => {
                let pair = trial.tokens().await.ok_or(AuthError::NoTokens)?;
                let referer = referer.to_owned();
                let unverified = UnverifiedInstall {
                    pair,
                    referer,
                    source,
                };
                return Err(Error::InstallUnverified(Box::new(unverified)));
            }
            Err(error) => return Err(error),
        };
        if !account
            .subdomain
            .as_deref()
            .is_some_and(|found| found.eq_ignore_ascii_case(subdomain))
        {
            return Err(AuthError::WrongAccount {
                expected: subdomain.to_owned(),
                found: account.subdomain,
            }
            .into());
        }
        let pair = trial.tokens().await.ok_or(AuthError::NoTokens)?;
        save(&*self.inner.store, &base_url, &pair).await?;
        // The uninstall hook names the account by its id only.
        self.inner
            .store
            .set_account_id(&base_url, account.id)
            .await
            .map_err(AuthError::Store)?;
        // A client cached before (a reinstall) would keep the old pair in memory.
        self.inner.clients.remove(&base_url);
        self.client_at(url)
    }

    /// A verifier of widget_request tokens signed with the integration's secret, for
    /// accounts on every amoCRM domain, remembering accepted tokens in the integration's
    /// replay guard (shared by every verifier it hands out).
    pub fn widget_request_verifier(&self) -> WidgetRequestVerifier {
        WidgetRequestVerifier::from_secret(self.inner.app.client_secret().clone())
            .replay_guard(self.inner.replay.clone())
            .domains([Domain::AmocrmRu, Domain::AmocrmCom, Domain::KommoCom])
    }

    /// The base URLs of the accounts whose clients are cached.
    pub fn accounts(&self) -> Vec<String> {
        self.inner.clients.keys()
    }

    /// Saves now every cached account's pair its store has not taken yet
    /// ([`OAuth::flush`]), for a service about to shut down; the accounts (base URLs) whose
    /// pair is still only in memory, with why. Such a pair is the account's only live
    /// refresh token: keep it elsewhere ([`OAuth::unsaved_pair`]) or the account must be
    /// installed again.
    pub async fn flush(&self) -> Vec<(String, Error)> {
        let mut failed = Vec::new();
        for key in self.inner.clients.keys() {
            let Some(account) = self.inner.clients.get(&key) else {
                continue;
            };
            if let Err(error) = account.oauth.flush().await {
                failed.push((key, error));
            }
        }
        failed
    }

    /// A client of `oauth`'s account on the integration's pacer and HTTP client, as
    /// configured.
    fn client_of(&self, oauth: &OAuth) -> Result<Client> {
        let mut builder = oauth
            .client_builder()
            .pacer(self.inner.pacer.clone())
            .shared_http(self.inner.http.clone());
        if let Some(retry) = &self.inner.retry {
            builder = builder.retry(retry.clone());
        }
        if let Some(pause) = self.inner.block_pause {
            builder = builder.block_pause(pause);
        }
        builder.build()
    }

    /// The cached account at `url`, or one built (with no lock held: lookups of other
    /// accounts never wait for it) and cached.
    fn account(&self, url: &AccountUrl) -> Result<Account> {
        let base_url = url.checked("account base URL")?;
        self.inner.clients.get_or_build(&base_url, || {
            let inner = &self.inner;
            let account = AccountUrl::base_url(base_url.clone())
                .allow_insecure_http(url.allows_insecure_http());
            let oauth = OAuth::builder()
                .account(account)
                .app(inner.app.clone())
                .shared_store(inner.store.clone())
                .shared_http(inner.http.clone())
                .pacer(inner.pacer.clone())
                .refresh_deadline(inner.refresh_deadline)
                .build()?;
            let client = self.client_of(&oauth)?;
            Ok(Account { client, oauth })
        })
    }
}

/// Saves `pair` as `account`'s under the store's lock (the newest pair: a new chain).
async fn save(store: &dyn TokenStore, account: &str, pair: &TokenPair) -> Result<()> {
    let mut lock = store.lock(account).await.map_err(AuthError::Store)?;
    let saved = lock.save(pair).await;
    if let Err(error) = lock.release().await {
        tracing::warn!(error = %error, "releasing the token store's lock failed");
    }
    saved.map_err(|error| AuthError::Store(error).into())
}

/// Whether an error of the account check may pass: amoCRM's side (5xx, 429, an answer
/// that is not amoCRM's) or the way there, not the token or the request.
fn passing(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::RateLimited
        | ErrorKind::Transport
        | ErrorKind::Pace
        | ErrorKind::ResponseTooLarge => true,
        ErrorKind::Api | ErrorKind::UnexpectedStatus | ErrorKind::Decode => {
            error.status().is_some_and(|status| status >= 500)
        }
        _ => false,
    }
}

/// The account of an install redirect's `referer`: `example.amocrm.ru`, or a URL of it.
fn referer_account(referer: &str) -> Result<(String, Domain)> {
    let text = referer.trim();
    let host = match text.split_once("://") {
        Some((_, rest)) => rest,
        None => text,
    };
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.to_ascii_lowercase();
    Domain::of_host(&host).ok_or_else(|| {
        Error::Config(format!(
            "install: the referer ({} bytes) is not an amoCRM account host such as example.amocrm.ru",
            referer.len()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referers_name_their_account() {
        for referer in [
            "example.amocrm.ru",
            "https://example.amocrm.ru",
            "https://example.amocrm.ru/",
            " Example.amocrm.ru ",
        ] {
            assert_eq!(
                referer_account(referer).unwrap(),
                ("example".to_owned(), Domain::AmocrmRu),
                "{referer}"
            );
        }
        assert_eq!(
            referer_account("shop.kommo.com").unwrap(),
            ("shop".to_owned(), Domain::KommoCom)
        );
        for bad in [
            "",
            "amocrm.ru",
            "evil.example.com",
            "a.b.amocrm.ru",
            "https://",
        ] {
            assert!(referer_account(bad).is_err(), "{bad}");
        }
    }
}
