//! The install `state`: signed with the client secret and carrying its expiry and a nonce,
//! so that any instance of a fleet verifies the redirect it receives without shared
//! memory; and the authorization URL that hands it to amoCRM.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use hmac::Mac as _;
use secrecy::ExposeSecret;

use super::Integration;
use crate::auth::AppCredentials;
use crate::client::Domain;
use crate::error::{Error, InstallError, Result};

/// How long an issued state is accepted by default: amoCRM's authorization code lives 20
/// minutes, and a user may take a while on the consent page before it is issued.
pub const DEFAULT_STATE_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The longest state read: an issued one is under 100 bytes.
const MAX_STATE_BYTES: usize = 512;

/// The version tag every issued state starts with.
const VERSION: &str = "s1";

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How amoCRM's consent page hands the result back (`mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMode {
    /// A popup window that redirects to the redirect URI (`mode=popup`).
    Popup,
    /// The result posted to the opener window (`mode=post_message`).
    PostMessage,
}

impl AuthMode {
    /// The `mode` parameter's value.
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthMode::Popup => "popup",
            AuthMode::PostMessage => "post_message",
        }
    }
}

/// An authorization URL with the fresh state it carries.
#[derive(Clone, Debug)]
pub struct AuthorizationUrl {
    url: url::Url,
    state: String,
    nonce: String,
}

impl AuthorizationUrl {
    /// Where to send the user (`https://www.{domain}/oauth?client_id=…&state=…&mode=…`).
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// The state in the URL (signed; not a secret).
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The state's nonce: bind it to the user's session (a cookie) to tie the redirect to
    /// the browser that started it; [`VerifiedState::nonce`] gives it back.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

/// A state whose signature, integration and expiry were checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedState {
    nonce: String,
    expires_at: SystemTime,
}

impl VerifiedState {
    /// The nonce the state was issued with.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// When the state stops being accepted.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }
}

impl Integration {
    /// The URL of amoCRM's consent page on `domain` for this integration, with a fresh
    /// signed state that expires after the state lifetime
    /// ([`IntegrationBuilder::state_lifetime`](super::IntegrationBuilder::state_lifetime), 30 minutes by default).
    ///
    /// ```
    /// use amocrm::integration::AuthMode;
    /// use amocrm::{AppCredentials, Domain, Integration};
    ///
    /// # fn main() -> Result<(), amocrm::Error> {
    /// let integration = Integration::builder()
    ///     .app(AppCredentials::new("id", "secret", "https://example.com/oauth/callback"))
    ///     .build()?;
    /// let start = integration.authorization_url(Domain::KommoCom, AuthMode::Popup)?;
    /// assert!(start.url().as_str().starts_with("https://www.kommo.com/oauth?client_id=id&state="));
    /// assert!(integration.verify_state(start.state()).is_ok());
    /// # Ok(()) }
    /// ```
    pub fn authorization_url(&self, domain: Domain, mode: AuthMode) -> Result<AuthorizationUrl> {
        let nonce = nonce()?;
        let expires_at = SystemTime::now() + self.inner.state_lifetime;
        let state = issue(&self.inner.app, unix(expires_at), &nonce)?;
        let mut url = url::Url::parse(&format!("https://www.{}/oauth", domain.as_str()))
            .map_err(|error| Error::Config(format!("authorization URL: {error}")))?;
        url.query_pairs_mut()
            .append_pair("client_id", self.inner.app.client_id())
            .append_pair("state", &state)
            .append_pair("mode", mode.as_str());
        Ok(AuthorizationUrl { url, state, nonce })
    }

    /// Checks a state this integration (any instance of it) issued: its signature in
    /// constant time, its integration, then its expiry.
    pub fn verify_state(&self, state: &str) -> Result<VerifiedState, InstallError> {
        verify(&self.inner.app, state, SystemTime::now())
    }
}

/// 16 random bytes, base64url.
fn nonce() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|error| Error::Config(format!("no randomness for the install state: {error}")))?;
    Ok(b64().encode(bytes))
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
}

fn unix(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The integration's tag in a state: 8 bytes of SHA-256 of its client id (public, like
/// the client id), so that another integration's state is told apart from a tampered one.
fn tag(app: &AppCredentials) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(app.client_id().as_bytes());
    b64().encode(&digest[..8])
}

