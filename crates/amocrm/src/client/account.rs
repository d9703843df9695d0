//! The account a client, an OAuth provider or an integration talks to: [`AccountUrl`]
//! (a subdomain on one of amoCRM's [`Domain`]s, or any base URL), checked when a builder
//! builds, and shown without user info, query or fragment.

use std::fmt;

use crate::error::{Error, Result};

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

/// The base URL of one amoCRM account, as every builder takes it
/// ([`ClientBuilder::account`](crate::ClientBuilder::account), [`OAuthBuilder::account`](crate::auth::OAuthBuilder::account)): checked
/// when the builder builds, so a bad one fails there with [`Error::Config`], never with a
/// request. Plain `http` is accepted only for loopback hosts unless
/// [`AccountUrl::allow_insecure_http`] is set, so a token never crosses a network in clear
/// text by accident. `Debug` never shows user info, a query or a fragment.
///
/// ```
/// use amocrm::{AccountUrl, Domain};
///
/// let ru = AccountUrl::subdomain("example"); // https://example.amocrm.ru
/// let kommo = AccountUrl::new("example", Domain::KommoCom); // https://example.kommo.com
/// // A proxy, or the fake server of your tests.
/// let local = AccountUrl::base_url("http://127.0.0.1:8080/acc1");
/// let lan = AccountUrl::base_url("http://10.0.0.5:8080").allow_insecure_http(true);
/// # let _ = (ru, kommo, local, lan);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccountUrl {
    /// The URL, or why the subdomain given is not one.
    url: std::result::Result<String, String>,
    allow_http: bool,
}

impl AccountUrl {
    /// An account on `amocrm.ru`: `subdomain("example")` is `https://example.amocrm.ru`.
    pub fn subdomain(subdomain: &str) -> Self {
        Self::new(subdomain, Domain::AmocrmRu)
    }

    /// An account on any of amoCRM's domains: `https://{subdomain}.{domain}`.
    pub fn new(subdomain: &str, domain: Domain) -> Self {
        AccountUrl {
            url: account_url(subdomain, domain),
            allow_http: false,
        }
    }

    /// Any base URL (a proxy, the fake server); requests go to `{url}/api/v4/...`.
    pub fn base_url(url: impl Into<String>) -> Self {
        AccountUrl {
            url: Ok(url.into()),
            allow_http: false,
        }
    }

    /// Accepts a plain `http://` URL on any host, not only on a loopback one.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Whether plain `http://` is accepted on any host.
    pub fn allows_insecure_http(&self) -> bool {
        self.allow_http
    }

    /// The base URL a client of this account calls, checked as a builder checks it and
    /// without a trailing slash: the key of the account's token pair in a
    /// [`TokenStore`](crate::store::TokenStore) and of its pace in a
    /// [`Pacer`](crate::pace::Pacer). Fails as the builder would ([`Error::Config`]).
    ///
    /// ```
    /// use amocrm::{AccountUrl, Domain};
    ///
    /// let url = AccountUrl::new("example", Domain::KommoCom).to_base_url()?;
    /// assert_eq!(url, "https://example.kommo.com");
    /// let local = AccountUrl::base_url("http://127.0.0.1:8080/acc1/").to_base_url()?;
    /// assert_eq!(local, "http://127.0.0.1:8080/acc1");
    /// assert!(AccountUrl::base_url("http://10.0.0.5").to_base_url().is_err());
    /// assert!(AccountUrl::subdomain("Not A Subdomain").to_base_url().is_err());
    /// # Ok::<(), amocrm::Error>(())
    /// ```
    pub fn to_base_url(&self) -> Result<String> {
        self.checked("base URL")
    }

    /// The base URL checked (`what` names it in errors), without a trailing slash.
    pub(crate) fn checked(&self, what: &str) -> Result<String> {
        match &self.url {
            Err(message) => Err(Error::Config(message.clone())),
            Ok(url) => check_base_url(what, url, self.allow_http),
        }
    }
}

impl fmt::Debug for AccountUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountUrl")
            .field("url", &shown_base_url(&self.url))
            .field("allow_insecure_http", &self.allow_http)
            .finish()
    }
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
fn account_url(subdomain: &str, domain: Domain) -> std::result::Result<String, String> {
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
fn shown_base_url(url: &std::result::Result<String, String>) -> String {
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
fn check_base_url(what: &str, url: &str, allow_http: bool) -> Result<String> {
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
