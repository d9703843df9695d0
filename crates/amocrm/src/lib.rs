//! An ergonomic client for the amoCRM (Kommo) REST API v4: widgets, the widget steps of
//! Salesbot and Marketingbot, the account, the CRM (leads, contacts, companies, pipelines,
//! tasks, notes, events, …, read and written), webhooks, and what a widget's backend needs
//! around them: OAuth, token stores shared by processes, and the verification of what a bot
//! sends.
//!
//! Built on the generated [`amocrm_raw`](https://docs.rs/amocrm-raw) client, it adds what
//! the raw client cannot know: a token that never prints, amoCRM's 7 requests/second limit,
//! safe retries, a stream ([`ListStream`]) over every page, inputs checked against the API's
//! documented limits before anything is sent, and one [`Error`] to match on. Every call is a
//! request built with its options and sent with `.send()`; lists also have `.pages()` and
//! `.stream()`.
//!
//! # Where to start
//!
//! | you are writing | start with | then |
//! | --- | --- | --- |
//! | **a script**: one account, a long-lived token | [`Client::builder`] with [`AccountUrl`] and `.token(…)` (below) | a section ([`widgets`], [`leads`], …), [`query`] for filters, [`write`](mod@write) for the CRM's writes, [`Error`] |
//! | **a backend**: an integration installed by accounts' admins | [`guide::oauth`]: [`OAuth`], [`AppCredentials`], a [`TokenStore`](store::TokenStore) | [`guide::widget_request`]: the [`WidgetRequestVerifier`](widget_request::WidgetRequestVerifier), then [`bots`] to continue the bot; [`webhook`] for what amoCRM posts |
//! | **a fleet**: many accounts, many processes | [`guide::fleets`]: [`Integration`], [`store`], [`pace`] | [`integration`] (the refresh protocol, the install state, the uninstall hook); the engines `amocrm-postgres` and `amocrm-redis` |
//! | **tests** of any of these | [`guide::testing`]: the `amocrm-fake` crate, its authorization codes and signed widget_requests | [`RetryPolicy`] and [`client`] options for short tests |
//!
//! A tour of all of it runs against the fake with no network: `cargo run --example tour` in
//! the repository (`crates/amocrm/examples/tour.rs`); `examples/widget_backend.rs` is a
//! whole backend, runnable alone (`--local`) or as a fleet.
//!
//! # A script
//!
//! ```no_run
//! use amocrm::bots::{BotKind, ContinueRequest, Handler};
//! use amocrm::widgets::{Settings, Widget};
//! use amocrm::{AccountUrl, Client};
//! use futures::TryStreamExt;
//!
//! # async fn run() -> Result<(), amocrm::Error> {
//! let client = Client::builder()
//!     .account(AccountUrl::subdomain("example"))
//!     .token("long-lived-token")
//!     .build()?;
//!
//! // Every widget, 250 a page.
//! let widgets: Vec<Widget> = client.widgets().list().limit(250).stream().try_collect().await?;
//!
//! // Install one, checking the settings against its template first.
//! let settings = Settings::new()
//!     .text("login", "example")
//!     .pass("password", "eXaMp1E")
//!     .users("phones", [(504141, "1039")])
//!     .text("script_path", "https://example.com/");
//! let installed = client
//!     .widgets()
//!     .install("amo_asterisk", &settings)
//!     .checked()
//!     .send()
//!     .await?;
//! assert!(installed.is_installed());
//!
//! // Let a Salesbot go on after the widget's step.
//! let request = ContinueRequest::new()
//!     .data("status", "success")
//!     .handler(Handler::show_text("Готово"));
//! client
//!     .bots()
//!     .continue_bot(BotKind::Salesbot, 42, "a1b2c3", &request)
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! # The modules, by task
//!
//! - **API sections**: [`widgets`], [`bots`], [`account`], [`pipelines`], [`webhooks`]
//!   (subscriptions); the CRM [`leads`], [`contacts`], [`companies`], [`tasks`],
//!   [`catalogs`], [`custom_fields`], [`users`], [`tags`], [`notes`], [`links`],
//!   [`events`], [`loss_reasons`]; their filters, orders and `with` in [`query`]; the CRM's
//!   writes in [`write`](mod@write); changes without gaps in [`sync`]; pages, streams and gets by ID
//!   in [`pagination`].
//! - **Auth**: [`auth`] ([`OAuth`], [`AppCredentials`], [`auth::TokenAnswer`]), [`store`]
//!   (where pairs live: [`store::TokenStore`], [`store::FileTokenStore`],
//!   [`store::MemoryTokenStore`]), [`integration`] ([`Integration`]).
//! - **Inbound**: [`widget_request`] (a bot's widget step), [`webhook`] (what amoCRM
//!   POSTs).
//! - **The request path**: [`transport`] ([`RetryPolicy`], what is retried and when),
//!   [`pace`] (the 7 requests/s), [`client`] (HTTP and TLS options); the raw client
//!   underneath is [`Client::raw`]; [`Error`], [`ErrorKind`] and [`error`].
//! - **Guides**: [`guide`].
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
//! start from [`client::http_client_builder`].

// The workspace denies `unsafe`; a published crate forbids it outright.
#![forbid(unsafe_code)]

mod api;
pub mod auth;
pub mod client;
mod decode;
pub mod error;
pub mod guide;
pub mod integration;
pub mod observe;
pub mod pace;
pub mod pagination;
pub mod query;
pub mod store;
pub mod sync;
pub mod transport;
pub mod webhook;
pub mod widget_request;
pub mod write;

#[cfg(feature = "__bench")]
#[doc(hidden)]
pub mod __bench;

pub use api::{
    account, bots, catalogs, companies, contacts, custom_fields, events, leads, links,
    loss_reasons, notes, pipelines, tags, tasks, users, webhooks, widgets,
};

pub use auth::{AppCredentials, OAuth};
pub use client::{AccountUrl, Client, ClientBuilder, Domain};
pub use error::{Error, ErrorKind, Result};
pub use integration::Integration;
pub use pagination::{ListStream, Page};
pub use secrecy::{ExposeSecret, SecretString};
pub use store::TokenPair;
pub use transport::RetryPolicy;

/// The crate README's examples, compiled as doctests (the repository's README is tested by
/// the workspace's tests crate).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
