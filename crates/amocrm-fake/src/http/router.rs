//! The server's router: each account's API behind its middleware, 404 and 405 for what the
//! API does not have, the fake's own `/_fake/` routes beside it; the default account at the
//! root, every other one nested under `/{name}`.
//!
//! The routes themselves come from the caller (`crate::api` for the API, `crate::admin` for
//! `/_fake/`), so that this module depends on no section.

use std::sync::Arc;

use axum::Router;
use axum::middleware;

use crate::faults::inject;
use crate::http::middleware::record_and_limit;
use crate::model::problem::Problem;
use crate::model::tenant::Tenant;

/// Routes served for each account, with its [`Tenant`] as their state.
pub(crate) type Routes = Router<Arc<Tenant>>;

/// One account's router: its `api` routes, 404/405 for any other request, recorded,
/// rate limited and faulted; its `admin` routes beside them, none of that.
pub(crate) fn account(tenant: Arc<Tenant>, api: Routes, admin: Routes) -> Router {
    api.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Inside the recording: a request answered by a fault is recorded too.
        .layer(middleware::from_fn(inject::apply))
        .layer(middleware::from_fn_with_state(
            tenant.clone(),
            record_and_limit,
        ))
        .with_state(tenant.clone())
        .merge(admin.with_state(tenant))
}

/// The whole server: the `default` account's router at the root, each of `accounts` nested
/// under its prefix (`/{name}`).
pub(crate) fn server(
    default: Router,
    accounts: impl IntoIterator<Item = (String, Router)>,
) -> Router {
    accounts
        .into_iter()
        .fold(default, |app, (prefix, router)| app.nest(&prefix, router))
}

async fn not_found() -> Problem {
    Problem::no_route()
}

async fn method_not_allowed() -> Problem {
    Problem::new(405, "The method is not allowed for the requested resource")
}
