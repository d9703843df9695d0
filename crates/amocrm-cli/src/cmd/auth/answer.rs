//! The token endpoint's JSON answer, as `auth import` reads it from stdin.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;

use crate::sdk::TokenPair;

/// The longest `expires_in` taken (a year), as the library clamps it.
const MAX_LIFETIME: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// The pair of a token endpoint's answer (`access_token`, `refresh_token`, `expires_in`,
/// `token_type`), received at `now`. Messages name the field, never a value.
pub fn parse(bytes: &[u8], now: SystemTime) -> Result<TokenPair, String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "stdin is not the token endpoint's JSON answer ({:?} error at line {})",
            e.classify(),
            e.line()
        )
    })?;
    let object = value
        .as_object()
        .ok_or("stdin is not a JSON object: give the token endpoint's answer")?;
    let token = |name: &str| -> Result<SecretString, String> {
        let text = object
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .ok_or_else(|| format!("{name} is missing, empty or not a string"))?;
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(format!(
                "{name} has characters that cannot be sent in a header"
            ));
        }
        Ok(SecretString::from(text.to_owned()))
    };
    let access = token("access_token")?;
    let refresh = token("refresh_token")?;
    if let Some(kind) = object.get("token_type")
        && !kind
            .as_str()
            .is_some_and(|k| k.eq_ignore_ascii_case("bearer"))
    {
        return Err("token_type is not Bearer".to_owned());
    }
    let expires_in = match object.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Some(serde_json::Value::String(text)) => text.trim().parse::<u64>().ok(),
        _ => None,
    }
    .ok_or("expires_in is missing or not a number of seconds")?;
    let lifetime = Duration::from_secs(expires_in).min(MAX_LIFETIME);
    let expires_at = now.checked_add(lifetime).unwrap_or(now);
    // Whole seconds, as every store keeps it.
    let expires_at = UNIX_EPOCH
        + Duration::from_secs(
            expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        );
    Ok(TokenPair::new(access, refresh, expires_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn the_token_endpoint_answer_is_read() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let pair = parse(
            br#"{"token_type":"Bearer","expires_in":86400,"access_token":"a.b.c","refresh_token":"def502"}"#,
            now,
        )
        .unwrap();
        assert_eq!(pair.access_token().expose_secret(), "a.b.c");
        assert_eq!(pair.refresh_token().expose_secret(), "def502");
        assert_eq!(pair.expires_at_unix(), 87_400);
        let pair = parse(
            br#"{"expires_in":"0","access_token":"a","refresh_token":"r"}"#,
            now,
        )
        .unwrap();
        assert_eq!(pair.expires_at_unix(), 1_000);
    }

    #[test]
    fn a_bad_answer_is_refused_without_its_values() {
        for (body, expected) in [
            (&br#"{"access_token":"s3cr3t-a","expires_in":1}"#[..], "refresh_token"),
            (br#"{"access_token":"s3cr3t a","refresh_token":"r","expires_in":1}"#, "header"),
            (br#"{"access_token":"a","refresh_token":"s3cr3t"}"#, "expires_in"),
            (
                br#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":-5}"#,
                "expires_in",
            ),
            (
                br#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":5,"token_type":"mac"}"#,
                "Bearer",
            ),
            (br#"["s3cr3t"]"#, "object"),
            (b"s3cr3t", "JSON"),
        ] {
            let error = parse(body, SystemTime::now()).err().unwrap_or_default();
            assert!(error.contains(expected), "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
    }
}
