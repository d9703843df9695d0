//! Tags: `GET /api/v4/{entity_type}/tags`, one dictionary per entity type
//! (`filter[name]`, `filter[id]`, `query`; paged; 204 when nothing matches), and
//! `POST` of new tags (`model::crm::write::tags`).

use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::api::crm_view::TagView;
use crate::api::{entity_types, writes};
use crate::http::caller::Caller;
use crate::http::hal;
use crate::http::listing::{self, Counts, ListRequest};
use crate::http::paging::MAX_LIMIT;
use crate::http::router::Routes;
use crate::model::crm::records::{Kind, Tag};
use crate::model::crm::terms::{self, Needle};
use crate::model::crm::write::tags;
use crate::model::problem::Problem;
use crate::model::read;

pub(super) fn routes() -> Routes {
    // Under an entity type the API does not have: 400 naming `entity_type` (the `GET`
    // is `entity_types`').
    let unknown = Routes::new().route("/api/v4/{kind}/tags", post(entity_types::unknown));
    Kind::ALL.into_iter().fold(unknown, |routes, kind| {
        routes.route(
            &format!("/api/v4/{}/tags", kind.plural()),
            get(move |caller, query| list(caller, kind, query))
                .post(move |caller, body| add(caller, kind, body)),
        )
    })
}

async fn list(caller: Caller, kind: Kind, RawQuery(query): RawQuery) -> Result<Response, Problem> {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    let filter = terms::filter(&request.query, &mut request.errors);
    let ids = terms::ints(
        filter.and_then(|f| f.get("id")),
        "filter[id]",
        false,
        &mut request.errors,
    );
    let name = match filter.and_then(|f| f.get("name")) {
        None => None,
        Some(node) => {
            let name = node.as_str().map(str::to_owned);
            if name.is_none() {
                let error = crate::model::problem::FieldError::new(
                    "InvalidType",
                    "filter[name]",
                    "One tag name.",
                );
                request.errors.push(error);
            }
            name
        }
    };
    request.check()?;
    let needle = Needle::parse(&request.query);
    let crm = read(&caller.tenant.crm);
    let chosen: Vec<&Tag> = crm.tags[kind.index()]
        .iter()
        .filter(|t| ids.as_ref().is_none_or(|ids| ids.contains(&t.id)))
        .filter(|t| name.as_ref().is_none_or(|n| *n == t.name))
        .filter(|t| needle.as_ref().is_none_or(|q| q.found_in(&t.name)))
        .collect();
    let (page, more) = listing::window(&chosen, request.paging);
    let views: Vec<TagView<'_>> = page.iter().map(|t| TagView(t)).collect();
    let path = format!("/api/v4/{}/tags", kind.plural());
    Ok(listing::page(
        &caller,
        &request,
        &path,
        "tags",
        &views,
        more,
        Counts::default(),
    ))
}

async fn add(caller: Caller, kind: Kind, body: writes::Body) -> Response {
    let body = match writes::body(body) {
        Ok(body) => body,
        Err(problem) => return problem.into_response(),
    };
    let added = tags::add(&mut crate::model::write(&caller.tenant.crm), kind, &body);
    match added {
        Ok(tags) => hal::ok(&json!({"_total_items": tags.len(), "_embedded": {"tags": tags}})),
        Err(refused) => writes::refusal(refused),
    }
}