/// The MAC of a state's signed part (`None` never happens: HMAC takes keys of any length).
fn mac(app: &AppCredentials, signed: &str) -> Option<HmacSha256> {
    let mut mac =
        HmacSha256::new_from_slice(app.client_secret().expose_secret().as_bytes()).ok()?;
    mac.update(b"amocrm install state|");
    mac.update(signed.as_bytes());
    Some(mac)
}

/// `s1.{tag}.{expires_at}.{nonce}.{signature}`.
pub(super) fn issue(app: &AppCredentials, expires_at: u64, nonce: &str) -> Result<String> {
    let signed = format!("{VERSION}.{}.{expires_at}.{nonce}", tag(app));
    let mac = mac(app, &signed).ok_or_else(|| Error::Config("install state: no MAC".into()))?;
    let signature = b64().encode(mac.finalize().into_bytes());
    Ok(format!("{signed}.{signature}"))
}

pub(super) fn verify(
    app: &AppCredentials,
    state: &str,
    now: SystemTime,
) -> Result<VerifiedState, InstallError> {
    let malformed = |why: &str| InstallError::MalformedState(why.to_owned());
    if state.len() > MAX_STATE_BYTES {
        return Err(malformed("too long"));
    }
    let parts: Vec<&str> = state.split('.').collect();
    let [version, tag_found, expires_at, nonce, signature] = parts[..] else {
        return Err(malformed("not five dot-separated parts"));
    };
    if version != VERSION {
        return Err(malformed("an unknown version"));
    }
    if tag_found != tag(app) {
        return Err(InstallError::OtherIntegration);
    }
    let signature = b64()
        .decode(signature)
        .map_err(|_| malformed("the signature is not base64url"))?;
    let signed_len = state.len() - parts[4].len() - 1;
    mac(app, &state[..signed_len])
        .ok_or(InstallError::TamperedState)?
        .verify_slice(&signature)
        .map_err(|_| InstallError::TamperedState)?;
    // Signed by this integration: its parts are its own writing from here on.
    let expires_at = expires_at
        .parse::<u64>()
        .ok()
        .and_then(|secs| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
        .ok_or_else(|| malformed("the expiry is not a time"))?;
    if let Ok(ago) = now.duration_since(expires_at) {
        return Err(InstallError::ExpiredState { ago });
    }
    Ok(VerifiedState {
        nonce: nonce.to_owned(),
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str, secret: &str) -> AppCredentials {
        AppCredentials::new(id, secret, "https://example.com/cb")
    }

    #[test]
    fn a_state_verifies_until_it_expires() {
        let app = app("id", "secret");
        let now = SystemTime::now();
        let state = issue(&app, unix(now) + 60, "n0nce").unwrap();
        let verified = verify(&app, &state, now).unwrap();
        assert_eq!(verified.nonce(), "n0nce");
        let later = now + Duration::from_secs(120);
        assert!(matches!(
            verify(&app, &state, later),
            Err(InstallError::ExpiredState { .. })
        ));
    }

    #[test]
    fn tampered_and_foreign_states_are_refused() {
        let ours = app("id", "secret");
        let now = SystemTime::now();
        let state = issue(&ours, unix(now) + 60, "n0nce").unwrap();
        // Another secret, same client id: a forgery.
        assert_eq!(
            verify(&app("id", "other"), &state, now),
            Err(InstallError::TamperedState)
        );
        assert_eq!(
            verify(&app("other-id", "secret"), &state, now),
            Err(InstallError::OtherIntegration)
        );
        // A later expiry or another nonce written into a valid state.
        let parts: Vec<&str> = state.split('.').collect();
        let later = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            parts[1],
            unix(now) + 6_000,
            parts[3],
            parts[4]
        );
        assert_eq!(verify(&ours, &later, now), Err(InstallError::TamperedState));
        let other_nonce = state.replace("n0nce", "nonce");
        assert_eq!(
            verify(&ours, &other_nonce, now),
            Err(InstallError::TamperedState)
        );
        for bad in ["", "s1", "s2.a.b.c.d", "s1.a.b.c.d.e", &"x".repeat(600)] {
            assert!(
                matches!(
                    verify(&ours, bad, now),
                    Err(InstallError::MalformedState(_) | InstallError::OtherIntegration)
                ),
                "{bad}"
            );
        }
    }
}
