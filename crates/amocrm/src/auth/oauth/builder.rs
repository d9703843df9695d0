//! [`OAuthBuilder`]: the account, the integration's credentials, the token store and the
//! HTTP options of an [`OAuth`].

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::Mutex;

use super::{DEFAULT_REFRESH_DEADLINE, DEFAULT_REFRESH_SKEW, Inner, OAuth, State};
use crate::auth::credentials::AppCredentials;
use crate::client::{AccountUrl, HttpOptions, http_setters};
use crate::error::{Error, Result};
use crate::pace::Pacer;
use crate::store::{TokenPair, TokenStore};
use crate::widget_request::MemoryReplayGuard;

impl OAuth {
    /// A builder; an account, the integration's credentials and a [`TokenStore`] are
    /// required.
    pub fn builder() -> OAuthBuilder {
        OAuthBuilder::default()
    }
}

/// Builds an [`OAuth`]. See [`OAuth`] for an example.
#[must_use]
pub struct OAuthBuilder {
    account: Option<AccountUrl>,
    app: Option<AppCredentials>,
    store: Option<Arc<dyn TokenStore>>,
    tokens: Option<TokenPair>,
    skew: Duration,
    deadline: Duration,
    pacer: Option<Arc<dyn Pacer>>,
    http: HttpOptions,
}

impl Default for OAuthBuilder {
    fn default() -> Self {
        OAuthBuilder {
            account: None,
            app: None,
            store: None,
            tokens: None,
            skew: DEFAULT_REFRESH_SKEW,
            deadline: DEFAULT_REFRESH_DEADLINE,
            pacer: None,
            http: HttpOptions::default(),
        }
    }
}

impl fmt::Debug for OAuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthBuilder")
            .field("account", &self.account)
            .field("app", &self.app)
            .field("store", &self.store)
            .field("tokens", &self.tokens)
            .field("refresh_skew", &self.skew)
            .field("refresh_deadline", &self.deadline)
            .field("pacer", &self.pacer)
            .field("http", &self.http)
            .finish()
    }
}

impl OAuthBuilder {
    /// The account the tokens are for: the token endpoint is
    /// `{base URL}/oauth2/access_token`.
    pub fn account(mut self, account: AccountUrl) -> Self {
        self.account = Some(account);
        self
    }

    /// The integration's id, secret and redirect URI.
    pub fn app(mut self, app: AppCredentials) -> Self {
        self.app = Some(app);
        self
    }

    /// Where the account's pair lives, shared with every holder of it (required):
    /// [`MemoryTokenStore`](crate::store::MemoryTokenStore) in one process, [`FileTokenStore`](crate::store::FileTokenStore)
    /// on one machine, a database store for a fleet.
    pub fn store(mut self, store: impl TokenStore) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// A store shared with other code.
    pub fn shared_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Tokens saved earlier, to go on with while the store has none (a store's pair wins
    /// once it has one).
    pub fn tokens(mut self, tokens: TokenPair) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Refresh when the access token expires within `skew` ([`DEFAULT_REFRESH_SKEW`] by
    /// default).
    pub fn refresh_skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// How long a refresh may wait in all ([`DEFAULT_REFRESH_DEADLINE`] by default): for
    /// the store's lock (a holder behind a network partition fails the refresh with a
    /// timed-out [`StoreError`](crate::error::StoreError) instead of hanging it), for saves tried again
    /// under the lock, and for another holder to save the pair it got after the token
    /// endpoint answered "revoked" for the stored refresh token. The grant itself is
    /// bounded by the HTTP timeouts.
    pub fn refresh_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The account's pace, shared with its clients: every token request (a refresh, a code
    /// exchange) waits for a slot of the account from `pacer` first, as amoCRM counts it
    /// among the account's requests. It waits one second at most (less when the refresh
    /// deadline comes first): a slot not due by then (many calls booked ahead of it, a
    /// `Retry-After` pause) is given up and the request is sent anyway, counted by the
    /// pacer as leaving then ([`Pacer::left_unpaced`]), so that a refresh never queues
    /// behind the calls that wait for its token. A blocked account fails at once, nothing
    /// sent ([`Error::AccountBlocked`]). [`OAuth::client_builder`] hands the same pacer to its
    /// clients. An [`crate::Integration`] sets its own. Without one, token requests are
    /// not paced.
    pub fn pacer(mut self, pacer: Arc<dyn Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    http_setters!();

    /// Builds the provider; fails on a missing or invalid setting.
    pub fn build(self) -> Result<OAuth> {
        let Some(account) = self.account else {
            return Err(Error::Config(
                "OAuth: no account: call account(AccountUrl::...)".into(),
            ));
        };
        let base_url = account.checked("OAuth base URL")?;
        let app = self
            .app
            .ok_or_else(|| {
                Error::Config("OAuth: no app: call app(AppCredentials::new(...))".into())
            })?
            .checked("OAuth")?;
        let store = self.store.ok_or_else(|| {
            Error::Config(
                "OAuth: no token store: refresh tokens are single-use, so every new pair must \
                 be saved; call store or shared_store"
                    .into(),
            )
        })?;
        let http = self.http.build(&base_url)?;
        let endpoint = format!("{base_url}/oauth2/access_token");
        Ok(OAuth {
            inner: Arc::new(Inner {
                base_url,
                allow_http: account.allows_insecure_http(),
                endpoint,
                app,
                http,
                store,
                skew: self.skew,
                deadline: self.deadline,
                pacer: self.pacer,
                saving: std::sync::atomic::AtomicBool::new(false),
                state: Arc::new(Mutex::new(State {
                    tokens: self.tokens,
                    ..State::default()
                })),
                attempts: AtomicU64::new(0),
                replay: Arc::new(MemoryReplayGuard::new()),
            }),
        })
    }
}
