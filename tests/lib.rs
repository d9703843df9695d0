//! Workspace-level tests live in `tests/*.rs`. What tests of every crate share lives in
//! `amocrm-test-support`; this library holds only the repository README's doctests.

/// The repository README's examples, compiled as doctests (the `amocrm` crate tests its own
/// packaged README).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct RootReadmeDoctests;
