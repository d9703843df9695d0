//! The crate's one error type.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::invalid::Invalid;
use crate::pace::PaceError;
use amocrm_raw::types::BotKind;

/// Everything that can go wrong in a call. Match on [`Error::kind`] for the kind of
/// failure, the same for calls and streams (a stream's failed page is [`Error::Page`],
/// which `kind`, [`Error::status`], [`Error::problem`] and [`Error::root`] read through);
/// match on the variant for its data.
///
/// An error's `Debug`, `Display` and [`source`](std::error::Error::source) chain never
/// repeat a value from a response body, whatever its status: a server may echo what it
/// was sent (an install answer echoes settings, passwords included; a 4xx page may echo
/// the request). They carry the status, a body's length, and for a body that does not
/// decode the field path, the expected and found JSON types and the position
/// ([`DecodeError`]). A problem+json answer shows its title, type and each validation
/// error's path and code, not its `detail` texts, which may quote what was sent: read
/// them from [`Problem`]'s fields. The body itself is kept, behind
/// [`RawBody::expose_raw`], for code that knows what it is looking at.
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
    /// `native-tls` feature): every request would fail. Turn a TLS feature on.
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
    #[error("unexpected response: HTTP {status} ({} bytes)", body.len())]
    UnexpectedStatus {
        /// HTTP status.
        status: u16,
        /// The whole body as received; never printed.
        body: RawBody,
    },
    /// The request could not be sent or the response not read (connection, TLS, timeout).
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A response body that is not what the API documents.
    #[error("could not decode the response (HTTP {status}, {} bytes): {source}", body.len())]
    Decode {
        /// HTTP status of the response.
        status: u16,
        /// The whole body as received; never printed.
        body: RawBody,
        /// Where and how the body differs from what was expected, without its values.
        #[source]
        source: DecodeError,
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
    /// One entry of a list page could not be decoded; the rest of the page was, and a
    /// stream goes on after this item. Names the entry (its key, e.g. a widget's code,
    /// when readable, its index in the page) and what was wrong, never a value from the
    /// body.
    #[error("{0}")]
    UndecodableEntry(Box<UndecodableEntry>),
    /// The [`crate::Pacer`] could not grant a slot (or record a pause): its engine is
    /// unreachable or failed. The request was not sent (or its answer was a 429/503 whose
    /// pause could not be shared); nothing is ever sent unpaced.
    #[error("{0}")]
    Pace(#[from] PaceError),
    /// A page of a list stream failed; the stream ends after this item.
    #[error("fetching page {page} of the list failed: {source}")]
    Page {
        /// The page number that failed.
        page: u32,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
}

/// What went wrong, the same for an error of a call and of a stream: [`Error::kind`]
/// reads through [`Error::Page`], so one `match` handles both.
///
/// ```no_run
/// # async fn run(client: amocrm::Client) {
/// use amocrm::ErrorKind;
/// use futures::StreamExt;
///
/// let mut widgets = client.widgets().list().stream();
/// while let Some(widget) = widgets.next().await {
///     match widget.map_err(|e| e.kind()) {
///         Ok(widget) => println!("{}", widget.code),
///         Err(ErrorKind::UndecodableEntry) => continue,
///         Err(ErrorKind::RateLimited) => eprintln!("slow down"),
///         Err(other) => eprintln!("stopped: {other:?}"),
///     }
/// }
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::Invalid`]
    Invalid,
    /// [`Error::Config`]
    Config,
    /// [`Error::TlsUnavailable`]
    TlsUnavailable,
    /// [`Error::Unauthorized`]
    Unauthorized,
    /// [`Error::Forbidden`]
    Forbidden,
    /// [`Error::NotFound`]
    NotFound,
    /// [`Error::RateLimited`]
    RateLimited,
    /// [`Error::Api`]
    Api,
    /// [`Error::UnexpectedStatus`]
    UnexpectedStatus,
    /// [`Error::Transport`]
    Transport,
    /// [`Error::Decode`]
    Decode,
    /// [`Error::Protocol`]
    Protocol,
    /// [`Error::Auth`]
    Auth,
    /// [`Error::WidgetRequest`]
    WidgetRequest,
    /// [`Error::ResponseTooLarge`]
    ResponseTooLarge,
    /// [`Error::UndecodableEntry`]
    UndecodableEntry,
    /// [`Error::Pace`]
    Pace,
}

impl Error {
    /// What went wrong; for [`Error::Page`], what went wrong with the page.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Invalid(_) => ErrorKind::Invalid,
            Error::Config(_) => ErrorKind::Config,
            Error::TlsUnavailable { .. } => ErrorKind::TlsUnavailable,
            Error::Unauthorized(_) => ErrorKind::Unauthorized,
            Error::Forbidden(_) => ErrorKind::Forbidden,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::RateLimited { .. } => ErrorKind::RateLimited,
            Error::Api { .. } => ErrorKind::Api,
            Error::UnexpectedStatus { .. } => ErrorKind::UnexpectedStatus,
            Error::Transport(_) => ErrorKind::Transport,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Protocol(_) => ErrorKind::Protocol,
            Error::Auth(_) => ErrorKind::Auth,
            Error::WidgetRequest(_) => ErrorKind::WidgetRequest,
            Error::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Error::UndecodableEntry(_) => ErrorKind::UndecodableEntry,
            Error::Pace(_) => ErrorKind::Pace,
            Error::Page { source, .. } => source.kind(),
        }
    }

    /// The page of a list stream that failed ([`Error::Page`]), if this is one.
    pub fn page(&self) -> Option<u32> {
        match self {
            Error::Page { page, .. } => Some(*page),
            _ => None,
        }
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Unauthorized(p) | Error::Forbidden(p) | Error::NotFound(p) => Some(p.status),
            Error::Api { problem } => Some(problem.status),
            Error::RateLimited { .. } => Some(429),
            Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::UndecodableEntry(_) => Some(200),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::Page { source, .. } => source.status(),
            Error::Auth(e) => e.status(),
            Error::Invalid(_) | Error::Config(_) | Error::Protocol(_) => None,
            Error::ResponseTooLarge { .. } => None,
            Error::WidgetRequest(_) | Error::TlsUnavailable { .. } => None,
            Error::Pace(_) => None,
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
                .field("body", body)
                .finish(),
            Error::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
            Error::Decode {
                status,
                body,
                source,
            } => f
                .debug_struct("Decode")
                .field("status", status)
                .field("body", body)
                .field("source", source)
                .finish(),
            Error::Protocol(e) => f.debug_tuple("Protocol").field(e).finish(),
            Error::ResponseTooLarge { limit } => f
                .debug_struct("ResponseTooLarge")
                .field("limit", limit)
                .finish(),
            Error::Auth(e) => f.debug_tuple("Auth").field(e).finish(),
            Error::WidgetRequest(e) => f.debug_tuple("WidgetRequest").field(e).finish(),
            Error::UndecodableEntry(e) => f.debug_tuple("UndecodableEntry").field(e).finish(),
            Error::Pace(e) => f.debug_tuple("Pace").field(e).finish(),
            Error::Page { page, source } => f
                .debug_struct("Page")
                .field("page", page)
                .field("source", source)
                .finish(),
        }
    }
}

/// An RFC 7807 problem as amoCRM sends it (`application/problem+json`).
///
/// `Display` and `Debug` show the status, the title, the type and each validation error's
/// path and code (each up to 100 characters, a longer one by its length); the `detail` texts only by their length, since
/// a server may quote in them what it was sent (a password among install settings). Read
/// them from the fields.
///
/// As data (`Serialize`, `Deserialize`) it is the problem+json shape with the validation
/// errors flattened into one list, `detail` texts included: serializing is asking for
/// them.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// Short summary, e.g. `Bad Request`.
    pub title: String,
    /// Problem type URI.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Human-readable explanation.
    pub detail: Option<String>,
    /// Field-level validation errors (400).
    #[serde(default)]
    pub validation_errors: Vec<ValidationError>,
}

/// One field-level validation error of a 400 answer. `Debug` shows the `detail` text by
/// its length only (see [`Problem`]).
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// The longest title (type, path, code) `Display` and `Debug` show; a longer one is shown
/// by its length.
const MAX_SHOWN_TITLE: usize = 100;

/// A server's short text as shown: itself up to [`MAX_SHOWN_TITLE`] characters, beyond
/// that its length (`what` names it).
fn shown<'a>(what: &str, text: &'a str) -> std::borrow::Cow<'a, str> {
    let chars = text.chars().count();
    if chars <= MAX_SHOWN_TITLE {
        text.into()
    } else {
        format!("<{what} of {chars} chars>").into()
    }
}

/// A server's text shown by its length only.
struct Withheld(usize);

impl fmt::Debug for Withheld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} chars>", self.0)
    }
}

impl Problem {
    fn shown_title(&self) -> std::borrow::Cow<'_, str> {
        shown("title", &self.title)
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("status", &self.status)
            .field("title", &self.shown_title())
            .field(
                "kind",
                &self.kind.as_deref().map(|kind| shown("type", kind)),
            )
            .field(
                "detail",
                &self.detail.as_ref().map(|d| Withheld(d.chars().count())),
            )
            .field("validation_errors", &self.validation_errors)
            .finish()
    }
}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidationError")
            .field(
                "request_id",
                &self.request_id.as_deref().map(|id| shown("request_id", id)),
            )
            .field("path", &shown("path", &self.path))
            .field("code", &shown("code", &self.code))
            .field("detail", &Withheld(self.detail.chars().count()))
            .finish()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown_title())?;
        if let Some(detail) = &self.detail {
            write!(f, " (detail: {} chars, not shown)", detail.chars().count())?;
        }
        for e in &self.validation_errors {
            write!(
                f,
                "; {}: {}",
                shown("path", &e.path),
                shown("code", &e.code)
            )?;
        }
        Ok(())
    }
}

/// A response body as received. It may hold anything the server chose to send back,
/// secrets the request carried included, so it prints as its length only; read it with
/// [`RawBody::expose_raw`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBody(Bytes);

impl RawBody {
    pub(crate) fn new(bytes: Bytes) -> Self {
        RawBody(bytes)
    }

    /// The bytes as received. Raw and unsafe to log: they may repeat secrets the request
    /// carried (an install answer echoes the settings, passwords included).
    pub fn expose_raw(&self) -> &Bytes {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

/// Why a body did not decode, without any value from it: the path of the field (e.g.
/// `_embedded.widgets[3].settings`), what was expected and the JSON type found there, and
/// the position. Built from serde's error, whose own message quotes the offending value
/// and is therefore not kept.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(Box<DecodeDetails>);

/// What [`DecodeError`] holds, boxed to keep [`Error`] small.
#[derive(Clone, PartialEq, Eq)]
struct DecodeDetails {
    category: DecodeCategory,
    path: String,
    expected: Option<String>,
    found: Option<Found>,
    line: usize,
    column: usize,
}

/// What kind of fault a [`DecodeError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DecodeCategory {
    /// Not JSON, or JSON with something after it.
    Syntax,
    /// JSON that ends too early (a body cut short, an empty one).
    Eof,
    /// JSON of the wrong shape: a type or value the API does not document there.
    Data,
}

/// The JSON type found where something else was expected, and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Found {
    kind: &'static str,
    /// Characters of a string, items of an array, members of an object.
    size: Option<usize>,
}

impl DecodeError {
    /// Reads what may be told of serde's `error` on `body`.
    pub(crate) fn new(body: &[u8], error: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let category = match error.classify() {
            Category::Syntax => DecodeCategory::Syntax,
            Category::Eof | Category::Io => DecodeCategory::Eof,
            Category::Data => DecodeCategory::Data,
        };
        let (line, column) = (error.line(), error.column());
        let message = error.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        let expected = match category {
            // serde_json's own fixed texts ("expected `,` or `}`", "EOF while parsing a
            // string"): they name no value.
            DecodeCategory::Syntax | DecodeCategory::Eof => Some(message.to_owned()),
            DecodeCategory::Data => expected_of(message),
        };
        let (path, found) = locate(body, offset_of(body, line, column));
        DecodeError(Box::new(DecodeDetails {
            category,
            path,
            expected,
            found: (category == DecodeCategory::Data)
                .then_some(found)
                .flatten(),
            line,
            column,
        }))
    }

    /// The kind of fault.
    pub fn category(&self) -> DecodeCategory {
        self.0.category
    }

    /// The field where decoding stopped, e.g. `settings` or `_embedded.widgets[3].rating`;
    /// empty for the body as a whole. Object keys that are not plain names are shown as
    /// `<key>`.
    pub fn path(&self) -> &str {
        &self.0.path
    }

    /// What the client expected there (e.g. `a map`, `a field `code``), or serde_json's
    /// syntax fault; `None` when that would quote the body.
    pub fn expected(&self) -> Option<&str> {
        self.0.expected.as_deref()
    }

    /// The JSON type found there (`a string`, `a number`, ...), for a wrongly typed value.
    pub fn found(&self) -> Option<&'static str> {
        self.0.found.map(|found| found.kind)
    }

    /// Line of the fault, from 1.
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// Column of the fault (bytes), from 1.
    pub fn column(&self) -> usize {
        self.0.column
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.category {
            DecodeCategory::Syntax => f.write_str("not valid JSON")?,
            DecodeCategory::Eof => f.write_str("JSON cut short")?,
            DecodeCategory::Data => f.write_str("unexpected JSON")?,
        }
        if !self.0.path.is_empty() {
            write!(f, " at `{}`", self.0.path)?;
        }
        match (&self.0.expected, self.0.category) {
            (Some(expected), DecodeCategory::Data) => write!(f, ": expected {expected}")?,
            (Some(fault), _) => write!(f, ": {fault}")?,
            (None, _) => f.write_str(": the value is not valid there")?,
        }
        if let Some(Found { kind, size }) = self.0.found {
            write!(f, ", found {kind}")?;
            if let Some(size) = size {
                let unit = if kind == "a string" { "chars" } else { "items" };
                write!(f, " of {size} {unit}")?;
            }
        }
        write!(f, " (line {}, column {})", self.0.line, self.0.column)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("category", &self.0.category)
            .field("path", &self.0.path)
            .field("expected", &self.0.expected)
            .field("found", &self.0.found.map(|found| found.kind))
            .field("size", &self.0.found.and_then(|found| found.size))
            .field("line", &self.0.line)
            .field("column", &self.0.column)
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// The "expected" part of serde's data error message, when the message is one of serde's
/// own forms, whose expected part comes from the type and never from the body. Anything
/// else (a custom message) may quote the value: `None`.
fn expected_of(message: &str) -> Option<String> {
    const TYPED: [&str; 4] = [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant `",
    ];
    if TYPED.iter().any(|prefix| message.starts_with(prefix)) {
        // The value comes first and may itself hold ", expected ": the last one is serde's.
        let (_, expected) = message.rsplit_once(", expected ")?;
        return Some(expected.to_owned());
    }
    // Field names come from the type.
    for (prefix, shown) in [
        ("missing field `", "a field"),
        ("duplicate field `", "no second field"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let name = rest.strip_suffix('`')?;
            if is_plain_name(name) {
                return Some(format!("{shown} `{name}`"));
            }
        }
    }
    None
}

/// A key shown in a path: letters, digits, `_`, `-` and `.`, at most 64 bytes.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The byte offset just after serde_json's (1-based) line and column.
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|b| *b == b'\n') {
            Some(newline) => start += newline + 1,
            None => return body.len(),
        }
    }
    (start + column).min(body.len())
}

