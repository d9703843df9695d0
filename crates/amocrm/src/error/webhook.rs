//! [`WebhookError`]: why a webhook delivery was not accepted ([`webhook`](crate::webhook)).

/// Why [`WebhookReceiver`](crate::webhook::WebhookReceiver) did not accept a delivery. A delivery it accepts
/// is never refused as a whole for its content: an event it cannot read is one `Err`
/// among its events ([`MalformedEvent`](crate::webhook::MalformedEvent)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The secret in the path (or token) is not the receiver's: answer 404, do no work.
    #[error("the webhook secret does not match")]
    WrongSecret,
    /// The body is larger than the receiver reads.
    #[error("the webhook body is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body has more form fields than the receiver reads.
    #[error("the webhook body has more than {limit} fields")]
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// The body's keys would make more maps and values than the receiver reads
    /// ([`MAX_NODES`](crate::webhook::MAX_NODES): deep keys, many times).
    #[error("the webhook body makes more than {limit} keys")]
    TooComplex {
        /// The limit.
        limit: usize,
    },
    /// The delivery names another account than the receiver's.
    #[error("the webhook delivery is for another account")]
    OtherAccount,
    /// The delivery lacks `account[id]` or `account[subdomain]`
    /// ([`Integration::client_for_delivery`](crate::Integration::client_for_delivery)).
    #[error("the webhook delivery names no account (account[id] and account[subdomain])")]
    NoAccount,
    /// No installed account has the delivery's `account[id]` (never installed, or
    /// uninstalled since): do no work.
    #[error(
        "the webhook delivery's account is not installed (no pair recorded for its account[id])"
    )]
    NotInstalled,
    /// The delivery's `account[subdomain]` is not the account installed under its
    /// `account[id]`: forged (nothing in a delivery is signed); do no work.
    #[error(
        "the webhook delivery's account[subdomain] is not the account installed under its account[id]"
    )]
    AccountMismatch,
    /// The [`ReplayGuard`](crate::widget_request::ReplayGuard) could not say whether the delivery is
    /// new; it is not accepted (answer 5xx: amoCRM delivers it again).
    #[error("the replay guard could not check the delivery: {0}")]
    ReplayGuard(String),
}
