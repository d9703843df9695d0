//! widget_request bodies signed the way amoCRM signs them, for the tests of a widget's
//! backend.
//!
//! When a Salesbot or Marketingbot step runs a widget, amoCRM POSTs the widget's backend
//! `{"token": JWT, "data": {...}, "return_url": URL}`. The token is a JWT with the header
//! `{"typ":"JWT","alg":"HS512"}`, signed with HMAC-SHA512 under the integration's secret
//! key; its claims name the account (`account_id`, `subdomain`), the bot (`bot_type`), and
//! carry `iss`, `jti`, `iat`, `nbf` and `exp`. A backend verifies it (in Rust,
//! `amocrm::widget_request::WidgetRequestVerifier`) and continues the bot at `return_url`.
//!
//! [`WidgetRequestSigner`] writes such a body; [`FakeServer::widget_request_signer`] gives
//! one for the fake's default account and OAuth client, and
//! [`FakeServer::continue_url`] the `return_url` of a step the fake waits for.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use amocrm_fake::{BotKind, FakeServer};
//! use serde_json::json;
//!
//! let fake = FakeServer::builder().start().await.unwrap();
//! fake.add_pending_continuation(BotKind::Salesbot, 42, "c-1");
//! let body = fake.widget_request_signer().body(
//!     json!({"lead_id": "10000001"}),
//!     &fake.continue_url(BotKind::Salesbot, 42, "c-1"),
//! );
//! assert_eq!(body["data"]["lead_id"], "10000001");
//! assert_eq!(body["token"].as_str().unwrap().split('.').count(), 3);
//! # }
//! ```

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::Mac as _;
use serde_json::{Map, Value, json};

use crate::model::record::BotKind;
use crate::server::FakeServer;

/// How long a token from [`WidgetRequestSigner`] is valid unless told otherwise (amoCRM's
/// are valid for minutes).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// The JWT signature algorithm of a token. amoCRM signs with [`Algorithm::Hs512`]; the
/// other is there to test that a verifier refuses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA512 (`HS512`), amoCRM's.
    #[default]
    Hs512,
    /// HMAC-SHA256 (`HS256`), which a verifier of amoCRM's tokens refuses.
    Hs256,
}

impl Algorithm {
    /// The header's `alg`: `"HS512"` or `"HS256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Hs512 => "HS512",
            Algorithm::Hs256 => "HS256",
        }
    }
}

/// `claims` as a JWT signed with HS512 under `secret`, as amoCRM signs a widget_request
/// token. The claims are written as given: for the usual ones, see [`WidgetRequestSigner`].
pub fn sign(claims: &Value, secret: &str) -> String {
    sign_with(claims, Algorithm::Hs512, secret)
}

/// `claims` as a JWT signed with `algorithm` under `secret`.
pub fn sign_with(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    let header = json!({"typ": "JWT", "alg": algorithm.as_str()}).to_string();
    let signed = format!(
        "{}.{}",
        base64url(header.as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    sign_segments(&signed, algorithm, secret)
}

/// `signed` (a JWT's `header.payload`, each base64url already) with its signature
/// appended: for a token whose header or payload a test writes byte for byte.
pub fn sign_segments(signed: &str, algorithm: Algorithm, secret: &str) -> String {
    // HMAC takes a key of any length, so new_from_slice never fails; an empty MAC in the
    // impossible case would only make the token invalid.
    let signature = match algorithm {
        Algorithm::Hs512 => {
            hmac::Hmac::<sha2::Sha512>::new_from_slice(secret.as_bytes()).map(|mut mac| {
                mac.update(signed.as_bytes());
                mac.finalize().into_bytes().to_vec()
            })
        }
        Algorithm::Hs256 => {
            hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).map(|mut mac| {
                mac.update(signed.as_bytes());
                mac.finalize().into_bytes().to_vec()
            })
        }
    }
    .unwrap_or_default();
    format!("{signed}.{}", base64url(&signature))
}

/// Base64url without padding, as a JWT's parts are written.
pub fn base64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Writes widget_request tokens and bodies as amoCRM sends them to a widget's backend.
///
/// Each [`WidgetRequestSigner::token`] is fresh: a new `jti`, `iat` and `nbf` now, `exp`
/// after the lifetime. By default the claims are those of the account `example`
/// (`account_id` 1, `iss` `https://example.amocrm.ru`) and a Salesbot; every one can be
/// changed, added or left out to test a verifier's refusals. The secret never appears in
/// its `Debug`.
#[derive(Clone)]
pub struct WidgetRequestSigner {
    secret: String,
    algorithm: Algorithm,
    lifetime: Duration,
    claims: Map<String, Value>,
    without: Vec<String>,
}

impl fmt::Debug for WidgetRequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WidgetRequestSigner")
            .field("secret", &"[redacted]")
            .field("algorithm", &self.algorithm)
            .field("lifetime", &self.lifetime)
            .field("claims", &self.claims)
            .field("without", &self.without)
            .finish()
    }
}

