//! widget_request tokens signed as amoCRM signs them: a JWT with header
//! `{"typ":"JWT","alg":…}`, HMAC-SHA512 with the integration's secret (HMAC-SHA256 too, for
//! the tests that check other algorithms are refused).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

/// `claims` signed with HS512 and `secret`, as amoCRM signs a widget_request token.
pub fn sign(claims: &Value, secret: &str) -> String {
    sign_with(claims, "HS512", secret)
}

/// `claims` signed with `algorithm` (`HS512` or `HS256`) and `secret`.
///
/// # Panics
/// On any other algorithm: a test asked for a signer this helper does not have.
pub fn sign_with(claims: &Value, algorithm: &str, secret: &str) -> String {
    let header = b64(json!({"typ": "JWT", "alg": algorithm})
        .to_string()
        .as_bytes());
    let signed = format!("{header}.{}", b64(claims.to_string().as_bytes()));
    let signature = match algorithm {
        "HS512" => mac::<Hmac<sha2::Sha512>>(secret, &signed),
        "HS256" => mac::<Hmac<sha2::Sha256>>(secret, &signed),
        other => panic!("no signer for {other}"),
    };
    format!("{signed}.{}", b64(&signature))
}

/// Base64url without padding, as a JWT's parts are written.
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &str, signed: &str) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(signed.as_bytes());
    mac.finalize().into_bytes().to_vec()
}
