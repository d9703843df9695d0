//! The steps of the transcript, section by section: each starts the servers it needs and
//! says which of their values vary by run.

mod commands;
mod connection;
mod crm;
mod failures;
mod tags_links;

pub use commands::{account, bots, completions, help, pipelines, usage_errors, webhooks, widgets};
pub use connection::{auth, profiles, token_sources};
pub use crm::crm;
pub use failures::{api_and_transport_errors, display, output_failures};
pub use tags_links::tags_links;
