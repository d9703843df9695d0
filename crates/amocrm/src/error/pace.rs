//! Why a pacer failed.

/// Why a [`Pacer`](crate::pace::Pacer) could not grant a slot or record a pause (its engine is unreachable, a
/// script failed). The request is not sent. Keeps its source.
///
/// ```
/// use amocrm::error::PaceError;
///
/// let io = std::io::Error::other("connection refused");
/// let error = PaceError::new("redis unreachable", Some(Box::new(io)));
/// assert_eq!(error.message(), "redis unreachable");
/// assert_eq!(error.to_string(), "pacer: redis unreachable");
/// assert!(std::error::Error::source(&error).is_some());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("pacer: {message}")]
pub struct PaceError {
    message: String,
    /// Set when the account is blocked: how long no slot is granted.
    blocked_for: Option<std::time::Duration>,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl PaceError {
    /// An error saying `message`, caused by `source` when there is one. Neither may hold a
    /// secret (a URL with a password): both are printed.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        PaceError {
            message: message.into(),
            blocked_for: None,
            source,
        }
    }

    /// The account is blocked ([`Pacer::block`](crate::pace::Pacer::block)) for `left` more: no slot, at
    /// once (the client turns it into [`Error::AccountBlocked`](crate::Error::AccountBlocked)).
    pub fn blocked(left: std::time::Duration) -> Self {
        PaceError {
            message: format!("the account is blocked for {} s more", left.as_secs()),
            blocked_for: Some(left),
            source: None,
        }
    }

    /// How long the account is still blocked, when this is [`PaceError::blocked`].
    pub fn blocked_for(&self) -> Option<std::time::Duration> {
        self.blocked_for
    }

    /// What failed.
    pub fn message(&self) -> &str {
        &self.message
    }
}
