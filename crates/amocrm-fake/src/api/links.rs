//! Entity links: of one entity (`GET /api/v4/{entity_type}/{entity_id}/links`) and of
//! several (`GET /api/v4/{entity_type}/links?filter[entity_id][]=…`, the filter
//! required); `filter[to_entity_id]` with `[to_entity_type]`, `filter[to_catalog_id]`;
//! a contact's link says `main_contact`, a company's `metadata` is null.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use axum::http::StatusCode;

use crate::api::crm_view::{Ctx, quantity};
use crate::api::{entity_types, writes};
use crate::http::caller::Caller;
use crate::http::hal;
use crate::http::listing::{self, Counts, ListRequest};
use crate::http::paging::MAX_LIMIT;
use crate::http::path;
use crate::http::router::Routes;
use crate::model::crm::activity_filters::LinkFilter;
use crate::model::crm::records::{ElementLink, Kind};
use crate::model::crm::terms;
use crate::model::crm::write::links;
use crate::model::problem::{FieldError, Problem};
use crate::model::read;

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    // The writes under an entity type the API does not have: 400 naming `entity_type`.
    let unknown = ["link", "unlink", "{id}/link", "{id}/unlink"]
        .into_iter()
        .fold(Routes::new(), |routes, tail| {
            routes.route(
                &format!("/api/v4/{{kind}}/{tail}"),
                post(entity_types::unknown),
            )
        });
    Kind::ALL.into_iter().fold(unknown, |routes, kind| {
        let base = format!("/api/v4/{}", kind.plural());
        routes
            .route(
                &format!("{base}/links"),
                get(move |caller, query| mass(caller, kind, query)),
            )
            .route(
                &format!("{base}/{{id}}/links"),
                get(move |caller, id, query| of_one(caller, kind, id, query)),
            )
            .route(
                &format!("{base}/link"),
                post(move |caller, body| write(caller, kind, None, false, body)),
            )
            .route(
                &format!("{base}/unlink"),
                post(move |caller, body| write(caller, kind, None, true, body)),
            )
            .route(
                &format!("{base}/{{id}}/link"),
                post(move |caller, id, body| write_one(caller, kind, id, false, body)),
            )
            .route(
                &format!("{base}/{{id}}/unlink"),
                post(move |caller, id, body| write_one(caller, kind, id, true, body)),
            )
    })
}

