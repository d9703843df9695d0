//! Shared server state.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use serde_json::Value;

use crate::catalogue::Catalogue;
use crate::problem::ApiError;
use crate::{BotKind, OAuthClient, OAuthStats, ReceivedContinuation, RecordedRequest};

/// Locks a mutex, ignoring poisoning (state stays usable after a panic elsewhere).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Account administrator / the integration's own key: everything allowed.
    Admin,
    /// Plain user: read-only.
    User,
}

/// Sliding-window limiter: at most `per_second` accepted requests in any
/// window of one second.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: usize,
    hits: VecDeque<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        let per_second = usize::try_from(per_second).unwrap_or(usize::MAX);
        RateLimiter {
            per_second,
            hits: VecDeque::with_capacity(per_second.min(4096)),
        }
    }

    /// Records a request at `now` if allowed; returns whether it was.
    pub fn try_acquire(&mut self, now: Instant) -> bool {
        while let Some(&front) = self.hits.front() {
            if now.saturating_duration_since(front) >= Duration::from_secs(1) {
                self.hits.pop_front();
            } else {
                break;
            }
        }
        if self.hits.len() < self.per_second {
            self.hits.push_back(now);
            true
        } else {
            false
        }
    }
}

/// OAuth 2.0 bookkeeping of one account.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    pub codes: HashSet<String>,
    /// Codes already exchanged ("has been revoked" rather than "cannot decrypt").
    pub spent_codes: HashSet<String>,
    pub access: HashMap<String, Instant>,
    pub refresh: HashSet<String>,
    /// Refresh tokens already used once: a second use is a reuse.
    pub spent_refresh: HashSet<String>,
    pub stats: OAuthStats,
}

/// Mutable state of one fake account.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Catalogue position -> stored settings of installed widgets.
    pub installed: HashMap<usize, Value>,
    /// Pending continuations and how many times each may still be accepted.
    pub pending: HashMap<(BotKind, i64, String), usize>,
    pub continuations: Vec<ReceivedContinuation>,
    pub oauth: OAuthState,
}

/// Everything the handlers of one account share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The account's name (its path prefix without `/`); `None` for the default account.
    pub name: Option<String>,
    /// `""` for the default account, `/{name}` otherwise.
    pub prefix: String,
    /// `id` and `subdomain` of `GET /api/v4/account`.
    pub account_id: i64,
    pub subdomain: String,
    pub catalogue: Catalogue,
    pub token: String,
    pub user_token: String,
    pub record: bool,
    /// Every (bot, bot_id, continue_id) counts as pending (conformance testing).
    pub any_continuation: bool,
    /// Answer 406 to an `/api/` request whose `Accept` does not admit amoCRM's media types.
    pub strict_accept: bool,
    /// Answer a page past the end 200 with `"_links": [], "_embedded": []`, not 204.
    pub php_empty_page: bool,
    pub limiter: Option<Mutex<RateLimiter>>,
    pub oauth_client: OAuthClient,
    pub access_token_ttl: Duration,
    pub local_addr: SocketAddr,
    pub state: Mutex<State>,
    /// The server's log, shared by every account (each record names its account).
    pub requests: Arc<Mutex<Vec<RecordedRequest>>>,
}

impl Shared {
    /// Authenticates `Authorization: Bearer <token>`; 401 problem otherwise.
    pub fn role(&self, headers: &HeaderMap) -> Result<Role, ApiError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "The Authorization header is missing",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty());
        let Some(token) = token else {
            return Err(ApiError::unauthorized(
                "The Authorization header must be `Bearer <access token>`",
            ));
        };
        if token == self.token {
            return Ok(Role::Admin);
        }
        if token == self.user_token {
            return Ok(Role::User);
        }
        let now = Instant::now();
        let state = lock(&self.state);
        match state.oauth.access.get(token) {
            Some(&expires) if now < expires => Ok(Role::Admin),
            Some(_) => Err(ApiError::unauthorized("The access token has expired")),
            None => Err(ApiError::unauthorized("Invalid access token")),
        }
    }

    /// Like [`Shared::role`], additionally requiring administrator rights (403).
    pub fn admin(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        match self.role(headers)? {
            Role::Admin => Ok(()),
            Role::User => Err(ApiError::forbidden(
                "This method is available to account administrators only",
            )),
        }
    }

    /// `http://host[:port]` and the account's prefix, for links, from the request's Host
    /// header.
    pub fn origin(&self, headers: &HeaderMap, uri: &axum::http::Uri) -> String {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .or_else(|| uri.authority().map(|a| a.as_str().to_owned()))
            .unwrap_or_else(|| self.local_addr.to_string());
        format!("http://{host}{}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_allows_n_per_sliding_second() {
        let mut l = RateLimiter::new(3);
        let t0 = Instant::now();
        assert!(l.try_acquire(t0));
        assert!(l.try_acquire(t0 + Duration::from_millis(100)));
        assert!(l.try_acquire(t0 + Duration::from_millis(900)));
        assert!(!l.try_acquire(t0 + Duration::from_millis(950)));
        // The first hit leaves the window at t0 + 1s.
        assert!(l.try_acquire(t0 + Duration::from_millis(1000)));
        assert!(!l.try_acquire(t0 + Duration::from_millis(1050)));
        assert!(l.try_acquire(t0 + Duration::from_millis(1100)));
    }
}
