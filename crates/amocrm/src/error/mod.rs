//! Every error type of the crate, one file each: [`Error`] (the one error of a call),
//! and the errors it carries ([`Problem`], [`Invalid`], [`DecodeError`],
//! [`UndecodableEntry`], [`AuthError`], [`StoreError`], [`WidgetRequestError`], [`WebhookError`],
//! [`PaceError`], [`UnverifiedInstall`], [`InstallError`], [`UninstallHookError`]). Each file is a leaf: only this one knows
//! [`Error`] (and `install`, which carries one).

pub(crate) mod auth;
pub(crate) mod decode;
pub(crate) mod install;
pub(crate) mod install_redirect;
pub(crate) mod invalid;
pub(crate) mod pace;
pub(crate) mod problem;
pub(crate) mod raw_body;
pub(crate) mod store;
pub(crate) mod undecodable_entry;
pub(crate) mod uninstall;
pub(crate) mod webhook;
pub(crate) mod widget_request;

use std::time::Duration;

pub use auth::AuthError;
pub use decode::{DecodeCategory, DecodeError};
pub use install::UnverifiedInstall;
pub use install_redirect::InstallError;
pub use invalid::{Invalid, MAX_IDENTIFIER_BYTES, SettingsProblem};
pub use pace::PaceError;
pub use problem::{Problem, ValidationError};
pub use raw_body::RawBody;
pub use store::StoreError;
pub use undecodable_entry::UndecodableEntry;
pub use uninstall::UninstallHookError;
pub use webhook::WebhookError;
pub use widget_request::WidgetRequestError;

/// Everything that can go wrong in a call. Match on [`Error::kind`] for the kind of
/// failure, the same for calls and streams (a stream's failed page is [`Error::Page`],
/// which `kind`, [`Error::status`], [`Error::problem`] and [`Error::root`] read through);
/// match on the variant for its data.
///
#[doc = include_str!("../docs/errors.md")]
#[derive(Debug, thiserror::Error)]
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
    /// A webhook delivery was not accepted ([`webhook`](crate::webhook)).
    #[error("webhook rejected: {0}")]
    Webhook(#[from] WebhookError),
    /// The response body was larger than the client reads (see
    /// [`MAX_RESPONSE_BYTES`](crate::transport::MAX_RESPONSE_BYTES)); it was not read further.
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
    /// The [`Pacer`](crate::pace::Pacer) could not grant a slot (or record a pause): its engine is
    /// unreachable or failed. The request was not sent (or its answer was a 429/503 whose
    /// pause could not be shared); nothing is ever sent unpaced.
    #[error("{0}")]
    Pace(#[from] PaceError),
    /// An install's new token could not be checked against the referer's account for a
    /// passing reason; nothing was stored, and the pair is kept in the error to finish the
    /// install later ([`Integration::complete_install`](crate::Integration::complete_install)).
    #[error("{0}")]
    InstallUnverified(Box<UnverifiedInstall>),
    /// An install redirect was refused before anything was sent: access denied, or its
    /// `state` missing, tampered with, expired or another integration's.
    #[error("install refused, nothing was sent: {0}")]
    Install(#[from] InstallError),
    /// An uninstall hook failed verification; nothing was changed.
    #[error("uninstall hook rejected: {0}")]
    UninstallHook(#[from] UninstallHookError),
    /// The account is blocked: amoCRM answered 403 after 429s, or with its HTML block
    /// page (it blocks an account whose integrations keep exceeding the rate limit, until
    /// its support lifts the block). The client pauses the account for the block pause
    /// ([`ClientBuilder::block_pause`](crate::ClientBuilder::block_pause)) through its pacer, and every call for it
    /// fails with this error without sending until then (`left`: how long).
    #[error("the account is blocked by amoCRM (403); no request is sent for {} s", left.as_secs())]
    AccountBlocked {
        /// How long no request is sent for the account.
        left: Duration,
    },
    /// 402: the account's subscription is not paid.
    #[error("payment required (402): {0}")]
    PaymentRequired(Problem),
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

/// Declares [`ErrorKind`] and [`Error::kind`] from one list of the variants, so that a
/// variant of [`Error`] left out of it fails to compile (the `match` is exhaustive).
macro_rules! error_kinds {
    ($(#[$meta:meta])* pub enum ErrorKind { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $(
                #[doc = concat!("[`Error::", stringify!($variant), "`]")]
                $variant,
            )+
        }

        impl ErrorKind {
            /// The variant's name (`"RateLimited"`): the `error.type` of the spans.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorKind::$variant => stringify!($variant),)+
                }
            }
        }

        impl Error {
            /// What went wrong; for [`Error::Page`], what went wrong with the page.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    Error::Page { source, .. } => source.kind(),
                    $(Error::$variant { .. } => ErrorKind::$variant,)+
                }
            }
        }
    };
}

error_kinds! {
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
    pub enum ErrorKind {
        Invalid,
        Config,
        TlsUnavailable,
        Unauthorized,
        Forbidden,
        NotFound,
        RateLimited,
        Api,
        UnexpectedStatus,
        Transport,
        Decode,
        Protocol,
        Auth,
        WidgetRequest,
        Webhook,
        ResponseTooLarge,
        UndecodableEntry,
        Pace,
        InstallUnverified,
        Install,
        UninstallHook,
        AccountBlocked,
        PaymentRequired,
    }
}

impl Error {
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
            Error::Unauthorized(p)
            | Error::Forbidden(p)
            | Error::NotFound(p)
            | Error::PaymentRequired(p) => Some(p.status),
            Error::AccountBlocked { .. } => Some(403),
            Error::Install(_) | Error::UninstallHook(_) => None,
            Error::Api { problem } => Some(problem.status),
            Error::RateLimited { .. } => Some(429),
            Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::UndecodableEntry(_) => Some(200),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::Page { source, .. } => source.status(),
            Error::Auth(e) => e.status(),
            Error::Invalid(_) | Error::Config(_) | Error::Protocol(_) => None,
            Error::ResponseTooLarge { .. } => None,
            Error::WidgetRequest(_) | Error::Webhook(_) | Error::TlsUnavailable { .. } => None,
            Error::Pace(_) => None,
            Error::InstallUnverified(unverified) => unverified.source.status(),
        }
    }

    /// The API's problem description, when the server sent one.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Error::Unauthorized(p)
            | Error::Forbidden(p)
            | Error::NotFound(p)
            | Error::PaymentRequired(p) => Some(p),
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

    /// Whether the account is not installed (any more): no pair for it in the store
    /// ([`AuthError::NoTokens`]), its pair deleted by an uninstall since it was read
    /// ([`AuthError::Deleted`]), or a webhook delivery for an account with no pair
    /// ([`WebhookError::NotInstalled`]). It works again once the account installs the
    /// integration again. A service answers it with a 4xx such as
    /// 410 Gone, not as a failure of amoCRM.
    pub fn is_not_installed(&self) -> bool {
        matches!(
            self.root(),
            Error::Auth(AuthError::NoTokens | AuthError::Deleted)
                | Error::Webhook(WebhookError::NotInstalled)
        )
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<UndecodableEntry> for Error {
    fn from(entry: UndecodableEntry) -> Self {
        Error::UndecodableEntry(Box::new(entry))
    }
}
