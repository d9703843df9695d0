//! Why a token store failed.

/// Why a [`TokenStore`](crate::store::TokenStore) could not load, lock or save (its engine is unreachable, a
/// file is corrupt, a newer pair was saved meanwhile). Keeps its source. Never holds a
/// token: a store's message and source must not quote one.
///
/// ```
/// use amocrm::error::StoreError;
///
/// let io = std::io::Error::other("disk full");
/// let error = StoreError::new("writing tokens.json failed", Some(Box::new(io)));
/// assert_eq!(error.message(), "writing tokens.json failed");
/// assert_eq!(error.to_string(), "token store: writing tokens.json failed");
/// assert!(std::error::Error::source(&error).is_some());
/// assert!(!error.is_conflict());
/// assert!(StoreError::conflict().is_conflict());
/// assert!(StoreError::untrusted("tokens.json is writable by other users").is_untrusted());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    message: String,
    kind: Kind,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What kind of failure a [`StoreError`] is, for its predicates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Other,
    Conflict,
    Untrusted,
    LockLost,
    TimedOut,
}

impl StoreError {
    /// An error saying `message`, caused by `source` when there is one.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StoreError {
            message: message.into(),
            kind: Kind::Other,
            source,
        }
    }

    /// [`TokenLock::save`](crate::store::TokenLock::save) refused: a newer pair was saved meanwhile (the account's
    /// generation changed since the lock read it), so this older one must not replace it.
    pub fn conflict() -> Self {
        StoreError {
            message: "a newer pair was saved meanwhile; the older one is not saved".into(),
            kind: Kind::Conflict,
            source: None,
        }
    }

    /// The store refused what it found because another user could have put it there (a
    /// token file others can write, or one of another user, or a symlink of another user
    /// to it): a pair planted there would send the integration's work to the planter's
    /// account. Nothing was read or written; `message` says what to fix.
    pub fn untrusted(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            kind: Kind::Untrusted,
            source: None,
        }
    }

    /// The holder's lock is no longer held (its session ended, its lock file was replaced,
    /// or the pair changed under it): a refresh token read under it must not be spent, since
    /// another holder may hold the lock and spend it too. `message` says what was found.
    pub fn lock_lost(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            kind: Kind::LockLost,
            source: None,
        }
    }

    /// A wait (for the lock, mostly) passed its deadline: the holder may be partitioned
    /// away or slow. Nothing was read or written; trying again later is safe.
    pub fn timed_out(message: impl Into<String>) -> Self {
        StoreError {
            message: message.into(),
            kind: Kind::TimedOut,
            source: None,
        }
    }

    /// What failed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this is [`StoreError::conflict`].
    pub fn is_conflict(&self) -> bool {
        self.kind == Kind::Conflict
    }

    /// Whether this is [`StoreError::untrusted`].
    pub fn is_untrusted(&self) -> bool {
        self.kind == Kind::Untrusted
    }

    /// Whether this is [`StoreError::lock_lost`].
    pub fn is_lock_lost(&self) -> bool {
        self.kind == Kind::LockLost
    }

    /// Whether this is [`StoreError::timed_out`].
    pub fn is_timed_out(&self) -> bool {
        self.kind == Kind::TimedOut
    }
}
