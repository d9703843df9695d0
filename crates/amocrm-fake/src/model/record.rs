//! What the fake received: the requests it recorded (credentials masked wherever they
//! show) and the continue calls it accepted; the bot kind of a continue path.
//!
//! The fake keeps its own [`BotKind`] rather than the client's, so that it stays
//! independent of the `amocrm` crate it tests.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use ::http::{HeaderMap, Method, Uri};
use serde_json::Value;

/// Value recorded for a masked header: the scheme is kept, the credentials are not.
const MASK: &str = "***";
/// Fields of a token request that are credentials, masked like `Authorization`.
const OAUTH_SECRET_FIELDS: &[&str] = &["client_secret", "code", "refresh_token", "access_token"];

/// The kind of bot in `POST /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BotKind {
    /// Path segment `salesbot`.
    Salesbot,
    /// Path segment `marketingbot`.
    Marketingbot,
}

impl BotKind {
    /// The path segment: `"salesbot"` or `"marketingbot"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BotKind::Salesbot => "salesbot",
            BotKind::Marketingbot => "marketingbot",
        }
    }
}

impl fmt::Display for BotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error parsing a [`BotKind`] from anything but `salesbot` / `marketingbot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBotKind(pub String);

impl fmt::Display for UnknownBotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown bot kind {:?} (expected salesbot or marketingbot)",
            self.0
        )
    }
}

impl std::error::Error for UnknownBotKind {}

impl FromStr for BotKind {
    type Err = UnknownBotKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "salesbot" => Ok(BotKind::Salesbot),
            "marketingbot" => Ok(BotKind::Marketingbot),
            other => Err(UnknownBotKind(other.to_owned())),
        }
    }
}

/// Marks a response that will not reach the client whole (a fault's reset, cut or
/// truncated body): its request is recorded without a status.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoWholeAnswer;

/// A continue request the fake accepted (202).
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedContinuation {
    /// Bot kind from the path.
    pub bot: BotKind,
    /// Bot id from the path.
    pub bot_id: i64,
    /// Continue id from the path (percent-decoded).
    pub continue_id: String,
    /// The JSON body as sent (always an object).
    pub body: Value,
}

/// A request as the fake received it. Its `Authorization` value is masked (`Bearer ***`)
/// wherever it shows (fields, `Debug`); [`RecordedRequest::has_bearer`] compares it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The account it was sent to: `None` for the default account at the root, the name
    /// for one under `/{name}`.
    pub account: Option<String>,
    /// HTTP method, e.g. `"GET"`.
    pub method: String,
    /// Raw path and query exactly as received on the wire (not decoded, with the
    /// account's prefix), e.g. `/api/v4/widgets/a%2Fb`,
    /// `/api/v4/widgets?limit=250&page=2` or `/acc1/api/v4/widgets`.
    pub path_and_query: String,
    /// Raw path without the query, not decoded.
    pub path: String,
    /// Raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Request headers in order; names are lower-case, non-UTF-8 bytes replaced, the
    /// `Authorization` value masked as `{scheme} ***`.
    pub headers: Vec<(String, String)>,
    /// The body as received (empty when there was none), unmasked: [`Debug`] and
    /// `GET /_fake/requests` show it with the token endpoint's credentials masked
    /// ([`RecordedRequest::masked_body`]).
    pub body: Vec<u8>,
    /// When the request arrived (its head, before its body was read): the instant the rate
    /// limit counted it at, so arrival rates and gaps are the ones the window judged (at
    /// most 7 in any second of them with `rate_limit(Some(7))`).
    pub received_at: std::time::Instant,
    /// The unmasked `Authorization` value, only for [`RecordedRequest::has_bearer`].
    authorization: Option<String>,
    /// The status the fake answered with, set once the answer's head is made (shared by the
    /// clones, so that a copy taken while the route runs sees it later).
    answered: Arc<OnceLock<u16>>,
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("account", &self.account)
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("headers", &self.headers)
            .field("body", &self.masked_body())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// `Bearer abc` -> `Bearer ***`; a value without a scheme -> `***`.
fn mask_credentials(value: &str) -> String {
    match value.trim().split_once(' ') {
        Some((scheme, _)) => format!("{scheme} {MASK}"),
        None => MASK.to_owned(),
    }
}

impl RecordedRequest {
    pub(crate) fn from_parts(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        account: Option<&str>,
        body: &[u8],
        received_at: std::time::Instant,
    ) -> Self {
        let path_and_query = uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_else(|| uri.path().to_owned());
        let mut authorization = None;
        let headers = headers
            .iter()
            .map(|(name, value)| {
                let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
                if name == ::http::header::AUTHORIZATION {
                    let masked = mask_credentials(&text);
                    authorization.get_or_insert(text);
                    (name.as_str().to_owned(), masked)
                } else {
                    (name.as_str().to_owned(), text)
                }
            })
            .collect();
        RecordedRequest {
            account: account.map(str::to_owned),
            method: method.as_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            path_and_query,
            headers,
            body: body.to_vec(),
            received_at,
            authorization,
            answered: Arc::default(),
        }
    }

    /// The status the fake answered with (a fault's, a refusal's or the route's); `None`
    /// while the route runs, and for a request whose answer a fault reset, cut or
    /// truncated.
    pub fn status(&self) -> Option<u16> {
        self.answered.get().copied()
    }

    /// Where the answer's status goes once it is known.
    pub(crate) fn answer_slot(&self) -> Arc<OnceLock<u16>> {
        self.answered.clone()
    }

    /// The first value of a header, by case-insensitive name (`Authorization` masked).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request carried `Authorization: Bearer {token}` (the scheme in any
    /// case), without the token being kept anywhere you could print it from.
    pub fn has_bearer(&self, token: &str) -> bool {
        self.authorization
            .as_deref()
            .and_then(|v| v.trim().split_once(' '))
            .is_some_and(|(scheme, value)| {
                scheme.eq_ignore_ascii_case("bearer") && value.trim() == token
            })
    }

    /// The body as text for showing it: a token request's (`/oauth2/access_token`)
    /// `client_secret`, `code`, `refresh_token` and `access_token` are masked as `***`,
    /// like the `Authorization` header, so that printing requests never prints a
    /// credential; non-UTF-8 bytes are replaced. [`RecordedRequest::body`] keeps the
    /// bytes as received.
    pub fn masked_body(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        if !self.path.ends_with("/oauth2/access_token") {
            return text.into_owned();
        }
        let secret = |key: &str| OAUTH_SECRET_FIELDS.contains(&key);
        if let Ok(Value::Object(mut object)) = serde_json::from_str::<Value>(&text) {
            for (key, value) in object.iter_mut() {
                if secret(key) {
                    *value = Value::from(MASK);
                }
            }
            return Value::Object(object).to_string();
        }
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                url::form_urlencoded::parse(text.as_bytes())
                    .map(|(k, v)| if secret(&k) { (k, MASK.into()) } else { (k, v) }),
            )
            .finish()
    }

    /// The body as UTF-8 text, `None` when it is not.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body parsed as JSON, `None` when it is empty or not JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_masked_keeping_the_scheme() {
        assert_eq!(mask_credentials("Bearer abc.def"), "Bearer ***");
        assert_eq!(mask_credentials("  bearer  x "), "bearer ***");
        assert_eq!(mask_credentials("Basic dXNlcjpwYXNz"), "Basic ***");
        assert_eq!(mask_credentials("token-without-scheme"), "***");
        assert_eq!(mask_credentials(""), "***");
    }
}
