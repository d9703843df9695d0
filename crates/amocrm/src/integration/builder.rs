//! [`IntegrationBuilder`]: the integration's credentials, and the store, pacer and replay
//! guard every account of it shares.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::cache::{Cache, Limits};
use super::{AccountUrlFor, Configure, DEFAULT_STATE_LIFETIME, Inner, Integration};
use crate::auth::AppCredentials;
use crate::client::{AccountUrl, ClientBuilder, Domain};
use crate::error::{Error, Result};
use crate::pace::{MemoryPacer, Pacer};
use crate::store::{MemoryTokenStore, TokenStore};
use crate::widget_request::{MemoryReplayGuard, ReplayGuard};

impl Integration {
    /// A builder; the integration's credentials are required.
    pub fn builder() -> IntegrationBuilder {
        IntegrationBuilder::default()
    }
}

/// Builds an [`Integration`]. See [`Integration`] for an example.
#[derive(Default)]
#[must_use]
pub struct IntegrationBuilder {
    app: Option<AppCredentials>,
    store: Option<Arc<dyn TokenStore>>,
    pacer: Option<Arc<dyn Pacer>>,
    replay: Option<Arc<dyn ReplayGuard>>,
    account_url_for: Option<AccountUrlFor>,
    configure: Option<Configure>,
    state_lifetime: Option<Duration>,
    require_install_state: bool,
    block_pause: Option<Duration>,
    refresh_deadline: Option<Duration>,
    limits: Limits,
}

impl fmt::Debug for IntegrationBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntegrationBuilder")
            .field("app", &self.app)
            .field("store", &self.store)
            .field("pacer", &self.pacer)
            .finish_non_exhaustive()
    }
}

impl IntegrationBuilder {
    /// The integration's id, secret and redirect URI.
    pub fn app(mut self, app: AppCredentials) -> Self {
        self.app = Some(app);
        self
    }

    /// Where every account's tokens live ([`MemoryTokenStore`] by default: pairs are lost
    /// with the process, so a service needs a durable store).
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// A store shared with other code.
    pub fn shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Where every account's request slots come from ([`MemoryPacer`] at
    /// [`RateLimit::AMOCRM`](crate::pace::RateLimit::AMOCRM) by default).
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

    /// Maps an account to its URL (`AccountUrl::new(subdomain, domain)`, i.e.
    /// `https://{subdomain}.{domain}`, by default); e.g. `{fake}/{subdomain}` for tests
    /// against a fake server serving accounts under a path.
    pub fn account_url_for(
        mut self,
        map: impl Fn(&str, Domain) -> AccountUrl + Send + Sync + 'static,
    ) -> Self {
        self.account_url_for = Some(Arc::new(map));
        self
    }

