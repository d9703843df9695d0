//! A PostgreSQL [`amocrm::store::TokenStore`]: one durable OAuth token pair per amoCRM account, in
//! one table, refreshed under a lock that every process using the table shares.
//!
//! amoCRM's refresh tokens are single-use: two processes refreshing the same pair at once
//! leave the account with a dead chain. With this store, [`amocrm::OAuth`] refreshes an
//! account's pair under an exclusive per-account lock, so exactly one holder in the fleet
//! calls the token endpoint while the others wait and then adopt the pair it saved.
//!
//! - **Lock:** a session-level advisory lock (`pg_advisory_lock`) held by one pooled
//!   connection. PostgreSQL releases it when that connection ends: a holder process that is
//!   killed, or whose connection is lost or terminated, never leaves it held. Dropping a
//!   [`PostgresTokenLock`] closes its connection (releasing the lock);
//!   [`TokenLock::release`](amocrm::store::TokenLock::release) unlocks and keeps the connection.
//! - **Save:** one committed `UPDATE` before `save` returns (the new refresh token is
//!   durable before anyone uses the pair), only if the row's `generation` is still the one
//!   read under the lock: an older pair never overwrites a newer one.
//! - **Table:** `"schema"."amocrm_tokens"` (both names configurable), created by
//!   [`PostgresTokenStore::migrate`] or on the first lock, idempotently and race-free.
//!   The tokens are stored as text: the table holds secrets, grant access to it
//!   accordingly.
//! - **Down:** an unreachable server is an error within the connect timeout (default 5 s),
//!   never a hang and never an unlocked refresh.
//! - **TLS:** off by default (plain TCP or a Unix socket; `sslmode=require` is refused when
//!   the store is built). The `native-tls` feature uses the platform's TLS library for
//!   `sslmode=require`, verifying the server's certificate and name (give your own
//!   connector with `PostgresTokenStoreBuilder::tls` for a private CA); `sslmode=prefer`,
//!   the default, stays plain either way.
//!
//! ```no_run
//! use std::sync::Arc;
//! use amocrm::store::TokenStore;
//! use amocrm_postgres::PostgresTokenStore;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = PostgresTokenStore::builder("postgres://app@db.internal/app")
//!     .schema("my_widget") // one table per integration
//!     .build()?;
//! store.migrate().await?; // optional: the first lock creates the table too
//!
//! let store: Arc<dyn TokenStore> = Arc::new(store);
//! // Give `store` to amocrm's OAuth / Integration; or use it directly:
//! let account = "https://example.amocrm.ru";
//! let lock = store.lock(account).await?; // other processes wait here
//! if let Some(pair) = lock.current() {
//!     println!("expires at {:?}", pair.expires_at()); // tokens never print
//! }
//! lock.release().await?;
//! # Ok(()) }
//! ```

// The workspace denies `unsafe`; a published crate forbids it outright.
#![forbid(unsafe_code)]

mod error;
mod schema;
mod store;

pub use error::Error;
pub use schema::{DEFAULT_SCHEMA, DEFAULT_TABLE};
pub use store::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_KEEPALIVES_IDLE, DEFAULT_LOCK_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_QUERY_TIMEOUT, PostgresTokenLock, PostgresTokenStore,
    PostgresTokenStoreBuilder,
};
/// The driver, for [`PostgresTokenStore::builder_from_config`] and [`Error::code`].
pub use tokio_postgres;

/// The README's examples compile (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
/// The TLS library, for [`PostgresTokenStoreBuilder::tls`].
#[cfg(feature = "native-tls")]
pub use native_tls;
