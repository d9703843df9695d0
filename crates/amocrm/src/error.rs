//! The crate's one error type.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::invalid::Invalid;
use crate::oauth::AuthError;
use crate::widget_request::WidgetRequestError;

/// Everything that can go wrong in a call. Match on the variant for the kind of failure;
/// [`Error::status`] and [`Error::problem`] read through [`Error::Page`].
///
/// `Debug` and `Display` never print a success body (a widget answer may echo its settings,
/// secrets included): only its length. Error pages (3xx and up) show an excerpt.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input was rejected before any request was sent.
    #[error("invalid input, nothing was sent: {0}")]
    Invalid(#[from] Invalid),
    /// The client could not be built from its configuration.
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The base URL is `https://` but this build has no TLS (neither the `rustls` nor the
    /// `native-tls` feature): every request would fail. Turn a TLS feature on, or pass a
    /// TLS-capable `http_client`.
    #[error(
        "base URL {url:?} needs TLS, but amocrm was built without the rustls and native-tls features"
    )]
    TlsUnavailable {
        /// The base URL, without user info (base URLs never have any).
        url: String,
    },
    /// 401: the token is missing, invalid or expired.
    #[error("unauthorized (401): {0}")]
    Unauthorized(Problem),
    /// 403: the user lacks the rights (most widget and bot calls need an account administrator).
    #[error("forbidden (403): {0}")]
    Forbidden(Problem),
    /// 404: no such widget, or no bot step waiting for this continue_id.
    #[error("not found (404): {0}")]
    NotFound(Problem),
    /// 429: more than the allowed requests per second. `retry_after` is the server's
    /// `Retry-After` header or `retry_after` field, when it sent one.
    #[error("rate limited (429){}", retry_after.map(|d| format!(", retry after {d:?}")).unwrap_or_default())]
    RateLimited {
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
        /// The problem body, when the server sent one (it sometimes sends an HTML page).
        problem: Option<Problem>,
    },
    /// Any other error status with a problem+json body (400 validation errors among them).
    #[error("API error ({}): {problem}", problem.status)]
    Api {
        /// The problem the server described.
        problem: Problem,
    },
    /// A status the API does not document, with a body that is not a problem.
    #[error("unexpected response: HTTP {status}{}", body_excerpt(*status, body))]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// The whole body as received.
        body: Bytes,
    },
    /// The request could not be sent or the response not read (connection, TLS, timeout).
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A response body that is not what the API documents.
    #[error("could not decode the response (HTTP {status}): {source}")]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// The whole body as received.
        body: Bytes,
        /// What serde found wrong.
        #[source]
        source: serde_json::Error,
    },
    /// The server's answer breaks the API's own rules (e.g. a next link that goes back).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// OAuth: exchanging, refreshing or saving tokens failed.
    #[error("OAuth: {0}")]
    Auth(#[from] AuthError),
    /// A widget_request failed verification, or its return_url is not the client's
    /// account; nothing was sent.
    #[error("widget_request rejected: {0}")]
    WidgetRequest(#[from] WidgetRequestError),
    /// The response body was larger than the client reads (see
    /// [`crate::MAX_RESPONSE_BYTES`]); it was not read further.
    #[error("the response body is larger than {limit} bytes; not read")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A page of a widget stream failed; the stream ends after this item.
    #[error("fetching page {page} of the widget list failed: {source}")]
    Page {
        /// The page number that failed.
        page: u32,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized(p) | Error::Forbidden(p) | Error::NotFound(p) => Some(p.status),
            Error::Api { problem } => Some(problem.status),
            Error::RateLimited { .. } => Some(429),
            Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::Page { source, .. } => source.status(),
            Error::Auth(e) => e.status(),
            Error::Invalid(_) | Error::Config(_) | Error::Protocol(_) => None,
            Error::ResponseTooLarge { .. } => None,
            Error::WidgetRequest(_) | Error::TlsUnavailable { .. } => None,
        }
    }

    /// The API's problem description, when the server sent one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Unauthorized(p) | Error::Forbidden(p) | Error::NotFound(p) => Some(p),
            Error::Api { problem } => Some(problem),
            Error::RateLimited { problem, .. } => problem.as_ref(),
            Error::Page { source, .. } => source.problem(),
            _ => None,
        }
    }

    /// The error itself, or for [`Error::Page`] the error of the page.
    pub fn root(&self) -> &Error {
        match self {
            Error::Page { source, .. } => source.root(),
            other => other,
        }
    }

    /// Whether the input was rejected before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self.root(), Error::Invalid(_))
    }
}

