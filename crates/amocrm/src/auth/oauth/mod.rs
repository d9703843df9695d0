//! OAuth 2.0 access tokens that refresh themselves, through a [`TokenStore`] shared by every
//! holder of the account's pair.
//!
//! amoCRM's refresh tokens are single-use: every refresh answers a new pair and revokes
//! the old refresh token. [`OAuth`] therefore refreshes by the store's protocol: a fresh
//! pair another holder saved is adopted; else, under the store's exclusive lock, a pair
//! saved while it waited is adopted, and only else it calls the token endpoint with the
//! stored refresh token and saves the new pair *before* it sends a single request with
//! it, so a crash (or a cancelled future) never loses the only valid refresh token; when
//! saving fails the refresh fails with [`AuthError::Store`] and the new pair is not used.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::auth::TokenProvider;
use crate::client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, HttpConfig};
use crate::client::{DEFAULT_USER_AGENT, Domain, account_url, check_base_url, shown_base_url};
use crate::error::{Error, Result};
use crate::token_store::{TokenLock, TokenPair, TokenStore};
use crate::widget_request::{MemoryReplayGuard, WidgetRequestVerifier};

/// An access token is refreshed when it expires within this margin (60 s), so that it does
/// not expire on the way to the server.
pub const DEFAULT_REFRESH_SKEW: Duration = Duration::from_secs(60);

use crate::error::{AuthError, GrantType};

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
/// use amocrm::{FileTokenStore, OAuth};
///
/// # async fn run(code: Option<String>) -> Result<(), amocrm::Error> {
/// let oauth = OAuth::builder()
///     .subdomain("example")
///     .client_id("integration-id")
///     .client_secret("integration-secret")
///     .redirect_uri("https://example.com/oauth/callback")
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
///     .subdomain("example")
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
    endpoint: String,
    client_id: String,
    client_secret: SecretString,
    redirect_uri: String,
    http: reqwest::Client,
    store: Arc<dyn TokenStore>,
    skew: Duration,
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
    /// A pair the token endpoint gave but the store failed to save: not used until saved.
    unsaved: Option<Unsaved>,
    /// Whether the last refresh attempt failed.
    last_failed: bool,
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
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("redirect_uri", &self.inner.redirect_uri)
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

enum Grant<'a> {
    Code(&'a str),
    Refresh(&'a SecretString),
}

impl Grant<'_> {
    fn kind(&self) -> GrantType {
        match self {
            Grant::Code(_) => GrantType::AuthorizationCode,
            Grant::Refresh(_) => GrantType::RefreshToken,
        }
    }
}

impl OAuth {
    /// A builder; an account (or base URL), the integration's id, secret and redirect URI
    /// and a [`TokenStore`] are required.
    pub fn builder() -> OAuthBuilder {
        OAuthBuilder::default()
    }

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

