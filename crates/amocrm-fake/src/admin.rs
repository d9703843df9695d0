//! The fake's own control routes under `/_fake/` (per account: `/{name}/_fake/...`), for
//! the binary's users, who cannot call [`crate::FakeServer`]'s methods. They need no
//! token, are not recorded and do not count against the rate limit.
//!
//! | Route | Does |
//! | --- | --- |
//! | `GET /_fake/continuations` | `{"pending": [...], "received": [...]}` |
//! | `POST /_fake/continuations` | registers `{"bot", "bot_id", "continue_id"}` as pending: 201 |
//! | `GET /_fake/requests` | recorded requests (Authorization, token-request credentials masked), each with the `status` it was answered |
//! | `GET /_fake/figures` | what they add up to: API requests by status class, 429s, token requests by outcome ([`Figures`](crate::Figures)) |
//! | `POST /_fake/authorization_code` | `{"code": ...}`: a single-use code for the token endpoint (201) |
//! | `POST /_fake/crm/touch` | `{"entity": "leads", "ids": [...]}` or `{"entity": "leads", "count": N}`: changes them now |
//! | `POST /_fake/crm/delete` | `{"entity": "leads", "id": N}`: moves it to the trash |
//! | `GET /_fake/crm/snapshot?entity=leads` | `[{"id", "updated_at"}]` of every live entity |
//! | `GET`/`POST /_fake/crm/clock` | `{"now", "system"}`; `{"set": T}` or `{"advance": N}` moves it |
//! | `POST /_fake/uninstall` | uninstalls the integration: the account's tokens revoked, the signed uninstall hook sent to the configured URL (or `{"url": ...}`); `{"account_id", "tokens_revoked", "hook": null \| {"url", "status", "error"?}}` |
//! | `POST /_fake/standing` | `{"standing": "blocked", "rate_limited": N}` (N 429s, then 403 with an HTML page), `{"standing": "unpaid"}` (402) or `{"standing": "good"}`: 204 |
//!
//! They read and change the model only, never a section of the API.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::model::body::json_object;
use crate::model::crm::changes::CrmEntity;
use crate::model::figures::Figures;
use crate::model::problem::{FieldError, Problem};
use crate::model::record::BotKind;
use crate::model::standing::Standing;
use crate::model::tenant::Tenant;
use crate::model::{lock, read, write};

type Tenancy = State<Arc<Tenant>>;

/// The `/_fake/` routes of one account.
pub(crate) fn routes() -> Router<Arc<Tenant>> {
    Router::new()
        .route(
            "/_fake/continuations",
            get(continuations).post(add_continuation),
        )
        .route("/_fake/requests", get(requests))
        .route("/_fake/figures", get(figures))
        .route("/_fake/authorization_code", post(authorization_code))
        .route("/_fake/crm/touch", post(crm_touch))
        .route("/_fake/crm/delete", post(crm_delete))
        .route("/_fake/crm/snapshot", get(crm_snapshot))
        .route("/_fake/crm/clock", get(clock).post(set_clock))
        .route("/_fake/standing", post(set_standing))
        .route("/_fake/uninstall", post(uninstall))
}

/// Uninstalls the integration from the account; an empty body sends the hook to the
/// configured URL, `{"url": ...}` to that one.
async fn uninstall(
    State(tenant): Tenancy,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let url = if body.is_empty() {
        None
    } else {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let body = json_object(content_type, &body)?;
        match body.get("url") {
            None => None,
            // Checked before anything is revoked: a typo must not cost the tokens.
            Some(Value::String(url)) if crate::uninstall::hook_url(url).is_ok() => {
                Some(url.clone())
            }
            Some(_) => {
                return Err(Problem::bad_request(
                    "InvalidType",
                    "url",
                    "an http:// URL with a host",
                ));
            }
        }
    };
    Ok(Json(crate::uninstall::uninstall(&tenant, url.as_deref()).await).into_response())
}

