//! The client: one account, one token, shared cheaply across tasks.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use amocrm_raw::types as raw;
use secrecy::SecretString;

use crate::auth::{StaticToken, TokenProvider};
use crate::error::{Error, Problem, Result};
use crate::invalid::Invalid;
use crate::pace::{MemoryPacer, Pacer, RateLimit};
use crate::response::{classify, error_response};
use crate::transport::{RetryPolicy, Transport};

type RawError = progenitor_client::Error<raw::Problem>;

/// The amoCRM product domain of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Domain {
    /// `{subdomain}.amocrm.ru`
    AmocrmRu,
    /// `{subdomain}.amocrm.com`
    AmocrmCom,
    /// `{subdomain}.kommo.com`
    KommoCom,
}

impl Domain {
    /// The domain name, e.g. `amocrm.ru`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Domain::AmocrmRu => "amocrm.ru",
            Domain::AmocrmCom => "amocrm.com",
            Domain::KommoCom => "kommo.com",
        }
    }

    /// The domain an account host belongs to: `example.kommo.com` → `KommoCom`.
    pub fn of_host(host: &str) -> Option<(String, Domain)> {
        [Domain::AmocrmRu, Domain::AmocrmCom, Domain::KommoCom]
            .into_iter()
            .find_map(|domain| {
                let sub = host.strip_suffix(domain.as_str())?.strip_suffix('.')?;
                valid_subdomain(sub).then(|| (sub.to_owned(), domain))
            })
    }
}

fn valid_subdomain(sub: &str) -> bool {
    !sub.is_empty()
        && sub.len() <= 63
        && !sub.starts_with('-')
        && !sub.ends_with('-')
        && sub
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A client of one amoCRM account. Cloning is cheap (one `Arc`); clones share the
/// connection pool, the token and the rate limiter. Build one per account and clone it:
/// building loads the system's TLS roots, and separately built clients do not share a
/// rate limiter.
///
/// ```
/// # #[cfg(not(any(feature = "rustls", feature = "native-tls")))] fn main() {} // no https
/// # #[cfg(any(feature = "rustls", feature = "native-tls"))]
/// # fn main() -> Result<(), amocrm::Error> {
/// use std::time::Duration;
/// use amocrm::{Client, Domain};
///
/// let client = Client::builder()
///     .account("example", Domain::KommoCom)
///     .token("long-lived-token")
///     .timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url(), "https://example.kommo.com");
/// assert!(!format!("{client:?}").contains("long-lived-token"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    raw: amocrm_raw::Client,
    base_url: String,
    auth: Arc<dyn TokenProvider>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; give it an account (or base URL) and a token.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The account's base URL, e.g. `https://example.amocrm.ru`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Whether `self` and `other` are clones of one built client (sharing its connection
    /// pool, token provider and pacer), as an [`crate::Integration`] hands out.
    pub fn ptr_eq(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// The generated client underneath, for calls this crate does not wrap. Its requests
    /// go through the same transport as this crate's: the token (refreshed once on a 401),
    /// the rate limiter and the retries. An error status, a body too large or a token
    /// that could not be had comes back as [`amocrm_raw::Error::CommunicationError`]
    /// holding the typed error; [`Error::from_raw`] turns any raw error into [`Error`].
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// let list = client.raw().list_widgets(None, None).await;
    /// let list = match list {
    ///     Ok(list) => list.into_inner(),
    ///     Err(error) => return Err(amocrm::Error::from_raw(error).await),
    /// };
    /// # let _ = list; Ok(()) }
    /// ```
    pub fn raw(&self) -> &amocrm_raw::Client {
        &self.inner.raw
    }

    /// Awaits one raw operation (a call on [`Client::raw`]) and turns its error into
    /// [`Error`].
    pub(crate) async fn call<T>(
        &self,
        operation: impl Future<Output = Result<T, RawError>>,
    ) -> Result<T> {
        match operation.await {
            Ok(value) => Ok(value),
            Err(error) => Err(Error::from_raw(error).await),
        }
    }
}

impl Error {
    /// The error of a call made with [`Client::raw`]: the transport's typed outcome as it
    /// was (e.g. [`Error::NotFound`], [`Error::ResponseTooLarge`]), or the raw error
    /// mapped.
    pub async fn from_raw(error: amocrm_raw::Error<raw::Problem>) -> Error {
        match error {
            RawError::InvalidRequest(message) => Error::Invalid(Invalid::Request(message)),
            RawError::CommunicationError(e) => match amocrm_raw::hook_error(&e) {
                Some(outcome) => match outcome.downcast::<Error>() {
                    Ok(error) => *error,
                    Err(other) => Error::Config(format!("request hook: {other}")),
                },
                None => Error::Transport(e),
            },
            RawError::InvalidUpgrade(e) | RawError::ResponseBodyError(e) => Error::Transport(e),
            // Only through a client without this crate's transport, which hands error
            // statuses over typed.
            RawError::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let mut problem = Problem::from(response.into_inner());
                problem.status = status;
                classify(status, Some(problem), &headers, bytes::Bytes::new())
            }
            // The transport hands over only statuses below 400, and the API's only
            // success with a body is 200.
            RawError::InvalidResponsePayload(body, source) => Error::Decode {
                status: 200,
                source: crate::error::DecodeError::new(&body, &source),
                body: crate::error::RawBody::new(body),
            },
            RawError::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(body) => error_response(status, &headers, body),
                    Err(e) => Error::Transport(e),
                }
            }
            RawError::Custom(message) => Error::Config(message),
        }
    }
}

