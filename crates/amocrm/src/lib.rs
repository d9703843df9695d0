//! An ergonomic client for the amoCRM (Kommo) REST API v4: widgets, and the widget steps
//! of Salesbot and Marketingbot.
//!
//! Built on the generated [`amocrm_raw`] client, it adds what the raw client cannot know:
//! a token that never prints, amoCRM's 7 requests/second limit, safe retries, a
//! [`futures::Stream`] over every page, inputs checked against the API's documented limits
//! before anything is sent, and one [`Error`] to match on.
//!
//! ```no_run
//! use amocrm::{BotKind, Client, ContinueRequest, Handler, Settings};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), amocrm::Error> {
//! let client = Client::builder().subdomain("example").token("long-lived-token").build()?;
//!
//! // Every widget, 250 a page.
//! let widgets: Vec<amocrm::Widget> =
//!     client.widgets().list().limit(250).stream().try_collect().await?;
//!
//! // Install one, checking the settings against its template first.
//! let settings = Settings::new()
//!     .text("login", "example")
//!     .pass("password", "eXaMp1E")
//!     .users("phones", [(504141, "1039")])
//!     .text("script_path", "https://example.com/");
//! let installed = client.widgets().install_checked("amo_asterisk", &settings).await?;
//! assert!(installed.is_installed());
//!
//! // Let a Salesbot go on after the widget's step.
//! let request = ContinueRequest::new()
//!     .data("status", "success")
//!     .handler(Handler::show_text("Готово"));
//! client.bots().continue_bot(BotKind::Salesbot, 42, "a1b2c3", &request).await?;
//! # Ok(()) }
//! ```
//!
//! # Features
//!
//! - `rustls` (default): TLS through rustls on the *ring* crypto provider (it compiles in
//!   seconds, where aws-lc-rs builds C for half a minute), server certificates checked
//!   against the platform's trust store.
//! - `native-tls`: TLS through the platform's library (OpenSSL on Linux, which needs its
//!   development files to build). It wins when both are on.
//! - Neither: plain HTTP only (a loopback fake, a TLS-terminating proxy). Building a client
//!   or an [`OAuth`] provider for an `https://` URL then fails with
//!   [`Error::TlsUnavailable`] instead of failing every request later.
//!
//! [`ClientBuilder::configure_http`] adjusts the HTTP client the crate builds on top of this
//! TLS setup. With `rustls`, reqwest is built without a crypto provider of its own
//! (`rustls-no-provider`): a plain `reqwest::Client::builder().build()` elsewhere in the
//! program then needs reqwest's `rustls` feature or a process-wide rustls provider, or can
//! start from [`http_client_builder`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// The crate's rooms (ARCHITECTURE.md). Imports between modules form no cycle
// (tests/layout.rs checks it).
//
// API sections: each wraps generated calls, and plugs lists into the pager.
mod account;
mod bots;
mod integration;
mod widget_request;
mod widgets;
// Auth: where tokens come from.
mod auth;
mod file_store;
mod oauth;
mod token_store;
// The request path: client, transport (token, pacing, retries), what a response means, and
// the pager for HAL lists.
mod client;
mod pace;
mod page;
mod response;
mod transport;
// Models: data, serializable.
#[doc(hidden)]
pub mod decode;
mod settings;
mod widget;
// The one error, and the checks made before sending.
mod error;
mod invalid;

pub use account::{
    Account, AccountCalls, AccountEmbedded, AccountWith, CustomersMode, GetAccount, TaskType,
    UsersGroup,
};
pub use auth::{StaticToken, TokenProvider};
pub use bots::{
    BotKind, Bots, ContinueRequest, GotoTarget, Handler, MAX_BUTTONS, MAX_HANDLERS,
    MAX_SHOW_VALUE_CHARS, ShowKind,
};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, Domain,
    http_client_builder,
};
pub use error::{
    AuthError, DecodeCategory, DecodeError, Error, ErrorKind, GrantType, Problem, RawBody, Result,
    StoreError, UndecodableEntry, ValidationError, WidgetRequestError,
};
pub use file_store::FileTokenStore;
pub use integration::{Integration, IntegrationBuilder};
pub use invalid::{Invalid, SettingsProblem};
pub use oauth::{DEFAULT_REFRESH_SKEW, MAX_TOKEN_RESPONSE_BYTES, OAuth, OAuthBuilder};
pub use pace::{DEFAULT_JITTER_MARGIN, MemoryPacer, PaceError, Pacer, RateLimit};
pub use page::{ListStream, Listed, Page, PageLinks};
pub use secrecy::{ExposeSecret, SecretString};
pub use settings::{Credentials, ExposedSettings, MASK, SettingValue, Settings};
pub use token_store::{MemoryTokenStore, TokenLock, TokenPair, TokenStore, TokenStoreFn};
pub use transport::{MAX_RESPONSE_BYTES, RetryPolicy};
pub use widget::{Rating, SettingsField, SettingsFieldType, Widget};
pub use widget_request::{
    BotType, ContinueUrl, MemoryReplayGuard, ReplayGuard, ReplayGuardError, VerifiedWidgetRequest,
    WidgetRequest, WidgetRequestClaims, WidgetRequestVerifier,
};
pub use widgets::{ListWidgets, MAX_LIMIT, UndecodableWidget, WidgetPage, WidgetStream, Widgets};

/// The crate README's examples, compiled as doctests (the repository's README is tested by
/// the workspace's tests crate).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