fn body_excerpt(status: u16, body: &Bytes) -> String {
    if body.is_empty() {
        return String::new();
    }
    if status < 300 {
        return format!(" ({} bytes)", body.len());
    }
    let text = String::from_utf8_lossy(body);
    let excerpt: String = text.chars().take(200).collect();
    let more = if excerpt.len() < text.len() {
        "…"
    } else {
        ""
    };
    format!(": {}{more}", excerpt.trim())
}

/// A body in `Debug`: its length, and for an error page (3xx and up) its text.
struct BodyDebug<'a>(u16, &'a Bytes);

impl fmt::Debug for BodyDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let BodyDebug(status, body) = *self;
        if status < 300 || body.is_empty() {
            write!(f, "<{} bytes>", body.len())
        } else {
            fmt::Debug::fmt(&String::from_utf8_lossy(body), f)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(e) => f.debug_tuple("Invalid").field(e).finish(),
            Error::Config(e) => f.debug_tuple("Config").field(e).finish(),
            Error::TlsUnavailable { url } => {
                f.debug_struct("TlsUnavailable").field("url", url).finish()
            }
            Error::Unauthorized(p) => f.debug_tuple("Unauthorized").field(p).finish(),
            Error::Forbidden(p) => f.debug_tuple("Forbidden").field(p).finish(),
            Error::NotFound(p) => f.debug_tuple("NotFound").field(p).finish(),
            Error::RateLimited {
                retry_after,
                problem,
            } => f
                .debug_struct("RateLimited")
                .field("retry_after", retry_after)
                .field("problem", problem)
                .finish(),
            Error::Api { problem } => f.debug_struct("Api").field("problem", problem).finish(),
            Error::UnexpectedStatus { status, body } => f
                .debug_struct("UnexpectedStatus")
                .field("status", status)
                .field("body", &BodyDebug(*status, body))
                .finish(),
            Error::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
            Error::Decode {
                status,
                body,
                source,
            } => f
                .debug_struct("Decode")
                .field("status", status)
                .field("body", &BodyDebug(*status, body))
                .field("source", source)
                .finish(),
            Error::Protocol(e) => f.debug_tuple("Protocol").field(e).finish(),
            Error::ResponseTooLarge { limit } => f
                .debug_struct("ResponseTooLarge")
                .field("limit", limit)
                .finish(),
            Error::Auth(e) => f.debug_tuple("Auth").field(e).finish(),
            Error::WidgetRequest(e) => f.debug_tuple("WidgetRequest").field(e).finish(),
            Error::Page { page, source } => f
                .debug_struct("Page")
                .field("page", page)
                .field("source", source)
                .finish(),
        }
    }
}

/// An RFC 7807 problem as amoCRM sends it (`application/problem+json`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// Short summary, e.g. `Bad Request`.
    pub title: String,
    /// Problem type URI.
    pub kind: Option<String>,
    /// Human-readable explanation.
    pub detail: Option<String>,
    /// Field-level validation errors (400).
    pub validation_errors: Vec<ValidationError>,
}

/// One field-level validation error of a 400 answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ValidationError {
    /// The entity of the request (`request_id`), when given.
    pub request_id: Option<String>,
    /// The field, e.g. `login` or `execute_handlers[0].params.value`.
    pub path: String,
    /// Machine-readable code, e.g. `NotSupportedChoice`.
    pub code: String,
    /// Human-readable explanation.
    pub detail: String,
}

impl Problem {
    /// A problem for a response that did not carry one.
    pub(crate) fn bare(status: u16) -> Self {
        let title = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error")
            .to_owned();
        Problem {
            status,
            title,
            kind: None,
            detail: None,
            validation_errors: Vec::new(),
        }
    }
}

impl From<amocrm_raw::types::Problem> for Problem {
    fn from(raw: amocrm_raw::types::Problem) -> Self {
        let validation_errors = raw
            .validation_errors
            .into_iter()
            .flat_map(|group| {
                let request_id = group.request_id;
                group.errors.into_iter().map(move |e| ValidationError {
                    request_id: request_id.clone(),
                    path: e.path,
                    code: e.code,
                    detail: e.detail,
                })
            })
            .collect();
        Problem {
            status: u16::try_from(raw.status).unwrap_or(0),
            title: raw.title,
            kind: raw.type_,
            detail: raw.detail,
            validation_errors,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        for e in &self.validation_errors {
            write!(f, "; {}: {} ({})", e.path, e.detail, e.code)?;
        }
        Ok(())
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
