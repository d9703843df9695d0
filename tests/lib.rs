//! Workspace-level tests live in `tests/*.rs`. What tests of every crate share lives in
//! `amocrm-test-support`; `services` is re-exported here for the tests that still name it
//! through this crate (the CLI's).

pub use amocrm_test_support::services;

/// The repository README's examples, compiled as doctests (the `amocrm` crate tests its own
/// packaged README).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct RootReadmeDoctests;
