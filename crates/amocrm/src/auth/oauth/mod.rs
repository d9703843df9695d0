//! OAuth 2.0 access tokens that refresh themselves, through a [`TokenStore`] shared by every
//! holder of the account's pair.
//!
//! amoCRM's refresh tokens are single-use: every refresh answers a new pair and revokes
//! the old refresh token. [`OAuth`] therefore refreshes by the store's protocol: a fresh
//! pair another holder saved is adopted; else, under the store's exclusive lock, a pair
//! saved while it waited is adopted, and only else, once the lock is verified still its
//! own ([`TokenLock::verify`](crate::store::TokenLock::verify)), it calls the token endpoint with the stored
//! refresh token and saves the new pair, trying again under the lock until the refresh
//! deadline. A pair the store still refuses is used from memory and saved again in the
//! background ([`OAuth::unsaved_pair`], [`OAuth::flush`]); a "revoked" answer for a token
//! read under the lock waits for the holder that spent it to save its pair.

mod answer;
mod builder;
mod grant;
mod pending;
mod refresh;
mod slot;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::auth::credentials::AppCredentials;
use crate::auth::provider::TokenProvider;
use crate::client::{AccountUrl, Client, ClientBuilder, Domain};
use crate::error::{AuthError, Error, Result};
use crate::store::{TokenPair, TokenStore};
use crate::widget_request::{MemoryReplayGuard, WidgetRequestVerifier};

pub use answer::TokenAnswer;
pub use builder::OAuthBuilder;
pub use grant::MAX_TOKEN_RESPONSE_BYTES;
pub use pending::{BACKGROUND_SAVE_ATTEMPTS, BACKGROUND_SAVE_MAX_PAUSE};

/// An access token is refreshed when it expires within this margin (60 s), so that it does
/// not expire on the way to the server.
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(60);

/// How long a refresh may wait in all, by default (30 s): for the store's lock, for saves
/// tried again under it, and for another holder's save after a "revoked" answer
/// ([`OAuthBuilder::refresh_deadline`]). The grant itself is bounded by the HTTP timeouts.
pub const DEFAULT_REFRESH_DEADLINE: Duration = Duration::from_secs(30);

/// OAuth 2.0 tokens of one account and integration, as a [`TokenProvider`] for
/// [`Client`]: the access token is renewed when it is about to expire and once when the
/// server answers 401, and every new pair is saved to the [`TokenStore`] before it is used.
///
/// The pair lives in the store under the account's base URL ([`OAuth::base_url`]); every
/// `OAuth` of that account on that store (other processes on a shared store included)
/// renews it by the store's protocol, so one holder calls the token endpoint and the
/// others adopt the pair it saved. Tokens given to [`OAuthBuilder::tokens`] are used until
/// the store has a pair of its own.
///
/// Cloning is cheap and clones share the tokens. Concurrent requests that need a refresh
/// wait for one refresh between them.
///
/// ```no_run
/// use std::sync::Arc;
/// use amocrm::store::FileTokenStore;
/// use amocrm::{AccountUrl, AppCredentials, OAuth};
///
/// # async fn run(code: Option<String>) -> Result<(), amocrm::Error> {
/// let oauth = OAuth::builder()
///     .account(AccountUrl::subdomain("example"))
///     .app(AppCredentials::new(
///         "integration-id",
///         "integration-secret",
///         "https://example.com/oauth/callback",
///     ))
///     // Every process of this machine using this file shares the pair and its lock.
///     .store(FileTokenStore::new("/var/lib/example/tokens.json"))
///     .build()?;
/// if let Some(code) = code {
///     oauth.exchange_code(&code).await?;
/// }
///
/// // A client of the same account with these tokens...
/// let client = oauth.client_builder().build()?;
/// // ...or any builder given the provider.
/// let same = amocrm::Client::builder()
///     .account(AccountUrl::subdomain("example"))
///     .token_provider(Arc::new(oauth.clone()))
///     .build()?;
/// # let _ = (client, same);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OAuth {
    inner: Arc<Inner>,
}

