//! Where the bearer token comes from.

use std::fmt;

use futures::future::BoxFuture;
use secrecy::SecretString;

use crate::error::Error;

/// Supplies the bearer token of every request, and a new one when the server rejects it.
///
/// [`StaticToken`] is a long-lived token. An OAuth implementation refreshes in
/// [`TokenProvider::refresh`]; the client calls it once on a 401 and retries that request
/// once when it returns `true`.
pub trait TokenProvider: Send + Sync + fmt::Debug + 'static {
    /// The token to send now.
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, Error>>;

    /// The token to send now when [`TokenProvider::access_token`] would hand it out
    /// without a request (no renewal due), at once and without waiting; `None` when it
    /// might send one. The client asks its pacer whether the account is blocked before
    /// a token that may be renewed is asked for. The default: `None`.
    fn fresh_token(&self) -> Option<SecretString> {
        None
    }

    /// The server answered 401 to a request sent with `rejected`. Returns `true` when a
    /// different token is now available. Concurrent callers that saw the same rejected
    /// token must trigger one refresh between them.
    fn refresh<'a>(&'a self, rejected: &'a SecretString) -> BoxFuture<'a, Result<bool, Error>> {
        let _ = rejected;
        Box::pin(async { Ok(false) })
    }
}

/// A long-lived token (or any token the caller renews itself). Never printed.
#[derive(Clone)]
pub struct StaticToken(SecretString);

impl StaticToken {
    /// Wraps `token`.
    pub fn new(token: impl Into<String>) -> Self {
        StaticToken(SecretString::from(token.into()))
    }
}

impl From<SecretString> for StaticToken {
    fn from(token: SecretString) -> Self {
        StaticToken(token)
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken([REDACTED])")
    }
}

impl TokenProvider for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<SecretString, Error>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn fresh_token(&self) -> Option<SecretString> {
        Some(self.0.clone())
    }
}
