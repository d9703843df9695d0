//! The Salesbot / Marketingbot `widget_request` step: the request amoCRM sends to a widget's
//! URL, its signed token, and continuing the bot from its `return_url`.
//!
//! A bot's widget step POSTs
//! `{"token": JWT, "data": {...}, "return_url": "https://{sub}.amocrm.ru/api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}"}`
//! and waits until the widget calls the continue method. Only the token is signed (HS512
//! with the integration's client secret, shared by every account that installed the
//! integration); `data` and `return_url` are not. [`WidgetRequestVerifier`] therefore binds
//! the `return_url` to the account named in the signed token, and
//! [`VerifiedWidgetRequest::continue_bot`] to the account of the client that continues.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;

use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use crate::bots::{BotKind, ContinueRequest};
use crate::client::is_loopback;
use crate::client::{Client, Domain};
use crate::error::{Result, WidgetRequestError};

/// The largest clock leeway [`WidgetRequestVerifier::leeway`] takes.
const MAX_LEEWAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Longest accepted `continue_id`.
const MAX_CONTINUE_ID_LEN: usize = 256;

/// The kind of bot in the token's `bot_type` claim; values this crate does not know are
/// kept in [`BotType::Unknown`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BotType {
    /// `salesbot`.
    Salesbot,
    /// `marketingbot`.
    Marketingbot,
    /// Anything else, as sent.
    Unknown(String),
}

impl BotType {
    /// The bot kind, when known.
    pub fn bot_kind(&self) -> Option<BotKind> {
        match self {
            BotType::Salesbot => Some(BotKind::Salesbot),
            BotType::Marketingbot => Some(BotKind::Marketingbot),
            BotType::Unknown(_) => None,
        }
    }

    /// As sent (lowercase for the known kinds).
    pub fn as_str(&self) -> &str {
        match self {
            BotType::Salesbot => "salesbot",
            BotType::Marketingbot => "marketingbot",
            BotType::Unknown(other) => other,
        }
    }
}

impl From<&str> for BotType {
    fn from(value: &str) -> Self {
        if value.eq_ignore_ascii_case("salesbot") {
            BotType::Salesbot
        } else if value.eq_ignore_ascii_case("marketingbot") {
            BotType::Marketingbot
        } else {
            BotType::Unknown(value.to_owned())
        }
    }
}