struct Inner {
    base_url: String,
    /// Whether the account's URL may be plain http on any host (for `client_builder`).
    allow_http: bool,
    endpoint: String,
    app: AppCredentials,
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    skew: Duration,
    /// How long a refresh may wait in all (lock, saves, another holder's save).
    deadline: Duration,
    /// The account's pace, when given: a token request waits for its slot.
    pacer: Option<Arc<dyn crate::pace::Pacer>>,
    /// Whether a background save of the pending pair is under way.
    saving: std::sync::atomic::AtomicBool,
    /// Held for the whole of a refresh (network and store), so concurrent refreshes wait.
    state: Arc<Mutex<State>>,
    /// Refresh attempts so far; a caller that saw it change while waiting for the lock
    /// knows another refresh ran in the meantime.
    attempts: AtomicU64,
    /// The replay guard of every widget_request verifier this `OAuth` hands out.
    replay: Arc<MemoryReplayGuard>,
}

#[derive(Default)]
struct State {
    /// The pair in use: saved, or given by the caller.
    tokens: Option<TokenPair>,
    /// A pair the token endpoint gave but the store failed to save: used from memory and
    /// saved again in the background until the store takes it.
    unsaved: Option<Unsaved>,
    /// Whether the last refresh attempt failed.
    last_failed: bool,
    /// Whether the current refresh got its pair from the token endpoint (else it adopted
    /// one): its span's outcome.
    granted: bool,
}

/// A pair the store failed to save, and the refresh token of the stored pair it was to
/// replace (`None`: the store had none): it is saved later only over that same pair, so
/// it never replaces a pair another holder saved since.
#[derive(Clone)]
struct Unsaved {
    pair: TokenPair,
    replaces: Option<SecretString>,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("endpoint", &self.inner.endpoint)
            .field("app", &self.inner.app)
            .field("refresh_skew", &self.inner.skew)
            .finish_non_exhaustive()
    }
}

enum Job {
    /// Renew the pair: adopt a fresh one another holder saved, else refresh under the
    /// store's lock. `stale` is the access token found stale or rejected (a stored pair
    /// with it is not adopted); `force` refreshes even when the stored pair is fresh.
    Refresh {
        stale: Option<SecretString>,
        force: bool,
    },
    Exchange(String),
}
impl OAuth {
    /// The account's base URL the tokens are for.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The token endpoint, `{base_url}/oauth2/access_token`.
    pub fn token_endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// Exchanges an authorization code (from the redirect after the user granted access)
    /// for a token pair, saves it to the store and then uses it. Codes are single-use and
    /// live 20 minutes.
    pub async fn exchange_code(&self, code: &str) -> Result<()> {
        if code.is_empty() {
            return Err(Error::Config("the authorization code is empty".into()));
        }
        let state = self.inner.state.clone().lock_owned().await;
        self.inner
            .run_in_task(state, Job::Exchange(code.to_owned()))
            .await
            .map(drop)
    }

    /// Refreshes now, whatever the access token's expiry (e.g. from a periodic job, so that
    /// the refresh token of an idle integration does not expire).
    pub async fn refresh_now(&self) -> Result<()> {
        let state = self.inner.state.clone().lock_owned().await;
        let job = Job::Refresh {
            stale: None,
            force: true,
        };
        self.inner.run_in_task(state, job).await.map(drop)
    }

    /// The pair in use, `None` before one was given, exchanged or loaded from the store
    /// (the first request loads it).
    pub async fn tokens(&self) -> Option<TokenPair> {
        self.inner.state.lock().await.tokens.clone()
    }

    /// Whether nothing of this `OAuth` lives only in memory: no refresh or exchange under
    /// way and no pair its store failed to take. Dropping it then loses nothing; the
    /// next holder loads the pair from the store.
    pub(crate) fn is_at_rest(&self) -> bool {
        self.inner
            .state
            .try_lock()
            .is_ok_and(|state| state.unsaved.is_none())
    }

