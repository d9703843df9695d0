//! Why an install redirect, or the `state` it carries, was refused.

use std::time::Duration;

/// Why [`Integration::install_redirect`](crate::Integration::install_redirect) refused a redirect before sending anything
/// (no code was exchanged). None of the variants carries the code or the state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// The user refused access (`error=access_denied`).
    #[error("the user denied the integration access (error=access_denied)")]
    Denied,
    /// amoCRM redirected with another `error` than `access_denied`.
    #[error("the install redirect carries an error ({0})")]
    Failed(String),
    /// A parameter the redirect needs (`code`, `referer`) is missing or given twice.
    #[error("the install redirect is malformed: {0}")]
    Malformed(String),
    /// The redirect has no `state`, and this install requires one: it is not a widget's
    /// (`from_widget`), or the integration requires a state of every install.
    #[error("the install redirect has no state")]
    MissingState,
    /// The state is this integration's, but its nonce is not the session's (or the
    /// session has none): the redirect was not started by this browser (login CSRF).
    #[error("the install state was not issued to this session")]
    SessionMismatch,
    /// The state is not one this library issues.
    #[error("the install state is malformed: {0}")]
    MalformedState(String),
    /// The state's signature does not hold: it was changed, or signed with another secret.
    #[error("the install state's signature is invalid (tampered with)")]
    TamperedState,
    /// The state was issued for another integration (another client id).
    #[error("the install state was issued for another integration")]
    OtherIntegration,
    /// The state's lifetime has passed.
    #[error("the install state expired {} s ago", ago.as_secs())]
    ExpiredState {
        /// How long ago it expired.
        ago: Duration,
    },
}
