//! The token endpoint's answer ([`TokenAnswer`]), read by one set of rules: the library's
//! grants and any tool that imports an answer it was given (the CLI's `auth import`) read it
//! alike.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};

use crate::error::AuthError;
use crate::store::TokenPair;

/// amoCRM's access-token lifetime, assumed when the token endpoint does not say.
const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A `200` answer of the token endpoint (`POST /oauth2/access_token`), read. The rules
/// are the ones [`OAuth`](crate::OAuth) lives by, so code that reads an answer it was handed
/// (`amocrm auth import`) keeps the pair exactly as a grant would:
///
#[doc = include_str!("../../docs/token_answer.md")]
#[derive(Clone)]
pub struct TokenAnswer {
    access_token: SecretString,
    refresh_token: Option<SecretString>,
    token_type: Option<String>,
    expires_in: Option<u64>,
}

impl fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("access_token", &"[REDACTED]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl TokenAnswer {
    /// The shortest lifetime taken from the token endpoint: a shorter one (`expires_in: 0`)
    /// would have every request refresh first.
    pub const MIN_LIFETIME: Duration = Duration::from_secs(60);

    /// The longest lifetime taken from the token endpoint (a year); a longer one (`1e30`,
    /// `u64::MAX`) is cut to it rather than overflow the clock.
    pub const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

    /// Reads a `200` body of the token endpoint. Fails ([`AuthError::Decode`]) when it is
    /// not a JSON object or has no usable `access_token`; every other field is read as the
    /// rules above say.
    pub fn parse(body: &[u8]) -> Result<TokenAnswer, AuthError> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| AuthError::Decode(format!("not JSON ({:?} error)", e.classify())))?;
        let object = value
            .as_object()
            .ok_or_else(|| AuthError::Decode("not a JSON object".into()))?;
        let token = |name: &str| {
            object
                .get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|text| !text.is_empty())
                .map(|text| SecretString::from(text.to_owned()))
        };
        let access_token = token("access_token").ok_or_else(|| missing("access_token"))?;
        let expires_in = match object.get("expires_in") {
            Some(serde_json::Value::Number(n)) => n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    // Saturates: 1e30 becomes u64::MAX, clamped by `lifetime`.
                    .map(|f| f as u64)
            }),
            Some(serde_json::Value::String(text)) => text.trim().parse::<u64>().ok(),
            _ => None,
        };
        Ok(TokenAnswer {
            access_token,
            refresh_token: token("refresh_token"),
            token_type: object
                .get("token_type")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned),
            expires_in,
        })
    }

    /// The access token.
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// The new refresh token, when the answer has a usable one.
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// `token_type` as sent, when it is a string.
    pub fn token_type(&self) -> Option<&str> {
        self.token_type.as_deref()
    }

    /// Whether `token_type` is `Bearer` (in any case) or absent.
    pub fn is_bearer(&self) -> bool {
        self.token_type
            .as_deref()
            .is_none_or(|kind| kind.eq_ignore_ascii_case("bearer"))
    }

    /// `expires_in` in seconds, when it is a usable number (a number or its decimal text,
    /// not negative), before any clamp.
    pub fn expires_in(&self) -> Option<u64> {
        self.expires_in
    }

    /// The access token's lifetime as the crate takes it: `expires_in` clamped to 60 s ..=
    /// 366 days, or 24 hours when there is no usable `expires_in`.
    pub fn lifetime(&self) -> Duration {
        match self.expires_in {
            Some(seconds) => {
                Duration::from_secs(seconds).clamp(Self::MIN_LIFETIME, Self::MAX_LIFETIME)
            }
            None => DEFAULT_ACCESS_TOKEN_LIFETIME,
        }
    }

    /// The pair, its access token expiring [`TokenAnswer::lifetime`] after `received` (when
    /// the answer arrived). Fails without a refresh token.
    pub fn into_pair(self, received: SystemTime) -> Result<TokenPair, AuthError> {
        let refresh = self
            .refresh_token
            .clone()
            .ok_or_else(|| missing("refresh_token"))?;
        Ok(self.pair_with(received, refresh))
    }

    /// The pair of a refresh grant made with `granted`: the answer's refresh token, or
    /// `granted` when it has none (RFC 6749 §6: the old one then stays valid).
    pub fn into_refreshed_pair(self, received: SystemTime, granted: &SecretString) -> TokenPair {
        let refresh = match self.refresh_token.clone() {
            Some(refresh) => refresh,
            None => {
                tracing::warn!("the token endpoint sent no new refresh token; keeping the old one");
                granted.clone()
            }
        };
        self.pair_with(received, refresh)
    }

    /// The pair with its expiry ignored: expired at `received`, so its first use refreshes
    /// it. For an answer of unknown age (`amocrm auth import` of an answer pasted from
    /// elsewhere), whose `expires_in` counted from a moment long past. Fails without a
    /// refresh token.
    pub fn into_expired_pair(self, received: SystemTime) -> Result<TokenPair, AuthError> {
        let mut pair = self.into_pair(received)?;
        pair.expires_at = received;
        Ok(pair)
    }

    fn pair_with(self, received: SystemTime, refresh: SecretString) -> TokenPair {
        if !self.is_bearer() {
            tracing::warn!("the token endpoint's token_type is not Bearer; using the pair anyway");
        }
        let lifetime = self.lifetime();
        match self.expires_in {
            Some(seconds) if Duration::from_secs(seconds) != lifetime => tracing::warn!(
                expires_in = seconds,
                used = lifetime.as_secs(),
                "the token endpoint's expires_in is out of range; clamped"
            ),
            None => {
                tracing::warn!("the token endpoint sent no usable expires_in; assuming 24 hours")
            }
            Some(_) => {}
        }
        let mut expires_at = received.checked_add(lifetime).unwrap_or(received);
        if !self
            .access_token
            .expose_secret()
            .bytes()
            .all(|b| b.is_ascii_graphic())
        {
            tracing::warn!(
                "the new access token has characters that cannot be sent in a header; \
                 the pair is kept and refreshed on first use"
            );
            expires_at = received;
        }
        TokenPair {
            access_token: self.access_token,
            refresh_token: refresh,
            expires_at,
            lifetime: Some(lifetime),
        }
    }
}

