//! Configuring a fake: [`FakeBuilder`] for the server, [`AccountSpec`] for each named
//! account; [`FakeBuilder::start`] turns them into tenants, mounts the API on them and
//! starts serving.

use std::collections::HashSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde_json::Value;

use crate::faults::Faults;
use crate::faults::fault::Fault;
use crate::model::catalogue::widget::FakeWidget;
use crate::model::catalogue::{Catalogue, MAX_GENERATED_WIDGETS};
use crate::model::clock::FakeClock;
use crate::model::crm::seed::{self, CrmSize};
use crate::model::pipelines::{self, MAX_PIPELINES};
use crate::model::rate_limit::RateLimiter;
use crate::model::tenant::{DEFAULT_ACCOUNT_ID, Tenant};
use crate::model::tokens::{DEFAULT_ACCESS_TOKEN_TTL, OAuthClient};
use crate::model::webhooks::WebhookSchedule;
use crate::server::FakeServer;
use crate::{admin, api, http};

/// Administrator token accepted by default.
pub const DEFAULT_TOKEN: &str = "fake-token";
/// Non-administrator token accepted by default (read-only: GET works,
/// install/uninstall/continue answer 403).
pub const DEFAULT_USER_TOKEN: &str = "fake-user-token";

/// Path segments a named account cannot take: the default account's own routes.
const RESERVED: &[&str] = &["api", "oauth2", "_fake"];

/// A named account for [`FakeBuilder::account`]; `"acc1"` converts into one with
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
    pub(crate) pipelines: Option<usize>,
    pub(crate) crm: Option<CrmSize>,
}

