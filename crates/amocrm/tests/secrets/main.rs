//! Secrets never show: tokens and passwords in Debug and logs, values of bodies in
//! errors, user info and queries of base URLs.

mod base_urls;
mod error_text;
mod token_bytes;
mod tokens_and_passwords;