/// Builds a [`Client`]. An account (or base URL) and a token are required.
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<std::result::Result<String, String>>,
    auth: Option<Arc<dyn TokenProvider>>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    rate_limit: Option<Option<RateLimit>>,
    pacer: Option<Arc<dyn Pacer>>,
    retry: Option<RetryPolicy>,
    http: Option<HttpConfig>,
    allow_http: bool,
}

/// A caller's adjustments to the HTTP client, applied before the crate's own settings.
pub(crate) type HttpConfig =
    Box<dyn FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// The HTTP client of the API or the token endpoint: the caller's adjustments first, then
/// what the crate's guarantees rest on, which no adjustment can undo: no redirects (one
/// would resend an install body or the client secret to wherever it points), a total and
/// a connect timeout (a silent server must not hang a call), and no logging of the bytes
/// on the wire (they carry the token).
/// `url` is the base URL the client will call: an `https://` one needs a TLS feature.
pub(crate) fn http_client(
    url: &str,
    configure: Option<HttpConfig>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: &str,
) -> Result<reqwest::Client> {
    let mut builder = http_client_builder_for(url)?.user_agent(user_agent);
    if let Some(configure) = configure {
        builder = configure(builder);
    }
    let builder = builder
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .connection_verbose(false);
    // reqwest panics when `configure` chose its own rustls backend (`tls_backend_rustls`)
    // and it has no crypto provider: with this crate's `rustls` feature it is built
    // without one. That is a configuration fault, reported as one.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| builder.build())) {
        Ok(built) => built.map_err(|e| Error::Config(format!("building the HTTP client: {e}"))),
        Err(_) => Err(Error::Config(
            "building the HTTP client: its TLS backend has no crypto provider (configure_http \
             replaced this crate's TLS setup, e.g. with tls_backend_rustls; install a process \
             default with rustls::crypto::CryptoProvider::install_default or keep the crate's)"
                .into(),
        )),
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &shown_base_url(&self.base_url))
            .field("auth", &self.auth)
            .field("timeout", &self.timeout)
            .field("rate_limit", &self.rate_limit)
            .field("pacer", &self.pacer)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Default total timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default timeout to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("amocrm-rs/", env!("CARGO_PKG_VERSION"));

impl ClientBuilder {
    /// An amoCRM account on `amocrm.ru`: `subdomain("example")` is
    /// `https://example.amocrm.ru`.
    pub fn subdomain(self, subdomain: &str) -> Self {
        self.account(subdomain, Domain::AmocrmRu)
    }

    /// An account on any of amoCRM's domains.
    pub fn account(mut self, subdomain: &str, domain: Domain) -> Self {
        self.base_url = Some(account_url(subdomain, domain));
        self
    }