    /// A [`ClientBuilder`] for the same account, with these tokens as its token provider
    /// and, when one was given ([`OAuthBuilder::pacer`]), this pacer (its calls and the
    /// token requests in one pace; setting a rate limit on it is then an error).
    ///
    /// The HTTP options given to the [`OAuthBuilder`] (timeouts, trusted roots, the lowest
    /// TLS version) are its token requests' own: set them on this builder too for the
    /// API's requests. An [`Integration`](crate::Integration) sets them once for both.
    pub fn client_builder(&self) -> ClientBuilder {
        let account = AccountUrl::base_url(self.inner.base_url.clone())
            .allow_insecure_http(self.inner.allow_http);
        let builder = Client::builder()
            .account(account)
            .token_provider(Arc::new(self.clone()));
        match &self.inner.pacer {
            Some(pacer) => builder.pacer(pacer.clone()),
            None => builder,
        }
    }

    /// A verifier of widget_request tokens, which are signed with this integration's
    /// client secret, bound to this account's domain (`amocrm.ru` for a base URL that is
    /// not an amoCRM host). Every verifier of this `OAuth` and its clones shares one
    /// in-memory replay guard, so [`WidgetRequestVerifier::verify_once`] refuses a replay
    /// whichever of them sees it.
    pub fn widget_request_verifier(&self) -> WidgetRequestVerifier {
        let verifier = WidgetRequestVerifier::from_secret(self.inner.app.client_secret().clone())
            .replay_guard(self.inner.replay.clone());
        let domain = url::Url::parse(&self.inner.base_url)
            .ok()
            .and_then(|url| url.host_str().and_then(Domain::of_host))
            .map(|(_, domain)| domain);
        match domain {
            Some(domain) => verifier.domain(domain),
            None => verifier,
        }
    }
}

impl TokenProvider for OAuth {
    fn fresh_token(&self) -> Option<SecretString> {
        // Held by a caller (perhaps renewing): not known to be fresh.
        let state = self.inner.state.try_lock().ok()?;
        let tokens = state.tokens.as_ref()?;
        self.inner
            .fresh(tokens)
            .then(|| tokens.access_token.clone())
    }

    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        Box::pin(async move {
            let seen = self.inner.attempts.load(Ordering::SeqCst);
            let state = self.inner.state.clone().lock_owned().await;
            if let Some(tokens) = &state.tokens
                && self.inner.fresh(tokens)
            {
                return Ok(tokens.access_token.clone());
            }
            if self.inner.attempts.load(Ordering::SeqCst) != seen {
                // Another caller refreshed while this one waited: share its outcome rather
                // than refresh again (also when a short-lived token is due again already).
                if state.last_failed {
                    return Err(AuthError::ConcurrentRefreshFailed.into());
                }
                if let Some(tokens) = &state.tokens {
                    return Ok(tokens.access_token.clone());
                }
            }
            tracing::debug!("OAuth access token expired or about to: refreshing");
            let stale = state
                .tokens
                .as_ref()
                .map(|tokens| tokens.access_token.clone());
            let job = Job::Refresh {
                stale,
                force: false,
            };
            self.inner.run_in_task(state, job).await
        })
    }

    fn refresh<'a>(&'a self, rejected: &'a SecretString) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let seen = self.inner.attempts.load(Ordering::SeqCst);
            let state = self.inner.state.clone().lock_owned().await;
            match &state.tokens {
                Some(tokens) if tokens.access_token.expose_secret() != rejected.expose_secret() => {
                    // Refreshed by someone else since the request was sent.
                    return Ok(true);
                }
                _ => {}
            }
            if state.last_failed && self.inner.attempts.load(Ordering::SeqCst) != seen {
                return Err(AuthError::ConcurrentRefreshFailed.into());
            }
            tracing::debug!("the server rejected the OAuth access token: refreshing");
            let job = Job::Refresh {
                stale: Some(rejected.clone()),
                force: false,
            };
            self.inner.run_in_task(state, job).await?;
            Ok(true)
        })
    }
}
