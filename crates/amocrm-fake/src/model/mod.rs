//! The fake's data, without HTTP: the tenants it serves (its accounts) and what each holds —
//! the widget catalogue and which widgets are installed, tokens and authorization codes, bot
//! steps waiting for a widget, the rate-limit window, pipelines, the CRM (`crm`) and the
//! clock it is stamped with — and what a refusal says
//! ([`problem::Problem`]). The HTTP side (`crate::http`, `crate::api`, `crate::admin`) reads
//! and changes it; nothing here knows axum.

pub(crate) mod body;
pub(crate) mod catalogue;
pub(crate) mod clock;
pub(crate) mod continuations;
pub(crate) mod crm;
pub(crate) mod field_writes;
pub(crate) mod figures;
pub(crate) mod pipeline_writes;
pub(crate) mod pipelines;
pub(crate) mod problem;
pub(crate) mod rate_limit;
pub(crate) mod record;
pub(crate) mod rng;
pub(crate) mod standing;
pub(crate) mod tenant;
pub(crate) mod tokens;
pub(crate) mod webhooks;

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Locks a mutex, ignoring poisoning (state stays usable after a panic elsewhere).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Locks a read-write lock for reading, ignoring poisoning.
pub(crate) fn read<T>(m: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|e| e.into_inner())
}

/// Locks a read-write lock for writing, ignoring poisoning.
pub(crate) fn write<T>(m: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|e| e.into_inner())
}
