//! [`WidgetRequestClaims`]: what a verified widget_request token says.

use serde_json::{Map, Value};

use crate::api::bots::kind::BotKind;
use crate::error::WidgetRequestError;

/// The verified claims of a widget_request token.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WidgetRequestClaims {
    /// The account's ID (`account_id`).
    pub account_id: u64,
    /// The account's subdomain (`subdomain`), e.g. `example` of `example.amocrm.ru`.
    pub subdomain: String,
    /// The entity the bot runs for (`entity_id`), when given.
    pub entity_id: Option<u64>,
    /// The kind of that entity (`entity_type`), when given.
    pub entity_type: Option<String>,
    /// The kind of bot (`bot_type`), when given.
    pub bot_type: Option<BotKind>,
    /// Issuer (`iss`), when given.
    pub issuer: Option<String>,
    /// Audiences (`aud`), possibly none.
    pub audience: Vec<String>,
    /// Token ID (`jti`), when given.
    pub token_id: Option<String>,
    /// Issued at, Unix seconds (`iat`), when given.
    pub issued_at: Option<u64>,
    /// Not before, Unix seconds (`nbf`), when given.
    pub not_before: Option<u64>,
    /// Expiry, Unix seconds (`exp`).
    pub expires_at: u64,
    /// Every claim as sent, including the ones above.
    pub all: Map<String, Value>,
}

impl WidgetRequestClaims {
    pub(super) fn from_map(all: Map<String, Value>) -> Result<Self, WidgetRequestError> {
        let malformed = |name: &str, what: &str| {
            WidgetRequestError::MalformedToken(format!("claim {name} is not {what}"))
        };
        let present = |name: &str| all.get(name).filter(|v| !v.is_null());
        let id = |name: &str| -> Result<Option<u64>, WidgetRequestError> {
            present(name)
                .map(|v| as_id(v).ok_or_else(|| malformed(name, "a non-negative integer")))
                .transpose()
        };
        let text = |name: &str| -> Result<Option<String>, WidgetRequestError> {
            present(name)
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(malformed(name, "a string")),
                })
                .transpose()
        };
        let required = |name: &str| WidgetRequestError::MissingClaim(name.to_owned());
        let audience = match present("aud") {
            None => Vec::new(),
            Some(Value::String(aud)) => vec![aud.clone()],
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| malformed("aud", "a string or an array of strings"))?,
            Some(_) => return Err(malformed("aud", "a string or an array of strings")),
        };
        let subdomain = text("subdomain")?.ok_or_else(|| required("subdomain"))?;
        if subdomain.is_empty() {
            return Err(malformed("subdomain", "a subdomain"));
        }
        Ok(WidgetRequestClaims {
            account_id: id("account_id")?.ok_or_else(|| required("account_id"))?,
            subdomain,
            entity_id: id("entity_id")?,
            entity_type: text("entity_type")?,
            bot_type: text("bot_type")?.map(|t| BotKind::from(t.as_str())),
            issuer: text("iss")?,
            audience,
            token_id: text("jti")?,
            issued_at: id("iat")?,
            not_before: id("nbf")?,
            expires_at: id("exp")?.ok_or_else(|| required("exp"))?,
            all,
        })
    }
}

/// A number, or a string of digits (amoCRM sometimes sends IDs as strings).
fn as_id(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    }
}