    /// A [`ClientBuilder`] for the same account, with these tokens as its token provider.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(&self.inner.base_url)
            .token_provider(Arc::new(self.clone()))
    }

    /// A verifier of widget_request tokens, which are signed with this integration's
    /// client secret, bound to this account's domain (`amocrm.ru` for a base URL that is
    /// not an amoCRM host). Every verifier of this `OAuth` and its clones shares one
    /// in-memory replay guard, so [`WidgetRequestVerifier::verify_once`] refuses a replay
    /// whichever of them sees it.
    pub fn widget_request_verifier(&self) -> WidgetRequestVerifier {
        let verifier = WidgetRequestVerifier::from_secret(self.inner.client_secret.clone())
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

impl Inner {
    /// Runs a grant on a task of its own, holding the lock, so that a caller that gives up
    /// (a timeout, a dropped future) cannot stop it between the grant and the store: the
    /// new pair is saved and used even then. Returns the access token to use.
    async fn run_in_task(
        self: &Arc<Self>,
        mut state: OwnedMutexGuard<State>,
        job: Job,
    ) -> Result<SecretString> {
        let inner = Arc::clone(self);
        let task = tokio::spawn(async move {
            let result = match job {
                Job::Refresh { stale, force } => {
                    inner.refresh_locked(&mut state, stale, force).await
                }
                Job::Exchange(code) => inner.exchange_locked(&mut state, &code).await,
            };
            state.last_failed = result.is_err();
            // Counted once finished, still under the lock: whoever waited for the lock
            // meanwhile sees the change and shares this outcome.
            inner.attempts.fetch_add(1, Ordering::SeqCst);
            result
        });
        match task.await {
            Ok(result) => result,
            Err(_) => Err(AuthError::Interrupted.into()),
        }
    }

    /// Whether `pair` is used as it is: not expiring within the refresh margin.
    fn fresh(&self, pair: &TokenPair) -> bool {
        !pair.expires_within(pair.refresh_margin(self.skew))
    }

    /// Whether `pair`, found in the store, is one to adopt instead of refreshing: not the
    /// one found stale or rejected, and valid for [`ADOPT_MARGIN`] more. Not held to the
    /// refresh margin: a stored pair's lifetime is unknown, so a short-lived one would
    /// never look fresh and every holder would refresh in turn.
    fn adoptable(&self, pair: &TokenPair, stale: Option<&SecretString>) -> bool {
        !pair.expires_within(ADOPT_MARGIN)
            && stale.is_none_or(|stale| stale.expose_secret() != pair.access_token.expose_secret())
    }

    /// Renews the pair by the store's protocol (one holder in the fleet calls the token
    /// endpoint): a pending unsaved pair is saved first; a fresh stored pair is adopted;
    /// else, under the store's lock, a fresh pair saved meanwhile is adopted, and only
    /// else the stored (or, with none stored, our own) refresh token is spent and the new
    /// pair saved before it is used.
    async fn refresh_locked(
        &self,
        state: &mut State,
        stale: Option<SecretString>,
        force: bool,
    ) -> Result<SecretString> {
        if let Some(pending) = state.unsaved.clone() {
            // The endpoint already spent the old refresh token for this pair: save it
            // instead of asking again, unless the store holds another pair by now.
            let lock = self.lock().await?;
            let current = lock.current().map(|pair| &pair.refresh_token);
            if same_token(current, Some(&pending.pair.refresh_token)) {
                // The failed save had written it after all.
                tracing::debug!("the OAuth tokens a previous save reported lost were saved");
                state.unsaved = None;
                release(lock).await;
                return Ok(self.adopt(state, pending.pair));
            }
            if same_token(current, pending.replaces.as_ref()) {
                tracing::debug!("saving the OAuth tokens a previous refresh could not save");
                return self.save_and_use(state, lock, pending.pair).await;
            }
            // Another holder saved a pair since (maybe from this pending one, whose
            // refresh token it then spent): the pending pair is outdated.
            tracing::warn!(
                "dropping OAuth tokens a previous refresh could not save: \
                 the store holds a newer pair"
            );
            state.unsaved = None;
            return self.refresh_under(state, lock, stale, force).await;
        }
        if !force
            && let Some(stored) = self.load().await?
            && self.adoptable(&stored, stale.as_ref())
        {
            tracing::debug!("adopting the OAuth tokens another holder saved");
            return Ok(self.adopt(state, stored));
        }
        let lock = self.lock().await?;
        self.refresh_under(state, lock, stale, force).await
    }

    /// The part of [`Inner::refresh_locked`] under the store's lock: a fresh pair saved
    /// meanwhile is adopted, else the stored (or our own) refresh token is spent.
    async fn refresh_under(
        &self,
        state: &mut State,
        lock: Box<dyn TokenLock>,
        stale: Option<SecretString>,
        force: bool,
    ) -> Result<SecretString> {
        if !force
            && let Some(current) = lock.current()
            && self.adoptable(current, stale.as_ref())
        {
            tracing::debug!("adopting the OAuth tokens saved while waiting for the lock");
            let current = current.clone();
            release(lock).await;
            return Ok(self.adopt(state, current));
        }
        let refresh = match lock.current().or(state.tokens.as_ref()) {
            Some(tokens) => tokens.refresh_token.clone(),
            None => {
                release(lock).await;
                return Err(AuthError::NoTokens.into());
            }
        };
        let pair = match self.request_tokens(Grant::Refresh(&refresh)).await {
            Ok(pair) => pair,
            Err(error) => {
                release(lock).await;
                return Err(error.into());
            }
        };
        self.save_and_use(state, lock, pair).await
    }

    /// Exchanges `code` under the store's lock and saves the new chain (always the
    /// newest).
    async fn exchange_locked(&self, state: &mut State, code: &str) -> Result<SecretString> {
        let lock = self.lock().await?;
        match self.request_tokens(Grant::Code(code)).await {
            Ok(pair) => self.save_and_use(state, lock, pair).await,
            Err(error) => {
                release(lock).await;
                Err(error.into())
            }
        }
    }

    async fn load(&self) -> Result<Option<TokenPair>> {
        self.store
            .load(&self.base_url)
            .await
            .map_err(|error| AuthError::Store(error).into())
    }

    async fn lock(&self) -> Result<Box<dyn TokenLock>> {
        self.store
            .lock(&self.base_url)
            .await
            .map_err(|error| AuthError::Store(error).into())
    }

    /// Makes `pair` (saved by someone) the pair in use. A pair from a store has no known
    /// lifetime: what it has left counts as its lifetime, so a short-lived pair is renewed
    /// halfway through what is left rather than at once.
    fn adopt(&self, state: &mut State, mut pair: TokenPair) -> SecretString {
        if pair.lifetime.is_none() {
            let left = pair
                .expires_at
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            pair.lifetime = Some(left);
        }
        let access = pair.access_token.clone();
        state.tokens = Some(pair);
        access
    }

    /// Saves `pair` under `lock`, and only then makes it the pair in use; releases the
    /// lock.
    async fn save_and_use(
        &self,
        state: &mut State,
        mut lock: Box<dyn TokenLock>,
        pair: TokenPair,
    ) -> Result<SecretString> {
        // Kept as unsaved until the store says it saved it, so a store that panics (or a
        // runtime shutting down mid-save) cannot lose a pair whose refresh token was spent.
        state.unsaved = Some(Unsaved {
            pair: pair.clone(),
            replaces: lock.current().map(|pair| pair.refresh_token.clone()),
        });
        let saved = lock.save(&pair).await;
        release(lock).await;
        match saved {
            Ok(()) => {
                state.unsaved = None;
                tracing::debug!("new OAuth tokens saved and in use");
                Ok(self.adopt(state, pair))
            }
            Err(error) => {
                tracing::warn!("saving new OAuth tokens failed; they are not used");
                Err(AuthError::Store(error).into())
            }
        }
    }

    async fn request_tokens(&self, grant: Grant<'_>) -> Result<TokenPair, AuthError> {
        let kind = grant.kind();
        let (field, secret) = match &grant {
            Grant::Code(code) => ("code", *code),
            Grant::Refresh(token) => ("refresh_token", token.expose_secret()),
        };
        let mut body = serde_json::Map::new();
        body.insert("client_id".into(), self.client_id.clone().into());
        body.insert(
            "client_secret".into(),
            self.client_secret.expose_secret().into(),
        );
        body.insert("grant_type".into(), kind.as_str().into());
        body.insert(field.into(), secret.into());
        body.insert("redirect_uri".into(), self.redirect_uri.clone().into());
        tracing::debug!(grant = %kind, endpoint = %self.endpoint, "requesting OAuth tokens");
        let response = self
            .http
            .post(&self.endpoint)
            .json(&body)
            .send()
            .await
            .map_err(AuthError::Transport)?;
        let status = response.status().as_u16();
        let bytes = read_capped(response).await?;
        let received = SystemTime::now();
        let secrets = [secret, self.client_secret.expose_secret()];
        if status != 200 {
            return Err(refused(kind, status, &bytes, &secrets));
        }
        let granted = match &grant {
            Grant::Refresh(token) => Some(token.expose_secret()),
            Grant::Code(_) => None,
        };
        parse_pair(&bytes, received, granted)
    }
}

/// How long a pair another holder saved must still be valid to be adopted.
const ADOPT_MARGIN: Duration = Duration::from_secs(1);

/// Whether two refresh tokens (or their absence) are the same.
fn same_token(one: Option<&SecretString>, other: Option<&SecretString>) -> bool {
    match (one, other) {
        (Some(one), Some(other)) => one.expose_secret() == other.expose_secret(),
        (None, None) => true,
        _ => false,
    }
}

/// Releases a store lock; an error is logged (the pair is saved or the refresh failed
/// already; a lock that could not be released is released by its engine when it drops).
async fn release(lock: Box<dyn TokenLock>) {
    if let Err(error) = lock.release().await {
        tracing::warn!(error = %error, "releasing the token store's lock failed");
    }
}

/// The largest token endpoint answer read. A token answer is under 4 KiB (two tokens of
/// about a kilobyte each, a type and a lifetime); 64 KiB leaves room for any extra fields
/// a server adds while keeping a hostile or broken endpoint from filling memory.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// The whole body, or [`AuthError::ResponseTooLarge`] past [`MAX_TOKEN_RESPONSE_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, AuthError> {
    let too_large = AuthError::ResponseTooLarge {
        limit: MAX_TOKEN_RESPONSE_BYTES,
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_TOKEN_RESPONSE_BYTES as u64)
    {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(AuthError::Transport)? {
        if body.len() + chunk.len() > MAX_TOKEN_RESPONSE_BYTES {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The shortest run of a secret's characters that counts as an echo of it. Shorter runs
/// (`eyJ`, `def50200`'s prefix) are common to every token and say nothing of one.
const MIN_ECHO: usize = 8;

/// Whether `text` repeats `secret`, whole or any [`MIN_ECHO`] bytes of it in a row.
fn echoes(text: &str, secret: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    if secret.len() <= MIN_ECHO {
        return text.contains(secret);
    }
    let pieces: std::collections::HashSet<&[u8]> = secret.as_bytes().windows(MIN_ECHO).collect();
    text.as_bytes()
        .windows(MIN_ECHO)
        .any(|window| pieces.contains(window))
}

/// The token endpoint's error body, with anything that repeats a secret we sent, whole or
/// in part, removed.
fn refused(grant: GrantType, status: u16, body: &[u8], secrets: &[&str]) -> AuthError {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |name: &str| {
        let text = value.get(name)?.as_str()?;
        if secrets.iter().any(|secret| echoes(text, secret)) {
            return Some("[REDACTED]".to_owned());
        }
        Some(text.chars().take(300).collect::<String>())
    };
    AuthError::Refused {
        grant,
        status,
        title: text("title"),
        hint: text("hint"),
        detail: text("detail"),
    }
}

/// amoCRM's access-token lifetime, assumed when the token endpoint does not say.
const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The shortest lifetime taken from the token endpoint: a shorter one (`expires_in: 0`)
/// would have every request refresh first.
const MIN_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// The longest lifetime taken from the token endpoint (a year); a longer one (`1e30`,
/// `u64::MAX`) is cut to it rather than overflow the clock.
const MAX_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// A token pair from a 200 answer. The grant's refresh token is spent once the endpoint
/// answered, so whenever the answer has an access and a refresh token the pair is kept:
/// the other fields are only read, never a reason to drop it. An odd `expires_in` is
/// clamped, a `token_type` other than Bearer is logged, and an access token that cannot
/// be sent in a header is kept as expired, to be refreshed on first use. A refresh answer
/// without a usable refresh token keeps `granted`, the one it was asked with (RFC 6749
/// §6: the old refresh token then stays valid).
fn parse_pair(
    body: &[u8],
    received: SystemTime,
    granted: Option<&str>,
) -> Result<TokenPair, AuthError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| AuthError::Decode(format!("not JSON ({:?} error)", e.classify())))?;
    let object = value
        .as_object()
        .ok_or_else(|| AuthError::Decode("not a JSON object".into()))?;
    let token = |name: &str| -> Result<&str, AuthError> {
        object
            .get(name)
            .and_then(serde_json::Value::as_str)
            .filter(|text| !text.is_empty())
            .ok_or_else(|| AuthError::Decode(format!("{name} is missing, empty or not a string")))
    };
    let access_token = token("access_token")?;
    let refresh_token = match (token("refresh_token"), granted) {
        (Ok(token), _) => token,
        (Err(_), Some(granted)) => {
            tracing::warn!("the token endpoint sent no new refresh token; keeping the old one");
            granted
        }
        (Err(error), None) => return Err(error),
    };
    if let Some(kind) = object.get("token_type").and_then(serde_json::Value::as_str)
        && !kind.eq_ignore_ascii_case("bearer")
    {
        tracing::warn!("the token endpoint's token_type is not Bearer; using the pair anyway");
    }
    let expires_in = match object.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                // Saturates: 1e30 becomes u64::MAX, clamped below.
                .map(|f| f as u64)
        }),
        Some(serde_json::Value::String(text)) => text.trim().parse::<u64>().ok(),
        _ => None,
    };
    let lifetime = match expires_in {
        Some(seconds) => {
            let given = Duration::from_secs(seconds);
            let lifetime = given.clamp(MIN_ACCESS_TOKEN_LIFETIME, MAX_ACCESS_TOKEN_LIFETIME);
            if lifetime != given {
                tracing::warn!(
                    expires_in = seconds,
                    used = lifetime.as_secs(),
                    "the token endpoint's expires_in is out of range; clamped"
                );
            }
            lifetime
        }
        None => {
            tracing::warn!("the token endpoint sent no usable expires_in; assuming 24 hours");
            DEFAULT_ACCESS_TOKEN_LIFETIME
        }
    };
    let mut expires_at = received.checked_add(lifetime).unwrap_or(received);
    if !access_token.bytes().all(|b| b.is_ascii_graphic()) {
        tracing::warn!(
            "the new access token has characters that cannot be sent in a header; \
             the pair is kept and refreshed on first use"
        );
        expires_at = received;
    }
    Ok(TokenPair {
        access_token: SecretString::from(access_token.to_owned()),
        refresh_token: SecretString::from(refresh_token.to_owned()),
        expires_at,
        lifetime: Some(lifetime),
    })
}