/// One open container while walking a body.
struct Frame {
    object: bool,
    /// The current member's key (objects), shown or `<key>`.
    key: Option<String>,
    /// The current item's index (arrays).
    index: usize,
    /// Whether the next string of an object is a key.
    wants_key: bool,
    /// Where the current member's or item's value starts.
    value: Option<usize>,
}

/// The path of the value being read at `offset`, and the type and size of the last value
/// that started there. A plain walk over the JSON text (strings, brackets, separators),
/// tolerant of anything after a fault.
fn locate(body: &[u8], offset: usize) -> (String, Option<Found>) {
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<usize> = None;
    let mut i = 0;
    let start_value =
        |stack: &mut Vec<Frame>, root: &mut Option<usize>, at: usize| match stack.last_mut() {
            Some(frame) => frame.value = Some(at),
            None => *root = Some(at),
        };
    while i < offset && i < body.len() {
        match body[i] {
            b'{' | b'[' => {
                start_value(&mut stack, &mut root, i);
                stack.push(Frame {
                    object: body[i] == b'{',
                    key: None,
                    index: 0,
                    wants_key: body[i] == b'{',
                    value: None,
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(frame) = stack.last_mut() {
                    if frame.object {
                        frame.wants_key = true;
                    } else {
                        frame.index += 1;
                    }
                    frame.value = None;
                }
                i += 1;
            }
            b'"' => {
                let begin = i;
                i += 1;
                while i < body.len() && body[i] != b'"' {
                    i += if body[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                match stack.last_mut() {
                    Some(frame) if frame.object && frame.wants_key => {
                        let raw = body.get(begin + 1..i.saturating_sub(1)).unwrap_or_default();
                        frame.key = Some(match std::str::from_utf8(raw) {
                            Ok(name) if is_plain_name(name) => name.to_owned(),
                            _ => "<key>".to_owned(),
                        });
                        frame.wants_key = false;
                    }
                    _ => start_value(&mut stack, &mut root, begin),
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' | b':' => i += 1,
            _ => {
                start_value(&mut stack, &mut root, i);
                while i < body.len() && !b" \t\r\n,:]}[{\"".contains(&body[i]) {
                    i += 1;
                }
            }
        }
    }
    let mut path = String::new();
    for frame in &stack {
        if frame.object {
            if let Some(key) = &frame.key {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
        } else if frame.value.is_some() || frame.index > 0 {
            path.push_str(&format!("[{}]", frame.index));
        }
    }
    let last = match stack.last() {
        Some(frame) => frame.value,
        None => root,
    };
    (path, last.and_then(|at| found_at(body, at)))
}

/// The type and size of the JSON value starting at `at`, if it is a whole one.
fn found_at(body: &[u8], at: usize) -> Option<Found> {
    let mut values =
        serde_json::Deserializer::from_slice(body.get(at..)?).into_iter::<serde_json::Value>();
    let found = match values.next()?.ok()? {
        serde_json::Value::Null => Found {
            kind: "null",
            size: None,
        },
        serde_json::Value::Bool(_) => Found {
            kind: "a boolean",
            size: None,
        },
        serde_json::Value::Number(_) => Found {
            kind: "a number",
            size: None,
        },
        serde_json::Value::String(text) => Found {
            kind: "a string",
            size: Some(text.chars().count()),
        },
        serde_json::Value::Array(items) => Found {
            kind: "an array",
            size: Some(items.len()),
        },
        serde_json::Value::Object(members) => Found {
            kind: "an object",
            size: Some(members.len()),
        },
    };
    Some(found)
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a [`crate::TokenStore`] could not load, lock or save (its engine is unreachable, a
/// file is corrupt, a newer pair was saved meanwhile). Keeps its source. Never holds a
/// token: a store's message and source must not quote one.
///
/// ```
/// use amocrm::StoreError;
///
/// let io = std::io::Error::other("disk full");
/// let error = StoreError::new("writing tokens.json failed", Some(Box::new(io)));
/// assert_eq!(error.message(), "writing tokens.json failed");
/// assert_eq!(error.to_string(), "token store: writing tokens.json failed");
/// assert!(std::error::Error::source(&error).is_some());
/// assert!(!error.is_conflict());
/// assert!(StoreError::conflict().is_conflict());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    message: String,
    conflict: bool,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StoreError {
    /// An error saying `message`, caused by `source` when there is one.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StoreError {
            message: message.into(),
            conflict: false,
            source,
        }
    }

    /// [`crate::TokenLock::save`] refused: a newer pair was saved meanwhile (the account's
    /// generation changed since the lock read it), so this older one must not replace it.
    pub fn conflict() -> Self {
        StoreError {
            message: "a newer pair was saved meanwhile; the older one is not saved".into(),
            conflict: true,
            source: None,
        }
    }

    /// What failed.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether this is [`StoreError::conflict`].
    pub fn is_conflict(&self) -> bool {
        self.conflict
    }
}

/// Why getting, refreshing or saving OAuth tokens failed. No variant carries a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// There are no tokens yet: exchange an authorization code or give stored ones.
    #[error(
        "no OAuth tokens: call OAuth::exchange_code or give stored tokens to OAuthBuilder::tokens"
    )]
    NoTokens,
    /// The token endpoint refused the grant (a used or revoked code or refresh token, wrong
    /// client credentials or redirect URI). Re-authorization is usually needed.
    #[error(
        "the token endpoint refused the {grant} grant (HTTP {status}){}",
        describe(title, hint, detail)
    )]
    Refused {
        /// The grant that was refused.
        grant: GrantType,
        /// HTTP status.
        status: u16,
        /// The error's `title`, when given.
        title: Option<String>,
        /// The error's `hint`, when given.
        hint: Option<String>,
        /// The error's `detail`, when given.
        detail: Option<String>,
    },
    /// The token endpoint could not be reached or its answer not read. The grant may have
    /// reached the server: a refresh token may now be spent.
    #[error("token endpoint: {0}")]
    Transport(#[source] reqwest::Error),
    /// The token endpoint answered 200 with something that is not a token pair.
    #[error("the token endpoint's answer is not a token pair: {0}")]
    Decode(String),
    /// The token endpoint's answer was larger than [`crate::MAX_TOKEN_RESPONSE_BYTES`]; it was not
    /// read further.
    #[error("the token endpoint's answer is larger than {limit} bytes; not read")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The [`crate::TokenStore`] failed to load, lock or save. A new pair it could not
    /// save is not used and the old tokens stay current; the pair is kept in memory and
    /// saving it is tried again, without a new grant, on the next refresh.
    #[error("{0}")]
    Store(#[source] StoreError),
    /// Another request refreshed the same token at the same time and that refresh failed;
    /// its caller got the reason.
    #[error("a concurrent refresh of the same token failed")]
    ConcurrentRefreshFailed,
    /// The refresh task ended without finishing (the token store panicked).
    #[error("the token refresh was interrupted")]
    Interrupted,
}

impl AuthError {
    /// The token endpoint's HTTP status, for [`AuthError::Refused`].
    pub fn status(&self) -> Option<u16> {
        match self {
            AuthError::Refused { status, .. } => Some(*status),
            AuthError::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }
}

fn describe(title: &Option<String>, hint: &Option<String>, detail: &Option<String>) -> String {
    [title, hint, detail]
        .into_iter()
        .flatten()
        .map(|part| format!(": {part}"))
        .collect()
}

/// Why a widget_request was rejected. None of the variants carries the token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WidgetRequestError {
    /// The body is not a widget_request (not JSON, a field missing or of the wrong type).
    #[error("not a widget_request body: {0}")]
    Body(String),
    /// The verifier was given an empty client secret.
    #[error("the widget_request verifier has an empty client secret")]
    EmptySecret,
    /// The token is not a well-formed JWT, or a claim has the wrong type.
    #[error("the widget_request token is malformed: {0}")]
    MalformedToken(String),
    /// The token is signed with another algorithm than HS512 (`none` included).
    #[error("the widget_request token uses algorithm {found:?}; only HS512 is accepted")]
    WrongAlgorithm {
        /// The header's `alg`.
        found: String,
    },
    /// The signature does not match the client secret: tampered, or another integration's.
    #[error("the widget_request token's signature is invalid")]
    InvalidSignature,
    /// `exp` has passed.
    #[error("the widget_request token has expired")]
    Expired,
    /// `nbf` has not come yet.
    #[error("the widget_request token is not valid yet")]
    NotYetValid,
    /// `aud` is none of the audiences the verifier accepts.
    #[error("the widget_request token is for another audience")]
    WrongAudience,
    /// A claim the verifier needs is missing.
    #[error("the widget_request token has no {0} claim")]
    MissingClaim(String),
    /// `return_url` is not `https://{host}/api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`.
    #[error("return_url {url:?} is not a continue URL: {reason}")]
    NotContinueUrl {
        /// The URL as received, without user info.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `return_url` is plain http, or its scheme differs from the client's.
    #[error("return_url {url:?} is not https (or not the scheme of the client's base URL)")]
    InsecureReturnUrl {
        /// The URL as received.
        url: String,
    },
    /// `return_url` is on a host that is not the account's.
    #[error("return_url host {host:?} is not the account's: expected {expected}")]
    ForeignHost {
        /// The return_url's host (and port, when it has one).
        host: String,
        /// The host it should be.
        expected: String,
    },
    /// The token's `iss` is not `https://{subdomain}.{domain}` for its own subdomain and a
    /// domain the verifier accepts.
    #[error("the widget_request token's issuer is not its account on an accepted domain")]
    WrongIssuer,
    /// The token was verified before ([`crate::WidgetRequestVerifier::verify_once`]): a replay.
    #[error("the widget_request token was already used")]
    Replayed,
    /// The [`crate::ReplayGuard`] could not check the token; it is not accepted.
    #[error("the widget_request replay guard failed: {0}")]
    ReplayGuard(String),
    /// `return_url` names a bot kind other than the token's `bot_type`.
    #[error("return_url continues a {url} but the token is for a {token}")]
    BotKindMismatch {
        /// The kind in the return_url.
        url: BotKind,
        /// The kind in the token.
        token: BotKind,
    },
}

/// The grant of a token request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GrantType {
    /// `authorization_code`: the code from the redirect after the user granted access.
    AuthorizationCode,
    /// `refresh_token`: a new pair for the refresh token.
    RefreshToken,
}

impl GrantType {
    /// As the token endpoint writes it.
    pub fn as_str(&self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
        }
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An entry of a list page that is not one this crate can read. It names the entry (its
/// key, e.g. a widget's code, when one can be read, and its index in the page) and what
/// was wrong (the field's path, the type expected and the JSON type found), never a value
/// from the body: an entry may carry secrets.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UndecodableEntry {
    /// What the entry is, e.g. `widget`.
    pub noun: &'static str,
    /// The page it was on.
    pub page: u32,
    /// Its index in the page's `_embedded` list, from 0.
    pub index: usize,
    /// Its key (a widget's `code`), when that is a string.
    pub code: Option<String>,
    /// Path of the field that could not be read, e.g. `settings_template[0].is_required`
    /// (empty for the entry itself).
    pub path: String,
    /// What was expected there, e.g. `a boolean`.
    pub expected: String,
    /// The JSON type found there (`null`, `boolean`, `number`, `string`, `array`,
    /// `object`), `nothing` for a missing field, or `unknown` for an entry nested too
    /// deeply to inspect.
    pub found: &'static str,
}

impl std::fmt::Display for UndecodableEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} {code:?} (entry {}", self.noun, self.index)?,
            None => write!(f, "{} (entry {}", self.noun, self.index)?,
        }
        write!(f, " of page {}) could not be decoded: ", self.page)?;
        if self.path.is_empty() {
            f.write_str("the entry")?;
        } else {
            write!(f, "`{}`", self.path)?;
        }
        write!(f, " is {}, expected {}", self.found, self.expected)
    }
}

impl From<UndecodableEntry> for Error {
    fn from(entry: UndecodableEntry) -> Self {
        Error::UndecodableEntry(Box::new(entry))
    }
}
