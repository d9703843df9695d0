//! OAuth 2.0 of one tenant: the integration it accepts, the authorization codes and token
//! pairs it issued, their single use, and what its token endpoint did.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

use rand::Rng;

/// OAuth client id accepted by default by `POST /oauth2/access_token`.
pub const DEFAULT_CLIENT_ID: &str = "fake-client-id";
/// OAuth client secret accepted by default.
pub const DEFAULT_CLIENT_SECRET: &str = "fake-client-secret";
/// OAuth redirect URI accepted by default.
pub const DEFAULT_REDIRECT_URI: &str = "https://example.com/oauth/callback";
/// Default lifetime of OAuth access tokens (24 hours, as in amoCRM).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);

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

/// A grant the token endpoint was asked for, with its single-use secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant<'a> {
    AuthorizationCode(&'a str),
    RefreshToken(&'a str),
}

/// Why a grant was refused: the status and the `hint` amoCRM's OAuth server gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub status: u16,
    pub hint: &'static str,
}

/// What an access token is to a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Valid,
    Expired,
    Unknown,
}

/// The OAuth bookkeeping of one tenant.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    codes: HashSet<String>,
    /// Codes already exchanged ("has been revoked" rather than "cannot decrypt").
    spent_codes: HashSet<String>,
    access: HashMap<String, Instant>,
    refresh: HashSet<String>,
    /// Refresh tokens already used once: a second use is a reuse.
    spent_refresh: HashSet<String>,
    stats: OAuthStats,
}

fn random_token(prefix: &str) -> String {
    let mut rng = rand::rng();
    let a: u128 = rng.random();
    let b: u128 = rng.random();
    format!("{prefix}{a:032x}{b:032x}")
}

impl Tokens {
    /// A fresh single-use authorization code for the `authorization_code` grant.
    pub fn new_code(&mut self) -> String {
        let code = random_token("def50200");
        self.codes.insert(code.clone());
        code
    }

    /// Stores a new access token (valid for `ttl`) and a new refresh token.
    pub fn issue(&mut self, ttl: Duration) -> IssuedTokens {
        let access_token = random_token("fake-at-");
        let refresh_token = random_token("fake-rt-");
        let now = Instant::now();
        let expires = now
            .checked_add(ttl)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        self.access.insert(access_token.clone(), expires);
        self.refresh.insert(refresh_token.clone());
        IssuedTokens {
            access_token,
            refresh_token,
            expires_in: ttl.as_secs(),
        }
    }

    /// Spends the grant's code or refresh token and issues a new pair; a spent secret is
    /// "revoked" (a reused refresh token 401, as amoCRM answers it, and counted), an
    /// unknown one "cannot decrypt" (400).
    pub fn grant(&mut self, grant: Grant<'_>, ttl: Duration) -> Result<IssuedTokens, Refusal> {
        let refused = |status, hint| Err(Refusal { status, hint });
        match grant {
            Grant::AuthorizationCode(code) => {
                if !self.codes.remove(code) {
                    return if self.spent_codes.contains(code) {
                        refused(400, "Authorization code has been revoked")
                    } else {
                        refused(400, "Cannot decrypt the authorization code")
                    };
                }
                self.spent_codes.insert(code.to_owned());
                self.stats.authorization_code_grants += 1;
            }
            Grant::RefreshToken(token) => {
                if !self.refresh.remove(token) {
                    if self.spent_refresh.contains(token) {
                        self.stats.reused_refresh_tokens += 1;
                        return refused(401, "Token has been revoked");
                    }
                    return refused(400, "Cannot decrypt the refresh token");
                }
                self.spent_refresh.insert(token.to_owned());
                self.stats.refresh_token_grants += 1;
            }
        }
        Ok(self.issue(ttl))
    }

    /// Whether `token` is an access token this tenant issued, and still valid at `now`.
    pub fn access(&self, token: &str, now: Instant) -> Access {
        match self.access.get(token) {
            Some(&expires) if now < expires => Access::Valid,
            Some(_) => Access::Expired,
            None => Access::Unknown,
        }
    }

    /// Makes every access token invalid from `now` on; refresh tokens keep working.
    pub fn expire_access(&mut self, now: Instant) {
        for expires in self.access.values_mut() {
            *expires = now;
        }
    }

    /// Revokes every access and refresh token (the integration was disabled).
    pub fn revoke_all(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }

    pub fn stats(&self) -> OAuthStats {
        self.stats
    }
}