impl fmt::Display for BotType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub bot_type: Option<BotType>,
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
    fn from_map(all: Map<String, Value>) -> Result<Self, WidgetRequestError> {
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
            bot_type: text("bot_type")?.map(|t| BotType::from(t.as_str())),
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

/// The body amoCRM POSTs to a widget's URL from a bot's widget step, not verified yet.
/// The token never appears in `Debug` output.
///
/// ```
/// use amocrm::WidgetRequest;
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
/// # Ok::<(), amocrm::WidgetRequestError>(())
/// ```
#[derive(Clone)]
pub struct WidgetRequest {
    token: SecretString,
    data: Map<String, Value>,
    return_url: String,
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

    /// Shorthand for [`WidgetRequestVerifier::verify`].
    pub fn verify(
        &self,
        verifier: &WidgetRequestVerifier,
    ) -> Result<VerifiedWidgetRequest, WidgetRequestError> {
        verifier.verify(self)
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

/// A parsed `return_url`: `{scheme}://{host}/api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`,
/// nothing more (no user info, query or fragment; a positive `bot_id`; a `continue_id` of
/// URL-safe characters).
///
/// ```
/// use amocrm::{BotKind, ContinueUrl};
///
/// let url = ContinueUrl::parse("https://example.amocrm.ru/api/v4/marketingbot/7/continue/x-1")?;
/// assert_eq!(url.kind(), BotKind::Marketingbot);
/// assert_eq!(url.bot_id(), 7);
/// assert_eq!(url.continue_id(), "x-1");
/// assert_eq!(url.host(), "example.amocrm.ru");
///
/// assert!(ContinueUrl::parse("https://example.amocrm.ru/api/v4/widgets/amo_dropbox").is_err());
/// assert!(ContinueUrl::parse("https://example.amocrm.ru/api/v4/salesbot/0/continue/x").is_err());
/// # Ok::<(), amocrm::WidgetRequestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContinueUrl {
    url: url::Url,
    kind: BotKind,
    bot_id: u64,
    continue_id: String,
}

impl ContinueUrl {
    /// Parses `url` strictly; anything but a continue URL is an error.
    pub fn parse(url: &str) -> Result<Self, WidgetRequestError> {
        let fail = |reason: &'static str| WidgetRequestError::NotContinueUrl {
            url: shown_return_url(url),
            reason,
        };
        let parsed = url::Url::parse(url).map_err(|_| fail("not an absolute URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(fail("the scheme is not http(s)"));
        }
        if parsed.host().is_none() {
            return Err(fail("it has no host"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(fail("it has user info"));
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(fail("it has a query or a fragment"));
        }
        // The path exactly as written: no dot segments, backslashes or encoded characters
        // that the URL parser would quietly normalize into another path.
        if raw_path(url) != Some(parsed.path()) {
            return Err(fail("the path is not in normal form"));
        }
        let segments: Vec<&str> = parsed.path().split('/').collect();
        let ["", "api", "v4", kind, bot_id, "continue", continue_id] = segments.as_slice() else {
            return Err(fail(
                "the path is not /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}",
            ));
        };
        let kind = match *kind {
            "salesbot" => BotKind::Salesbot,
            "marketingbot" => BotKind::Marketingbot,
            _ => return Err(fail("the bot kind is not salesbot or marketingbot")),
        };
        let bot_id = match bot_id.parse::<u64>() {
            Ok(id)
                if id > 0
                    && !bot_id.starts_with('0')
                    && bot_id.bytes().all(|b| b.is_ascii_digit()) =>
            {
                id
            }
            _ => return Err(fail("bot_id is not a positive integer")),
        };
        if continue_id.is_empty()
            || continue_id.len() > MAX_CONTINUE_ID_LEN
            || !continue_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
            || *continue_id == "."
            || *continue_id == ".."
        {
            return Err(fail(
                "continue_id is empty, too long or has characters other than A-Z a-z 0-9 - _ . ~",
            ));
        }
        let continue_id = (*continue_id).to_owned();
        Ok(ContinueUrl {
            url: parsed,
            kind,
            bot_id,
            continue_id,
        })
    }

    /// Salesbot or Marketingbot.
    pub fn kind(&self) -> BotKind {
        self.kind
    }

    /// The bot's ID.
    pub fn bot_id(&self) -> u64 {
        self.bot_id
    }

    /// The step waiting for the widget.
    pub fn continue_id(&self) -> &str {
        &self.continue_id
    }

    /// The host, e.g. `example.amocrm.ru`.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The whole URL.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    fn host_and_port(&self) -> String {
        match self.url.port() {
            Some(port) => format!("{}:{port}", self.host()),
            None => self.host().to_owned(),
        }
    }
}

/// A refused `return_url` as an error shows it: as received, but never with user info
/// (which may be a password), nor the text of one that does not parse and may hold some.
fn shown_return_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            // Setting these fails only for URLs that cannot have user info.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            format!("{parsed} (user info hidden)")
        }
        Err(_) if url.contains('@') => format!("<not a URL, {} bytes>", url.len()),
        _ => url.to_owned(),
    }
}