impl AccountSpec {
    /// An account served under `/{name}`. The name is a path segment of ASCII letters,
    /// digits, `-` and `_` (at most 63), not `api`, `oauth2` or `_fake`; others make
    /// [`FakeBuilder::start`] fail.
    pub fn new(name: impl Into<String>) -> Self {
        AccountSpec {
            name: name.into(),
            token: None,
            user_token: None,
            rate_limit: None,
            access_token_ttl: None,
            widgets: Vec::new(),
            pipelines: None,
            crm: None,
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

    /// The account's own rate limit (see [`FakeBuilder::rate_limit`]).
    pub fn rate_limit(mut self, per_second: Option<u32>) -> Self {
        self.rate_limit = Some(per_second.filter(|&n| n > 0));
        self
    }

    /// The lifetime of the access tokens this account's token endpoint issues (see
    /// [`FakeBuilder::access_token_ttl`]).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = Some(ttl);
        self
    }

    /// A widget only this account's catalogue has, after the builder's own widgets.
    pub fn widget(mut self, widget: FakeWidget) -> Self {
        self.widgets.push(widget);
        self
    }

    /// The account's number of pipelines (see [`FakeBuilder::pipelines`]).
    pub fn pipelines(mut self, n: usize) -> Self {
        self.pipelines = Some(n);
        self
    }

    /// The size of the account's generated CRM (see [`FakeBuilder::crm`]).
    pub fn crm(mut self, size: CrmSize) -> Self {
        self.crm = Some(size);
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

/// Configures and starts a [`FakeServer`]; see [`FakeServer::builder`].
#[derive(Debug, Clone)]
pub struct FakeBuilder {
    token: String,
    user_token: String,
    widgets: usize,
    pipelines: usize,
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
    crm: CrmSize,
    real_world_shapes: bool,
    clock: FakeClock,
    webhook_schedule: WebhookSchedule,
    /// Set by `uninstall_hook_url`, in `lifecycle`.
    pub(crate) uninstall_hook_url: Option<String>,
}

impl Default for FakeBuilder {
    fn default() -> Self {
        FakeBuilder {
            token: DEFAULT_TOKEN.to_owned(),
            user_token: DEFAULT_USER_TOKEN.to_owned(),
            widgets: 0,
            pipelines: 1,
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
            crm: CrmSize::default(),
            real_world_shapes: false,
            clock: FakeClock::system(),
            webhook_schedule: WebhookSchedule::amocrm(),
            uninstall_hook_url: None,
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

    /// Number of lead pipelines of every account (default 1, at most 50 as in amoCRM):
    /// the main one, "Воронка", then "Воронка 2", … each with amoCRM's stages of a new
    /// pipeline — unsorted (type 1), three of work, 142 won and 143 lost. Outside 1 to 50,
    /// [`FakeBuilder::start`] fails.
    pub fn pipelines(mut self, n: usize) -> Self {
        self.pipelines = n;
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
    /// (defaults: [`DEFAULT_CLIENT_ID`](crate::DEFAULT_CLIENT_ID),
    /// [`DEFAULT_CLIENT_SECRET`](crate::DEFAULT_CLIENT_SECRET),
    /// [`DEFAULT_REDIRECT_URI`](crate::DEFAULT_REDIRECT_URI)).
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
    /// The size of every account's generated CRM (default [`CrmSize::default`]: 50 leads,
    /// 60 contacts, 20 companies, 5 users, 40 tasks, 60 notes, 100 events, 12 elements per
    /// catalog, 10 custom field values per lead; seed 1). An account generated with the
    /// same size and seed is the same; accounts differ from each other.
    pub fn crm(mut self, size: CrmSize) -> Self {
        self.crm = size;
        self
    }

    /// Serves amoCRM's real-world shapes besides the documented ones (off by default):
    /// numbers as strings, `price` as a string or a float on some leads,
    /// `custom_fields_values: null`, `_embedded.loss_reason` as an array on some leads and
    /// an object on others, `status_rights: null`, unknown custom field, note and event
    /// types, `[]` for an empty `_embedded`… spread over the data by id, the same on every
    /// run (the README lists them all).
    pub fn real_world_shapes(mut self, on: bool) -> Self {
        self.real_world_shapes = on;
        self
    }

    /// The clock changes are stamped with (default [`FakeClock::system`]); keep a clone to
    /// set or advance it, or use [`FakeServer::clock`].
    pub fn clock(mut self, clock: FakeClock) -> Self {
        self.clock = clock;
        self
    }

    /// When webhook deliveries are retried and destinations switched off (default
    /// [`WebhookSchedule::amocrm`]; tests use [`WebhookSchedule::compressed`]).
    pub fn webhook_schedule(mut self, schedule: WebhookSchedule) -> Self {
        self.webhook_schedule = schedule;
        self
    }

    /// Binds the listener and starts serving on a spawned tokio task. Fails
    /// (`InvalidInput`) on a bad or repeated account name or a widget code given twice.
    pub async fn start(self) -> std::io::Result<FakeServer> {
        let invalid =
            |message: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, message);
        let mut names = HashSet::new();
        for spec in &self.accounts {
            if let Some(why) = spec.invalid_name() {
                return Err(invalid(why));
            }
            if !names.insert(spec.name.as_str()) {
                return Err(invalid(format!("account {:?} is given twice", spec.name)));
            }
        }
        let pipelines =
            |spec: Option<&AccountSpec>| spec.and_then(|s| s.pipelines).unwrap_or(self.pipelines);
        for spec in std::iter::once(None).chain(self.accounts.iter().map(Some)) {
            let n = pipelines(spec);
            if !(1..=MAX_PIPELINES).contains(&n) {
                let whose = spec.map_or_else(String::new, |s| format!("account {:?}: ", s.name));
                let why = format!("{whose}{n} pipelines: an account has 1 to {MAX_PIPELINES}");
                return Err(invalid(why));
            }
        }
        let default_catalogue =
            Catalogue::new(self.widgets, &self.custom_widgets, self.raw_widgets.clone())
                .map_err(invalid)?;
        let listener = tokio::net::TcpListener::bind(self.bind).await?;
        let local_addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let tenant = |spec: Option<&AccountSpec>, index: i64, catalogue: Catalogue| {
            let account_pipelines =
                pipelines::seed(index, DEFAULT_ACCOUNT_ID + index, pipelines(spec));
            let limit = spec.and_then(|s| s.rate_limit).unwrap_or(self.rate_limit);
            let own = |token: &str, given: Option<&String>| match spec {
                None => token.to_owned(),
                Some(spec) => given
                    .cloned()
                    .unwrap_or_else(|| format!("{token}-{}", spec.name)),
            };
            Arc::new(Tenant {
                name: spec.map(|spec| spec.name.clone()),
                prefix: spec.map_or_else(String::new, |spec| format!("/{}", spec.name)),
                account_id: DEFAULT_ACCOUNT_ID + index,
                subdomain: spec.map_or_else(|| "example".to_owned(), |spec| spec.name.clone()),
                token: own(&self.token, spec.and_then(|spec| spec.token.as_ref())),
                user_token: own(
                    &self.user_token,
                    spec.and_then(|spec| spec.user_token.as_ref()),
                ),
                catalogue,
                crm: RwLock::new(seed::generate(
                    spec.and_then(|spec| spec.crm.as_ref()).unwrap_or(&self.crm),
                    index,
                    DEFAULT_ACCOUNT_ID + index,
                    &account_pipelines,
                    self.real_world_shapes,
                )),
                clock: self.clock.clone(),
                pipelines: RwLock::new(pipelines::Pipelines::new(index, account_pipelines)),
                oauth_client: self.oauth_client.clone(),
                uninstall_hook_url: self.uninstall_hook_url.clone(),
                access_token_ttl: spec
                    .and_then(|spec| spec.access_token_ttl)
                    .unwrap_or(self.access_token_ttl),
                record: self.record_requests,
                any_continuation: self.any_continuation,
                strict_accept: self.strict_accept,
                php_empty_page: self.php_empty_page,
                limiter: limit.map(|n| Mutex::new(RateLimiter::new(n))),
                standing: Mutex::default(),
                local_addr,
                installed: Mutex::default(),
                continuations: Mutex::default(),
                tokens: Mutex::default(),
                webhooks: Mutex::default(),
                webhook_schedule: self.webhook_schedule.clone(),
                changed: tokio::sync::Notify::new(),
                requests: requests.clone(),
            })
        };
        let default = tenant(None, 0, default_catalogue);
        let mut accounts = Vec::with_capacity(self.accounts.len());
        for (i, spec) in self.accounts.iter().enumerate() {
            let mut widgets = self.custom_widgets.clone();
            widgets.extend(spec.widgets.iter().cloned());
            let catalogue = Catalogue::new(self.widgets, &widgets, self.raw_widgets.clone())
                .map_err(|e| invalid(format!("account {:?}: {e}", spec.name)))?;
            accounts.push(tenant(Some(spec), i as i64 + 1, catalogue));
        }
        let router = |tenant: &Arc<Tenant>| {
            http::router::account(tenant.clone(), api::routes(), admin::routes())
        };
        let app = http::router::server(
            router(&default),
            accounts.iter().map(|t| (t.prefix.clone(), router(t))),
        );
        // One table for the whole server, handed to the faults middleware with each request.
        let faults = Faults::new();
        for fault in self.faults {
            faults.add(fault);
        }
        Ok(FakeServer::serve(listener, app, default, accounts, faults))
    }
}

/// The builder's entry points, here so that the server does not depend on its builder.
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
}
