//! Events: `GET /api/v4/events` (the feed, newest first, at most 100 a page; filters by
//! id, created_at, created_by, entity, entity_id, type, value_before/after; `with` adds
//! the entity's name), `GET /api/v4/events/{id}` (a string id; 204 when missing) and
//! `GET /api/v4/events/types?language_code=`.

use axum::extract::{Path, RawQuery};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::api::crm_view::Ctx;
use crate::http::caller::Caller;
use crate::http::hal;
use crate::http::listing::{self, Counts, ListRequest};
use crate::http::router::Routes;
use crate::model::crm::activity_filters::EventFilter;
use crate::model::crm::events::{EVENT_TYPES, event_id, event_seq};
use crate::model::crm::query;
use crate::model::crm::records::Event;
use crate::model::crm::terms;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

/// The events list's page size limit.
const MAX_EVENTS_LIMIT: u64 = 100;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/api/v4/events", get(list))
        .route("/api/v4/events/types", get(types))
        .route("/api/v4/events/{id}", get(one))
}

async fn list(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_EVENTS_LIMIT);
    let filter = EventFilter::parse(&request.query, &mut request.errors);
    request.check()?;
    let with = terms::with(&request.query);
    let crm = read(&caller.tenant.crm);
    let account = crm.ids.account;
    let (skip, take) = (request.paging.skip(), request.paging.limit as usize);
    let mut page = Vec::with_capacity(take);
    let mut more = false;
    let matching = crm
        .events
        .iter()
        .enumerate()
        .rev()
        .filter(|(seq, e)| filter.event(e, || event_id(account, *seq)));
    for (seq, event) in matching.skip(skip) {
        if page.len() == take {
            more = true;
            break;
        }
        page.push((seq, event));
    }
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let views: Vec<Value> = page
        .iter()
        .map(|(seq, e)| view(&ctx, *seq, e, &with))
        .collect();
    Ok(listing::page(
        &caller,
        &request,
        "/api/v4/events",
        "events",
        &views,
        more,
        Counts::default(),
    ))
}

async fn one(caller: Caller, Path(id): Path<String>, RawQuery(query): RawQuery) -> ApiResult {
    let with = terms::with(&query::parse(query.as_deref().unwrap_or("")));
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let found =
        event_seq(crm.ids.account, &id).and_then(|seq| crm.events.get(seq).map(|e| (seq, e)));
    Ok(found.map_or_else(hal::no_content, |(seq, e)| {
        hal::ok(&view(&ctx, seq, e, &with))
    }))
}

/// An event, with its entity under `_embedded.entity` (and its name when `with` asks).
fn view(ctx: &Ctx<'_>, seq: usize, e: &Event, with: &[String]) -> Value {
    let id = event_id(ctx.crm.ids.account, seq);
    let entity_path = match (e.entity_type, e.catalog_id) {
        ("lead", _) => format!("/api/v4/leads/{}", e.entity_id),
        ("contact", _) => format!("/api/v4/contacts/{}", e.entity_id),
        ("company", _) => format!("/api/v4/companies/{}", e.entity_id),
        ("task", _) => format!("/api/v4/tasks/{}", e.entity_id),
        (_, Some(catalog)) => format!("/api/v4/catalogs/{catalog}/elements/{}", e.entity_id),
        (kind, _) => format!("/api/v4/{kind}s/{}", e.entity_id),
    };
    let mut entity = json!({"id": e.entity_id, "_links": {"self": {"href": format!("{}{entity_path}", ctx.origin)}}});
    let name_part = match e.entity_type {
        "catalog_element" => "catalog_element_name",
        other => match other {
            "lead" => "lead_name",
            "contact" => "contact_name",
            "company" => "company_name",
            _ => "customer_name",
        },
    };
    if with.iter().any(|w| w == name_part)
        && let Some(name) = ctx
            .crm
            .entity_name(e.entity_type, e.entity_id, e.catalog_id)
    {
        entity["name"] = json!(name);
    }
    let mut v = json!({
        "id": id, "type": e.kind, "entity_id": e.entity_id, "entity_type": e.entity_type,
        "created_by": e.created_by, "created_at": e.created_at, "value_after": e.value_after,
        "value_before": e.value_before, "account_id": ctx.crm.account_id,
        "_links": {"self": {"href": format!("{}/api/v4/events/{id}", ctx.origin)}},
        "_embedded": {"entity": entity},
    });
    if let Some(contact) = e.linked_talk_contact_id {
        v["linked_talk_contact_id"] = json!(contact);
    }
    v
}

/// The names in the language asked for (`en`, `es`, `ru`, `pt`; Spanish and Portuguese
/// names are the English ones), the account's (Russian) by default; another language is a
/// 400.
async fn types(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let query = query::parse(query.as_deref().unwrap_or(""));
    let language = match query.get("language_code").map(|l| l.as_str()) {
        None => "ru",
        Some(Some(language @ ("en" | "es" | "ru" | "pt"))) => language,
        Some(_) => {
            return Err(Problem::bad_request(
                "NotSupportedChoice",
                "language_code",
                "This value should be en, es, ru or pt.",
            ));
        }
    };
    let items: Vec<Value> = EVENT_TYPES
        .iter()
        .map(|(key, code, ru, en)| {
            let name = if language == "ru" { ru } else { en };
            json!({"key": key, "type": code, "lang": name})
        })
        .collect();
    let href = caller.link(format_args!(
        "/api/v4/events/types?language_code={language}"
    ));
    Ok(hal::ok(&json!({
        "_total_items": items.len(),
        "_links": {"self": {"href": href}},
        "_embedded": {"events_types": items},
    })))
}
