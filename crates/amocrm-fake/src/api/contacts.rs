//! Contacts: `GET /api/v4/contacts` (filters, `order[updated_at|id]`, `query`, `with`, paged,
//! 204 when empty) and `GET /api/v4/contacts/{id}` (204 when missing).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use axum::routing::get;

use crate::api::parties;
use crate::http::caller::Caller;
use crate::http::path;
use crate::http::router::Routes;
use crate::model::crm::records::Kind;
use crate::model::problem::Problem;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/api/v4/contacts", get(list))
        .route("/api/v4/contacts/{id}", get(one))
}

async fn list(caller: Caller, RawQuery(query): RawQuery) -> Result<Response, Problem> {
    parties::list(&caller, Kind::Contacts, query.as_deref())
}

async fn one(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    Ok(parties::one(
        &caller,
        Kind::Contacts,
        path::id(id)?,
        query.as_deref(),
    ))
}
