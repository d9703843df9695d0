//! The client of one account ([`Client`]) and how it is built: [`ClientBuilder`], the
//! account's URL ([`AccountUrl`], [`Domain`]) and the HTTP client underneath
//! ([`http_client_builder`] and the defaults).

mod account;
mod builder;
mod http;
mod tls;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use amocrm_raw::types as raw;

use crate::auth::provider::TokenProvider;
use crate::error::{Error, Result};

pub(crate) use account::is_loopback;
pub use account::{AccountUrl, Domain};
pub use builder::ClientBuilder;
pub use http::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, http_client_builder};
pub(crate) use http::{HttpOptions, http_setters};
pub use tls::TlsVersion;

type RawError = progenitor_client::Error<raw::Problem>;

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
/// use amocrm::{AccountUrl, Client, Domain};
///
/// let client = Client::builder()
///     .account(AccountUrl::new("example", Domain::KommoCom))
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
    /// The account's base URL, e.g. `https://example.amocrm.ru`.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// Whether `self` and `other` are clones of one built client (sharing its connection
    /// pool, token provider and pacer), as an [`Integration`](crate::Integration) hands out.
    pub fn ptr_eq(&self, other: &Client) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Whether a clone of this client lives besides `self` (a cache evicts only a client
    /// nobody else holds: evicting a held one frees nothing).
    pub(crate) fn is_held_elsewhere(&self) -> bool {
        Arc::strong_count(&self.inner) > 1
    }

    /// The generated client underneath, for calls this crate does not wrap. Its requests
    /// go through the same transport as this crate's: the token (refreshed once on a 401),
    /// the rate limiter and the retries. An error status, a body too large or a token
    /// that could not be had comes back as `amocrm_raw::Error::CommunicationError`
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

    /// Awaits one raw operation (a call on [`Client::raw`]): its answer's value, or its
    /// error as [`Error`].
    pub(crate) async fn call<T>(
        &self,
        operation: impl Future<Output = Result<progenitor_client::ResponseValue<T>, RawError>>,
    ) -> Result<T> {
        match operation.await {
            Ok(value) => Ok(value.into_inner()),
            Err(error) => Err(Error::from_raw(error).await),
        }
    }
}
