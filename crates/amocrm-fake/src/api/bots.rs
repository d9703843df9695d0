//! Bots: `POST /api/v4/{salesbot|marketingbot}/{bot_id}/continue/{continue_id}`, a widget's
//! result for a bot step waiting for it.

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::http::body::json_object;
use crate::http::caller::Caller;
use crate::http::problem::body_rejected;
use crate::http::router::Routes;
use crate::model::continuations;
use crate::model::lock;
use crate::model::problem::Problem;
use crate::model::record::BotKind;

pub(super) fn routes() -> Routes {
    Routes::new().route(
        "/api/v4/{kind}/{id}/continue/{continue_id}",
        post(continue_bot),
    )
}

/// A bot kind other than `salesbot`/`marketingbot`, or a `bot_id` that is not a positive
/// integer, is no route (404). The body is validated (400) before the step is looked up
/// (404); the first accepted call spends the step.
async fn continue_bot(
    caller: Caller,
    headers: HeaderMap,
    params: Result<Path<(String, String, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    caller.require_admin()?;
    let (bot, bot_id, continue_id) = params
        .ok()
        .and_then(|Path((bot, id, cid))| {
            let bot: BotKind = bot.parse().ok()?;
            // Bot IDs are positive (the spec's `minimum: 1`).
            let id: i64 = id.parse().ok().filter(|id| *id >= 1)?;
            Some((bot, id, cid))
        })
        .ok_or_else(Problem::no_route)?;
    let body = body.map_err(body_rejected)?;
    // The body is optional, as both of its fields are: none is `{}`.
    let body = if body.is_empty() {
        serde_json::Map::new()
    } else {
        json_object(&headers, &body)?
    };
    let errors = continuations::validate(&body);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let any = caller.tenant.any_continuation;
    lock(&caller.tenant.continuations).accept(bot, bot_id, continue_id, body, any)?;
    Ok((StatusCode::ACCEPTED, Body::empty()).into_response())
}