/// The path of an absolute URL as written, before any normalization.
fn raw_path(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let rest = &rest[rest.find(['/', '?', '#', '\\'])?..];
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

impl fmt::Display for ContinueUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Verifies widget_request tokens of one integration: HS512 signed with its client secret,
/// not expired (60 s of clock leeway by default, at most a day), optionally for an expected audience, and
/// a `return_url` on the host of the account the token names.
///
/// ```
/// use amocrm::{WidgetRequest, WidgetRequestError, WidgetRequestVerifier};
///
/// let verifier = WidgetRequestVerifier::new("integration-secret")
///     .audience("https://widget.example.com");
///
/// let forged = WidgetRequest::from_slice(br#"{
///     "token": "eyJhbGciOiJub25lIn0.eyJhY2NvdW50X2lkIjoxfQ.",
///     "return_url": "https://example.amocrm.ru/api/v4/salesbot/42/continue/a1b2c3"
/// }"#)?;
/// assert!(matches!(
///     verifier.verify(&forged),
///     Err(WidgetRequestError::WrongAlgorithm { .. })
/// ));
/// # Ok::<(), WidgetRequestError>(())
/// ```
#[derive(Clone)]
pub struct WidgetRequestVerifier {
    secret: SecretString,
    audience: BTreeSet<String>,
    leeway: Duration,
    allow_loopback: bool,
    /// The product domains whose accounts this verifier accepts.
    domains: Vec<Domain>,
    /// Remembers the tokens [`WidgetRequestVerifier::verify_once`] accepted.
    replay: Arc<dyn ReplayGuard>,
}

impl fmt::Debug for WidgetRequestVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WidgetRequestVerifier")
            .field("secret", &"[REDACTED]")
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .field("allow_loopback", &self.allow_loopback)
            .field("domains", &self.domains)
            .finish_non_exhaustive()
    }
}

impl WidgetRequestVerifier {
    /// A verifier for tokens signed with the integration's secret key (its `client_secret`).
    pub fn new(client_secret: impl Into<String>) -> Self {
        Self::from_secret(SecretString::from(client_secret.into()))
    }

    /// The same, from a secret kept as one.
    pub fn from_secret(client_secret: SecretString) -> Self {
        WidgetRequestVerifier {
            secret: client_secret,
            audience: BTreeSet::new(),
            leeway: Duration::from_secs(60),
            allow_loopback: false,
            domains: vec![Domain::AmocrmRu],
            replay: Arc::new(MemoryReplayGuard::new()),
        }
    }

    /// Accepts accounts on `domain` only (`amocrm.ru` by default): a token for `example`
    /// then continues only on `example.{domain}`. Call [`WidgetRequestVerifier::domains`]
    /// for an integration published on several.
    pub fn domain(self, domain: Domain) -> Self {
        self.domains([domain])
    }

    /// Accepts accounts on any of `domains` (an empty list keeps the current ones). A
    /// token's `iss`, when present, still binds it to the one domain it names.
    pub fn domains(mut self, domains: impl IntoIterator<Item = Domain>) -> Self {
        let mut chosen: Vec<Domain> = Vec::new();
        for domain in domains {
            if !chosen.contains(&domain) {
                chosen.push(domain);
            }
        }
        if !chosen.is_empty() {
            self.domains = chosen;
        }
        self
    }

    /// Where [`WidgetRequestVerifier::verify_once`] remembers the tokens it accepted: a
    /// [`MemoryReplayGuard`] of this verifier and its clones by default; a store shared
    /// by every instance of a service (e.g. Redis `SET NX` with an expiry) otherwise.
    pub fn replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> Self {
        self.replay = guard;
        self
    }

