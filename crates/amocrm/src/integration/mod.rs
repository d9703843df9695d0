//! One integration serving many accounts: a cached [`Client`] per account, all sharing
//! the integration's token store, pacer and widget_request replay guard.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use secrecy::{ExposeSecret, SecretString};

use crate::client::{Client, ClientBuilder, Domain, account_url, check_base_url};
use crate::error::{Error, Result};
use crate::oauth::OAuth;
use crate::pace::{MemoryPacer, Pacer};
use crate::token_store::{MemoryTokenStore, TokenStore};
use crate::widget_request::{
    MemoryReplayGuard, ReplayGuard, VerifiedWidgetRequest, WidgetRequestVerifier,
};

/// Maps an account (subdomain, domain) to its base URL.
type BaseUrlFor = Arc<dyn Fn(&str, Domain) -> String + Send + Sync>;

/// Adjusts every client an [`Integration`] builds.
type Configure = Arc<dyn Fn(ClientBuilder) -> ClientBuilder + Send + Sync>;

/// An amoCRM integration (client id, secret, redirect URI) and every account that
/// installed it. It hands out one cached [`Client`] per account (clones of it are cheap),
/// whose OAuth tokens live in the integration's [`TokenStore`] and whose requests take
/// their slots from the integration's [`Pacer`], keyed by the account's base URL; the
/// instances of a service that share the store's and the pacer's engines (PostgreSQL,
/// Redis) refresh each account's tokens once and keep each account under its limit
/// together.
///
/// ```no_run
/// use std::sync::Arc;
/// use amocrm::{FileTokenStore, Integration, WidgetRequest};
///
/// # async fn run(code: &str, referer: &str, body: &[u8]) -> Result<(), amocrm::Error> {
/// let integration = Integration::builder()
///     .client_id("integration-id")
///     .client_secret("integration-secret")
///     .redirect_uri("https://example.com/oauth/callback")
///     .token_store(Arc::new(FileTokenStore::new("/var/lib/widget/tokens.json")))
///     .build()?;
///
/// // The install redirect: `?code=...&referer=example.amocrm.ru`.
/// let client = integration.install(code, referer).await?;
/// let _account = client.account().get().await?;
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
    client_id: String,
    client_secret: SecretString,
    redirect_uri: String,
    store: Arc<dyn TokenStore>,
    pacer: Arc<dyn Pacer>,
    replay: Arc<dyn ReplayGuard>,
    base_url_for: BaseUrlFor,
    allow_http: bool,
    configure: Option<Configure>,
    /// The client of each account, by base URL.
    clients: Mutex<HashMap<String, (Client, OAuth)>>,
}

impl fmt::Debug for Integration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts = self.accounts();
        f.debug_struct("Integration")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("redirect_uri", &self.inner.redirect_uri)
            .field("store", &self.inner.store)
            .field("pacer", &self.inner.pacer)
            .field("accounts", &accounts)
            .finish_non_exhaustive()
    }
}

impl Integration {
    /// A builder; the client id, secret and redirect URI are required.
    pub fn builder() -> IntegrationBuilder {
        IntegrationBuilder::default()
    }

    /// The integration's token store.
    pub fn token_store(&self) -> &Arc<dyn TokenStore> {
        &self.inner.store
    }

    /// The integration's pacer.
    pub fn pacer(&self) -> &Arc<dyn Pacer> {
        &self.inner.pacer
    }

    /// The base URL of an account, as the integration maps it (`https://{sub}.{domain}` by
    /// default, see [`IntegrationBuilder::base_url_for`]).
    pub fn base_url(&self, subdomain: &str, domain: Domain) -> Result<String> {
        account_url(subdomain, domain).map_err(Error::Config)?;
        Ok((self.inner.base_url_for)(subdomain, domain))
    }

    /// The client of the account `subdomain` on `domain`: built on first use, then the
    /// same client (a cheap clone) every time.
    ///
    /// ```
    /// use amocrm::{Domain, Integration};
    ///
    /// # fn main() -> Result<(), amocrm::Error> {
    /// let integration = Integration::builder()
    ///     .client_id("integration-id")
    ///     .client_secret("integration-secret")
    ///     .redirect_uri("https://example.com/oauth/callback")
    ///     // Accounts of a local fake server, served under a path each.
    ///     .base_url_for(|subdomain, _| format!("http://127.0.0.1:8080/{subdomain}"))
    ///     .build()?;
    /// let one = integration.client("example", Domain::AmocrmRu)?;
    /// assert_eq!(one.base_url(), "http://127.0.0.1:8080/example");
    /// assert!(integration.client("example", Domain::AmocrmRu)?.ptr_eq(&one));
    /// assert!(!integration.client("other", Domain::AmocrmRu)?.ptr_eq(&one));
    /// # Ok(()) }
    /// ```
    pub fn client(&self, subdomain: &str, domain: Domain) -> Result<Client> {
        self.client_for_base_url(&self.base_url(subdomain, domain)?)
    }

    /// The client of the account at `url` (built on first use, then cached).
    pub fn client_for_base_url(&self, url: &str) -> Result<Client> {
        self.account(url).map(|(client, _)| client)
    }

