//! A stateful in-memory fake of the amoCRM REST API v4 **Widgets** section.
//!
//! [`FakeServer`] serves the documented routes on a loopback port so that
//! clients can be tested without a real amoCRM account:
//!
//! | Route | Statuses |
//! | --- | --- |
//! | `GET /api/v4/widgets?page=&limit=` | 200, 204 (page past the end), 400, 401 |
//! | `GET /api/v4/widgets/{code}` | 200, 401, 404 |
//! | `POST /api/v4/widgets/{code}` (install) | 200, 400, 401, 403, 404 |
//! | `DELETE /api/v4/widgets/{code}` (uninstall) | 204, 401, 403, 404 |
//! | `POST /api/v4/{salesbot\|marketingbot}/{bot_id}/continue/{continue_id}` | 202, 400, 401, 403, 404 |
//! | `POST /oauth2/access_token` | 200, 400, 401 |
//!
//! Every account has these routes: the default one at the root, each named account
//! ([`FakeBuilder::account`]) under its prefix `/{name}` ([`FakeServer::account_url`]), and
//! the fake's own `/_fake/` routes (pending and received continuations, recorded requests;
//! see the README).
//!
//! Every route may also answer 429 when a rate limit is configured
//! ([`FakeBuilder::rate_limit`]); unknown routes answer 404 and a wrong method
//! 405. Successful bodies are `application/hal+json`, errors
//! `application/problem+json` shaped like amoCRM's.
//!
//! # Testing your widget with `amocrm::Client`
//!
//! Your widget with your `settings_template`, in a test of your own crate:
//!
//! ```
//! use amocrm::{Client, Settings};
//! use amocrm_fake::{FakeServer, FakeWidget, SettingType};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // #[tokio::test] async fn my_widget_installs() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeServer::builder()
//!     .widget(FakeWidget::new("my_widget")
//!         .required_setting("api_key", SettingType::Text)
//!         .optional_setting("mapping", SettingType::Custom))
//!     .start().await?;
//! let client = Client::builder().base_url(&fake.base_url()).token(fake.token()).build()?;
//!
//! let missing = client.widgets().install_checked("my_widget", &Settings::new()).await;
//! assert!(missing.unwrap_err().is_invalid_input()); // api_key is required: nothing sent
//! client.widgets().install_checked("my_widget", &Settings::new().text("api_key", "k-1")).await?;
//!
//! assert_eq!(fake.installed_settings("my_widget").unwrap()["api_key"], "k-1");
//! assert_eq!(client.widgets().get("my_widget").await?.is_active_in_account, Some(true));
//! # Ok(())
//! # }
//! ```
//!
//! # Catalogue
//!
//! The catalogue always holds the three example widgets of the API
//! description (`amo_dropbox` id 742, `amo_mailchimp` id 796 and
//! `amo_asterisk` id 972 with its four required settings), then your own widgets
//! ([`FakeBuilder::widget`], [`FakeWidget::load_catalogue`]), then the raw widgets
//! given with [`FakeBuilder::raw_widget`] (served exactly as given, for shapes
//! the fake does not render itself: an integer `version`, `null` flags, `[]`
//! settings, or something no client can read), followed by
//! [`FakeBuilder::widgets`] deterministic generated widgets `widget_00001`,
//! `widget_00002`, ... with ids `1001`, `1002`, ... Generated widgets are
//! computed on demand, so even 100 000 of them cost nothing at start-up.
//!
//! # Rules the API description leaves open
//!
//! * **Settings visibility**: `GET /api/v4/widgets/{code}` includes
//!   `settings` only when the widget is installed *and* the caller uses the
//!   administrator token (or an OAuth access token) — the fake's stand-in for
//!   "the key of the integration linked to the widget". The user token never
//!   sees settings, and the list never includes them.
//! * **Uninstalling a widget that is not installed** answers 204 as well
//!   (the operation is idempotent); unknown codes answer 404.
//! * **Install bodies** are validated against `settings_template`; keys not
//!   in the template, and `custom` fields, take any JSON value and are stored as
//!   sent; a `users` extension is a string or a number.
//! * **Raw widgets** ([`FakeBuilder::raw_widget`]) are found by their `code`
//!   when it is a string; get and install answer them as given (install takes any
//!   settings object).
//! * **Past the end** a list page is `204`; with [`FakeBuilder::php_empty_page`]
//!   it is `200` with `"_links": []` and `"_embedded": []`, PHP's empty maps.
//! * **`Accept`**: off by default, any is served. With
//!   [`FakeBuilder::strict_accept`], an `/api/` request whose `Accept` does not
//!   admit both `application/hal+json` and `application/problem+json` gets 406,
//!   as from a strict spec-driven server.
//! * **Rate limit**: a sliding one-second window per account — at most N requests
//!   are accepted in any one-second interval; the others get 429 with
//!   `Retry-After: 1`. Every accepted request counts, whatever its route
//!   or outcome; answers 429 and the `/_fake/` routes do not.
//! * **OAuth** (per account, `{account_url}/oauth2/access_token`): codes and refresh
//!   tokens are single-use; a spent one answers like amoCRM (a refresh token 401
//!   `"hint": "Token has been revoked"`, a code 400 `"Authorization code has been revoked"`,
//!   `"type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"`), an unknown
//!   one `"Cannot decrypt the refresh token"`; reuses are counted
//!   ([`FakeAccount::oauth_stats`]). An account's tokens are 401 on every other account.
//! * **Recorded requests** keep the method, the raw path and query as on the wire
//!   (account prefix included), the headers with the `Authorization` value masked
//!   (`Bearer ***`; [`RecordedRequest::has_bearer`] compares it) and the body.
//! * **Continue**: the path's `bot_id` must be an integer and the bot kind
//!   `salesbot` or `marketingbot`, otherwise 404. The body is validated
//!   first (400); then the `(kind, bot_id, continue_id)` must be pending
//!   ([`FakeServer::add_pending_continuation`]), otherwise 404. A pending
//!   continuation is consumed by the first accepted call.
//! * Top-level `null` values count as absent (optional install settings,
//!   `data` and `execute_handlers`); an empty continue body is `{}`.
//! * **Faults** ([`Fault`]; [`FakeBuilder::fault`], [`FakeServer::faults`] at run time):
//!   error statuses with problem+json or HTML bodies, `Retry-After`, latency, connection
//!   resets and truncated bodies, per route or for all, once, N times, on the Nth request
//!   or with a seeded probability. They apply after recording and the rate limit: a
//!   faulted request is recorded and counts.
//!
//! # Example
//!
//! In a test, start the server in-process on an ephemeral port, point your
//! client at [`FakeServer::base_url`] and inspect what it received:
//!
//! ```
//! use amocrm_fake::{BotKind, FakeServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // In your own crate this body would live in a `#[tokio::test] async fn`.
//! let server = FakeServer::builder().widgets(10).start().await?;
//! let http = reqwest::Client::new();
//!
//! let resp = http
//!     .get(format!("{}/api/v4/widgets?limit=5", server.base_url()))
//!     .bearer_auth(server.token())
//!     .send()
//!     .await?;
//! assert_eq!(resp.status(), 200);
//! let page: serde_json::Value = resp.json().await?;
//! assert_eq!(page["_embedded"]["widgets"][0]["code"], "amo_dropbox");
//! assert!(page["_links"]["next"]["href"].is_string());
//!
//! server.add_pending_continuation(BotKind::Salesbot, 123, "abc");
//! let resp = http
//!     .post(format!("{}/api/v4/salesbot/123/continue/abc", server.base_url()))
//!     .bearer_auth(server.token())
//!     .json(&serde_json::json!({"data": {"status": "success"}}))
//!     .send()
//!     .await?;
//! assert_eq!(resp.status(), 202);
//! assert_eq!(server.continuations()[0].body["data"]["status"], "success");
//! assert_eq!(server.requests()[0].path_and_query, "/api/v4/widgets?limit=5");
//!
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod account;
mod admin;
mod catalogue;
mod faults;
mod oauth;
mod problem;
mod routes;
mod state;
mod validate;
mod widget;

