//! Accounts: the default one at the root and named ones under `/{name}`, each with its own
//! catalogue state, tokens, OAuth chain, rate-limit window, continuations and requests.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::state::{Shared, lock};
use crate::widget::FakeWidget;
use crate::{BotKind, ReceivedContinuation, RecordedRequest, oauth};

/// Path segments a named account cannot take: the default account's own routes.
const RESERVED: &[&str] = &["api", "oauth2", "_fake"];

/// A named account for [`crate::FakeBuilder::account`]; `"acc1"` converts into one with
/// the builder's settings.
///
/// Its tokens default to the builder's with `-{name}` appended (`fake-token-acc1`,
/// `fake-user-token-acc1`), so a token of one account is refused (401) by another; its
/// catalogue is the builder's plus the widgets given here; its rate limit and access-token
/// lifetime are the builder's unless set here, the rate limit counted per account.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSpec {
    pub(crate) name: String,
    pub(crate) token: Option<String>,
    pub(crate) user_token: Option<String>,
    pub(crate) rate_limit: Option<Option<u32>>,
    pub(crate) access_token_ttl: Option<Duration>,
    pub(crate) widgets: Vec<FakeWidget>,
}

impl AccountSpec {
    /// An account served under `/{name}`. The name is a path segment of ASCII letters,
    /// digits, `-` and `_` (at most 63), not `api`, `oauth2` or `_fake`; others make
    /// [`crate::FakeBuilder::start`] fail.
    pub fn new(name: impl Into<String>) -> Self {
        AccountSpec {
            name: name.into(),
            token: None,
            user_token: None,
            rate_limit: None,
            access_token_ttl: None,
            widgets: Vec::new(),
        }
    }

    /// The account's administrator token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The account's read-only token.
    pub fn user_token(mut self, token: impl Into<String>) -> Self {
        self.user_token = Some(token.into());
        self
    }

    /// The account's own rate limit (see [`crate::FakeBuilder::rate_limit`]).
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = Some(per_second.filter(|&n| n > 0));
        self
    }

    /// The lifetime of the access tokens this account's token endpoint issues (see
    /// [`crate::FakeBuilder::access_token_ttl`]).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = Some(ttl);
        self
    }

    /// A widget only this account's catalogue has, after the builder's own widgets.
    pub fn widget(mut self, widget: FakeWidget) -> Self {
        self.widgets.push(widget);
        self
    }

    /// Why the name cannot be a path prefix, if it cannot.
    pub(crate) fn invalid_name(&self) -> Option<String> {
        let name = &self.name;
        let ok = !name.is_empty()
            && name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !RESERVED.contains(&name.as_str());
        (!ok).then(|| {
            format!(
                "account name {name:?}: a path segment of ASCII letters, digits, - and _ \
                 (1 to 63), not {}",
                RESERVED.join(", ")
            )
        })
    }
}

impl From<&str> for AccountSpec {
    fn from(name: &str) -> Self {
        AccountSpec::new(name)
    }
}

impl From<String> for AccountSpec {
    fn from(name: String) -> Self {
        AccountSpec::new(name)
    }
}

/// What the token endpoint of one account did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthStats {
    /// Successful `authorization_code` grants.
    pub authorization_code_grants: usize,
    /// Successful `refresh_token` grants.
    pub refresh_token_grants: usize,
    /// Refresh grants refused because the token had been used before ("Token has been
    /// revoked"): in a fleet, each one is a race two holders lost.
    pub reused_refresh_tokens: usize,
}

impl OAuthStats {
    /// All successful grants.
    pub fn grants(&self) -> usize {
        self.authorization_code_grants + self.refresh_token_grants
    }
}

/// A token pair the fake issued, as its token endpoint answers it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedTokens {
    /// The access token (an administrator's).
    pub access_token: String,
    /// The single-use refresh token.
    pub refresh_token: String,
    /// Lifetime of the access token in whole seconds.
    pub expires_in: u64,
}

impl fmt::Debug for IssuedTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedTokens")
            .field("access_token", &"***")
            .field("refresh_token", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// One account of a running [`crate::FakeServer`]: [`crate::FakeServer::account`] for a
/// named one, [`crate::FakeServer::default_account`] for the one at the root.
#[derive(Clone)]
pub struct FakeAccount {
    pub(crate) shared: Arc<Shared>,
    pub(crate) url: String,
}

impl fmt::Debug for FakeAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeAccount")
            .field("name", &self.shared.name)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

pub(crate) fn add_pending(shared: &Shared, bot: BotKind, bot_id: i64, continue_id: &str) {
    *lock(&shared.state)
        .pending
        .entry((bot, bot_id, continue_id.to_owned()))
        .or_insert(0) += 1;
}

impl FakeAccount {
    /// The account's name; `None` for the default account.
    pub fn name(&self) -> Option<&str> {
        self.shared.name.as_deref()
    }

    /// The account's base URL: `http://host:port` for the default account,
    /// `http://host:port/{name}` for a named one (its API is `{url}/api/v4/...`, its token
    /// endpoint `{url}/oauth2/access_token`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The administrator token.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The read-only token.
    pub fn user_token(&self) -> &str {
        &self.shared.user_token
    }

    /// The `subdomain` the account reports in `GET /api/v4/account` (its name; `example`
    /// for the default account).
    pub fn subdomain(&self) -> &str {
        &self.shared.subdomain
    }

    /// Registers a bot step waiting for a widget's result, so that
    /// `POST {url}/api/v4/{bot}/{bot_id}/continue/{continue_id}` is accepted once.
    /// Registering the same triple twice allows two calls.
    pub fn add_pending_continuation(&self, bot: BotKind, bot_id: i64, continue_id: &str) {
        add_pending(&self.shared, bot, bot_id, continue_id);
    }

    /// Accepted continue requests of this account, in order.
    pub fn continuations(&self) -> Vec<ReceivedContinuation> {
        lock(&self.shared.state).continuations.clone()
    }

    /// The requests this account received (unless recording is off), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.account == self.shared.name)
            .cloned()
            .collect()
    }

    /// The settings stored for an installed widget, `None` when it is not installed or
    /// unknown.
    pub fn installed_settings(&self, code: &str) -> Option<Value> {
        let pos = self.shared.catalogue.position(code)?;
        lock(&self.shared.state).installed.get(&pos).cloned()
    }

    /// Total number of widgets in the account's catalogue.
    pub fn widget_count(&self) -> usize {
        self.shared.catalogue.len()
    }

    /// Issues a single-use authorization code for this account's `authorization_code`
    /// grant.
    pub fn issue_authorization_code(&self) -> String {
        let code = oauth::new_code();
        lock(&self.shared.state).oauth.codes.insert(code.clone());
        code
    }

    /// Stores a token pair as if the token endpoint had just issued it, its access token
    /// valid for `ttl` (`Duration::ZERO`: already expired): a pair your test seeds into the
    /// client or its token store. Not counted as a grant.
    pub fn issue_token_pair(&self, ttl: Duration) -> IssuedTokens {
        oauth::issue(&mut lock(&self.shared.state), ttl)
    }

    /// Makes every OAuth access token of this account invalid (401) from now on; refresh
    /// tokens keep working.
    pub fn expire_access_tokens(&self) {
        let now = Instant::now();
        for expires in lock(&self.shared.state).oauth.access.values_mut() {
            *expires = now;
        }
    }

    /// What this account's token endpoint did so far.
    pub fn oauth_stats(&self) -> OAuthStats {
        lock(&self.shared.state).oauth.stats
    }
}
