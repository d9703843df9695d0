//! Where the bearer token comes from: a [`TokenProvider`] ([`StaticToken`], or [`OAuth`],
//! which refreshes through a [`TokenStore`](crate::store::TokenStore)), the integration's
//! [`AppCredentials`], and the token endpoint's answer ([`TokenAnswer`]).

pub(crate) mod credentials;
pub(crate) mod grant_type;
mod oauth;
pub(crate) mod provider;

pub use credentials::AppCredentials;
pub use grant_type::GrantType;
pub use oauth::{
    BACKGROUND_SAVE_ATTEMPTS, BACKGROUND_SAVE_MAX_PAUSE, DEFAULT_REFRESH_DEADLINE,
    DEFAULT_REFRESH_SKEW, MAX_TOKEN_RESPONSE_BYTES, OAuth, OAuthBuilder, TokenAnswer,
};
pub use provider::{StaticToken, TokenProvider};