pub use account::{AccountSpec, FakeAccount, IssuedTokens, OAuthStats};
pub use widget::{CatalogueError, FakeWidget, SettingField, SettingType};

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, Method, Uri};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::catalogue::Catalogue;
pub use crate::faults::fault::{Fault, Operation};
pub use crate::faults::spec::ParseFaultError;
pub use crate::faults::{FaultId, FaultReport, Faults};
use crate::state::{RateLimiter, Shared, State, lock};

/// Value recorded for a masked header: the scheme is kept, the credentials are not.
const MASK: &str = "***";
/// Fields of a token request that are credentials, masked like `Authorization`.
const OAUTH_SECRET_FIELDS: &[&str] = &["client_secret", "code", "refresh_token", "access_token"];

/// Administrator token accepted by default.
pub const DEFAULT_TOKEN: &str = "fake-token";
/// Non-administrator token accepted by default (read-only: GET works,
/// install/uninstall/continue answer 403).
pub const DEFAULT_USER_TOKEN: &str = "fake-user-token";
/// OAuth client id accepted by default by `POST /oauth2/access_token`.
pub const DEFAULT_CLIENT_ID: &str = "fake-client-id";
/// OAuth client secret accepted by default.
pub const DEFAULT_CLIENT_SECRET: &str = "fake-client-secret";
/// OAuth redirect URI accepted by default.
pub const DEFAULT_REDIRECT_URI: &str = "https://example.com/oauth/callback";
/// Default lifetime of OAuth access tokens (24 hours, as in amoCRM).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Number of example widgets from the API description that every catalogue holds.
pub const SEED_WIDGET_COUNT: usize = catalogue::SEED_COUNT;
/// Upper bound for [`FakeBuilder::widgets`]; larger values are clamped to it.
pub const MAX_GENERATED_WIDGETS: usize = 1_000_000_000;