    /// Accepts tokens whose `aud` is `audience` (call again to accept several). Once set, a
    /// token without `aud` is rejected. Not checked by default.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.insert(audience.into());
        self
    }

    /// Clock difference tolerated for `exp` and `nbf` (60 s by default).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        // At most a day: a longer leeway would accept tokens expired days ago.
        self.leeway = leeway.min(MAX_LEEWAY);
        self
    }

    /// Also accepts a `return_url` on a loopback host (`localhost`, `127.0.0.1`, `::1`), over
    /// http too, for tests against a local fake server. Off by default: in production the
    /// `return_url` must be `https://{subdomain}.{amocrm.ru|amocrm.com|kommo.com}` with the
    /// token's subdomain.
    pub fn allow_loopback_return_url(mut self, allow: bool) -> Self {
        self.allow_loopback = allow;
        self
    }

    /// Verifies the token and the `return_url` of `request`: the token is signed, current,
    /// for an accepted audience, its `iss` (when present) is its account on an accepted
    /// domain, and the `return_url` is on that account. A token may be verified any number
    /// of times: see [`WidgetRequestVerifier::verify_once`] to accept each one once.
    pub fn verify(
        &self,
        request: &WidgetRequest,
    ) -> Result<VerifiedWidgetRequest, WidgetRequestError> {
        let claims = self.verify_token(request.token.expose_secret())?;
        let account = self.check_issuer(&claims)?;
        let url = ContinueUrl::parse(&request.return_url)?;
        self.check_host(&url, &claims, account)?;
        if let Some(token) = claims.bot_type.as_ref().and_then(BotType::bot_kind)
            && token != url.kind
        {
            return Err(WidgetRequestError::BotKindMismatch {
                url: url.kind,
                token,
            });
        }
        Ok(VerifiedWidgetRequest {
            claims,
            data: request.data.clone(),
            url,
        })
    }

    /// [`WidgetRequestVerifier::verify`], then accepts the token only if the
    /// [`ReplayGuard`] has not seen it yet, and remembers it until it expires: a request
    /// captured and sent again is [`WidgetRequestError::Replayed`]. The default guard is
    /// this verifier's and its clones': build the verifier once and clone it (a verifier
    /// built per request remembers nothing), or take it from
    /// [`crate::OAuth::widget_request_verifier`], whose verifiers share one.
    pub async fn verify_once(
        &self,
        request: &WidgetRequest,
    ) -> Result<VerifiedWidgetRequest, WidgetRequestError> {
        let verified = self.verify(request)?;
        let key = replay_key(request.token.expose_secret())?;
        // Remembered as long as the token is accepted: its expiry plus the leeway.
        let until = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(verified.claims.expires_at))
            .and_then(|exp| exp.checked_add(self.leeway))
            .unwrap_or(SystemTime::UNIX_EPOCH + MAX_REMEMBERED_EXPIRY);
        match self.replay.check_and_remember(&key, until).await {
            Ok(true) => Ok(verified),
            Ok(false) => Err(WidgetRequestError::Replayed),
            Err(error) => Err(WidgetRequestError::ReplayGuard(error.to_string())),
        }
    }

    /// The account the token's `iss` names, when it has one: its own subdomain on one of
    /// the accepted domains, over https, nothing else in the URL.
    fn check_issuer(
        &self,
        claims: &WidgetRequestClaims,
    ) -> Result<Option<Domain>, WidgetRequestError> {
        let Some(issuer) = &claims.issuer else {
            return Ok(None);
        };
        let url = url::Url::parse(issuer).map_err(|_| WidgetRequestError::WrongIssuer)?;
        let plain = url.scheme() == "https"
            && url.username().is_empty()
            && url.password().is_none()
            && url.port().is_none()
            && matches!(url.path(), "" | "/")
            && url.query().is_none()
            && url.fragment().is_none();
        match url.host_str().and_then(Domain::of_host) {
            Some((sub, domain))
                if plain
                    && sub.eq_ignore_ascii_case(&claims.subdomain)
                    && self.domains.contains(&domain) =>
            {
                Ok(Some(domain))
            }
            _ => Err(WidgetRequestError::WrongIssuer),
        }
    }

    /// Verifies a token alone: algorithm HS512, signature, `exp` (required), `nbf`, `aud`
    /// when an audience is set, and the claims `account_id` and `subdomain`. Neither the
    /// issuer's domain nor replays are checked: see [`WidgetRequestVerifier::verify`].
    pub fn verify_token(&self, token: &str) -> Result<WidgetRequestClaims, WidgetRequestError> {
        if self.secret.expose_secret().is_empty() {
            return Err(WidgetRequestError::EmptySecret);
        }
        let algorithm = header_algorithm(token)?;
        if algorithm != "HS512" {
            return Err(WidgetRequestError::WrongAlgorithm { found: algorithm });
        }
        let payload = verify_signature(token, self.secret.expose_secret().as_bytes())?;
        let claims = decode_claims(payload)?;
        self.check_time_and_audience(&claims, unix_now())?;
        WidgetRequestClaims::from_map(claims)
    }

    /// The registered claims, checked as RFC 7519 says: `exp` required and in the future,
    /// `nbf` (when present) in the past, both within the leeway; `aud` (required once an
    /// audience is set) naming one of the accepted audiences.
    fn check_time_and_audience(
        &self,
        claims: &Map<String, Value>,
        now: u64,
    ) -> Result<(), WidgetRequestError> {
        let present = |name: &str| claims.get(name).filter(|v| !v.is_null());
        let time = |name: &str| -> Result<Option<u64>, WidgetRequestError> {
            present(name)
                .map(|v| {
                    v.as_u64().ok_or_else(|| {
                        WidgetRequestError::MalformedToken(format!(
                            "claim {name} has the wrong type"
                        ))
                    })
                })
                .transpose()
        };
        // Missing claims first, then their types, then their values.
        if present("exp").is_none() {
            return Err(WidgetRequestError::MissingClaim("exp".into()));
        }
        if !self.audience.is_empty() && present("aud").is_none() {
            return Err(WidgetRequestError::MissingClaim("aud".into()));
        }
        let expires_at = time("exp")?.unwrap_or_default();
        let not_before = time("nbf")?;
        let leeway = self.leeway.as_secs();
        if expires_at < now.saturating_sub(leeway) {
            return Err(WidgetRequestError::Expired);
        }
        if not_before.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(WidgetRequestError::NotYetValid);
        }
        if self.audience.is_empty() {
            return Ok(());
        }
        let accepted = match present("aud") {
            None => false,
            Some(Value::String(aud)) => self.audience.contains(aud),
            Some(Value::Array(items)) => {
                let mut any = false;
                for item in items {
                    let Value::String(aud) = item else {
                        return Err(WidgetRequestError::MalformedToken(
                            "claim aud has the wrong type".into(),
                        ));
                    };
                    any |= self.audience.contains(aud);
                }
                any
            }
            Some(_) => {
                return Err(WidgetRequestError::MalformedToken(
                    "claim aud has the wrong type".into(),
                ));
            }
        };
        if accepted {
            Ok(())
        } else {
            Err(WidgetRequestError::WrongAudience)
        }
    }

    /// The `return_url` must be on the token's account: `{subdomain}.{domain}` over https
    /// on the default port, `domain` the issuer's or else an accepted one; or, when
    /// allowed, on a loopback host.
    fn check_host(
        &self,
        url: &ContinueUrl,
        claims: &WidgetRequestClaims,
        issuer: Option<Domain>,
    ) -> Result<(), WidgetRequestError> {
        let domains = match issuer {
            Some(domain) => vec![domain],
            None => self.domains.clone(),
        };
        let expected = || {
            let hosts: Vec<String> = domains
                .iter()
                .map(|domain| format!("{}.{}", claims.subdomain, domain.as_str()))
                .collect();
            format!("{} over https", hosts.join(" or "))
        };
        let foreign = || WidgetRequestError::ForeignHost {
            host: url.host_and_port(),
            expected: expected(),
        };
        let Some(host) = url.url.host() else {
            return Err(foreign());
        };
        if self.allow_loopback && is_loopback(&host) {
            return Ok(());
        }
        let account = match host {
            url::Host::Domain(name) => Domain::of_host(name),
            _ => None,
        };
        match account {
            Some((sub, domain))
                if sub.eq_ignore_ascii_case(&claims.subdomain) && domains.contains(&domain) =>
            {
                if url.url.scheme() != "https" {
                    return Err(WidgetRequestError::InsecureReturnUrl {
                        url: url.as_str().to_owned(),
                    });
                }
                if url.url.port().is_some() {
                    return Err(foreign());
                }
                Ok(())
            }
            _ => Err(foreign()),
        }
    }
}

