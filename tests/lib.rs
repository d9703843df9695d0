//! Workspace-level tests live in `tests/*.rs`; this library holds what tests of every
//! crate share.

pub mod services;

/// The repository README's examples, compiled as doctests (the `amocrm` crate tests its own
/// packaged README).
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct RootReadmeDoctests;