    /// The OAuth tokens of the account at `url` (those of its cached client).
    pub fn oauth_for_base_url(&self, url: &str) -> Result<OAuth> {
        self.account(url).map(|(_, oauth)| oauth)
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
    /// it), saves the new pair in the store under that account and returns its client.
    pub async fn install(&self, code: &str, referer: &str) -> Result<Client> {
        let (subdomain, domain) = referer_account(referer)?;
        let (client, oauth) = self.account(&self.base_url(&subdomain, domain)?)?;
        oauth.exchange_code(code).await?;
        Ok(client)
    }

    /// A verifier of widget_request tokens signed with the integration's secret, for
    /// accounts on every amoCRM domain, remembering accepted tokens in the integration's
    /// replay guard (shared by every verifier it hands out).
    pub fn widget_request_verifier(&self) -> WidgetRequestVerifier {
        WidgetRequestVerifier::from_secret(self.inner.client_secret.clone())
            .replay_guard(self.inner.replay.clone())
            .domains([Domain::AmocrmRu, Domain::AmocrmCom, Domain::KommoCom])
    }

    /// The base URLs of the accounts whose clients are cached.
    pub fn accounts(&self) -> Vec<String> {
        let mut accounts: Vec<String> = self.clients().keys().cloned().collect();
        accounts.sort();
        accounts
    }

    fn clients(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Client, OAuth)>> {
        self.inner
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn account(&self, url: &str) -> Result<(Client, OAuth)> {
        let base_url = check_base_url("account base URL", url, self.inner.allow_http)?;
        let mut clients = self.clients();
        if let Some(cached) = clients.get(&base_url) {
            return Ok(cached.clone());
        }
        let inner = &self.inner;
        let oauth = OAuth::builder()
            .base_url(&base_url)
            .allow_insecure_http(inner.allow_http)
            .client_id(inner.client_id.clone())
            .secret_client_secret(inner.client_secret.clone())
            .redirect_uri(inner.redirect_uri.clone())
            .shared_store(inner.store.clone())
            .build()?;
        let mut builder = oauth
            .client_builder()
            .allow_insecure_http(inner.allow_http)
            .pacer(inner.pacer.clone());
        if let Some(configure) = &inner.configure {
            builder = configure(builder);
        }
        let client = builder.build()?;
        clients.insert(base_url, (client.clone(), oauth.clone()));
        Ok((client, oauth))
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

/// Builds an [`Integration`]. See [`Integration`] for an example.
#[derive(Default)]
#[must_use]
pub struct IntegrationBuilder {
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
    store: Option<Arc<dyn TokenStore>>,
    pacer: Option<Arc<dyn Pacer>>,
    replay: Option<Arc<dyn ReplayGuard>>,
    base_url_for: Option<BaseUrlFor>,
    allow_http: bool,
    configure: Option<Configure>,
}

impl fmt::Debug for IntegrationBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrationBuilder")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("store", &self.store)
            .field("pacer", &self.pacer)
            .finish_non_exhaustive()
    }
}

impl IntegrationBuilder {
    /// The integration's ID (`client_id`).
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The integration's secret key (`client_secret`).
    pub fn client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(client_secret.into()));
        self
    }

    /// The integration's secret key, kept as a secret already.
    pub fn secret_client_secret(mut self, client_secret: SecretString) -> Self {
        self.client_secret = Some(client_secret);
        self
    }

    /// The integration's redirect URI, exactly as registered.
    pub fn redirect_uri(mut self, redirect_uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(redirect_uri.into());
        self
    }

    /// Where every account's tokens live ([`MemoryTokenStore`] by default: pairs are lost
    /// with the process, so a service needs a durable store).
    pub fn token_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Where every account's request slots come from ([`MemoryPacer`] at
    /// [`crate::RateLimit::AMOCRM`] by default).
    pub fn pacer(mut self, pacer: Arc<dyn Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Where accepted widget_request tokens are remembered ([`MemoryReplayGuard`] by
    /// default, shared by every verifier of the integration).
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay = Some(guard);
        self
    }

    /// Maps an account to its base URL (`https://{subdomain}.{domain}` by default); e.g.
    /// `{fake}/{subdomain}` for tests against a fake server serving accounts under a path.
    pub fn base_url_for(
        mut self,
        map: impl Fn(&str, Domain) -> String + Send + Sync + 'static,
    ) -> Self {
        self.base_url_for = Some(Arc::new(map));
        self
    }

    /// Accepts `http://` base URLs on any host (loopback hosts are always accepted).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Adjusts every client the integration builds (timeouts, retries, HTTP settings);
    /// its token provider and pacer are the integration's.
    pub fn configure_client(
        mut self,
        configure: impl Fn(ClientBuilder) -> ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(configure));
        self
    }

    /// Builds the integration; fails on a missing setting.
    pub fn build(self) -> Result<Integration> {
        let missing = |what: &str| Error::Config(format!("Integration: no {what}"));
        let client_id = self
            .client_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| missing("client_id"))?;
        let client_secret = self
            .client_secret
            .filter(|secret| !secret.expose_secret().is_empty())
            .ok_or_else(|| missing("client_secret"))?;
        let redirect_uri = self
            .redirect_uri
            .filter(|uri| !uri.is_empty())
            .ok_or_else(|| missing("redirect_uri"))?;
        Ok(Integration {
            inner: Arc::new(Inner {
                client_id,
                client_secret,
                redirect_uri,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryTokenStore::new())),
                pacer: self
                    .pacer
                    .unwrap_or_else(|| Arc::new(MemoryPacer::default())),
                replay: self
                    .replay
                    .unwrap_or_else(|| Arc::new(MemoryReplayGuard::new())),
                base_url_for: self.base_url_for.unwrap_or_else(|| {
                    Arc::new(|subdomain: &str, domain: Domain| {
                        format!("https://{subdomain}.{}", domain.as_str())
                    })
                }),
                allow_http: self.allow_http,
                configure: self.configure,
                clients: Mutex::new(HashMap::new()),
            }),
        })
    }
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
