//! The grant of a token request.

use std::fmt;

/// The grant of a token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrantType {
    /// `authorization_code`: the code from the redirect after the user granted access.
    AuthorizationCode,
    /// `refresh_token`: a new pair for the refresh token.
    RefreshToken,
}

impl GrantType {
    /// As the token endpoint writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
        }
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
