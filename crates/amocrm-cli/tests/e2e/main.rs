//! End-to-end tests: the real `amocrm` binary against the fake amoCRM server, started
//! in-process on an ephemeral loopback port (and a few stand-ins for answers the fake never
//! gives), one module per behaviour. Every run is checked for the token: it must never
//! appear on stdout or stderr.

#[path = "../support/mod.rs"]
mod support;

mod account;
mod bots;
mod bulk_streaming;
mod changes;
mod completions;
mod crm;
mod crm_sections;
mod definitions;
mod exit_codes;
mod help_and_errors;
mod hostile_inputs;
mod json_stderr;
mod logging;
mod oauth;
mod pacing;
mod pipelines;
mod profiles;
mod tables;
mod task_note_writes;
mod timeouts;
mod token_sources;
mod token_stores;
mod webhooks;
mod widgets;
mod writes;
