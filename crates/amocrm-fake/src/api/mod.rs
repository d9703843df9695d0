//! The amoCRM API the fake serves, one file per section. A section is its routes and their
//! handlers: each takes the [`Caller`](crate::http::caller::Caller), reads or changes the
//! model, and answers with `crate::http`'s HAL and problem helpers.

mod account;
mod bots;
mod oauth;
mod pipelines;
mod widgets;

use crate::http::router::Routes;

/// Every section's routes.
pub(crate) fn routes() -> Routes {
    Routes::new()
        .merge(widgets::routes())
        .merge(bots::routes())
        .merge(account::routes())
        .merge(pipelines::routes())
        .merge(oauth::routes())
}
