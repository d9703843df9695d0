//! What the tests of the amocrm workspace share, in one place instead of a copy per crate:
//!
//! - [`services`]: the one rule for a test that needs PostgreSQL or Redis (skip with a
//!   message, or fail under `AMOCRM_REQUIRE_SERVICES=1`), their URLs, unique names;
//! - [`loopback`]: a scripted HTTP/1.1 server writing exact bytes (every fault a server or
//!   a proxy can produce) and a client of it;
//! - [`churn`]: a CRM whose leads change while the changes stream, or a page-number
//!   scan, reads them, tallied (missed, repeated, requests);
//! - [`fake`]: a client of the fake amoCRM's default account;
//! - [`fleet`]: OAuth holders of a token store against the fake amoCRM, a stored pair made
//!   to look expired, the token endpoint's counts, a temporary directory.
//!
//! Not published: a dev-dependency of the workspace's crates (and a dependency of the
//! unpublished bench).

pub mod churn;
pub mod fake;
pub mod fleet;
pub mod loopback;
pub mod services;
