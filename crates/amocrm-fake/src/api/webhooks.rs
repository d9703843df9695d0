//! Webhooks: `GET|POST|DELETE /api/v4/webhooks` (list with `filter[destination]`,
//! subscribe, unsubscribe). Subscribing starts the account's dispatcher (`crate::hooks`).

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::http::body::json_object;
use crate::http::caller::Caller;
use crate::http::hal;
use crate::http::problem::body_rejected;
use crate::http::router::Routes;
use crate::model::problem::{FieldError, Problem};
use crate::model::webhooks::Subscription;
use crate::model::{lock, read};

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    Routes::new().route(
        "/api/v4/webhooks",
        get(list).post(subscribe).delete(unsubscribe),
    )
}

fn view(s: &Subscription, account_id: i64) -> Value {
    json!({
        "id": s.id,
        "destination": s.destination,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "account_id": account_id,
        "created_by": s.created_by,
        "sort": s.sort,
        "disabled": s.disabled,
        "settings": s.settings,
    })
}

async fn list(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    caller.require_admin()?;
    let destination = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "filter[destination]")
        .map(|(_, v)| v.into_owned());
    let tenant = &caller.tenant;
    let list = lock(&tenant.webhooks).list(destination.as_deref());
    if list.is_empty() {
        return Ok(hal::no_content());
    }
    let items: Vec<Value> = list.iter().map(|s| view(s, tenant.account_id)).collect();
    Ok(hal::ok(&json!({
        "_total_items": items.len(),
        "_embedded": {"webhooks": items},
    })))
}

fn destination(body: &serde_json::Map<String, Value>) -> Result<String, Problem> {
    body.get("destination")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            Problem::validation(vec![FieldError::new(
                "NotBlank",
                "destination",
                "A destination URL.",
            )])
        })
}

async fn subscribe(
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    caller.require_admin()?;
    let body = body.map_err(body_rejected)?;
    let body = json_object(&headers, &body)?;
    let destination = destination(&body)?;
    let settings = body.get("settings").and_then(Value::as_array);
    let settings: Option<Vec<String>> = settings.and_then(|list| {
        list.iter()
            .map(|code| code.as_str().map(str::to_owned))
            .collect()
    });
    let settings = settings.ok_or_else(|| {
        Problem::validation(vec![FieldError::new(
            "InvalidType",
            "settings",
            "A list of event codes.",
        )])
    })?;
    // A sort that is not a 64-bit integer (`null` too) is refused, not taken as none.
    let sort = match body.get("sort") {
        None => None,
        Some(sort) => Some(sort.as_i64().ok_or_else(|| {
            Problem::validation(vec![FieldError::new(
                "InvalidType",
                "sort",
                "A 64-bit integer.",
            )])
        })?),
    };
    let tenant = &caller.tenant;
    let (now, by, feed) = {
        let crm = read(&tenant.crm);
        (tenant.clock.now(), crm.users[0].id, crm.events.len())
    };
    // The CRM before the webhooks, as the dispatcher takes them.
    let created = {
        let mut hooks = lock(&tenant.webhooks);
        let created =
            hooks.subscribe(&destination, settings, sort, (now, by, tenant.account_id))?;
        if hooks.cursor.is_none() {
            hooks.cursor = Some(feed);
        }
        created
    };
    crate::hooks::start(tenant);
    Ok(hal::hal(
        StatusCode::CREATED,
        &view(&created, tenant.account_id),
    ))
}

async fn unsubscribe(
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    caller.require_admin()?;
    let body = body.map_err(body_rejected)?;
    let body = json_object(&headers, &body)?;
    let destination = destination(&body)?;
    if lock(&caller.tenant.webhooks).unsubscribe(&destination) {
        Ok(hal::no_content())
    } else {
        Err(Problem::not_found("Webhook not found"))
    }
}
