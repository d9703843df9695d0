//! [`WidgetRequestVerifier`]: a widget_request's token (HS512, the integration's secret,
//! current, for an accepted audience and issuer) and its `return_url` (on the token's
//! account) checked, and each token accepted once where asked.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use super::body::WidgetRequest;
use super::claims::WidgetRequestClaims;
use super::continue_url::ContinueUrl;
use super::jwt::{decode_claims, header_algorithm, replay_key, unix_now, verify_signature};
use super::replay::{MemoryReplayGuard, ReplayGuard};
use super::verified::VerifiedWidgetRequest;
use crate::client::{Domain, is_loopback};
use crate::error::WidgetRequestError;

/// The largest clock leeway [`WidgetRequestVerifier::leeway`] takes.
const MAX_LEEWAY: Duration = Duration::from_secs(24 * 60 * 60);

/// The latest expiry a replay guard is asked to remember a token until (an `exp` past it
/// is cut to it).
const MAX_REMEMBERED_EXPIRY: Duration = Duration::from_secs(u32::MAX as u64);

/// Verifies widget_request tokens of one integration: HS512 signed with its client secret,
/// not expired (60 s of clock leeway by default, at most a day), optionally for an expected audience, and
/// a `return_url` on the host of the account the token names.
///
/// ```
/// use amocrm::error::WidgetRequestError;
/// use amocrm::widget_request::{WidgetRequest, WidgetRequestVerifier};
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
        // A bot type this crate does not know cannot mismatch a known one.
        if let Some(token) = claims.bot_type.as_ref().filter(|kind| kind.is_known())
            && *token != url.kind
        {
            return Err(WidgetRequestError::BotKindMismatch {
                url: url.kind.clone(),
                token: token.clone(),
            });
        }
        Ok(VerifiedWidgetRequest::new(
            claims,
            request.data.clone(),
            url,
        ))
    }

    /// [`WidgetRequestVerifier::verify`], then accepts the token only if the
    /// [`ReplayGuard`] has not seen it yet, and remembers it until it expires: a request
    /// captured and sent again is [`WidgetRequestError::Replayed`]. The default guard is
    /// this verifier's and its clones': build the verifier once and clone it (a verifier
    /// built per request remembers nothing), or take it from
    /// [`OAuth::widget_request_verifier`](crate::OAuth::widget_request_verifier), whose verifiers share one.
    pub async fn verify_once(
        &self,
        request: &WidgetRequest,
    ) -> Result<VerifiedWidgetRequest, WidgetRequestError> {
        let verified = self.verify(request)?;
        let key = replay_key(request.token.expose_secret())?;
        // Remembered as long as the token is accepted: its expiry plus the leeway.
        let until = SystemTime::UNIX_EPOCH
            .checked_add(Duration::from_secs(verified.claims().expires_at))
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

impl WidgetRequest {
    /// Shorthand for [`WidgetRequestVerifier::verify`].
    pub fn verify(
        &self,
        verifier: &WidgetRequestVerifier,
    ) -> Result<VerifiedWidgetRequest, WidgetRequestError> {
        verifier.verify(self)
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