impl WidgetRequestSigner {
    /// A signer with the integration's secret key (`client_secret`).
    pub fn new(secret: impl Into<String>) -> Self {
        let mut claims = Map::new();
        claims.insert("iss".into(), json!("https://example.amocrm.ru"));
        claims.insert("account_id".into(), json!(1));
        claims.insert("subdomain".into(), json!("example"));
        claims.insert("bot_type".into(), json!(BotKind::Salesbot.as_str()));
        WidgetRequestSigner {
            secret: secret.into(),
            algorithm: Algorithm::Hs512,
            lifetime: DEFAULT_LIFETIME,
            claims,
            without: Vec::new(),
        }
    }

    /// The account: its `subdomain` (and the `iss` `https://{subdomain}.amocrm.ru`) and
    /// its `account_id`.
    pub fn account(self, subdomain: &str, account_id: u64) -> Self {
        self.claim("subdomain", json!(subdomain))
            .claim("iss", json!(format!("https://{subdomain}.amocrm.ru")))
            .claim("account_id", json!(account_id))
    }

    /// The bot (`bot_type`).
    pub fn bot(self, bot: BotKind) -> Self {
        self.claim("bot_type", json!(bot.as_str()))
    }

    /// The entity the bot runs for (`entity_type`, e.g. `leads`, and `entity_id`).
    pub fn entity(self, entity_type: &str, entity_id: u64) -> Self {
        self.claim("entity_type", json!(entity_type))
            .claim("entity_id", json!(entity_id.to_string()))
    }

    /// A claim set to `value` (any claim, the timed ones included: a `jti`, `iat`, `nbf`
    /// or `exp` set here replaces the fresh one).
    pub fn claim(mut self, name: &str, value: Value) -> Self {
        self.without.retain(|n| n != name);
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// A claim left out of the token (the timed ones too).
    pub fn without(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self.without.push(name.to_owned());
        self
    }

    /// How long each token is valid, from now ([`DEFAULT_LIFETIME`] by default).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The signature algorithm ([`Algorithm::Hs512`], amoCRM's, by default).
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// The claims of a fresh token: the ones set, and a new `jti`, `iat`, `nbf` and `exp`
    /// unless set or left out.
    pub fn claims(&self) -> Value {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let jti = format!(
            "fake-{now}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut claims = self.claims.clone();
        let timed = [
            ("jti", json!(jti)),
            ("iat", json!(now)),
            ("nbf", json!(now)),
            ("exp", json!(now.saturating_add(self.lifetime.as_secs()))),
        ];
        for (name, value) in timed {
            if !self.without.iter().any(|n| n == name) {
                claims.entry(name).or_insert(value);
            }
        }
        Value::Object(claims)
    }

    /// A fresh token, signed.
    pub fn token(&self) -> String {
        sign_with(&self.claims(), self.algorithm, &self.secret)
    }

    /// A widget_request body, as amoCRM POSTs it: a fresh token, the step's `data` and the
    /// `return_url` to continue the bot at.
    pub fn body(&self, data: Value, return_url: &str) -> Value {
        json!({"token": self.token(), "data": data, "return_url": return_url})
    }
}

impl FakeServer {
    /// A [`WidgetRequestSigner`] for this fake: its OAuth client's secret, its default
    /// account's subdomain.
    pub fn widget_request_signer(&self) -> WidgetRequestSigner {
        let account = self.default_account();
        WidgetRequestSigner::new(self.oauth_client().client_secret.clone())
            .account(account.subdomain(), 1)
    }

    /// The `return_url` of a bot step on the default account: where a backend continues
    /// `bot`'s `bot_id` at `continue_id` (wait for it with
    /// [`FakeServer::add_pending_continuation`]).
    pub fn continue_url(&self, bot: BotKind, bot_id: i64, continue_id: &str) -> String {
        format!(
            "{}/api/v4/{bot}/{bot_id}/continue/{continue_id}",
            self.base_url()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_three_parts_with_amocrm_header_and_fresh_claims() {
        let signer = WidgetRequestSigner::new("s3cret").entity("leads", 7);
        let token = signer.token();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let decode = |part: &str| -> Value {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap();
            serde_json::from_slice(&bytes).unwrap()
        };
        assert_eq!(decode(parts[0]), json!({"typ": "JWT", "alg": "HS512"}));
        let claims = decode(parts[1]);
        assert_eq!(claims["subdomain"], "example");
        assert_eq!(claims["entity_id"], "7");
        let (iat, exp) = (claims["iat"].as_u64().unwrap(), claims["exp"].as_u64());
        assert_eq!(exp, Some(iat + 600));
        assert_ne!(signer.claims()["jti"], signer.claims()["jti"]);
        assert_eq!(
            sign_segments(
                &format!("{}.{}", parts[0], parts[1]),
                Algorithm::Hs512,
                "s3cret"
            ),
            token
        );
        assert!(!format!("{signer:?}").contains("s3cret"));
    }

    #[test]
    fn claims_left_out_and_set() {
        let signer = WidgetRequestSigner::new("k")
            .without("exp")
            .claim("exp", json!(5));
        assert_eq!(signer.claims()["exp"], 5);
        let claims = WidgetRequestSigner::new("k")
            .without("jti")
            .without("iss")
            .claims();
        assert!(claims.get("jti").is_none() && claims.get("iss").is_none());
    }
}