/// Builds an [`OAuth`]. See [`OAuth`] for an example.
#[must_use]
pub struct OAuthBuilder {
    base_url: Option<std::result::Result<String, String>>,
    allow_http: bool,
    client_id: Option<String>,
    client_secret: Option<SecretString>,
    redirect_uri: Option<String>,
    store: Option<Arc<dyn TokenStore>>,
    tokens: Option<TokenPair>,
    skew: Duration,
    http: Option<HttpConfig>,
    timeout: Duration,
}

impl Default for OAuthBuilder {
    fn default() -> Self {
        OAuthBuilder {
            base_url: None,
            allow_http: false,
            client_id: None,
            client_secret: None,
            redirect_uri: None,
            store: None,
            tokens: None,
            skew: DEFAULT_REFRESH_SKEW,
            http: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl fmt::Debug for OAuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthBuilder")
            .field("base_url", &shown_base_url(&self.base_url))
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("tokens", &self.tokens)
            .field("refresh_skew", &self.skew)
            .finish_non_exhaustive()
    }
}

impl OAuthBuilder {
    /// An account on `amocrm.ru`: the token endpoint is
    /// `https://{subdomain}.amocrm.ru/oauth2/access_token`.
    pub fn subdomain(self, subdomain: &str) -> Self {
        self.account(subdomain, Domain::AmocrmRu)
    }

