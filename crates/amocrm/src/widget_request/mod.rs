//! The Salesbot / Marketingbot `widget_request` step: the request amoCRM sends to a widget's
//! URL, its signed token, and continuing the bot from its `return_url`.
//!
//! A bot's widget step POSTs
//! `{"token": JWT, "data": {...}, "return_url": "https://{sub}.amocrm.ru/api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}"}`
//! and waits until the widget calls the continue method. Only the token is signed (HS512
//! with the integration's client secret, shared by every account that installed the
//! integration); `data` and `return_url` are not. [`WidgetRequestVerifier`] therefore binds
//! the `return_url` to the account named in the signed token, and
//! [`VerifiedWidgetRequest::continue_bot`] to the account of the client that continues.

mod body;
mod claims;
mod continue_url;
mod jwt;
mod replay;
mod verified;
mod verifier;

pub use body::WidgetRequest;
pub use claims::WidgetRequestClaims;
pub use continue_url::ContinueUrl;
pub use replay::{MemoryReplayGuard, ReplayGuard, ReplayGuardError, ReplayGuardFull};
pub use verified::VerifiedWidgetRequest;
pub use verifier::WidgetRequestVerifier;
