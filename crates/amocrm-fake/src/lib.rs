#![doc = include_str!("docs/overview.md")]
#![forbid(unsafe_code)]

// The crate, by layer (imports point down this list, never up):
// - `builder` configures a fake and starts it; `server` is the running fake and its
//   account handles.
// - `api` (one file per amoCRM section) and `admin` (the `/_fake/` routes): the handlers.
// - `http`: each account's router and middleware, the caller's token, HAL and problem
//   answers, paging. `faults`: injected errors, applied by one middleware.
// - `model`: the accounts' data (catalogue, tokens, continuations, limits), no axum;
//   `model::record`: what the fake received.

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod admin;
mod api;
mod builder;
mod crm;
mod faults;
mod hooks;
mod http;
mod lifecycle;
mod model;

mod server;
mod uninstall;
pub mod widget_request;

pub use builder::{AccountSpec, DEFAULT_TOKEN, DEFAULT_USER_TOKEN, FakeBuilder};
pub use crm::{FakeCrm, Mutator};
pub use faults::fault::{Fault, Operation};
pub use faults::spec::ParseFaultError;
pub use faults::{FaultId, FaultReport, Faults};
pub use model::catalogue::MAX_GENERATED_WIDGETS;
pub use model::catalogue::seed::SEED_WIDGET_COUNT;
pub use model::catalogue::widget::{CatalogueError, FakeWidget, SettingField, SettingType};
pub use model::clock::FakeClock;
pub use model::crm::changes::{CrmEntity, LeadChange, Stamp};
pub use model::crm::seed::{CrmSize, MAX_CRM_ENTITIES};
pub use model::figures::Figures;
pub use model::record::{BotKind, ReceivedContinuation, RecordedRequest, UnknownBotKind};
pub use model::tenant::DEFAULT_ACCOUNT_ID;
pub use model::tokens::{
    DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI,
    IssuedTokens, OAuthClient, OAuthStats,
};
pub use model::webhooks::{WebhookAttempt, WebhookSchedule};
pub use server::{FakeAccount, FakeServer};
pub use widget_request::WidgetRequestSigner;