    /// Any base URL (a proxy, the fake server). Plain `http` is accepted only for
    /// loopback hosts unless [`ClientBuilder::allow_insecure_http`] is set, so a token
    /// never crosses a network in clear text by accident.
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(Ok(url.to_owned()));
        self
    }

    /// Accepts `http://` base URLs on any host.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// A long-lived token (or an access token the caller renews).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = Some(Arc::new(StaticToken::new(token)));
        self
    }

    /// A token kept as a secret already.
    pub fn secret_token(mut self, token: SecretString) -> Self {
        self.auth = Some(Arc::new(StaticToken::from(token)));
        self
    }

    /// Any token provider, e.g. OAuth with refresh.
    pub fn token_provider(mut self, provider: Arc<dyn TokenProvider>) -> Self {
        self.auth = Some(provider);
        self
    }

    /// Total timeout of one request attempt ([`DEFAULT_TIMEOUT`] by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Timeout to establish a connection ([`DEFAULT_CONNECT_TIMEOUT`] by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// `User-Agent` header ([`DEFAULT_USER_AGENT`] by default).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Requests per second at most; [`RateLimit::AMOCRM`] (7/s) by default. `None`
    /// turns the limiter off. Configures the client's own [`MemoryPacer`]; with
    /// [`ClientBuilder::pacer`] the pacer's engine sets the limit (setting both is a
    /// configuration error).
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Where request slots come from, shared with other clients (of other accounts too:
    /// a pacer keeps one schedule per account, keyed by [`Client::base_url`]). By default
    /// each built client (and its clones) has a [`MemoryPacer`] of its own. A pacer
    /// error fails the request with [`Error::Pace`]; nothing is sent unpaced.
    pub fn pacer(mut self, pacer: Arc<dyn Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Retry policy; [`RetryPolicy::new`] by default, [`RetryPolicy::disabled`] to send
    /// every request once.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Adjusts the HTTP client the crate builds (a proxy, a DNS resolver, pool sizes, a
    /// `User-Agent`). With feature `rustls` the client's TLS is set up already, so reqwest's
    /// TLS settings (`add_root_certificate`, `min_tls_version`, `identity`,
    /// `danger_accept_invalid_certs`) do not apply; `tls_backend_rustls` applies them with
    /// reqwest's own rustls, which needs a process-wide crypto provider installed first
    /// (without one `build` fails with [`Error::Config`]). Whatever `configure` sets, the
    /// client then turns redirects off, sets this builder's timeouts and turns off
    /// `connection_verbose`: those are not yours to change, since the crate's promises (a
    /// token or an install body never sent to another host, no call that hangs for ever, no
    /// secret in logs) rest on them. What stays yours: a proxy sees what you send it, and
    /// turning certificate checks off or adding default headers is on you.
    ///
    /// ```
    /// # #[cfg(not(any(feature = "rustls", feature = "native-tls")))] fn main() {} // no https
    /// # #[cfg(any(feature = "rustls", feature = "native-tls"))]
    /// # fn main() -> Result<(), amocrm::Error> {
    /// use std::time::Duration;
    /// use amocrm::Client;
    ///
    /// let client = Client::builder()
    ///     .subdomain("example")
    ///     .token("long-lived-token")
    ///     .configure_http(|http| http.pool_idle_timeout(Duration::from_secs(30)))
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn configure_http(
        mut self,
        configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.http = Some(Box::new(configure));
        self
    }

    /// Builds the client; fails on a missing or invalid base URL or token.
    pub fn build(self) -> Result<Client> {
        let base_url = match self.base_url {
            None => {
                return Err(Error::Config(
                    "no account: call subdomain, account or base_url".into(),
                ));
            }
            Some(Err(message)) => return Err(Error::Config(message)),
            Some(Ok(url)) => check_base_url("base URL", &url, self.allow_http)?,
        };
        let auth = self
            .auth
            .ok_or_else(|| Error::Config("no token: call token or token_provider".into()))?;
        // amoCRM's API does not redirect; following one would resend an install body
        // (secrets included) to wherever it points.
        let http = http_client(
            &base_url,
            self.http,
            self.timeout.unwrap_or(DEFAULT_TIMEOUT),
            self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT),
        )?;
        let pacer: Arc<dyn Pacer> = match (self.pacer, self.rate_limit) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "both rate_limit and pacer: a shared pacer's engine sets the limit".into(),
                ));
            }
            (Some(pacer), None) => pacer,
            (None, limit) => Arc::new(MemoryPacer::new(limit.unwrap_or(Some(RateLimit::AMOCRM)))),
        };
        let transport = Transport::new(
            auth.clone(),
            pacer,
            base_url.clone(),
            self.retry.unwrap_or_default(),
        );
        let hooks = amocrm_raw::Hooks::new(transport);
        let raw = amocrm_raw::Client::new_with_client(&base_url, http, hooks);
        Ok(Client {
            inner: Arc::new(Inner {
                raw,
                base_url,
                auth,
            }),
        })
    }
}

/// A `reqwest::ClientBuilder` with this crate's TLS setup, for other HTTP clients of your
/// program (this crate's own clients are built with it already; adjust them with
/// [`ClientBuilder::configure_http`]):
///
/// - feature `rustls` (default): rustls on the *ring* crypto provider, server certificates
///   checked by the platform's verifier (the OS trust store). reqwest is built without a
///   crypto provider of its own (`rustls-no-provider`), so a plain
///   `reqwest::Client::builder().build()` panics unless reqwest's `rustls` feature is on
///   somewhere or a process-wide provider is installed; this builder needs neither;
/// - feature `native-tls`: the platform's TLS library (it wins when both are on);
/// - neither: no TLS, plain HTTP only.
///
/// ```
/// let http = amocrm::http_client_builder()?
///     .pool_max_idle_per_host(0)
///     .build()
///     .map_err(|e| amocrm::Error::Config(e.to_string()))?;
/// # let _ = http;
/// # Ok::<(), amocrm::Error>(())
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder> {
    let builder = reqwest::Client::builder();
    #[cfg(feature = "native-tls")]
    let builder = builder.tls_backend_native();
    #[cfg(all(feature = "rustls", not(feature = "native-tls")))]
    let builder = builder.tls_backend_preconfigured(rustls_config()?);
    Ok(builder)
}

