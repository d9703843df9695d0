//! The install redirect's whole query: read, its state checked, then the install run.

use super::Integration;
use crate::client::Client;
use crate::error::{InstallError, Result};

/// What amoCRM sends to the redirect URI when a user grants access: `code`, `referer`,
/// `state` (when the authorization URL carried one), `platform` and, for an install from
/// a widget, `from_widget`. A refusal (`error=access_denied`) is
/// [`InstallError::Denied`].
#[derive(Clone, PartialEq, Eq)]
pub struct InstallRedirect {
    code: String,
    referer: String,
    state: Option<String>,
    platform: Option<String>,
    from_widget: bool,
}

impl std::fmt::Debug for InstallRedirect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The code is a credential for 20 minutes: never printed.
        f.debug_struct("InstallRedirect")
            .field("referer", &self.referer)
            .field("platform", &self.platform)
            .field("from_widget", &self.from_widget)
            .finish_non_exhaustive()
    }
}

impl InstallRedirect {
    /// Reads the redirect's query (`code=…&referer=…&state=…`, with or without the `?`).
    /// A parameter given twice is refused: which one amoCRM meant cannot be told.
    pub fn parse(query: &str) -> Result<InstallRedirect, InstallError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut code = None;
        let mut referer = None;
        let mut state = None;
        let mut platform = None;
        let mut from_widget = None;
        let mut error = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "code" => &mut code,
                "referer" => &mut referer,
                "state" => &mut state,
                "platform" => &mut platform,
                "from_widget" => &mut from_widget,
                "error" => &mut error,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(InstallError::Malformed(format!("{key} is given twice")));
            }
        }
        if let Some(error) = error {
            if error == "access_denied" {
                return Err(InstallError::Denied);
            }
            let shown: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(40)
                .collect();
            return Err(InstallError::Failed(shown));
        }
        let missing = |what: &str| InstallError::Malformed(format!("no {what}"));
        Ok(InstallRedirect {
            code: code
                .filter(|c| !c.is_empty())
                .ok_or_else(|| missing("code"))?,
            referer: referer
                .filter(|r| !r.is_empty())
                .ok_or_else(|| missing("referer"))?,
            state,
            platform,
            from_widget: from_widget.is_some_and(|flag| !flag.is_empty() && flag != "0"),
        })
    }

    /// The authorization code (valid 20 minutes, once).
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The account host, e.g. `example.amocrm.ru`.
    pub fn referer(&self) -> &str {
        &self.referer
    }

    /// The state, as received.
    pub fn state(&self) -> Option<&str> {
        self.state.as_deref()
    }

    /// `1` for amocrm.ru, `2` for amocrm.com and kommo.com, as received.
    pub fn platform(&self) -> Option<&str> {
        self.platform.as_deref()
    }

    /// Whether the install came from a widget's install.
    pub fn from_widget(&self) -> bool {
        self.from_widget
    }
}

impl Integration {
    /// The install redirect, whole (its query string): refuses `error=access_denied`,
    /// a missing state, and a state that is not this integration's, was changed or has
    /// expired, all before anything is sent; then installs as [`Integration::install`]
    /// does (the code exchanged, the token checked against the referer's account, the
    /// pair stored).
    ///
    /// ```no_run
    /// # async fn run(integration: amocrm::Integration, query: &str) -> amocrm::Result<()> {
    /// // GET /oauth/callback?code=...&referer=example.amocrm.ru&state=...&platform=1
    /// let client = integration.install_redirect(query).await?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub async fn install_redirect(&self, query: &str) -> Result<Client> {
        let redirect = InstallRedirect::parse(query)?;
        let state = redirect.state().ok_or(InstallError::MissingState)?;
        self.verify_state(state)?;
        self.install(redirect.code(), redirect.referer()).await
    }
}
