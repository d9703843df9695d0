//! What the client tells an operator (`amocrm::observe`): the spans of a call, its
//! attempts, a token refresh, a store lock wait, captured by a small `tracing` layer; the
//! metrics, read back from `metrics-util`'s debugging recorder; and no secret in any span
//! field, event field or metric label of those runs.

mod calls;
mod capture;
mod outcomes;
mod refresh;
mod routes;
