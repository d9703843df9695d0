//! [`TokenPair`]: an access token, its refresh token and when the access token expires.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::SecretString;

/// An access token, the refresh token that renews it, and when the access token expires.
/// The token values never appear in `Debug` output.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use amocrm::{ExposeSecret, TokenPair};
///
/// // Tokens loaded from your storage.
/// let pair = TokenPair::new(
///     "access-123".to_owned().into(),
///     "refresh-456".to_owned().into(),
///     SystemTime::now() + Duration::from_secs(3600),
/// );
/// assert_eq!(pair.access_token().expose_secret(), "access-123");
/// assert!(!pair.expires_within(Duration::from_secs(60)));
/// assert!(!format!("{pair:?}").contains("access-123"));
/// assert!(!format!("{pair:?}").contains("refresh-456"));
/// ```
#[derive(Clone)]
pub struct TokenPair {
    pub(crate) access_token: SecretString,
    pub(crate) refresh_token: SecretString,
    pub(crate) expires_at: SystemTime,
    /// The lifetime the token endpoint gave (`expires_in`), when this pair came from it.
    pub(crate) lifetime: Option<Duration>,
}

impl TokenPair {
    /// A pair as it was stored: the access token expires at `expires_at`.
    pub fn new(
        access_token: SecretString,
        refresh_token: SecretString,
        expires_at: SystemTime,
    ) -> Self {
        TokenPair {
            access_token,
            refresh_token,
            expires_at,
            lifetime: None,
        }
    }

    /// How long before expiry to refresh: `skew`, but at most half the token's lifetime,
    /// so that a token living less than two skews is not refreshed on every request.
    pub(crate) fn refresh_margin(&self, skew: Duration) -> Duration {
        match self.lifetime {
            Some(lifetime) => skew.min(lifetime / 2),
            None => skew,
        }
    }

    /// The bearer token of API requests.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The single-use token that gets the next pair.
    pub fn refresh_token(&self) -> &SecretString {
        &self.refresh_token
    }

    /// When the access token expires (computed from `expires_in` when the pair arrived).
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// [`TokenPair::expires_at`] in whole seconds since the Unix epoch (0 before it), a
    /// convenient form to store.
    pub fn expires_at_unix(&self) -> u64 {
        self.expires_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// Whether the access token has expired, or will within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        match SystemTime::now().checked_add(margin) {
            Some(deadline) => deadline >= self.expires_at,
            None => true,
        }
    }
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"[REDACTED]")
            .field("refresh_token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