/// The latest expiry a replay guard is asked to remember a token until (an `exp` past it
/// is cut to it).
const MAX_REMEMBERED_EXPIRY: Duration = Duration::from_secs(u32::MAX as u64);

/// What a token is remembered by: its signature, decoded and encoded again so that two
/// spellings of the same bytes are one key. Unique to the token, and useless without the
/// rest of it.
fn replay_key(token: &str) -> Result<String, WidgetRequestError> {
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

/// Why a [`ReplayGuard`] could not answer: any error of yours.
pub type ReplayGuardError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Remembers widget_request tokens so that each is accepted once
/// ([`WidgetRequestVerifier::verify_once`]). The default is a [`MemoryReplayGuard`];
/// services running several instances share one (e.g. Redis `SET key 1 NX EXAT until`).
///
/// ```
/// use std::time::SystemTime;
/// use amocrm::{ReplayGuard, ReplayGuardError};
/// use futures::future::BoxFuture;
///
/// #[derive(Debug)]
/// struct Redis;
///
/// impl ReplayGuard for Redis {
///     fn check_and_remember<'a>(
///         &'a self,
///         key: &'a str,
///         until: SystemTime,
///     ) -> BoxFuture<'a, Result<bool, ReplayGuardError>> {
///         Box::pin(async move {
///             // SET widget_request:{key} 1 NX EXAT {until}; true when it was set.
///             let _ = (key, until);
///             Ok(true)
///         })
///     }
/// }
/// ```
pub trait ReplayGuard: Send + Sync + 'static {
    /// Remembers `key` until `until` and answers `true`, or answers `false` when it is
    /// remembered already (a replay). Atomic: of two concurrent calls with one key, one
    /// answers `true`.
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<bool, ReplayGuardError>>;
}