/// Blocks the account, marks it unpaid, or reinstates it.
async fn set_standing(
    State(tenant): Tenancy,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = json_object(content_type, &body)?;
    let rate_limited = body
        .get("rate_limited")
        .and_then(Value::as_u64)
        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
    let standing = match body.get("standing").and_then(Value::as_str) {
        Some("blocked") => Standing::Blocked { rate_limited },
        Some("unpaid") => Standing::Unpaid,
        Some("good") => Standing::Good,
        _ => {
            return Err(Problem::validation(vec![FieldError::new(
                "NotSupportedChoice",
                "standing",
                "blocked, unpaid or good",
            )]));
        }
    };
    *lock(&tenant.standing) = standing;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn continuations(State(tenant): Tenancy) -> Response {
    let continuations = lock(&tenant.continuations);
    let mut pending: Vec<Value> = continuations
        .pending()
        .map(|(bot, bot_id, continue_id, left)| {
            json!({"bot": bot.as_str(), "bot_id": bot_id, "continue_id": continue_id, "left": left})
        })
        .collect();
    pending.sort_by_key(|p| p.to_string());
    let received: Vec<Value> = continuations
        .received()
        .iter()
        .map(|c| {
            json!({"bot": c.bot.as_str(), "bot_id": c.bot_id, "continue_id": c.continue_id, "body": c.body})
        })
        .collect();
    Json(json!({"pending": pending, "received": received})).into_response()
}

async fn add_continuation(
    State(tenant): Tenancy,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = json_object(content_type, &body)?;
    let mut errors = Vec::new();
    let bot = match body.get("bot").and_then(Value::as_str) {
        Some(bot) => bot.parse::<BotKind>().ok(),
        None => None,
    };
    if bot.is_none() {
        errors.push(FieldError::new(
            "NotSupportedChoice",
            "bot",
            "salesbot or marketingbot",
        ));
    }
    let bot_id = body
        .get("bot_id")
        .and_then(Value::as_i64)
        .filter(|id| *id >= 1);
    if bot_id.is_none() {
        errors.push(FieldError::new(
            "InvalidType",
            "bot_id",
            "a positive integer",
        ));
    }
    let continue_id = body
        .get("continue_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty());
    if continue_id.is_none() {
        errors.push(FieldError::new(
            "NotBlank",
            "continue_id",
            "a non-empty string",
        ));
    }
    let (Some(bot), Some(bot_id), Some(continue_id)) = (bot, bot_id, continue_id) else {
        return Err(Problem::validation(errors));
    };
    lock(&tenant.continuations).add_pending(bot, bot_id, continue_id);
    let added = json!({"bot": bot.as_str(), "bot_id": bot_id, "continue_id": continue_id});
    Ok((StatusCode::CREATED, Json(added)).into_response())
}

async fn requests(State(tenant): Tenancy) -> Response {
    let list: Vec<Value> = tenant
        .requests()
        .iter()
        .map(|r| {
            json!({
                "account": r.account,
                "method": r.method,
                "path_and_query": r.path_and_query,
                "headers": r.headers,
                "status": r.status(),
                "body": r.body_text().map_or_else(
                    || Value::Array(r.body.iter().map(|b| Value::from(*b)).collect()),
                    |_| Value::from(r.masked_body()),
                ),
            })
        })
        .collect();
    Json(Value::Array(list)).into_response()
}

/// What this account's recorded requests add up to.
async fn figures(State(tenant): Tenancy) -> Response {
    Json(Figures::of(&tenant.requests())).into_response()
}

/// A code for the `authorization_code` grant, as the install redirect would bring it: the
/// only way for a user of the binary to start an OAuth chain.
async fn authorization_code(State(tenant): Tenancy) -> Response {
    let code = lock(&tenant.tokens).new_code();
    (StatusCode::CREATED, Json(json!({"code": code}))).into_response()
}

/// The `entity` of a CRM request body: `leads`, `contacts` or `companies`.
fn entity(body: &serde_json::Map<String, Value>) -> Result<CrmEntity, Problem> {
    body.get("entity")
        .and_then(Value::as_str)
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| {
            Problem::bad_request(
                "NotSupportedChoice",
                "entity",
                "leads, contacts or companies",
            )
        })
}

/// Changes the entities `ids` names (or `count` random ones) now, as
/// [`FakeCrm::touch`](crate::FakeCrm::touch) does.
async fn crm_touch(
    State(tenant): Tenancy,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = json_object(content_type, &body)?;
    let entity = entity(&body)?;
    let now = tenant.clock.now();
    let changed = match (body.get("ids"), body.get("count")) {
        (Some(Value::Array(ids)), None) => {
            let ids: Option<Vec<i64>> = ids.iter().map(Value::as_i64).collect();
            let ids =
                ids.ok_or_else(|| Problem::bad_request("InvalidType", "ids", "a list of ids"))?;
            write(&tenant.crm).touch(entity, &ids, now)
        }
        (None, Some(count)) => {
            let count = count
                .as_u64()
                .ok_or_else(|| Problem::bad_request("InvalidType", "count", "a number"))?;
            write(&tenant.crm).touch_random(
                entity,
                usize::try_from(count).unwrap_or(usize::MAX),
                now,
            )
        }
        _ => {
            return Err(Problem::bad_request(
                "NotBlank",
                "ids",
                "ids (a list) or count (a number), not both",
            ));
        }
    };
    tenant.changed.notify_one();
    Ok(Json(json!({"changed": changed, "updated_at": now})).into_response())
}

async fn crm_delete(
    State(tenant): Tenancy,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = json_object(content_type, &body)?;
    let entity = entity(&body)?;
    let id = body
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| Problem::bad_request("InvalidType", "id", "an id"))?;
    let now = tenant.clock.now();
    if write(&tenant.crm).delete(entity, id, now) {
        tenant.changed.notify_one();
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Problem::not_found("No such entity"))
    }
}

async fn crm_snapshot(
    State(tenant): Tenancy,
    RawQuery(query): RawQuery,
) -> Result<Response, Problem> {
    let entity = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "entity")
        .map_or(Ok(CrmEntity::Leads), |(_, v)| v.parse::<CrmEntity>())
        .map_err(|why| Problem::bad_request("NotSupportedChoice", "entity", why))?;
    let stamps: Vec<Value> = read(&tenant.crm)
        .snapshot(entity)
        .iter()
        .map(|s| json!({"id": s.id, "updated_at": s.updated_at}))
        .collect();
    Ok(Json(Value::Array(stamps)).into_response())
}

async fn clock(State(tenant): Tenancy) -> Response {
    Json(json!({"now": tenant.clock.now(), "system": tenant.clock.is_system()})).into_response()
}

/// `{"set": T}` stops the clock at T; `{"advance": N}` moves it N seconds on.
async fn set_clock(
    State(tenant): Tenancy,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let body = json_object(content_type, &body)?;
    match (
        body.get("set").and_then(Value::as_i64),
        body.get("advance").and_then(Value::as_i64),
    ) {
        (Some(at), None) => tenant.clock.set(at),
        (None, Some(by)) => tenant.clock.advance(by),
        _ => {
            return Err(Problem::bad_request(
                "NotBlank",
                "set",
                "set (Unix seconds) or advance (seconds)",
            ));
        }
    }
    Ok(clock(State(tenant)).await)
}
