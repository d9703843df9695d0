//! The HTTP clients the crate builds (the API's, the token endpoint's): the options a
//! caller may set ([`HttpOptions`], one set of setters for every builder), this crate's
//! TLS setup, and what no option can undo.

use std::fmt;
use std::time::Duration;

use super::tls::TlsOptions;
use crate::error::{Error, Result};

/// Default total timeout of one request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default timeout to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("amocrm-rs/", env!("CARGO_PKG_VERSION"));

/// A caller's adjustments to the HTTP client, applied before the crate's own settings.
pub(crate) type HttpConfig =
    Box<dyn FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// The HTTP options of a builder ([`ClientBuilder`](crate::ClientBuilder), [`OAuthBuilder`](crate::auth::OAuthBuilder)),
/// set with the setters of [`http_setters`].
#[derive(Default)]
pub(crate) struct HttpOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) user_agent: Option<String>,
    pub(crate) configure: Option<HttpConfig>,
    /// The roots trusted and the lowest TLS version.
    pub(crate) tls: TlsOptions,
    /// A client built already (by [`HttpOptions::build_shared`]), used as it is: the
    /// connection pool and TLS setup an [`Integration`](crate::Integration) shares among its accounts.
    pub(crate) shared: Option<reqwest::Client>,
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("configure_http", &self.configure.is_some())
            .field("tls", &self.tls)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

impl HttpOptions {
    /// The HTTP client of the API or the token endpoint: the caller's adjustments first,
    /// then what the crate's guarantees rest on, which no adjustment can undo: no redirects
    /// (one would resend an install body or the client secret to wherever it points), no
    /// retries of reqwest's own (the crate retries only what is safe to send twice: a bot
    /// continued twice, a code spent twice, cannot be undone), a total and a connect timeout (a silent server must not hang a call), and no logging
    /// of the bytes on the wire (they carry the token). `url` is the base URL the client
    /// will call: an `https://` one needs a TLS feature.
    pub(crate) fn build(self, url: &str) -> Result<reqwest::Client> {
        require_tls(url)?;
        match self.shared {
            Some(shared) => Ok(shared),
            None => self.build_shared(),
        }
    }

    /// The client [`HttpOptions::build`] makes, for any URL: built once, it can be handed
    /// to many builders (a `reqwest::Client` is one `Arc` around its pool and TLS setup).
    pub(crate) fn build_shared(self) -> Result<reqwest::Client> {
        let user_agent = self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT);
        let mut builder = self.tls.builder()?.user_agent(user_agent);
        if let Some(configure) = self.configure {
            builder = configure(builder);
        }
        let builder = builder
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
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
}

/// The HTTP setters of a builder holding an `http: HttpOptions` field: one definition for
/// every builder that makes an HTTP client.
macro_rules! http_setters {
    () => {
        /// Total timeout of one request attempt
        /// ([`DEFAULT_TIMEOUT`](crate::client::DEFAULT_TIMEOUT) by default).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.http.timeout = Some(timeout);
            self
        }

        /// Timeout to establish a connection
        /// ([`DEFAULT_CONNECT_TIMEOUT`](crate::client::DEFAULT_CONNECT_TIMEOUT) by default).
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.http.connect_timeout = Some(timeout);
            self
        }

        /// `User-Agent` header
        /// ([`DEFAULT_USER_AGENT`](crate::client::DEFAULT_USER_AGENT) by default).
        pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
            self.http.user_agent = Some(user_agent.into());
            self
        }

        #[doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/docs/configure_http.md"))]
        pub fn configure_http(
            mut self,
            configure: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder
            + Send
            + Sync
            + 'static,
        ) -> Self {
            self.http.configure = Some(Box::new(configure));
            self
        }

        /// Trusts the certificates of `pem` (PEM text: one or more `CERTIFICATE` blocks)
        /// as roots, besides the platform's (or instead, with
        /// `only_given_roots(true)`): a private CA, or a proxy that inspects TLS. Text
        /// that holds no certificate fails the build ([`Error::Config`](crate::Error::Config)).
        /// Applies to the crate's TLS setup (`rustls`, `native-tls`); a build without TLS
        /// refuses it.
        pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
            self.http.tls.add_pem(pem.into());
            self
        }

        /// Trusts one DER-encoded certificate as a root, as
        /// `add_root_certificate_pem` does; bytes that are not a certificate fail the
        /// build ([`Error::Config`](crate::Error::Config)).
        pub fn add_root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
            self.http.tls.add_der(der.into());
            self
        }

        /// With `true`, trusts only the roots given (`add_root_certificate_pem`,
        /// `add_root_certificate_der`), not the platform's store; with none given, the
        /// build fails ([`Error::Config`](crate::Error::Config)). `false` by default.
        pub fn only_given_roots(mut self, only: bool) -> Self {
            self.http.tls.only_given_roots(only);
            self
        }

        /// The lowest TLS version spoken ([`TlsVersion`](crate::client::TlsVersion));
        /// TLS 1.2 by default. A server that speaks nothing as new fails the handshake,
        /// nothing sent.
        pub fn min_tls_version(mut self, version: crate::client::TlsVersion) -> Self {
            self.http.tls.min_version(version);
            self
        }

        /// The HTTP client built already (by `HttpOptions::build_shared`), shared with
        /// other builders; the other HTTP settings of this builder are then unused.
        pub(crate) fn shared_http(mut self, http: reqwest::Client) -> Self {
            self.http.shared = Some(http);
            self
        }
    };
}
pub(crate) use http_setters;

/// A `reqwest::ClientBuilder` with this crate's TLS setup, for other HTTP clients of your
/// program (this crate's own clients are built with it already; adjust them with
/// [`ClientBuilder::configure_http`](crate::ClientBuilder::configure_http)):
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
/// let http = amocrm::client::http_client_builder()?
///     .pool_max_idle_per_host(0)
///     .build()
///     .map_err(|e| amocrm::Error::Config(e.to_string()))?;
/// # let _ = http;
/// # Ok::<(), amocrm::Error>(())
/// ```
pub fn http_client_builder() -> Result<reqwest::ClientBuilder> {
    TlsOptions::default().builder()
}

/// Whether this build can speak TLS by itself (feature `rustls` or `native-tls`).
const HAS_TLS: bool = cfg!(any(feature = "rustls", feature = "native-tls"));

/// Refuses an `https://` URL (checked by `AccountUrl`) when this build has no TLS:
/// every request would fail, so fail once, at build time, saying why.
fn require_tls(url: &str) -> Result<()> {
    if !HAS_TLS && url.starts_with("https://") {
        return Err(Error::TlsUnavailable {
            url: url.to_owned(),
        });
    }
    Ok(())
}