async fn write_one(
    caller: Caller,
    kind: Kind,
    id: Result<Path<String>, PathRejection>,
    unlink: bool,
    body: writes::Body,
) -> Response {
    let id = match path::id(id) {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    if !links::entity_exists(&read(&caller.tenant.crm), kind, id) {
        return Problem::new(404, "No such entity").into_response();
    }
    write(caller, kind, Some(id), unlink, body).await
}

/// A link or unlink, of entity `one` or of those the elements name: 200 with the links
/// made, 204 for an unlink, 400 with `validation-errors` by each element's index.
async fn write(
    caller: Caller,
    kind: Kind,
    one: Option<i64>,
    unlink: bool,
    body: writes::Body,
) -> Response {
    let body = match writes::body(body) {
        Ok(body) => body,
        Err(problem) => return problem.into_response(),
    };
    let now = caller.tenant.clock.now();
    let done = links::link(
        &mut crate::model::write(&caller.tenant.crm),
        kind,
        one,
        unlink,
        &body,
        now,
    );
    let path = match one {
        Some(id) => format!("/api/v4/{}/{id}/links", kind.plural()),
        None => format!("/api/v4/{}/links", kind.plural()),
    };
    match done {
        Ok(_) if unlink => StatusCode::NO_CONTENT.into_response(),
        Ok(made) => hal::ok(&json!({
            "_total_items": made.len(),
            "_links": {"self": {"href": caller.link(format_args!("{path}"))}},
            "_embedded": {"links": made},
        })),
        Err(refused) => writes::refusal(refused),
    }
}

async fn of_one(
    caller: Caller,
    kind: Kind,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::list_id(id, "entity_id")?;
    answer(
        &caller,
        kind,
        Some(vec![id]),
        query.as_deref(),
        format!("/api/v4/{}/{id}/links", kind.plural()),
    )
}

async fn mass(caller: Caller, kind: Kind, RawQuery(query): RawQuery) -> ApiResult {
    answer(
        &caller,
        kind,
        None,
        query.as_deref(),
        format!("/api/v4/{}/links", kind.plural()),
    )
}

/// The links of `one` entity, or of those `filter[entity_id]` names.
fn answer(
    caller: &Caller,
    kind: Kind,
    one: Option<Vec<i64>>,
    query: Option<&str>,
    path: String,
) -> ApiResult {
    let mut request = ListRequest::new(query, MAX_LIMIT);
    let filter = terms::filter(&request.query, &mut request.errors);
    let links = LinkFilter::parse(filter, &mut request.errors);
    let ids = match &one {
        Some(ids) => Some(ids.clone()),
        None => {
            let ids = terms::ints(
                filter.and_then(|f| f.get("entity_id")),
                "filter[entity_id]",
                false,
                &mut request.errors,
            );
            if ids.is_none() && filter.and_then(|f| f.get("entity_id")).is_none() {
                request
                    .errors
                    .push(FieldError::missing("filter[entity_id]"));
            }
            ids
        }
    };
    request.check()?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let mut all: Vec<Value> = Vec::new();
    for id in ids.unwrap_or_default() {
        for (to_id, to_type, metadata, catalog) in linked(&ctx, kind, id) {
            let wanted = links
                .to
                .as_ref()
                .is_none_or(|(i, t)| *i == to_id && t == to_type)
                && links.catalog.is_none_or(|c| catalog == Some(c));
            if !wanted {
                continue;
            }
            let mut link =
                json!({"to_entity_id": to_id, "to_entity_type": to_type, "metadata": metadata});
            if one.is_none() {
                link["entity_id"] = json!(id);
                link["entity_type"] = json!(kind.plural());
            }
            all.push(link);
        }
    }
    let (page, more) = listing::window(&all, request.paging);
    Ok(listing::page(
        caller,
        &request,
        &path,
        "links",
        page,
        more,
        Counts {
            total: Some(page.len()),
            pages: None,
        },
    ))
}

/// What entity `id` of `kind` is linked to: `(to_entity_id, to_entity_type, metadata,
/// catalog of an element)`.
fn linked(ctx: &Ctx<'_>, kind: Kind, id: i64) -> Vec<(i64, &'static str, Value, Option<i64>)> {
    let crm = ctx.crm;
    let element = |e: &ElementLink| {
        (
            e.element_id,
            "catalog_elements",
            json!({"quantity": quantity(e.quantity), "catalog_id": e.catalog_id, "price_id": e.price_id}),
            Some(e.catalog_id),
        )
    };
    let company_metadata = |id: i64| {
        if ctx.quirk(id, 11, 3) {
            json!([])
        } else {
            Value::Null
        }
    };
    match kind {
        Kind::Leads => crm.leads.get(id).map_or_else(Vec::new, |lead| {
            let contacts = lead
                .contacts
                .iter()
                .enumerate()
                .map(|(n, c)| (*c, "contacts", json!({"main_contact": n == 0}), None));
            let company = lead
                .company
                .map(|c| (c, "companies", company_metadata(c), None));
            contacts
                .chain(company)
                .chain(lead.elements.iter().map(element))
                .collect()
        }),
        Kind::Contacts => crm.contacts.get(id).map_or_else(Vec::new, |c| {
            let companies = c
                .links
                .iter()
                .map(|co| (*co, "companies", company_metadata(*co), None));
            companies.chain(c.elements.iter().map(element)).collect()
        }),
        Kind::Companies => crm.companies.get(id).map_or_else(Vec::new, |c| {
            let contacts = c
                .links
                .iter()
                .map(|co| (*co, "contacts", json!({"main_contact": false}), None));
            let leads = c.leads.iter().map(|l| (*l, "leads", Value::Null, None));
            contacts
                .chain(leads)
                .chain(c.elements.iter().map(element))
                .collect()
        }),
        Kind::Customers => Vec::new(),
    }
}