/// The default [`ReplayGuard`]: the keys of one process, each until its token expires.
/// Expired keys are dropped as new ones arrive, so it holds only the tokens still valid,
/// and at most `capacity` of them (100 000 by default): past that it refuses new tokens
/// rather than grow.
#[derive(Debug)]
pub struct MemoryReplayGuard {
    state: Mutex<MemoryState>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct MemoryState {
    seen: HashMap<String, SystemTime>,
    /// Size at which expired keys are dropped next; doubles with the live keys, so the
    /// sweeps cost O(1) a call on average.
    sweep_at: usize,
    /// Sweeps so far.
    sweeps: u64,
}

/// The smallest size at which [`MemoryReplayGuard`] sweeps.
const MIN_SWEEP: usize = 1024;

impl MemoryReplayGuard {
    /// An empty guard for up to 100 000 live tokens.
    pub fn new() -> Self {
        Self::with_capacity(100_000)
    }

    /// An empty guard for up to `capacity` live tokens (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        MemoryReplayGuard {
            state: Mutex::new(MemoryState {
                seen: HashMap::new(),
                sweep_at: MIN_SWEEP,
                sweeps: 0,
            }),
            capacity: capacity.max(1),
        }
    }

    /// Keys remembered now (expired ones not swept yet included).
    pub fn len(&self) -> usize {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .seen
            .len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// [`ReplayGuard::check_and_remember`] at the instant `now`.
    fn remember(
        &self,
        key: &str,
        until: SystemTime,
        now: SystemTime,
    ) -> Result<bool, ReplayGuardError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(expiry) = state.seen.get(key)
            && *expiry > now
        {
            return Ok(false);
        }
        if state.seen.len() >= state.sweep_at || state.seen.len() >= self.capacity {
            state.seen.retain(|_, expiry| *expiry > now);
            state.sweep_at = (state.seen.len() * 2).max(MIN_SWEEP);
            state.sweeps += 1;
        }
        if state.seen.len() >= self.capacity && !state.seen.contains_key(key) {
            return Err("the in-memory replay guard is full of unexpired tokens".into());
        }
        state.seen.insert(key.to_owned(), until);
        Ok(true)
    }
}

impl Default for MemoryReplayGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl ReplayGuard for MemoryReplayGuard {
    fn check_and_remember<'a>(
        &'a self,
        key: &'a str,
        until: SystemTime,
    ) -> BoxFuture<'a, Result<bool, ReplayGuardError>> {
        let answer = self.remember(key, until, SystemTime::now());
        Box::pin(std::future::ready(answer))
    }
}

/// The `alg` of a JWT's header, read without trusting anything else.
fn header_algorithm(token: &str) -> Result<String, WidgetRequestError> {
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
    match header.get("alg") {
        Some(Value::String(alg)) => Ok(alg.clone()),
        Some(_) => Err(malformed("the header's alg is not a string")),
        None => Err(malformed("the header has no alg")),
    }
}

