//! [`AppCredentials`]: the integration's id, secret and redirect URI, given once to
//! whatever builder needs them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// An amoCRM integration's credentials, as its settings page shows them: `client_id`,
/// `client_secret` (kept as a secret: never printed) and the redirect URI, exactly as
/// registered. [`OAuthBuilder::app`](crate::auth::OAuthBuilder::app) and
/// [`IntegrationBuilder::app`](crate::integration::IntegrationBuilder::app) take them; they are checked (none
/// empty) when the builder builds.
///
/// ```
/// use amocrm::AppCredentials;
///
/// let app = AppCredentials::new(
///     "integration-id",
///     "integration-secret",
///     "https://example.com/oauth/callback",
/// );
/// assert_eq!(app.client_id(), "integration-id");
/// assert!(!format!("{app:?}").contains("integration-secret"));
/// ```
#[derive(Clone)]
pub struct AppCredentials {
    client_id: String,
    client_secret: SecretString,
    redirect_uri: String,
}

impl AppCredentials {
    /// The integration's ID, its secret key (a `&str`, a `String` or a [`SecretString`])
    /// and its redirect URI.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        AppCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
        }
    }

    /// The integration's ID (`client_id`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The integration's secret key (`client_secret`), which also signs its
    /// widget_request tokens.
    pub fn client_secret(&self) -> &SecretString {
        &self.client_secret
    }

    /// The redirect URI, exactly as registered.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The credentials when none is empty; `owner` names the builder in the error.
    pub(crate) fn checked(self, owner: &str) -> Result<Self> {
        let missing = |what: &str| Err(Error::Config(format!("{owner}: no {what}")));
        if self.client_id.is_empty() {
            return missing("client_id");
        }
        if self.client_secret.expose_secret().is_empty() {
            return missing("client_secret");
        }
        if self.redirect_uri.is_empty() {
            return missing("redirect_uri");
        }
        Ok(self)
    }
}

impl fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}
