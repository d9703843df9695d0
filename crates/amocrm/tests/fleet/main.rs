//! The fleet: one integration for many accounts, token stores shared by holders and
//! processes, and hostile cases of the token chain.

mod integration;
mod processes;
mod stores;
mod token_files;
