//! The install redirect's whole query: read, its state checked, then the install run.

use super::{Integration, VerifiedState};
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

    /// Whether this is a widget's install without a state, as amoCRM sends one started on
    /// its side: bound to no session ([`Integration::install_redirect`] takes it,
    /// [`Integration::install_redirect_for`] does not).
    pub fn from_widget_without_state(&self) -> bool {
        self.from_widget && self.state.is_none()
    }
}

/// How an install redirect was tied to the install it finishes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstallOrigin {
    /// With a state this integration issued: its signature, integration and expiry
    /// checked and, through [`Integration::install_redirect_for`], its nonce the session's.
    State(VerifiedState),
    /// From amoCRM's widget or marketplace (`from_widget`) with no state: amoCRM sends a
    /// state only when the integration's authorization URL carried one, and an install
    /// started on amoCRM's side has none. Only the code exchange and the account check
    /// (the new token is the referer's account's) bind it; refused when
    /// [`IntegrationBuilder::require_install_state`](super::IntegrationBuilder::require_install_state) is set.
    WidgetWithoutState,
}

/// An install redirect's install: the account's client and how the redirect was bound.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Installed {
    /// The installed account's client.
    pub client: Client,
    /// How the redirect was tied to its install.
    pub origin: InstallOrigin,
}

impl Installed {
    /// Whether the install came from amoCRM's widget or marketplace without a state.
    pub fn from_widget_without_state(&self) -> bool {
        self.origin == InstallOrigin::WidgetWithoutState
    }
}

impl Integration {
    /// The install redirect, whole (its query string): refuses `error=access_denied`, a
    /// state that is not this integration's, was changed or has expired, and a missing
    /// state unless the redirect is a widget's (`from_widget`, and the integration does
    /// not [require a state](super::IntegrationBuilder::require_install_state)), all
    /// before anything is sent; then installs as [`Integration::install`] does (the code
    /// exchanged, the token checked against the referer's account, the pair stored).
    ///
    /// It does not tie the redirect to the browser that started the install (login
    /// CSRF): a service with user sessions takes [`Integration::install_redirect_for`].
    ///
    /// ```no_run
    /// # async fn run(integration: amocrm::Integration, query: &str) -> amocrm::Result<()> {
    /// // GET /oauth/callback?code=...&referer=example.amocrm.ru&state=...&platform=1
    /// let installed = integration.install_redirect(query).await?;
    /// # let _ = installed.client; Ok(()) }
    /// ```
    pub async fn install_redirect(&self, query: &str) -> Result<Installed> {
        self.install_checked(query, None).await
    }

    /// [`Integration::install_redirect`] tied to the caller's session: a redirect with a
    /// state is refused ([`InstallError::SessionMismatch`], nothing sent) unless the
    /// state's nonce is `session_nonce` (compared in constant time), the
    /// [`AuthorizationUrl::nonce`](super::AuthorizationUrl::nonce) the session kept when
    /// it started the install (e.g. in a cookie); `None`, a session with no nonce, refuses
    /// every state. A redirect without a state is refused ([`InstallError::MissingState`]),
    /// a widget's too: it has no nonce to compare, and taking it here would let a forged
    /// link with `from_widget=1` skip the session check. Hand a widget's redirect
    /// ([`InstallRedirect::from_widget_without_state`]) to [`Integration::install_redirect`]
    /// instead, knowing it is bound to no session.
    ///
    /// ```no_run
    /// # async fn run(integration: amocrm::Integration, query: &str, cookie: Option<&str>) -> amocrm::Result<()> {
    /// // The nonce was put in an HttpOnly cookie when /oauth/start redirected.
    /// let installed = integration.install_redirect_for(query, cookie).await?;
    /// # let _ = installed; Ok(()) }
    /// ```
    pub async fn install_redirect_for(
        &self,
        query: &str,
        session_nonce: Option<&str>,
    ) -> Result<Installed> {
        self.install_checked(query, Some(session_nonce)).await
    }

    /// The checks of an install redirect (the session's nonce when `session` is given),
    /// then the install.
    async fn install_checked(
        &self,
        query: &str,
        session: Option<Option<&str>>,
    ) -> Result<Installed> {
        let redirect = InstallRedirect::parse(query)?;
        let origin = self.origin(&redirect, session)?;
        let client = self.install(redirect.code(), redirect.referer()).await?;
        Ok(Installed { client, origin })
    }

    /// How `redirect` is bound, or why it is refused.
    fn origin(
        &self,
        redirect: &InstallRedirect,
        session: Option<Option<&str>>,
    ) -> Result<InstallOrigin, InstallError> {
        let Some(state) = redirect.state() else {
            // A session-bound install takes only a state issued to the session: a
            // stateless widget install would skip the session check (login CSRF).
            if redirect.from_widget() && !self.inner.require_install_state && session.is_none() {
                return Ok(InstallOrigin::WidgetWithoutState);
            }
            return Err(InstallError::MissingState);
        };
        let verified = self.verify_state(state)?;
        if let Some(session) = session
            && !session.is_some_and(|nonce| same(nonce, verified.nonce()))
        {
            return Err(InstallError::SessionMismatch);
        }
        Ok(InstallOrigin::State(verified))
    }
}

/// Whether two nonces are equal, in constant time (both hashed: neither the length nor a
/// prefix shows in the time taken).
fn same(a: &str, b: &str) -> bool {
    use sha2::Digest as _;
    let (a, b) = (
        sha2::Sha256::digest(a.as_bytes()),
        sha2::Sha256::digest(b.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}
