//! Why getting, refreshing or saving OAuth tokens failed.

use crate::auth::grant_type::GrantType;
use crate::error::store::StoreError;

/// Why getting, refreshing or saving OAuth tokens failed. No variant carries a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// There are no tokens yet: exchange an authorization code or give stored ones.
    #[error(
        "no OAuth tokens: call OAuth::exchange_code or give stored tokens to OAuthBuilder::tokens"
    )]
    NoTokens,
    /// The account's pair was deleted from the store (the integration uninstalled from
    /// it): the pair this holder kept is not renewed; install again.
    #[error("the account's OAuth tokens were deleted (uninstalled): install the integration again")]
    Deleted,
    /// The token endpoint refused the grant (a used or revoked code or refresh token, wrong
    /// client credentials or redirect URI). Re-authorization is usually needed.
    #[error(
        "the token endpoint refused the {grant} grant (HTTP {status}){}",
        describe(title, hint, detail)
    )]
    Refused {
        /// The grant that was refused.
        grant: GrantType,
        /// HTTP status.
        status: u16,
        /// The error's `title`, when given.
        title: Option<String>,
        /// The error's `hint`, when given.
        hint: Option<String>,
        /// The error's `detail`, when given.
        detail: Option<String>,
    },
    /// The token endpoint could not be reached or its answer not read. The grant may have
    /// reached the server: a refresh token may now be spent.
    #[error("token endpoint: {0}")]
    Transport(#[source] reqwest::Error),
    /// The token endpoint answered 200 with something that is not a token pair.
    #[error("the token endpoint's answer is not a token pair: {0}")]
    Decode(String),
    /// The token endpoint's answer was larger than [`MAX_TOKEN_RESPONSE_BYTES`](crate::auth::MAX_TOKEN_RESPONSE_BYTES); it was not
    /// read further.
    #[error("the token endpoint's answer is larger than {limit} bytes; not read")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The [`TokenStore`](crate::store::TokenStore) failed to load, lock, verify its lock or save (a lock
    /// not free by the refresh deadline is [`StoreError::is_timed_out`](crate::error::StoreError::is_timed_out), a lock
    /// lost before the grant [`StoreError::is_lock_lost`](crate::error::StoreError::is_lock_lost): nothing was spent).
    /// A new pair the store would not take does not fail the refresh: it is used from
    /// memory and saved again in the background ([`OAuth::unsaved_pair`](crate::OAuth::unsaved_pair)).
    #[error("{0}")]
    Store(#[source] StoreError),
    /// Another request refreshed the same token at the same time and that refresh failed;
    /// its caller got the reason.
    #[error("a concurrent refresh of the same token failed")]
    ConcurrentRefreshFailed,
    /// The refresh task ended without finishing (the token store panicked).
    #[error("the token refresh was interrupted")]
    Interrupted,
    /// An install's new token is not for the account its redirect named (`referer`, which
    /// anyone can forge): `GET /api/v4/account` with it answered another subdomain (or
    /// none). Nothing was stored, so no account's tokens land under another's key.
    #[error(
        "install: the new token is for account {}, not {expected} (the referer's); nothing was stored",
        found.as_deref().unwrap_or("(no subdomain given)")
    )]
    WrongAccount {
        /// The referer's subdomain.
        expected: String,
        /// The subdomain `GET /api/v4/account` answered with the new token.
        found: Option<String>,
    },
}

impl AuthError {
    /// The token endpoint's HTTP status, for [`AuthError::Refused`].
    pub fn status(&self) -> Option<u16> {
        match self {
            AuthError::Refused { status, .. } => Some(*status),
            AuthError::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// Whether the token endpoint refused a refresh token as revoked: amoCRM's answer to a
    /// refresh token spent before (its `hint` says "revoked"; 401, or 400 on some servers).
    pub fn is_revoked(&self) -> bool {
        match self {
            AuthError::Refused {
                grant: GrantType::RefreshToken,
                status: 400 | 401,
                hint,
                detail,
                ..
            } => [hint, detail]
                .into_iter()
                .flatten()
                .any(|text| text.to_ascii_lowercase().contains("revoked")),
            _ => false,
        }
    }
}

fn describe(title: &Option<String>, hint: &Option<String>, detail: &Option<String>) -> String {
    [title, hint, detail]
        .into_iter()
        .flatten()
        .map(|part| format!(": {part}"))
        .collect()
}
