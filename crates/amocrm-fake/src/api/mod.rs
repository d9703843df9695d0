//! The amoCRM API the fake serves, one file per section. A section is its routes and their
//! handlers: each takes the [`Caller`](crate::http::caller::Caller), reads or changes the
//! model, and answers with `crate::http`'s HAL and problem helpers.

mod account;
mod activity_writes;
mod bots;
mod catalogs;
mod companies;
mod contacts;
mod crm_view;
mod custom_field_writes;
mod custom_fields;
mod entity_types;
mod events;
mod leads;
mod links;
mod notes;
mod oauth;
mod parties;
mod pipeline_writes;
mod pipelines;
mod tags;
mod tasks;
mod users;
mod webhooks;
mod widgets;
mod writes;

use crate::http::router::Routes;

/// Every section's routes.
pub(crate) fn routes() -> Routes {
    Routes::new()
        .merge(widgets::routes())
        .merge(bots::routes())
        .merge(account::routes())
        .merge(pipelines::routes())
        .merge(leads::routes())
        .merge(contacts::routes())
        .merge(companies::routes())
        .merge(custom_fields::routes())
        .merge(users::routes())
        .merge(tags::routes())
        .merge(tasks::routes())
        .merge(notes::routes())
        .merge(links::routes())
        .merge(events::routes())
        .merge(catalogs::routes())
        .merge(entity_types::routes())
        .merge(oauth::routes())
        .merge(webhooks::routes())
        .merge(writes::routes())
        .merge(activity_writes::routes())
        .merge(pipeline_writes::routes())
        .merge(custom_field_writes::routes())
}