/// Checks the HS512 signature of `token` (`header.payload.signature`, base64url without
/// padding) in constant time, and returns the payload, still encoded. Nothing of the payload
/// is read before the signature holds.
fn verify_signature<'t>(token: &'t str, secret: &[u8]) -> Result<&'t str, WidgetRequestError> {
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
fn decode_claims(payload: &str) -> Result<Map<String, Value>, WidgetRequestError> {
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
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(u64::MAX, |elapsed| elapsed.as_secs())
}

/// A widget_request whose token and `return_url` were verified: the account's claims, the
/// widget's data, and the bot step to continue.
///
/// ```no_run
/// use amocrm::{Client, ContinueRequest, Handler, WidgetRequest, WidgetRequestVerifier};
///
/// # async fn handle(client: Client, body: &[u8]) -> Result<(), amocrm::Error> {
/// let verifier = WidgetRequestVerifier::new("integration-secret");
/// let verified = WidgetRequest::from_slice(body)?.verify(&verifier)?;
/// assert_eq!(verified.claims().subdomain, "example");
///
/// let reply = ContinueRequest::new()
///     .data("status", "success")
///     .handler(Handler::show_text("Готово"));
/// verified.continue_bot(&client, &reply).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedWidgetRequest {
    claims: WidgetRequestClaims,
    data: Map<String, Value>,
    url: ContinueUrl,
}

impl VerifiedWidgetRequest {
    /// The token's claims.
    pub fn claims(&self) -> &WidgetRequestClaims {
        &self.claims
    }

    /// The widget's data. It is *not* covered by the token's signature.
    pub fn data(&self) -> &Map<String, Value> {
        &self.data
    }

    /// The bot step to continue.
    pub fn continue_url(&self) -> &ContinueUrl {
        &self.url
    }

    /// Continues the bot with `request` through `client`, once `client` is checked to be
    /// for the same account: the `return_url`'s scheme, host and port must be those of the
    /// client's base URL (and, for an amoCRM host, its subdomain the token's). Otherwise
    /// nothing is sent and the error is [`crate::Error::WidgetRequest`].
    pub async fn continue_bot(&self, client: &Client, request: &ContinueRequest) -> Result<()> {
        self.check_client(client)?;
        client
            .bots()
            .continue_bot(
                self.url.kind,
                self.url.bot_id,
                &self.url.continue_id,
                request,
            )
            .await
    }

    fn check_client(&self, client: &Client) -> Result<(), WidgetRequestError> {
        let base =
            url::Url::parse(client.base_url()).map_err(|_| WidgetRequestError::ForeignHost {
                host: self.url.host_and_port(),
                expected: client.base_url().to_owned(),
            })?;
        let base_host = match base.port() {
            Some(port) => format!("{}:{port}", base.host_str().unwrap_or_default()),
            None => base.host_str().unwrap_or_default().to_owned(),
        };
        let foreign = || WidgetRequestError::ForeignHost {
            host: self.url.host_and_port(),
            expected: format!("{base_host}, the client's host"),
        };
        let same_account = match base.host_str().and_then(Domain::of_host) {
            Some((sub, _)) => sub.eq_ignore_ascii_case(&self.claims.subdomain),
            None => true,
        };
        if base.host_str() != self.url.url.host_str() || !same_account {
            return Err(foreign());
        }
        if base.scheme() != self.url.url.scheme() {
            return Err(WidgetRequestError::InsecureReturnUrl {
                url: self.url.as_str().to_owned(),
            });
        }
        if base.port_or_known_default() != self.url.url.port_or_known_default() {
            return Err(foreign());
        }
        Ok(())
    }
}

#[cfg(test)]
mod replay_tests {
    use super::*;

    #[test]
    fn a_key_is_accepted_once_until_it_expires() {
        let guard = MemoryReplayGuard::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = now + Duration::from_secs(60);
        assert!(guard.remember("a", until, now).unwrap());
        assert!(!guard.remember("a", until, now).unwrap());
        assert!(
            !guard
                .remember("a", until, until - Duration::from_secs(1))
                .unwrap()
        );
        assert!(guard.remember("b", until, now).unwrap());
        // Once expired the key is forgotten (verification refuses the token by then).
        assert!(
            guard
                .remember("a", until + Duration::from_secs(60), until)
                .unwrap()
        );
        assert_eq!(guard.len(), 2);
        assert!(!guard.is_empty());
        assert!(MemoryReplayGuard::default().is_empty());
    }

