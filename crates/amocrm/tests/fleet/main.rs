//! The fleet: one integration for many accounts, token stores shared by holders and
//! processes, hostile cases of the token chain, and an account's life (signed install
//! state, uninstall hook, blocked and unpaid accounts).

mod account_ids;
mod blocked;
mod blocked_tokens;
mod deleted_pairs;
mod file_trust;
mod install_binding;
mod install_session;
mod install_state;
mod integration;
mod lock_files;
mod paced_tokens;
mod pending;
mod processes;
mod scale;
mod stores;
mod token_files;
mod uninstall;
mod unpaced_tokens;
mod webhook_accounts;