/// rustls with the ring provider (it builds in seconds, where aws-lc-rs compiles C for half
/// a minute) and the platform's certificate verifier, as reqwest sets rustls up itself.
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
fn rustls_config() -> Result<rustls::ClientConfig> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| Error::Config(format!("setting up TLS: {e}")))?
        .with_no_client_auth();
    // reqwest is built without HTTP/2 here.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// [`http_client_builder`], once `url` is known to be reachable with it: an `https://` URL
/// needs a TLS feature.
pub(crate) fn http_client_builder_for(url: &str) -> Result<reqwest::ClientBuilder> {
    require_tls(url)?;
    http_client_builder()
}

/// Whether this build can speak TLS by itself (feature `rustls` or `native-tls`).
const HAS_TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// Refuses an `https://` URL (checked by [`check_base_url`]) when this build has no TLS:
/// every request would fail, so fail once, at build time, saying why.
fn require_tls(url: &str) -> Result<()> {
    if !HAS_TLS && url.starts_with("https://") {
        return Err(Error::TlsUnavailable {
            url: url.to_owned(),
        });
    }
    Ok(())
}

/// Whether `host` is the local machine.
pub(crate) fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => *name == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// `https://{subdomain}.{domain}`, or why `subdomain` is not one.
pub(crate) fn account_url(subdomain: &str, domain: Domain) -> std::result::Result<String, String> {
    if valid_subdomain(subdomain) {
        Ok(format!("https://{subdomain}.{}", domain.as_str()))
    } else {
        // Shown only when it cannot be a URL or hold user info.
        let shown = if subdomain.len() <= 63 && !subdomain.contains(['@', ':', '/']) {
            format!("{subdomain:?}")
        } else {
            format!("the given text ({} bytes)", subdomain.len())
        };
        Err(format!(
            "{shown} is not a subdomain: use lowercase letters, digits and '-'"
        ))
    }
}

/// A base URL as a builder's `Debug` shows it: scheme, host, port and path, never user
/// info, query or fragment, nor the text of a URL that does not parse.
pub(crate) fn shown_base_url(url: &Option<std::result::Result<String, String>>) -> String {
    let Some(url) = url else {
        return "None".to_owned();
    };
    let Ok(url) = url else {
        return "<invalid account>".to_owned();
    };
    match url::Url::parse(url) {
        Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => {
            format!("<not an http(s) URL, {} bytes>", url.len())
        }
        Ok(mut parsed) => {
            let hidden = !parsed.username().is_empty()
                || parsed.password().is_some()
                || parsed.query().is_some()
                || parsed.fragment().is_some();
            // Setting these fails only for URLs that cannot have them; then they have none.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            if hidden {
                format!("{parsed} (user info, query or fragment hidden)")
            } else {
                parsed.to_string()
            }
        }
        Err(_) => format!("<not a URL, {} bytes>", url.len()),
    }
}

/// Checks a base URL (`what` names it in errors) and returns it without a trailing slash:
/// http(s) with a host, no user info, query or fragment, and plain http only to loopback
/// unless `allow_http`. Errors never show the URL as given (it may hold a password, or a
/// token in its query): at most its scheme, host and port.
pub(crate) fn check_base_url(what: &str, url: &str, allow_http: bool) -> Result<String> {
    // `url`'s own error names the kind of fault, never the text.
    let parsed = url::Url::parse(url)
        .map_err(|e| Error::Config(format!("{what} is not a valid absolute URL ({e})")))?;
    // Checked first, and reported without the URL, which would show the password.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Config(format!("{what} must not have user info")));
    }
    let Some(host) = parsed.host() else {
        return Err(Error::Config(format!("{what} has no host")));
    };
    let origin = match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    };
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "{what} {origin}... must not have a query or a fragment"
        )));
    }
    match parsed.scheme() {
        "https" => {}
        "http" if allow_http || is_loopback(&host) => {}
        "http" => {
            return Err(Error::Config(format!(
                "{what} {origin} is plain http to a non-loopback host; use https or allow_insecure_http"
            )));
        }
        // The scheme is not shown: `secret:x@host` parses with `secret` as the scheme.
        _ => {
            return Err(Error::Config(format!("{what}'s scheme is not http(s)")));
        }
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}