/// The kind of bot in `POST /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BotKind {
    /// Path segment `salesbot`.
    Salesbot,
    /// Path segment `marketingbot`.
    Marketingbot,
}

impl BotKind {
    /// The path segment: `"salesbot"` or `"marketingbot"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BotKind::Salesbot => "salesbot",
            BotKind::Marketingbot => "marketingbot",
        }
    }
}

impl fmt::Display for BotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error parsing a [`BotKind`] from anything but `salesbot` / `marketingbot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBotKind(pub String);

impl fmt::Display for UnknownBotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown bot kind {:?} (expected salesbot or marketingbot)",
            self.0
        )
    }
}

impl std::error::Error for UnknownBotKind {}

impl FromStr for BotKind {
    type Err = UnknownBotKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "salesbot" => Ok(BotKind::Salesbot),
            "marketingbot" => Ok(BotKind::Marketingbot),
            other => Err(UnknownBotKind(other.to_owned())),
        }
    }
}

/// A continue request the fake accepted (202).
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedContinuation {
    /// Bot kind from the path.
    pub bot: BotKind,
    /// Bot id from the path.
    pub bot_id: i64,
    /// Continue id from the path (percent-decoded).
    pub continue_id: String,
    /// The JSON body as sent (always an object).
    pub body: Value,
}

/// A request as the fake received it. Its `Authorization` value is masked (`Bearer ***`)
/// wherever it shows (fields, `Debug`); [`RecordedRequest::has_bearer`] compares it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The account it was sent to: `None` for the default account at the root, the name
    /// for one under `/{name}`.
    pub account: Option<String>,
    /// HTTP method, e.g. `"GET"`.
    pub method: String,
    /// Raw path and query exactly as received on the wire (not decoded, with the
    /// account's prefix), e.g. `/api/v4/widgets/a%2Fb`,
    /// `/api/v4/widgets?limit=250&page=2` or `/acc1/api/v4/widgets`.
    pub path_and_query: String,
    /// Raw path without the query, not decoded.
    pub path: String,
    /// Raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Request headers in order; names are lower-case, non-UTF-8 bytes replaced, the
    /// `Authorization` value masked as `{scheme} ***`.
    pub headers: Vec<(String, String)>,
    /// The body as received (empty when there was none), unmasked: [`Debug`] and
    /// `GET /_fake/requests` show it with the token endpoint's credentials masked
    /// ([`RecordedRequest::masked_body`]).
    pub body: Vec<u8>,
    /// When the request arrived, before the rate limit saw it: arrival rates and gaps as
    /// the server sees them (e.g. at most 7 in any second).
    pub received_at: std::time::Instant,
    /// The unmasked `Authorization` value, only for [`RecordedRequest::has_bearer`].
    authorization: Option<String>,
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("account", &self.account)
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("headers", &self.headers)
            .field("body", &self.masked_body())
            .finish_non_exhaustive()
    }
}

/// `Bearer abc` -> `Bearer ***`; a value without a scheme -> `***`.
fn mask_credentials(value: &str) -> String {
    match value.trim().split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {MASK}"),
        None => MASK.to_owned(),
    }
}

impl RecordedRequest {
    pub(crate) fn from_parts(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        account: Option<&str>,
        body: &[u8],
    ) -> Self {
        let path_and_query = uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| uri.path().to_owned());
        let mut authorization = None;
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
                if name == axum::http::header::AUTHORIZATION {
                    let masked = mask_credentials(&text);
                    authorization.get_or_insert(text);
                    (name.as_str().to_owned(), masked)
                } else {
                    (name.as_str().to_owned(), text)
                }
            })
            .collect();
        RecordedRequest {
            account: account.map(str::to_owned),
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            path_and_query,
            headers,
            body: body.to_vec(),
            received_at: std::time::Instant::now(),
            authorization,
        }
    }

    /// The first value of a header, by case-insensitive name (`Authorization` masked).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request carried `Authorization: Bearer {token}` (the scheme in any
    /// case), without the token being kept anywhere you could print it from.
    pub fn has_bearer(&self, token: &str) -> bool {
        self.authorization
            .as_deref()
            .and_then(|v| v.trim().split_once(' '))
            .is_some_and(|(scheme, value)| {
                scheme.eq_ignore_ascii_case("bearer") && value.trim() == token
            })
    }

    /// The body as text for showing it: a token request's (`/oauth2/access_token`)
    /// `client_secret`, `code`, `refresh_token` and `access_token` are masked as `***`,
    /// like the `Authorization` header, so that printing requests never prints a
    /// credential; non-UTF-8 bytes are replaced. [`RecordedRequest::body`] keeps the
    /// bytes as received.
    pub fn masked_body(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        if !self.path.ends_with("/oauth2/access_token") {
            return text.into_owned();
        }
        let secret = |key: &str| OAUTH_SECRET_FIELDS.contains(&key);
        if let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(&text) {
            for (key, value) in object.iter_mut() {
                if secret(key) {
                    *value = Value::from(MASK);
                }
            }
            return Value::Object(object).to_string();
        }
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                url::form_urlencoded::parse(text.as_bytes())
                    .map(|(k, v)| if secret(&k) { (k, MASK.into()) } else { (k, v) }),
            )
            .finish()
    }

    /// The body as UTF-8 text, `None` when it is not.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body parsed as JSON, `None` when it is empty or not JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// The OAuth integration the fake's `POST /oauth2/access_token` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// `client_id` (the integration id).
    pub client_id: String,
    /// `client_secret` (the integration's secret key).
    pub client_secret: String,
    /// `redirect_uri` registered for the integration.
    pub redirect_uri: String,
}

impl Default for OAuthClient {
    fn default() -> Self {
        OAuthClient {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            redirect_uri: DEFAULT_REDIRECT_URI.to_owned(),
        }
    }
}

/// Configures and starts a [`FakeServer`]; see [`FakeServer::builder`].
#[derive(Debug, Clone)]
pub struct FakeBuilder {
    token: String,
    user_token: String,
    widgets: usize,
    rate_limit: Option<u32>,
    faults: Vec<Fault>,
    bind: SocketAddr,
    record_requests: bool,
    any_continuation: bool,
    strict_accept: bool,
    php_empty_page: bool,
    raw_widgets: Vec<Value>,
    custom_widgets: Vec<FakeWidget>,
    accounts: Vec<AccountSpec>,
    oauth_client: OAuthClient,
    access_token_ttl: Duration,
}

impl Default for FakeBuilder {
    fn default() -> Self {
        FakeBuilder {
            token: DEFAULT_TOKEN.to_owned(),
            user_token: DEFAULT_USER_TOKEN.to_owned(),
            widgets: 0,
            rate_limit: None,
            faults: Vec::new(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            record_requests: true,
            any_continuation: false,
            strict_accept: false,
            php_empty_page: false,
            raw_widgets: Vec::new(),
            custom_widgets: Vec::new(),
            accounts: Vec::new(),
            oauth_client: OAuthClient::default(),
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
        }
    }
}

impl FakeBuilder {
    /// Administrator token (default [`DEFAULT_TOKEN`]).
    pub fn token(mut self, t: impl Into<String>) -> Self {
        self.token = t.into();
        self
    }

    /// Non-administrator token (default [`DEFAULT_USER_TOKEN`]).
    pub fn user_token(mut self, t: impl Into<String>) -> Self {
        self.user_token = t.into();
        self
    }

    /// Number of generated widgets after the seed's examples (default 0, at
    /// most [`MAX_GENERATED_WIDGETS`]). Generated widgets are computed on
    /// demand: 100 000 of them cost nothing up front.
    pub fn widgets(mut self, n: usize) -> Self {
        self.widgets = n.min(MAX_GENERATED_WIDGETS);
        self
    }

    /// `Some(n)`: accept at most `n` requests in any one-second window and
    /// answer the rest 429 with `Retry-After: 1`. `None` (the default) or
    /// `Some(0)` turn the limit off.
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = per_second.filter(|&n| n > 0);
        self
    }

    /// Injects `fault` ([`Fault`]: an error status, latency, a connection reset, a
    /// truncated body) from the first request on, after the faults given before; more can
    /// be added, and all removed, while the server runs: [`FakeServer::faults`].
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Whether to record every request for [`FakeServer::requests`]
    /// (default on; turn it off for benchmarks).
    pub fn record_requests(mut self, on: bool) -> Self {
        self.record_requests = on;
        self
    }

    /// Treats every `(bot, bot_id, continue_id)` as a pending widget step, so the continue
    /// call answers 202 to any valid body (off by default). For conformance runs such as
    /// schemathesis, which cannot know a pending step.
    pub fn accept_any_continuation(mut self, on: bool) -> Self {
        self.any_continuation = on;
        self
    }

    /// Adds a widget served exactly as `json`, after the seed's examples and earlier raw
    /// widgets, before the generated ones: for shapes amoCRM sends that the fake does not
    /// render (an integer `version`, `null` flags, `"settings": []`), or an entry no client
    /// can read. Found by get and install through its `code`, when that is a string.
    pub fn raw_widget(mut self, json: Value) -> Self {
        self.raw_widgets.push(json);
        self
    }

    /// Adds a widget of your own (your code, version, rating, `settings_template`, flags)
    /// to every account's catalogue, after the seed's examples and earlier widgets of
    /// yours, before raw and generated ones. Install bodies are validated against its
    /// template; a code given twice (or a seed's) makes [`FakeBuilder::start`] fail.
    pub fn widget(mut self, widget: FakeWidget) -> Self {
        self.custom_widgets.push(widget);
        self
    }

    /// Adds several widgets of your own, e.g. from [`FakeWidget::load_catalogue`].
    pub fn widgets_from(mut self, widgets: impl IntoIterator<Item = FakeWidget>) -> Self {
        self.custom_widgets.extend(widgets);
        self
    }

    /// Adds an account served under `/{name}` ([`FakeServer::account_url`]), besides the
    /// default one at the root: its own installed widgets, tokens, OAuth chain,
    /// rate-limit window, continuations. `"acc1"` or an [`AccountSpec`]. A bad or
    /// repeated name makes [`FakeBuilder::start`] fail.
    pub fn account(mut self, account: impl Into<AccountSpec>) -> Self {
        self.accounts.push(account.into());
        self
    }

    /// Adds several accounts, as [`FakeBuilder::account`].
    pub fn accounts<A: Into<AccountSpec>>(mut self, accounts: impl IntoIterator<Item = A>) -> Self {
        self.accounts.extend(accounts.into_iter().map(Into::into));
        self
    }

    /// Answers 406 to an `/api/` request whose `Accept` does not admit both
    /// `application/hal+json` and `application/problem+json`, as a strict server does
    /// (off by default).
    pub fn strict_accept(mut self, on: bool) -> Self {
        self.strict_accept = on;
        self
    }

    /// Answers a list page past the end with `200` and
    /// `{"_page": N, "_links": [], "_embedded": []}` (PHP's empty maps) instead of `204`
    /// (off by default).
    pub fn php_empty_page(mut self, on: bool) -> Self {
        self.php_empty_page = on;
        self
    }

    /// The OAuth integration accepted by `POST /oauth2/access_token`
    /// (defaults: [`DEFAULT_CLIENT_ID`], [`DEFAULT_CLIENT_SECRET`], [`DEFAULT_REDIRECT_URI`]).
    pub fn oauth_client(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        self.oauth_client = OAuthClient {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
        };
        self
    }

    /// Lifetime of OAuth access tokens (default [`DEFAULT_ACCESS_TOKEN_TTL`]);
    /// `expires_in` reports it in whole seconds.
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }

    /// Binds the listener and starts serving on a spawned tokio task. Fails
    /// (`InvalidInput`) on a bad or repeated account name or a widget code given twice.
    pub async fn start(self) -> std::io::Result<FakeServer> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        let mut names = std::collections::HashSet::new();
        for spec in &self.accounts {
            if let Some(why) = spec.invalid_name() {
                return Err(invalid(why));
            }
            if !names.insert(spec.name.as_str()) {
                return Err(invalid(format!("account {:?} is given twice", spec.name)));
            }
        }
        let default_catalogue =
            Catalogue::new(self.widgets, &self.custom_widgets, self.raw_widgets.clone())
                .map_err(invalid)?;
        let listener = tokio::net::TcpListener::bind(self.bind).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let shared = |name: Option<&AccountSpec>, index: i64, catalogue: Catalogue| {
            let limit = name
                .and_then(|spec| spec.rate_limit)
                .unwrap_or(self.rate_limit);
            Arc::new(Shared {
                name: name.map(|spec| spec.name.clone()),
                prefix: name.map_or_else(String::new, |spec| format!("/{}", spec.name)),
                account_id: routes::ACCOUNT_ID + index,
                subdomain: name.map_or_else(|| "example".to_owned(), |spec| spec.name.clone()),
                catalogue,
                token: name.map_or_else(
                    || self.token.clone(),
                    |spec| {
                        spec.token
                            .clone()
                            .unwrap_or_else(|| format!("{}-{}", self.token, spec.name))
                    },
                ),
                user_token: name.map_or_else(
                    || self.user_token.clone(),
                    |spec| {
                        spec.user_token
                            .clone()
                            .unwrap_or_else(|| format!("{}-{}", self.user_token, spec.name))
                    },
                ),
                record: self.record_requests,
                any_continuation: self.any_continuation,
                strict_accept: self.strict_accept,
                php_empty_page: self.php_empty_page,
                limiter: limit.map(|n| Mutex::new(RateLimiter::new(n))),
                oauth_client: self.oauth_client.clone(),
                access_token_ttl: name
                    .and_then(|spec| spec.access_token_ttl)
                    .unwrap_or(self.access_token_ttl),
                local_addr: addr,
                state: Mutex::new(State::default()),
                requests: requests.clone(),
            })
        };
        let default = shared(None, 0, default_catalogue);
        let mut accounts = Vec::with_capacity(self.accounts.len());
        for (i, spec) in self.accounts.iter().enumerate() {
            let mut widgets = self.custom_widgets.clone();
            widgets.extend(spec.widgets.iter().cloned());
            let catalogue = Catalogue::new(self.widgets, &widgets, self.raw_widgets.clone())
                .map_err(|e| invalid(format!("account {:?}: {e}", spec.name)))?;
            accounts.push(shared(Some(spec), i as i64 + 1, catalogue));
        }
        let app = routes::app(default.clone(), &accounts);
        let (tx, rx) = oneshot::channel::<()>();
        // One table for the whole server, handed to the faults middleware with each request.
        let faults = Faults::new();
        for fault in self.faults {
            faults.add(fault);
        }
        let app = app.layer(axum::Extension(faults.clone()));
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            // Errors here can only come from the listener; nothing to report to.
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await;
        });
        let base = format!("http://{addr}");
        let account = |shared: Arc<Shared>| FakeAccount {
            url: format!("{base}{}", shared.prefix),
            shared,
        };
        Ok(FakeServer {
            default: account(default),
            accounts: accounts.into_iter().map(account).collect(),
            requests,
            addr,
            shutdown: Some(tx),
            task: Some(task),
            faults,
        })
    }
}

/// A running fake amoCRM server. Dropping it (or [`FakeServer::shutdown`])
/// stops the server.
pub struct FakeServer {
    default: FakeAccount,
    accounts: Vec<FakeAccount>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    faults: Faults,
}

impl fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .field("widgets", &self.widget_count())
            .field(
                "accounts",
                &self
                    .accounts
                    .iter()
                    .map(FakeAccount::name)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl FakeServer {
    /// A builder with the defaults: `127.0.0.1:0`, [`DEFAULT_TOKEN`],
    /// [`DEFAULT_USER_TOKEN`], seed catalogue only, no rate limit, recording on.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// Starts a server with the defaults of [`FakeServer::builder`].
    pub async fn start() -> std::io::Result<FakeServer> {
        FakeBuilder::default().start().await
    }

    /// `http://host:port` without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default account (at the root); the methods of [`FakeServer`] without an account
    /// name act on it.
    pub fn default_account(&self) -> &FakeAccount {
        &self.default
    }

    /// A named account ([`FakeBuilder::account`]), `None` when there is none by that name.
    pub fn account(&self, name: &str) -> Option<&FakeAccount> {
        self.accounts.iter().find(|a| a.name() == Some(name))
    }

    /// The named accounts, in the order they were added.
    pub fn accounts(&self) -> &[FakeAccount] {
        &self.accounts
    }

    /// A named account's base URL, `http://host:port/{name}` (give it to
    /// `amocrm::ClientBuilder::base_url`); `None` when there is no such account.
    pub fn account_url(&self, name: &str) -> Option<&str> {
        self.account(name).map(FakeAccount::url)
    }

    /// The administrator token of the default account.
    pub fn token(&self) -> &str {
        self.default.token()
    }

    /// A valid non-administrator token of the default account: GET works, install,
    /// uninstall and continue answer 403.
    pub fn user_token(&self) -> &str {
        self.default.user_token()
    }

    /// The OAuth integration accepted by `POST /oauth2/access_token` (of every account).
    pub fn oauth_client(&self) -> &OAuthClient {
        &self.default.shared.oauth_client
    }

    /// Registers a bot step of the default account waiting for a widget's result, so that
    /// `POST /api/v4/{bot}/{bot_id}/continue/{continue_id}` is accepted once.
    /// Registering the same triple twice allows two calls.
    pub fn add_pending_continuation(&self, bot: BotKind, bot_id: i64, continue_id: &str) {
        self.default
            .add_pending_continuation(bot, bot_id, continue_id);
    }

    /// Accepted continue requests of the default account, in order.
    pub fn continuations(&self) -> Vec<ReceivedContinuation> {
        self.default.continuations()
    }

    /// Every request the server received so far, to any account (unless recording is
    /// off), in order; [`RecordedRequest::account`] says which.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }

    /// Forgets the recorded requests (of every account).
    pub fn clear_requests(&self) {
        lock(&self.requests).clear();
    }

    /// The settings stored for an installed widget of the default account, `None` when
    /// it is not installed or unknown.
    pub fn installed_settings(&self, code: &str) -> Option<Value> {
        self.default.installed_settings(code)
    }

    /// Total number of widgets in the default account's catalogue (seed + yours + raw +
    /// generated).
    pub fn widget_count(&self) -> usize {
        self.default.widget_count()
    }

    /// Issues a single-use authorization code for the default account.
    pub fn issue_authorization_code(&self) -> String {
        self.default.issue_authorization_code()
    }

    /// Stores a token pair of the default account (see [`FakeAccount::issue_token_pair`]).
    pub fn issue_token_pair(&self, ttl: Duration) -> IssuedTokens {
        self.default.issue_token_pair(ttl)
    }

    /// Makes every OAuth-issued access token of the default account invalid (401) from
    /// now on; refresh tokens keep working.
    pub fn expire_access_tokens(&self) {
        self.default.expire_access_tokens();
    }

    /// Number of successful `refresh_token` grants of the default account.
    pub fn refresh_count(&self) -> usize {
        self.default.oauth_stats().refresh_token_grants
    }

    /// What the default account's token endpoint did so far.
    pub fn oauth_stats(&self) -> OAuthStats {
        self.default.oauth_stats()
    }

    /// Stops accepting connections, lets in-flight requests finish and waits
    /// (at most 5 seconds) for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Fault injection.
impl FakeServer {
    /// The injected faults ([`Fault`]: error statuses, latency, connection resets,
    /// truncated bodies), to add, remove and count while the server runs; the same table
    /// for every route.
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_keeping_the_scheme() {
        assert_eq!(mask_credentials("Bearer abc.def"), "Bearer ***");
        assert_eq!(mask_credentials("  bearer  x "), "bearer ***");
        assert_eq!(mask_credentials("Basic dXNlcjpwYXNz"), "Basic ***");
        assert_eq!(mask_credentials("token-without-scheme"), "***");
        assert_eq!(mask_credentials(""), "***");
    }
}
