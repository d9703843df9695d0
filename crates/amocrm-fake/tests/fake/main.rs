//! The fake as its users drive it: over real HTTP (reqwest against a loopback port) and as
//! a binary; one module per behaviour.

mod support;

mod accounts;
mod admin_routes;
mod bearer_tokens;
#[cfg(feature = "cli")]
mod binary;
#[cfg(feature = "cli")]
mod binary_help;
mod bot_continuations;
mod crm_filters;
mod crm_leads;
mod crm_mutation;
mod crm_sections;
mod crm_shapes;
mod crm_tags_links;
mod crm_write_checks;
mod crm_writes;
mod crm_writes_activity;
mod definition_writes;
mod faults;
mod figures;
mod oauth;
mod pipelines;
mod rate_limit;
mod recording;
mod routing;
mod server_lifecycle;
mod standing;
mod uninstall;
mod webhook_notes_tasks;
mod webhooks;
mod widget_catalogue;
mod widget_install;
mod your_widgets;
