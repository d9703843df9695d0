//! The fleet: one integration for many accounts, token stores shared by holders and
//! processes, and hostile cases of the token chain.

mod file_trust;
mod install_binding;
mod integration;
mod processes;
mod scale;
mod stores;
mod token_files;
