//! A tenant: one account the fake serves (the default one at the root, or a named one under
//! `/{name}`), with everything its requests read and change.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::model::catalogue::Catalogue;
use crate::model::clock::FakeClock;
use crate::model::continuations::Continuations;
use crate::model::crm::Crm;
use crate::model::lock;
use crate::model::pipelines::Pipelines;
use crate::model::problem::Problem;
use crate::model::rate_limit::RateLimiter;
use crate::model::record::RecordedRequest;
use crate::model::standing::Standing;
use crate::model::tokens::{Access, OAuthClient, Tokens};
use crate::model::webhooks::{WebhookSchedule, Webhooks};

/// The default account's ID (its subdomain is `example`); named accounts count up from it.
pub const DEFAULT_ACCOUNT_ID: i64 = 1_231_414;

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Account administrator / the integration's own key: everything allowed.
    Admin,
    /// Plain user: read-only.
    User,
}

/// Everything one account holds.
#[derive(Debug)]
pub(crate) struct Tenant {
    /// The account's name (its path prefix without `/`); `None` for the default account.
    pub name: Option<String>,
    /// `""` for the default account, `/{name}` otherwise.
    pub prefix: String,
    /// `id` and `subdomain` of `GET /api/v4/account`.
    pub account_id: i64,
    pub subdomain: String,
    pub token: String,
    pub user_token: String,
    pub catalogue: Catalogue,
    /// The lead pipelines, each with its statuses. A writer locks `crm` first, then this.
    pub pipelines: RwLock<Pipelines>,
    /// The CRM: leads, contacts, companies and everything around them.
    pub crm: RwLock<Crm>,
    /// The time changes are stamped with (shared by every account).
    pub clock: FakeClock,
    pub oauth_client: OAuthClient,
    /// Where the integration's uninstall hook goes (`FakeBuilder::uninstall_hook_url`).
    pub uninstall_hook_url: Option<String>,
    pub access_token_ttl: Duration,
    pub record: bool,
    /// Every (bot, bot_id, continue_id) counts as pending (conformance testing).
    pub any_continuation: bool,
    /// Answer 406 to an `/api/` request whose `Accept` does not admit amoCRM's media types.
    pub strict_accept: bool,
    /// Answer a page past the end 200 with `"_links": [], "_embedded": []`, not 204.
    pub php_empty_page: bool,
    pub limiter: Option<Mutex<RateLimiter>>,
    /// The server's address, for links when a request names no host.
    pub local_addr: SocketAddr,
    /// Catalogue position -> stored settings of installed widgets.
    pub installed: Mutex<HashMap<usize, Value>>,
    pub continuations: Mutex<Continuations>,
    pub tokens: Mutex<Tokens>,
    /// The webhooks of `/api/v4/webhooks` and their deliveries.
    pub webhooks: Mutex<Webhooks>,
    pub webhook_schedule: WebhookSchedule,
    /// Wakes the account's webhook dispatcher after a change.
    pub changed: tokio::sync::Notify,
    /// The server's log, shared by every account (each record names its account).
    pub requests: Arc<Mutex<Vec<RecordedRequest>>>,
    /// Blocked or unpaid: what every request is answered with instead.
    pub standing: Mutex<Standing>,
}

impl Tenant {
    /// The role of a bearer token: the account's administrator or user token, or an
    /// access token its token endpoint issued and that has not expired; 401 otherwise.
    pub fn role_of(&self, token: &str) -> Result<Role, Problem> {
        if token == self.token {
            return Ok(Role::Admin);
        }
        if token == self.user_token {
            return Ok(Role::User);
        }
        match lock(&self.tokens).access(token, Instant::now()) {
            Access::Valid => Ok(Role::Admin),
            Access::Expired => Err(Problem::unauthorized("The access token has expired")),
            Access::Unknown => Err(Problem::unauthorized("Invalid access token")),
        }
    }

    /// The requests this account received (unless recording is off), in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests)
            .iter()
            .filter(|r| r.account == self.name)
            .cloned()
            .collect()
    }
}
