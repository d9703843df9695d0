//! The fake's own control routes under `/_fake/` (per account: `/{name}/_fake/...`), for
//! the binary's users, who cannot call [`crate::FakeServer`]'s methods. They need no
//! token, are not recorded and do not count against the rate limit.
//!
//! | Route | Does |
//! | --- | --- |
//! | `GET /_fake/continuations` | `{"pending": [...], "received": [...]}` |
//! | `POST /_fake/continuations` | registers `{"bot", "bot_id", "continue_id"}` as pending: 201 |
//! | `GET /_fake/requests` | the account's recorded requests (Authorization masked) |

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::problem::{self, ApiError, FieldError};
use crate::state::{Shared, lock};
use crate::{BotKind, validate};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/_fake/continuations",
            get(continuations).post(add_continuation),
        )
        .route("/_fake/requests", get(requests))
        .with_state(shared)
}

async fn continuations(State(shared): State<Arc<Shared>>) -> Response {
    let state = lock(&shared.state);
    let mut pending: Vec<Value> = state
        .pending
        .iter()
        .map(|((bot, bot_id, continue_id), left)| {
            json!({"bot": bot.as_str(), "bot_id": bot_id, "continue_id": continue_id, "left": left})
        })
        .collect();
    pending.sort_by_key(|p| p.to_string());
    let received: Vec<Value> = state
        .continuations
        .iter()
        .map(|c| {
            json!({"bot": c.bot.as_str(), "bot_id": c.bot_id, "continue_id": c.continue_id, "body": c.body})
        })
        .collect();
    problem::json(
        StatusCode::OK,
        &json!({"pending": pending, "received": received}),
    )
}

async fn add_continuation(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = validate::json_object(&headers, &body)?;
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
        return Err(ApiError::validation(errors));
    };
    crate::account::add_pending(&shared, bot, bot_id, continue_id);
    Ok(problem::json(
        StatusCode::CREATED,
        &json!({"bot": bot.as_str(), "bot_id": bot_id, "continue_id": continue_id}),
    ))
}

async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    let all = lock(&shared.requests);
    let list: Vec<Value> = all
        .iter()
        .filter(|r| r.account == shared.name)
        .map(|r| {
            json!({
                "account": r.account,
                "method": r.method,
                "path_and_query": r.path_and_query,
                "headers": r.headers,
                "body": r.body_text().map_or_else(
                    || Value::Array(r.body.iter().map(|b| Value::from(*b)).collect()),
                    Value::from,
                ),
            })
        })
        .collect();
    drop(all);
    problem::json(StatusCode::OK, &Value::Array(list)).into_response()
}
