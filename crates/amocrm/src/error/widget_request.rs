//! Why a widget_request was rejected.

use crate::api::bots::kind::BotKind;

/// Why a widget_request was rejected. None of the variants carries the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetRequestError {
    /// The body is not a widget_request (not JSON, a field missing or of the wrong type).
    #[error("not a widget_request body: {0}")]
    Body(String),
    /// The verifier was given an empty client secret.
    #[error("the widget_request verifier has an empty client secret")]
    EmptySecret,
    /// The token is not a well-formed JWT, or a claim has the wrong type.
    #[error("the widget_request token is malformed: {0}")]
    MalformedToken(String),
    /// The token is signed with another algorithm than HS512 (`none` included).
    #[error("the widget_request token uses algorithm {found:?}; only HS512 is accepted")]
    WrongAlgorithm {
        /// The header's `alg`.
        found: String,
    },
    /// The signature does not match the client secret: tampered, or another integration's.
    #[error("the widget_request token's signature is invalid")]
    InvalidSignature,
    /// `exp` has passed.
    #[error("the widget_request token has expired")]
    Expired,
    /// `nbf` has not come yet.
    #[error("the widget_request token is not valid yet")]
    NotYetValid,
    /// `aud` is none of the audiences the verifier accepts.
    #[error("the widget_request token is for another audience")]
    WrongAudience,
    /// A claim the verifier needs is missing.
    #[error("the widget_request token has no {0} claim")]
    MissingClaim(String),
    /// `return_url` is not `https://{host}/api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`.
    #[error("return_url {url:?} is not a continue URL: {reason}")]
    NotContinueUrl {
        /// The URL as received, without user info.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `return_url` is plain http, or its scheme differs from the client's.
    #[error("return_url {url:?} is not https (or not the scheme of the client's base URL)")]
    InsecureReturnUrl {
        /// The URL as received.
        url: String,
    },
    /// `return_url` is on a host that is not the account's.
    #[error("return_url host {host:?} is not the account's: expected {expected}")]
    ForeignHost {
        /// The return_url's host (and port, when it has one).
        host: String,
        /// The host it should be.
        expected: String,
    },
    /// The token's `iss` is not `https://{subdomain}.{domain}` for its own subdomain and a
    /// domain the verifier accepts.
    #[error("the widget_request token's issuer is not its account on an accepted domain")]
    WrongIssuer,
    /// The token was verified before ([`WidgetRequestVerifier::verify_once`](crate::widget_request::WidgetRequestVerifier::verify_once)): a replay.
    #[error("the widget_request token was already used")]
    Replayed,
    /// The [`ReplayGuard`](crate::widget_request::ReplayGuard) could not check the token; it is not accepted.
    #[error("the widget_request replay guard failed: {0}")]
    ReplayGuard(String),
    /// `return_url` names a bot kind other than the token's `bot_type`.
    #[error("return_url continues a {url} but the token is for a {token}")]
    BotKindMismatch {
        /// The kind in the return_url.
        url: BotKind,
        /// The kind in the token.
        token: BotKind,
    },
}
