//! A running fake: [`FakeServer`] (the task serving it, the recorded requests, the
//! faults) and [`FakeAccount`], the handle to one of its accounts.

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::crm::FakeCrm;
use crate::faults::Faults;
use crate::model::clock::FakeClock;
use crate::model::figures::Figures;
use crate::model::lock;
use crate::model::record::{BotKind, ReceivedContinuation, RecordedRequest};
use crate::model::tenant::Tenant;
use crate::model::tokens::{IssuedTokens, OAuthClient, OAuthStats};
use crate::model::webhooks::WebhookAttempt;

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
    /// Serves `app` on `listener` from a spawned task until the server is shut down or
    /// dropped; `default` and `accounts` are the tenants `app` serves.
    pub(crate) fn serve(
        listener: TcpListener,
        app: Router,
        default: Arc<Tenant>,
        accounts: Vec<Arc<Tenant>>,
        faults: Faults,
    ) -> FakeServer {
        let app = app.layer(axum::Extension(faults.clone()));
        let addr = default.local_addr;
        let (tx, rx) = oneshot::channel::<()>();
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
        let account = |tenant: Arc<Tenant>| FakeAccount {
            url: format!("{base}{}", tenant.prefix),
            tenant,
        };
        FakeServer {
            requests: default.requests.clone(),
            default: account(default),
            accounts: accounts.into_iter().map(account).collect(),
            addr,
            shutdown: Some(tx),
            task: Some(task),
            faults,
        }
    }
}

impl FakeServer {
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

    /// A named account ([`FakeBuilder::account`](crate::FakeBuilder::account)), `None` when there is none by that name.
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
        &self.default.tenant.oauth_client
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

    /// What the recorded requests of every account add up to (requests by status class,
    /// 429s, token grants by outcome): the server's side of what a client reports.
    pub fn figures(&self) -> Figures {
        Figures::of(&lock(&self.requests))
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

/// The CRM.
impl FakeServer {
    /// The default account's CRM: change its entities, read their stamps.
    pub fn crm(&self) -> FakeCrm {
        self.default.crm()
    }

    /// The clock every account stamps its changes with (the builder's
    /// [`clock`](crate::FakeBuilder::clock)): set or advance it to put changes in one second.
    pub fn clock(&self) -> &FakeClock {
        &self.default.tenant.clock
    }

    /// Every webhook delivery attempt of the default account so far, in order.
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        self.default.webhook_attempts()
    }
}

/// Fault injection.
impl FakeServer {
    /// The injected faults ([`Fault`](crate::Fault): error statuses, latency, connection resets,
    /// truncated bodies), to add, remove and count while the server runs; the same table
    /// for every route.
    pub fn faults(&self) -> Faults {
        self.faults.clone()
    }
}

/// One account of a running [`crate::FakeServer`]: [`FakeServer::account`] for a
/// named one, [`FakeServer::default_account`] for the one at the root.
#[derive(Clone)]
pub struct FakeAccount {
    pub(crate) tenant: Arc<Tenant>,
    url: String,
}

impl fmt::Debug for FakeAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeAccount")
            .field("name", &self.tenant.name)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FakeAccount {
    /// The account's name; `None` for the default account.
    pub fn name(&self) -> Option<&str> {
        self.tenant.name.as_deref()
    }

    /// The account's base URL: `http://host:port` for the default account,
    /// `http://host:port/{name}` for a named one (its API is `{url}/api/v4/...`, its token
    /// endpoint `{url}/oauth2/access_token`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The administrator token.
    pub fn token(&self) -> &str {
        &self.tenant.token
    }

    /// The read-only token.
    pub fn user_token(&self) -> &str {
        &self.tenant.user_token
    }

    /// The `subdomain` the account reports in `GET /api/v4/account` (its name; `example`
    /// for the default account).
    pub fn subdomain(&self) -> &str {
        &self.tenant.subdomain
    }

    /// Registers a bot step waiting for a widget's result, so that
    /// `POST {url}/api/v4/{bot}/{bot_id}/continue/{continue_id}` is accepted once.
    /// Registering the same triple twice allows two calls.
    pub fn add_pending_continuation(&self, bot: BotKind, bot_id: i64, continue_id: &str) {
        lock(&self.tenant.continuations).add_pending(bot, bot_id, continue_id);
    }

    /// Accepted continue requests of this account, in order.
    pub fn continuations(&self) -> Vec<ReceivedContinuation> {
        lock(&self.tenant.continuations).received().to_vec()
    }

    /// The requests this account received (unless recording is off), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.tenant.requests()
    }

    /// What this account's recorded requests add up to ([`FakeServer::figures`] for one
    /// account).
    pub fn figures(&self) -> Figures {
        Figures::of(&self.tenant.requests())
    }

    /// The settings stored for an installed widget, `None` when it is not installed or
    /// unknown.
    pub fn installed_settings(&self, code: &str) -> Option<Value> {
        let pos = self.tenant.catalogue.position(code)?;
        lock(&self.tenant.installed).get(&pos).cloned()
    }

    /// Total number of widgets in the account's catalogue.
    pub fn widget_count(&self) -> usize {
        self.tenant.catalogue.len()
    }

    /// Issues a single-use authorization code for this account's `authorization_code`
    /// grant.
    pub fn issue_authorization_code(&self) -> String {
        lock(&self.tenant.tokens).new_code()
    }

    /// Stores a token pair as if the token endpoint had just issued it, its access token
    /// valid for `ttl` (`Duration::ZERO`: already expired): a pair your test seeds into the
    /// client or its token store. Not counted as a grant.
    pub fn issue_token_pair(&self, ttl: Duration) -> IssuedTokens {
        lock(&self.tenant.tokens).issue(ttl)
    }

    /// Makes every OAuth access token of this account invalid (401) from now on; refresh
    /// tokens keep working.
    pub fn expire_access_tokens(&self) {
        lock(&self.tenant.tokens).expire_access(Instant::now());
    }

    /// What this account's token endpoint did so far.
    pub fn oauth_stats(&self) -> OAuthStats {
        lock(&self.tenant.tokens).stats()
    }

    /// The account's CRM: change its entities while a client pages, read their stamps.
    pub fn crm(&self) -> FakeCrm {
        FakeCrm::new(self.tenant.clone())
    }

    /// Every webhook delivery attempt of this account so far, in order (destination,
    /// attempt number, answer, body).
    pub fn webhook_attempts(&self) -> Vec<WebhookAttempt> {
        lock(&self.tenant.webhooks).attempts.clone()
    }
}