    #[test]
    fn expired_keys_are_swept_so_memory_stays_bounded() {
        let guard = MemoryReplayGuard::new();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        // 100 000 tokens of one second each, arriving over 100 000 seconds: at most a
        // few are live at any time, and the map never holds many more.
        let mut largest = 0;
        for i in 0..100_000u64 {
            let now = start + Duration::from_secs(i);
            assert!(
                guard
                    .remember(&i.to_string(), now + Duration::from_secs(1), now)
                    .unwrap()
            );
            largest = largest.max(guard.len());
        }
        assert!(largest <= MIN_SWEEP + 1, "{largest}");
    }

    #[test]
    fn sweeps_are_rare_while_every_key_is_live() {
        let guard = MemoryReplayGuard::new();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = now + Duration::from_secs(600);
        for i in 0..20_000u32 {
            assert!(guard.remember(&i.to_string(), until, now).unwrap());
        }
        // Thresholds 1024, 2048, ..., 16384: five sweeps for 20 000 keys, not thousands.
        let state = guard.state.lock().unwrap();
        assert_eq!(state.sweeps, 5);
        assert_eq!(state.sweep_at, 32_768);
    }

    #[test]
    fn a_full_guard_refuses_rather_than_grows() {
        let guard = MemoryReplayGuard::with_capacity(3);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = now + Duration::from_secs(60);
        for key in ["a", "b", "c"] {
            assert!(guard.remember(key, until, now).unwrap());
        }
        assert!(guard.remember("d", until, now).is_err());
        // A replay is still told apart while full.
        assert!(!guard.remember("a", until, now).unwrap());
        assert_eq!(guard.len(), 3);
        // Once they expire there is room again.
        assert!(
            guard
                .remember("d", until + Duration::from_secs(60), until)
                .unwrap()
        );
        assert_eq!(guard.len(), 1);
        assert!(
            MemoryReplayGuard::with_capacity(0)
                .remember("x", until, now)
                .unwrap()
        );
    }

    #[test]
    fn the_replay_key_is_the_canonical_signature() {
        assert_eq!(replay_key("a.b.c2ln").unwrap(), "c2ln");
        assert!(replay_key("a.b.!!").is_err());
        // Unused trailing bits are not a second spelling of the same signature.
        assert!(replay_key("a.b.c2lo").is_err() || replay_key("a.b.c2lo").unwrap() != "c2ln");
    }
}

#[cfg(test)]
mod verify_tests {
    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    /// The exact edges of `exp` and `nbf`, with the clock given (the integration tests
    /// cannot pin the second they run in): a token is accepted through the second
    /// `exp + leeway` and from the second `nbf - leeway` on, as before this crate checked
    /// them itself.
    #[test]
    fn time_claims_at_the_edges_of_the_leeway() {
        let verifier = WidgetRequestVerifier::new("s").leeway(Duration::from_secs(60));
        let now = 1_000_000;
        let check = |value: Value| verifier.check_time_and_audience(&claims(value), now);
        assert_eq!(check(serde_json::json!({"exp": now - 60})), Ok(()));
        assert_eq!(
            check(serde_json::json!({"exp": now - 61})),
            Err(WidgetRequestError::Expired)
        );
        assert_eq!(
            check(serde_json::json!({"exp": now, "nbf": now + 60})),
            Ok(())
        );
        assert_eq!(
            check(serde_json::json!({"exp": now, "nbf": now + 61})),
            Err(WidgetRequestError::NotYetValid)
        );
        // A clock before the epoch (unix_now gives u64::MAX): everything has expired.
        assert_eq!(
            verifier.check_time_and_audience(
                &claims(serde_json::json!({"exp": u64::MAX - 61})),
                u64::MAX
            ),
            Err(WidgetRequestError::Expired)
        );
    }
}
