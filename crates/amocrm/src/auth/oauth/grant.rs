//! The token endpoint: one grant (an authorization code or a refresh token) sent, its
//! answer read up to a cap, a refusal told without any secret that was sent.

use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};

use super::Inner;
use super::answer::TokenAnswer;
use crate::auth::grant_type::GrantType;
use crate::error::AuthError;
use crate::store::TokenPair;

/// The grant of a token request, with what it spends.
pub(super) enum Grant<'a> {
    Code(&'a str),
    Refresh(&'a SecretString),
}

impl Grant<'_> {
    fn kind(&self) -> GrantType {
        match self {
            Grant::Code(_) => GrantType::AuthorizationCode,
            Grant::Refresh(_) => GrantType::RefreshToken,
        }
    }
}

impl Inner {
    pub(super) async fn request_tokens(&self, grant: Grant<'_>) -> Result<TokenPair, AuthError> {
        let kind = grant.kind();
        let (field, secret) = match &grant {
            Grant::Code(code) => ("code", *code),
            Grant::Refresh(token) => ("refresh_token", token.expose_secret()),
        };
        let mut body = serde_json::Map::new();
        body.insert("client_id".into(), self.app.client_id().into());
        body.insert(
            "client_secret".into(),
            self.app.client_secret().expose_secret().into(),
        );
        body.insert("grant_type".into(), kind.as_str().into());
        body.insert(field.into(), secret.into());
        body.insert("redirect_uri".into(), self.app.redirect_uri().into());
        tracing::debug!(grant = %kind, endpoint = %self.endpoint, "requesting OAuth tokens");
        let response = self
            .http
            .post(&self.endpoint)
            .json(&body)
            .send()
            .await
            .map_err(AuthError::Transport)?;
        let status = response.status().as_u16();
        let bytes = read_capped(response).await?;
        let received = SystemTime::now();
        let secrets = [secret, self.app.client_secret().expose_secret()];
        if status != 200 {
            return Err(refused(kind, status, &bytes, &secrets));
        }
        let answer = TokenAnswer::parse(&bytes)?;
        match grant {
            Grant::Refresh(granted) => Ok(answer.into_refreshed_pair(received, granted)),
            Grant::Code(_) => answer.into_pair(received),
        }
    }
}

/// about a kilobyte each, a type and a lifetime); 64 KiB leaves room for any extra fields
/// a server adds while keeping a hostile or broken endpoint from filling memory.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// The whole body, or [`AuthError::ResponseTooLarge`] past [`MAX_TOKEN_RESPONSE_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, AuthError> {
    let too_large = AuthError::ResponseTooLarge {
        limit: MAX_TOKEN_RESPONSE_BYTES,
    };
    if response
        .content_length()
        .is_some_and(|length| length > MAX_TOKEN_RESPONSE_BYTES as u64)
    {
        return Err(too_large);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(AuthError::Transport)? {
        if body.len() + chunk.len() > MAX_TOKEN_RESPONSE_BYTES {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The shortest run of a secret's characters that counts as an echo of it. Shorter runs
/// (`eyJ`, `def50200`'s prefix) are common to every token and say nothing of one.
const MIN_ECHO: usize = 8;

/// Whether `text` repeats `secret`, whole or any [`MIN_ECHO`] bytes of it in a row.
fn echoes(text: &str, secret: &str) -> bool {
    if secret.is_empty() {
        return false;
    }
    if secret.len() <= MIN_ECHO {
        return text.contains(secret);
    }
    let pieces: std::collections::HashSet<&[u8]> = secret.as_bytes().windows(MIN_ECHO).collect();
    text.as_bytes()
        .windows(MIN_ECHO)
        .any(|window| pieces.contains(window))
}

/// The token endpoint's error body, with anything that repeats a secret we sent, whole or
/// in part, removed.
fn refused(grant: GrantType, status: u16, body: &[u8], secrets: &[&str]) -> AuthError {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |name: &str| {
        let text = value.get(name)?.as_str()?;
        if secrets.iter().any(|secret| echoes(text, secret)) {
            return Some("[REDACTED]".to_owned());
        }
        Some(text.chars().take(300).collect::<String>())
    };
    AuthError::Refused {
        grant,
        status,
        title: text("title"),
        hint: text("hint"),
        detail: text("detail"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_are_found_whole_and_in_part() {
        let secret = "0123456789abcdef";
        assert!(echoes("x 0123456789abcdef y", secret));
        assert!(echoes("…89abcdef…", secret));
        assert!(echoes("01234567", secret));
        assert!(!echoes("0123456", secret));
        assert!(!echoes("1234567 9abcdef", secret));
        assert!(!echoes("", secret));
        assert!(!echoes("anything", ""));
        // Secrets up to MIN_ECHO long only whole.
        assert!(echoes("my pw12345 here", "pw12345"));
        assert!(!echoes("my pw1234 here", "pw12345"));
        assert!(echoes("is 12345678!", "12345678"));
        assert!(!echoes("is 1234567!", "12345678"));
    }
}
