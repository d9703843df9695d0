//! [`WidgetRequest`]: the body amoCRM POSTs to a widget's URL from a bot's widget step,
//! read but not verified yet.

use std::fmt;

use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::error::WidgetRequestError;

/// The body amoCRM POSTs to a widget's URL from a bot's widget step, not verified yet.
/// The token never appears in `Debug` output.
///
/// ```
/// use amocrm::widget_request::WidgetRequest;
///
/// let body = br#"{
///     "token": "eyJhbGciOiJIUzUxMiJ9.e30.c2ln",
///     "data": {"phone": "+79990000000"},
///     "return_url": "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3"
/// }"#;
/// let request = WidgetRequest::from_slice(body)?;
/// assert_eq!(request.data()["phone"], "+79990000000");
/// assert!(!format!("{request:?}").contains("eyJ"));
///
/// // Also through serde, e.g. as a web framework's JSON extractor.
/// let same: WidgetRequest = serde_json::from_slice(body).unwrap();
/// assert_eq!(same.return_url(), request.return_url());
/// # Ok::<(), amocrm::error::WidgetRequestError>(())
/// ```
#[derive(Clone)]
pub struct WidgetRequest {
    pub(super) token: SecretString,
    pub(super) data: Map<String, Value>,
    pub(super) return_url: String,
}

impl fmt::Debug for WidgetRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WidgetRequest")
            .field("token", &"[REDACTED]")
            .field("data", &self.data)
            .field("return_url", &self.return_url)
            .finish()
    }
}

impl WidgetRequest {
    /// A request made of its parts.
    pub fn new(
        token: impl Into<String>,
        data: Map<String, Value>,
        return_url: impl Into<String>,
    ) -> Self {
        WidgetRequest {
            token: SecretString::from(token.into()),
            data,
            return_url: return_url.into(),
        }
    }

    /// Parses a request body.
    pub fn from_slice(body: &[u8]) -> Result<Self, WidgetRequestError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            WidgetRequestError::Body(format!(
                "not JSON ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        Self::from_value(value)
    }

    /// Reads a request from JSON already parsed. `data` may be absent, `null` or `[]` (an
    /// empty PHP array) for no data.
    pub fn from_value(value: Value) -> Result<Self, WidgetRequestError> {
        let Value::Object(mut object) = value else {
            return Err(WidgetRequestError::Body("not a JSON object".into()));
        };
        let token = match object.remove("token") {
            Some(Value::String(token)) if !token.is_empty() => token,
            _ => {
                return Err(WidgetRequestError::Body(
                    "token is missing or not a string".into(),
                ));
            }
        };
        let return_url = match object.remove("return_url") {
            Some(Value::String(url)) => url,
            _ => {
                return Err(WidgetRequestError::Body(
                    "return_url is missing or not a string".into(),
                ));
            }
        };
        let data = match object.remove("data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(data)) => data,
            Some(Value::Array(items)) if items.is_empty() => Map::new(),
            Some(_) => {
                return Err(WidgetRequestError::Body("data is not an object".into()));
            }
        };
        Ok(WidgetRequest {
            token: SecretString::from(token),
            data,
            return_url,
        })
    }

    /// The signed token (a JWT).
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The widget's data, *not* covered by the signature.
    pub fn data(&self) -> &Map<String, Value> {
        &self.data
    }

    /// Where the bot waits, as received (not checked yet).
    pub fn return_url(&self) -> &str {
        &self.return_url
    }
}

impl<'de> serde::Deserialize<'de> for WidgetRequest {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        WidgetRequest::from_value(value).map_err(serde::de::Error::custom)
    }
}
