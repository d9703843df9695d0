//! The HS512 JWT primitives of a widget_request token: its header's algorithm, the
//! signature checked in constant time, the claims of a verified payload, the replay key.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::WidgetRequestError;

/// The `alg` of a JWT's header, read without trusting anything else. A header naming
/// critical extensions (`crit`) is refused: RFC 7515 requires a verifier to refuse those it
/// does not understand, and this one understands none (amoCRM sends none).
pub(super) fn header_algorithm(token: &str) -> Result<String, WidgetRequestError> {
    let malformed = |what: &str| WidgetRequestError::MalformedToken(what.to_owned());
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("not three dot-separated parts"));
    };
    let bytes = base64url(header).map_err(|_| malformed("the header is not base64url"))?;
    let header: Value =
        serde_json::from_slice(&bytes).map_err(|_| malformed("the header is not JSON"))?;
    if header.get("crit").is_some() {
        return Err(malformed(
            "the header names critical extensions (crit), which this verifier does not understand",
        ));
    }
    match header.get("alg") {
        Some(Value::String(alg)) => Ok(alg.clone()),
        Some(_) => Err(malformed("the header's alg is not a string")),
        None => Err(malformed("the header has no alg")),
    }
}

/// Checks the HS512 signature of `token` (`header.payload.signature`, base64url without
/// padding) in constant time, and returns the payload, still encoded. Nothing of the payload
/// is read before the signature holds.
pub(super) fn verify_signature<'t>(
    token: &'t str,
    secret: &[u8],
) -> Result<&'t str, WidgetRequestError> {
    use hmac::Mac as _;
    let (signed, signature) = token.rsplit_once('.').ok_or_else(|| {
        WidgetRequestError::MalformedToken("not three dot-separated parts".into())
    })?;
    let (_, payload) = signed.split_once('.').ok_or_else(|| {
        WidgetRequestError::MalformedToken("not three dot-separated parts".into())
    })?;
    let signature = base64url(signature)
        .map_err(|_| WidgetRequestError::MalformedToken("the signature is not base64url".into()))?;
    // HMAC takes a key of any length: new_from_slice does not fail.
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(secret)
        .map_err(|_| WidgetRequestError::InvalidSignature)?;
    mac.update(signed.as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| WidgetRequestError::InvalidSignature)?;
    Ok(payload)
}

/// The claims of a payload whose signature was verified: a JSON object.
pub(super) fn decode_claims(payload: &str) -> Result<Map<String, Value>, WidgetRequestError> {
    let bytes = base64url(payload)
        .map_err(|_| WidgetRequestError::MalformedToken("not base64url".into()))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(claims)) => Ok(claims),
        _ => Err(WidgetRequestError::MalformedToken(
            "the claims are not a JSON object".into(),
        )),
    }
}

/// Decodes one part of a JWT: base64url without padding (RFC 7515).
fn base64url(part: &str) -> Result<Vec<u8>, base64::DecodeError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part)
}

/// Seconds since the Unix epoch. A clock set before it cannot tell that a token is still
/// valid, so every token then counts as expired.
pub(super) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(u64::MAX, |elapsed| elapsed.as_secs())
}

/// What a token is remembered by: its signature, decoded and encoded again so that two
/// spellings of the same bytes are one key. Unique to the token, and useless without the
/// rest of it.
pub(super) fn replay_key(token: &str) -> Result<String, WidgetRequestError> {
    let signature = token
        .rsplit('.')
        .next()
        .ok_or_else(|| WidgetRequestError::MalformedToken("no signature".into()))?;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bytes = engine
        .decode(signature)
        .map_err(|_| WidgetRequestError::MalformedToken("the signature is not base64url".into()))?;
    Ok(engine.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replay_key_is_the_canonical_signature() {
        assert_eq!(replay_key("a.b.c2ln").unwrap(), "c2ln");
        assert!(replay_key("a.b.!!").is_err());
        // Unused trailing bits are not a second spelling of the same signature.
        assert!(replay_key("a.b.c2lo").is_err() || replay_key("a.b.c2lo").unwrap() != "c2ln");
    }
}
