//! The token endpoint's JSON answer, as `auth import` reads it from stdin: by the library's
//! rules ([`TokenAnswer`]: one rule for `token_type`, one clamp for `expires_in`), exactly as
//! a grant would keep it. What those rules tolerate is reported, never a reason to refuse.

use std::time::{Duration, SystemTime};

use crate::sdk::{AuthError, TokenAnswer, TokenPair};
use crate::util::time::span;

/// The pair of an answer and what is odd about it (one warning a line).
pub struct Imported {
    /// The pair, as a grant answered at `now` would keep it.
    pub pair: TokenPair,
    /// What the library tolerated: a `token_type` other than `Bearer`, an `expires_in`
    /// missing or clamped, an access token it keeps as expired.
    pub warnings: Vec<String>,
}

/// The pair of a token endpoint's answer received at `now`; with `expired`, taken as
/// expired whatever its `expires_in` says (an answer of unknown age). Fails when the
/// answer holds no pair. Messages name the field, never a value.
pub fn read(bytes: &[u8], now: SystemTime, expired: bool) -> Result<Imported, String> {
    let answer = TokenAnswer::parse(bytes).map_err(refused)?;
    let mut warnings = Vec::new();
    if !answer.is_bearer() {
        warnings.push(
            "token_type is not Bearer; the pair is kept and its access token sent as a bearer \
             token"
                .to_owned(),
        );
    }
    let lifetime = answer.lifetime();
    match answer.expires_in() {
        _ if expired => {}
        None => warnings.push(format!(
            "expires_in is missing or not a number of seconds; the access token is taken to \
             expire in {} (--expired takes the pair as expired)",
            span(lifetime)
        )),
        Some(seconds) if Duration::from_secs(seconds) != lifetime => warnings.push(format!(
            "expires_in is out of range ({} to {}); the access token is taken to expire in {}",
            span(TokenAnswer::MIN_LIFETIME),
            span(TokenAnswer::MAX_LIFETIME),
            span(lifetime)
        )),
        Some(_) => {}
    }
    let pair = if expired {
        answer.into_expired_pair(now)
    } else {
        answer.into_pair(now)
    }
    .map_err(refused)?;
    // Every lifetime the library takes is a minute or more: a pair due at once is one it
    // keeps as expired.
    if !expired && pair.expires_at() <= now {
        warnings.push(
            "access_token has characters that cannot be sent in a header; the pair is kept as \
             expired and the next command refreshes it"
                .to_owned(),
        );
    }
    Ok(Imported { pair, warnings })
}

/// Why the answer holds no pair, for the input error.
fn refused(error: AuthError) -> String {
    match error {
        AuthError::Decode(why) => format!("the token answer on stdin: {why}"),
        other => format!("the token answer on stdin: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::time::UNIX_EPOCH;

    #[test]
    fn the_token_endpoint_answer_is_read_as_a_grant_keeps_it() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let read_ok = |body: &str, expired| read(body.as_bytes(), now, expired).unwrap();
        let imported = read_ok(
            r#"{"token_type":"Bearer","expires_in":86400,"access_token":"a.b.c","refresh_token":"def502"}"#,
            false,
        );
        assert_eq!(imported.pair.access_token().expose_secret(), "a.b.c");
        assert_eq!(imported.pair.refresh_token().expose_secret(), "def502");
        assert_eq!(imported.pair.expires_at_unix(), 87_400);
        assert!(imported.warnings.is_empty());
        // The library's clamp, reported; `--expired` ignores expires_in.
        let short = r#"{"expires_in":"0","access_token":"a","refresh_token":"r"}"#;
        let imported = read_ok(short, false);
        assert_eq!(imported.pair.expires_at_unix(), 1_060);
        assert!(imported.warnings[0].contains("out of range"));
        let imported = read_ok(short, true);
        assert_eq!(imported.pair.expires_at_unix(), 1_000);
        assert!(imported.warnings.is_empty());
        // Kept, and each oddity reported once.
        let imported = read_ok(
            r#"{"access_token":"a","refresh_token":"r","token_type":"mac"}"#,
            false,
        );
        assert_eq!(imported.pair.expires_at_unix(), 1_000 + 86_400);
        assert_eq!(imported.warnings.len(), 2, "{:?}", imported.warnings);
        assert!(imported.warnings[0].contains("Bearer"));
        assert!(imported.warnings[1].contains("1d 0h"));
        let imported = read_ok(
            r#"{"access_token":"a b","refresh_token":"r","expires_in":600}"#,
            false,
        );
        assert!(imported.pair.expires_within(Duration::ZERO));
        assert!(imported.warnings[0].contains("header"));
    }

    #[test]
    fn an_answer_without_a_pair_is_refused_without_its_values() {
        for (body, expected) in [
            (
                &br#"{"access_token":"s3cr3t-a","expires_in":1}"#[..],
                "refresh_token",
            ),
            (
                br#"{"refresh_token":"s3cr3t","expires_in":1}"#,
                "access_token",
            ),
            (br#"["s3cr3t"]"#, "object"),
            (b"s3cr3t", "JSON"),
        ] {
            for expired in [false, true] {
                let error = read(body, SystemTime::now(), expired)
                    .err()
                    .unwrap_or_default();
                assert!(error.contains(expected), "{error}");
                assert!(!error.contains("s3cr3t"), "{error}");
            }
        }
    }
}