    /// An account on any of amoCRM's domains.
    pub fn account(mut self, subdomain: &str, domain: Domain) -> Self {
        self.base_url = Some(account_url(subdomain, domain));
        self
    }

    /// Any base URL (the fake server, a proxy); the token endpoint is
    /// `{url}/oauth2/access_token`. Plain `http` only for loopback hosts unless
    /// [`OAuthBuilder::allow_insecure_http`] is set.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(Ok(url.to_owned()));
        self
    }

    /// Accepts `http://` base URLs on any host.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

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

    /// Where the account's pair lives, shared with every holder of it (required):
    /// [`crate::MemoryTokenStore`] in one process, [`crate::FileTokenStore`] on one
    /// machine, a database store for a fleet.
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

    /// Total timeout of one token request ([`DEFAULT_TIMEOUT`] by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Adjusts the HTTP client of the token endpoint (a proxy, TLS roots, a DNS resolver).
    /// Whatever `configure` sets, redirects stay off (the client secret and refresh token
    /// are never sent to another host), this builder's timeout and the default connect
    /// timeout apply, and `connection_verbose` is off. See
    /// [`ClientBuilder::configure_http`] for what stays yours.
    pub fn configure_http(
        mut self,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(Box::new(configure));
        self
    }

    /// Builds the provider; fails on a missing or invalid setting.
    pub fn build(self) -> Result<OAuth> {
        let base_url = match self.base_url {
            None => {
                return Err(Error::Config(
                    "OAuth: no account: call subdomain, account or base_url".into(),
                ));
            }
            Some(Err(message)) => return Err(Error::Config(message)),
            Some(Ok(url)) => check_base_url("OAuth base URL", &url, self.allow_http)?,
        };
        let missing = |what: &str| Error::Config(format!("OAuth: no {what}"));
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
        let store = self.store.ok_or_else(|| {
            Error::Config(
                "OAuth: no token store: refresh tokens are single-use, so every new pair must \
                 be saved; call store or shared_store"
                    .into(),
            )
        })?;
        let http = crate::client::http_client(
            &base_url,
            self.http,
            self.timeout,
            DEFAULT_CONNECT_TIMEOUT,
            DEFAULT_USER_AGENT,
        )?;
        let endpoint = format!("{base_url}/oauth2/access_token");
        Ok(OAuth {
            inner: Arc::new(Inner {
                base_url,
                endpoint,
                client_id,
                client_secret,
                redirect_uri,
                http,
                store,
                skew: self.skew,
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

#[cfg(test)]
mod parse_tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn a_pair_is_kept_whatever_the_optional_fields_say() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for (body, lifetime) in [
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":86400,"token_type":"Bearer"}"#,
                86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":"600"}"#,
                600,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":600.0,"token_type":"bearer"}"#,
                600,
            ),
            (r#"{"access_token":"a","refresh_token":"r"}"#, 86_400),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":-5}"#,
                86_400,
            ),
            // Odd but successful: the pair is kept, the lifetime clamped.
            (
                r#"{"access_token":"a","refresh_token":"r","token_type":"mac"}"#,
                86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":1e30}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":18446744073709551615}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":31622400}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":31622401}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":0}"#,
                60,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":59.9}"#,
                60,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":61}"#,
                61,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":60}"#,
                60,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":"1e30"}"#,
                86_400,
            ),
        ] {
            let pair = parse_pair(body.as_bytes(), now, None).expect(body);
            assert_eq!(pair.access_token().expose_secret(), "a");
            assert_eq!(pair.refresh_token().expose_secret(), "r");
            assert_eq!(
                pair.expires_at(),
                now + Duration::from_secs(lifetime),
                "{body}"
            );
        }
        for body in [
            r#"{"access_token":"a"}"#,
            r#"{"refresh_token":"r"}"#,
            r#"{"access_token":"","refresh_token":"r"}"#,
            r#"{"access_token":"a","refresh_token":""}"#,
            r#"{"access_token":"a","refresh_token":7}"#,
            "[]",
            "nope",
        ] {
            assert!(parse_pair(body.as_bytes(), now, None).is_err(), "{body}");
        }
        // A refresh answer keeps the granted refresh token only when it has no new one.
        let kept = parse_pair(
            br#"{"access_token":"a","refresh_token":7}"#,
            now,
            Some("old"),
        );
        assert_eq!(kept.unwrap().refresh_token().expose_secret(), "old");
        let new = parse_pair(
            br#"{"access_token":"a","refresh_token":"r"}"#,
            now,
            Some("old"),
        );
        assert_eq!(new.unwrap().refresh_token().expose_secret(), "r");
        assert!(parse_pair(br#"{"refresh_token":"r"}"#, now, Some("old")).is_err());
        // An access token that cannot go in a header: kept, and due at once.
        let pair = parse_pair(
            br#"{"access_token":"a b","refresh_token":"r s","expires_in":600}"#,
            now,
            None,
        )
        .unwrap();
        assert_eq!(pair.expires_at(), now);
        assert_eq!(pair.refresh_token().expose_secret(), "r s");
    }

    #[test]
    fn echoes_are_found_whole_and_in_part() {
        let secret = "0123456789abcdef";
        assert!(echoes("x 0123456789abcdef y", secret));
        assert!(echoes("…89abcdef…", secret));
        assert!(echoes("01234567", secret));
        assert!(!echoes("0123456", secret));
        assert!(!echoes("1234567 9abcdef", secret));
        assert!(!echoes("", secret));
        assert!(!echoes("anything", ""));
        // Secrets up to MIN_ECHO long only whole.
        assert!(echoes("my pw12345 here", "pw12345"));
        assert!(!echoes("my pw1234 here", "pw12345"));
        assert!(echoes("is 12345678!", "12345678"));
        assert!(!echoes("is 1234567!", "12345678"));
    }
}