    /// Adjusts the clients the integration builds: timeouts, `User-Agent`,
    /// [`ClientBuilder::configure_http`] and the [`RetryPolicy`](crate::RetryPolicy). It runs once, in
    /// [`IntegrationBuilder::build`], on a builder of no account: its HTTP settings make
    /// the one HTTP client (connection pool, TLS setup) that every account's API calls
    /// and token requests share, and its retry policy is every account's. The account,
    /// token provider and pacer are the integration's (setting them, or a rate limit,
    /// here fails the build with [`Error::Config`]).
    pub fn configure_client(
        mut self,
        configure: impl FnOnce(ClientBuilder) -> ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Box::new(configure));
        self
    }

    /// The accounts whose clients stay cached at most
    /// ([`DEFAULT_MAX_CACHED_ACCOUNTS`](super::DEFAULT_MAX_CACHED_ACCOUNTS) by default; at least 1). Past it, the
    /// clients used least recently are evicted, a sixteenth of the maximum at once. An
    /// evicted account loses nothing: its tokens are in the store, and the next call for it
    /// builds its client again (microseconds) and loads its pair from there. Only a client
    /// nobody holds a clone of, with no refresh under way and no pair waiting to be saved,
    /// is evicted, so the cache may exceed the maximum while callers hold more clients.
    pub fn max_cached_accounts(mut self, max: usize) -> Self {
        self.limits.max_entries = max;
        self
    }

    /// Evicts an account's cached client once unused this long, checked when another
    /// account's client is built ([`DEFAULT_IDLE_EVICTION`](super::DEFAULT_IDLE_EVICTION) by default; `None`: only
    /// [`IntegrationBuilder::max_cached_accounts`] evicts). What eviction keeps and loses:
    /// see there.
    pub fn evict_idle_after(mut self, idle: Option<Duration>) -> Self {
        self.limits.idle = idle;
        self
    }

    /// How long an install state from [`Integration::authorization_url`] is accepted
    /// ([`DEFAULT_STATE_LIFETIME`], 30 minutes, by default).
    pub fn state_lifetime(mut self, lifetime: Duration) -> Self {
        self.state_lifetime = Some(lifetime);
        self
    }

    /// Whether every install redirect must carry a state, a widget's too (`false` by
    /// default). amoCRM sends a `state` only when the authorization URL carried one, so an
    /// install started from amoCRM's widget or marketplace comes with `from_widget` and
    /// no state; by default such a redirect is accepted
    /// ([`InstallOrigin::WidgetWithoutState`](super::InstallOrigin::WidgetWithoutState)), bound only by the code exchange and the
    /// account check. `true` refuses it ([`InstallError::MissingState`](crate::error::InstallError::MissingState)): for an
    /// integration installed only through its own authorization URL. A redirect without
    /// `from_widget` and without a state is refused either way.
    pub fn require_install_state(mut self, require: bool) -> Self {
        self.require_install_state = require;
        self
    }

    /// How long a refresh of any account may wait in all
    /// ([`OAuthBuilder::refresh_deadline`](crate::auth::OAuthBuilder::refresh_deadline); [`DEFAULT_REFRESH_DEADLINE`](crate::auth::DEFAULT_REFRESH_DEADLINE)
    /// by default): for the store's lock, saves tried again under it, another holder's save.
    pub fn refresh_deadline(mut self, deadline: Duration) -> Self {
        self.refresh_deadline = Some(deadline);
        self
    }

    /// How long every account's client leaves a blocked account alone
    /// ([`ClientBuilder::block_pause`]; 10 minutes by default).
    pub fn block_pause(mut self, pause: Duration) -> Self {
        self.block_pause = Some(pause);
        self
    }

    /// Builds the integration; fails on missing or empty credentials.
    pub fn build(self) -> Result<Integration> {
        let app = self
            .app
            .ok_or_else(|| {
                Error::Config("Integration: no app: call app(AppCredentials::new(...))".into())
            })?
            .checked("Integration")?;
        let mut template = ClientBuilder::default();
        if let Some(configure) = self.configure {
            template = configure(template);
        }
        let (http, retry, template_block_pause) = template.into_template()?;
        // One client for every account: a `reqwest::Client` is an `Arc` around its pool
        // and TLS setup, which is what takes a build its milliseconds.
        let http = http.build_shared()?;
        Ok(Integration {
            inner: Arc::new(Inner {
                app,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryTokenStore::new())),
                pacer: self
                    .pacer
                    .unwrap_or_else(|| Arc::new(MemoryPacer::default())),
                replay: self
                    .replay
                    .unwrap_or_else(|| Arc::new(MemoryReplayGuard::new())),
                account_url_for: self.account_url_for.unwrap_or_else(|| {
                    Arc::new(|subdomain: &str, domain: Domain| AccountUrl::new(subdomain, domain))
                }),
                http,
                retry,
                block_pause: self.block_pause.or(template_block_pause),
                state_lifetime: self.state_lifetime.unwrap_or(DEFAULT_STATE_LIFETIME),
                require_install_state: self.require_install_state,
                refresh_deadline: self
                    .refresh_deadline
                    .unwrap_or(crate::auth::DEFAULT_REFRESH_DEADLINE),
                clients: Cache::new(self.limits),
            }),
        })
    }
}
