//! Guides: how the parts of this crate fit together for a task, with examples that compile
//! (and, where they need no network, run against the fake amoCRM). The reference of each
//! item is on the item; these pages say which items to use, and in what order.
//!
//! - [`oauth`]: OAuth and token stores, one account's tokens from the authorization code
//!   to every refresh.
//! - [`fleets`]: one integration, many accounts, many processes.
//! - [`widget_request`]: a bot's widget step, verified, then the bot continued.
//! - [`testing`]: your code against the fake amoCRM, in your tests.

#[doc = include_str!("docs/guide_oauth.md")]
pub mod oauth {}

#[doc = include_str!("docs/guide_fleets.md")]
pub mod fleets {}

#[doc = include_str!("docs/guide_widget_request.md")]
pub mod widget_request {}

#[doc = include_str!("docs/guide_testing.md")]
pub mod testing {}