/// A required token the answer lacks.
fn missing(name: &str) -> AuthError {
    AuthError::Decode(format!("{name} is missing, empty or not a string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pair of an answer as a grant takes it: a refresh grant (`granted`) keeps its
    /// refresh token when the answer has none.
    fn parse_pair(
        body: &[u8],
        received: SystemTime,
        granted: Option<&str>,
    ) -> Result<TokenPair, AuthError> {
        let answer = TokenAnswer::parse(body)?;
        match granted {
            Some(granted) => {
                Ok(answer.into_refreshed_pair(received, &SecretString::from(granted.to_owned())))
            }
            None => answer.into_pair(received),
        }
    }

    #[test]
    fn a_pair_is_kept_whatever_the_optional_fields_say() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for (body, lifetime) in [
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":86400,"token_type":"Bearer"}"#,
                86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":"600"}"#,
                600,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":600.0,"token_type":"bearer"}"#,
                600,
            ),
            (r#"{"access_token":"a","refresh_token":"r"}"#, 86_400),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":-5}"#,
                86_400,
            ),
            // Odd but successful: the pair is kept, the lifetime clamped.
            (
                r#"{"access_token":"a","refresh_token":"r","token_type":"mac"}"#,
                86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":1e30}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":18446744073709551615}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":31622400}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":31622401}"#,
                366 * 86_400,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":0}"#,
                60,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":59.9}"#,
                60,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":61}"#,
                61,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":60}"#,
                60,
            ),
            (
                r#"{"access_token":"a","refresh_token":"r","expires_in":"1e30"}"#,
                86_400,
            ),
        ] {
            let pair = parse_pair(body.as_bytes(), now, None).expect(body);
            assert_eq!(pair.access_token().expose_secret(), "a");
            assert_eq!(pair.refresh_token().expose_secret(), "r");
            assert_eq!(
                pair.expires_at(),
                now + Duration::from_secs(lifetime),
                "{body}"
            );
        }
        for body in [
            r#"{"access_token":"a"}"#,
            r#"{"refresh_token":"r"}"#,
            r#"{"access_token":"","refresh_token":"r"}"#,
            r#"{"access_token":"a","refresh_token":""}"#,
            r#"{"access_token":"a","refresh_token":7}"#,
            "[]",
            "nope",
        ] {
            assert!(parse_pair(body.as_bytes(), now, None).is_err(), "{body}");
        }
        // A refresh answer keeps the granted refresh token only when it has no new one.
        let kept = parse_pair(
            br#"{"access_token":"a","refresh_token":7}"#,
            now,
            Some("old"),
        );
        assert_eq!(kept.unwrap().refresh_token().expose_secret(), "old");
        let new = parse_pair(
            br#"{"access_token":"a","refresh_token":"r"}"#,
            now,
            Some("old"),
        );
        assert_eq!(new.unwrap().refresh_token().expose_secret(), "r");
        assert!(parse_pair(br#"{"refresh_token":"r"}"#, now, Some("old")).is_err());
        // An access token that cannot go in a header: kept, and due at once.
        let pair = parse_pair(
            br#"{"access_token":"a b","refresh_token":"r s","expires_in":600}"#,
            now,
            None,
        )
        .unwrap();
        assert_eq!(pair.expires_at(), now);
        assert_eq!(pair.refresh_token().expose_secret(), "r s");
    }
}
