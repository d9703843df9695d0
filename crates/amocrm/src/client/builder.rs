//! [`ClientBuilder`]: the account, the token, the pacer, the retries and the HTTP options
//! of a [`Client`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::account::AccountUrl;
use super::http::{HttpOptions, http_setters};
use super::{Client, Inner};
use crate::auth::provider::{StaticToken, TokenProvider};
use crate::error::{Error, Result};
use crate::pace::{MemoryPacer, Pacer, RateLimit};
use crate::transport::{DEFAULT_BLOCK_PAUSE, RetryPolicy, Transport};

impl Client {
    /// A builder; give it an account and a token.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

/// Builds a [`Client`]. An account and a token are required.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    account: Option<AccountUrl>,
    auth: Option<Arc<dyn TokenProvider>>,
    rate_limit: Option<Option<RateLimit>>,
    pacer: Option<Arc<dyn Pacer>>,
    retry: Option<RetryPolicy>,
    block_pause: Option<Duration>,
    http: HttpOptions,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("account", &self.account)
            .field("auth", &self.auth)
            .field("http", &self.http)
            .field("rate_limit", &self.rate_limit)
            .field("pacer", &self.pacer)
            .field("retry", &self.retry)
            .field("block_pause", &self.block_pause)
            .finish()
    }
}

impl ClientBuilder {
    /// The account: `AccountUrl::subdomain("example")` is `https://example.amocrm.ru`;
    /// see [`AccountUrl`] for the other domains, a proxy or a fake server.
    pub fn account(mut self, account: AccountUrl) -> Self {
        self.account = Some(account);
        self
    }

    /// A long-lived token (or an access token the caller renews).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Arc::new(StaticToken::new(token)));
        self
    }

    /// A token kept as a secret already.
    pub fn secret_token(mut self, token: SecretString) -> Self {
        self.auth = Some(Arc::new(StaticToken::from(token)));
        self
    }

    /// Any token provider, e.g. OAuth with refresh.
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.auth = Some(provider);
        self
    }

    /// Requests per second at most; [`RateLimit::AMOCRM`] (7/s) by default. `None`
    /// turns the limiter off. Configures the client's own [`MemoryPacer`]; with
    /// [`ClientBuilder::pacer`] the pacer's engine sets the limit (setting both is a
    /// configuration error).
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Where request slots come from, shared with other clients (of other accounts too:
    /// a pacer keeps one schedule per account, keyed by [`Client::base_url`]). By default
    /// each built client (and its clones) has a [`MemoryPacer`] of its own. A pacer
    /// error fails the request with [`Error::Pace`]; nothing is sent unpaced.
    pub fn pacer(mut self, pacer: Arc<dyn Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Retry policy; [`RetryPolicy::new`] by default, [`RetryPolicy::disabled`] to send
    /// every request once.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How long a blocked account is left alone ([`DEFAULT_BLOCK_PAUSE`], 10 minutes, by
    /// default): amoCRM blocks an account whose integrations keep exceeding the rate limit
    /// (a 403 after 429s, or a 403 with its HTML page); the client then pauses it through
    /// its pacer (fleet-wide with a shared engine) and fails its calls with
    /// [`Error::AccountBlocked`] without sending until the pause ends.
    pub fn block_pause(mut self, pause: Duration) -> Self {
        self.block_pause = Some(pause);
        self
    }

    http_setters!();

    /// What a template builder (an [`Integration`](crate::Integration)'s `configure_client` run once)
    /// gives every client built from it: its HTTP options and its retry policy. The
    /// account, token and pacer are each account's; setting them here is an error.
    pub(crate) fn into_template(
        self,
    ) -> Result<(HttpOptions, Option<RetryPolicy>, Option<Duration>)> {
        if self.account.is_some()
            || self.auth.is_some()
            || self.pacer.is_some()
            || self.rate_limit.is_some()
        {
            return Err(Error::Config(
                "configure_client: the account, token, pacer and rate limit are the \
                 integration's; set HTTP and retry options there"
                    .into(),
            ));
        }
        Ok((self.http, self.retry, self.block_pause))
    }

    /// Builds the client; fails on a missing or invalid base URL or token.
    pub fn build(self) -> Result<Client> {
        let base_url = match &self.account {
            None => {
                return Err(Error::Config(
                    "no account: call account(AccountUrl::...)".into(),
                ));
            }
            Some(account) => account.checked("base URL")?,
        };
        let auth = self
            .auth
            .ok_or_else(|| Error::Config("no token: call token or token_provider".into()))?;
        // amoCRM's API does not redirect; following one would resend an install body
        // (secrets included) to wherever it points.
        let http = self.http.build(&base_url)?;
        let pacer: Arc<dyn Pacer> = match (self.pacer, self.rate_limit) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "both rate_limit and pacer: a shared pacer's engine sets the limit".into(),
                ));
            }
            (Some(pacer), None) => pacer,
            (None, limit) => Arc::new(MemoryPacer::new(limit.unwrap_or(Some(RateLimit::AMOCRM)))),
        };
        let transport = Transport::new(
            auth.clone(),
            pacer,
            base_url.clone(),
            self.retry.unwrap_or_default(),
            self.block_pause.unwrap_or(DEFAULT_BLOCK_PAUSE),
        );
        let hooks = amocrm_raw::Hooks::new(transport);
        let raw = amocrm_raw::Client::new_with_client(&base_url, http, hooks);
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                base_url,
                auth,
            }),
        })
    }
}
