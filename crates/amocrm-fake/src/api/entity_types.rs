//! The CRM lists under an entity type the API does not have (`/api/v4/{kind}/tags`,
//! `/notes`, `/links`, `/custom_fields`, `/custom_fields/groups`, `/{id}/notes`,
//! `/{id}/links`), and the writes of notes under one (`POST`/`PATCH` of `/notes` and
//! `/{id}/notes`, `PATCH /{id}/notes/{note_id}`, and of custom field definitions, `POST`/
//! `PATCH` of `/custom_fields`): 400 naming `entity_type`, as a list's
//! other bad terms are. The known types (`leads`, `contacts`, `companies`, `customers`)
//! have their own routes, which take precedence.

use axum::response::Response;
use axum::routing::{get, patch};

use crate::http::router::Routes;
use crate::model::problem::Problem;

pub(super) fn routes() -> Routes {
    [
        "tags",
        "notes",
        "links",
        "custom_fields",
        "custom_fields/groups",
        "{id}/notes",
        "{id}/links",
    ]
    .into_iter()
    .fold(Routes::new(), |routes, tail| {
        let read = get(unknown);
        let method = match tail.ends_with("notes") || tail == "custom_fields" {
            true => read.post(unknown).patch(unknown),
            false => read,
        };
        routes.route(&format!("/api/v4/{{kind}}/{tail}"), method)
    })
    .route("/api/v4/{kind}/{id}/notes/{note_id}", patch(unknown))
}

/// The answer under an entity type the API does not have (also for the tag and link
/// writes, whose sections route it).
pub(super) async fn unknown() -> Result<Response, Problem> {
    Err(Problem::bad_request(
        "NotSupportedChoice",
        "entity_type",
        "The value you selected is not a valid choice: leads, contacts, companies or customers.",
    ))
}
