//! Pipelines and statuses written: `POST /api/v4/leads/pipelines`, `PATCH` and `DELETE`
//! of `/api/v4/leads/pipelines/{id}`, `POST …/{pipeline_id}/statuses`, `PATCH` and
//! `DELETE` of `…/{pipeline_id}/statuses/{id}`; account administrators only. Checked and
//! applied by `model::pipeline_writes`; the read side serves the result.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use serde_json::{Value, json};

use super::pipelines::view;
use super::writes::{Body, body, refusal};
use crate::http::caller::Caller;
use crate::http::router::Routes;
use crate::http::{hal, path};
use crate::model::pipeline_writes::{self as model, Failure};
use crate::model::pipelines::Pipelines;
use crate::model::problem::Problem;
use crate::model::{read, write};

const PIPELINES: &str = "/api/v4/leads/pipelines";

type Id = Result<Path<String>, PathRejection>;
type Ids = Result<Path<(String, String)>, PathRejection>;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route(PIPELINES, post(add_pipelines))
        .route(
            "/api/v4/leads/pipelines/{id}",
            patch(update_pipeline).delete(delete_pipeline),
        )
        .route(
            "/api/v4/leads/pipelines/{pipeline_id}/statuses",
            post(add_statuses),
        )
        .route(
            "/api/v4/leads/pipelines/{pipeline_id}/statuses/{id}",
            patch(update_status).delete(delete_status),
        )
}

fn failed(failure: Failure) -> Response {
    match failure {
        Failure::Refused(refused) => refusal(refused),
        Failure::Problem(problem) => problem.into_response(),
    }
}

/// The two IDs of a status's path, each as a path's ID (else no route: 404).
fn ids(ids: Ids) -> Result<(i64, i64), Problem> {
    let Ok(Path((pipeline, id))) = ids else {
        return Err(Problem::no_route());
    };
    let one = |s: String| path::id(Ok(Path(s)));
    Ok((one(pipeline)?, one(id)?))
}

/// Runs `change` on the account's CRM and pipelines, locked in that order.
fn change<T>(
    caller: &Caller,
    change: impl FnOnce(&mut crate::model::crm::Crm, &mut Pipelines) -> Result<T, Failure>,
) -> Result<T, Failure> {
    caller.require_admin()?;
    let mut crm = write(&caller.tenant.crm);
    let mut pipelines = write(&caller.tenant.pipelines);
    change(&mut crm, &mut pipelines)
}

fn pipeline_json(caller: &Caller, id: i64, request_id: Option<String>) -> Value {
    let pipelines = read(&caller.tenant.pipelines);
    let Some(pipeline) = pipelines.list.iter().find(|p| p.id == id) else {
        return Value::Null;
    };
    let mut value = serde_json::to_value(view(caller, pipeline)).unwrap_or_default();
    if let Some(request_id) = request_id {
        value["request_id"] = request_id.into();
    }
    value
}

fn status_json(caller: &Caller, pipeline_id: i64, id: i64, request_id: Option<String>) -> Value {
    let pipeline = pipeline_json(caller, pipeline_id, None);
    let statuses = pipeline["_embedded"]["statuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut status = statuses
        .into_iter()
        .find(|s| s["id"] == id)
        .unwrap_or_default();
    if let Some(request_id) = request_id {
        status["request_id"] = request_id.into();
    }
    status
}

async fn add_pipelines(caller: Caller, b: Body) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let added = body(b)
        .map_err(Failure::Problem)
        .and_then(|b| change(&caller, |crm, p| model::add_pipelines(crm, p, &b)));
    match added {
        Ok(added) => {
            let entries: Vec<Value> = added
                .into_iter()
                .map(|(r, id)| pipeline_json(&caller, id, Some(r)))
                .collect();
            hal::ok(&json!({
                "_total_items": entries.len(),
                "_links": {"self": {"href": caller.link(PIPELINES)}},
                "_embedded": {"pipelines": entries},
            }))
        }
        Err(failure) => failed(failure),
    }
}

async fn update_pipeline(caller: Caller, id: Id, b: Body) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = path::id(id)
        .and_then(|id| Ok((id, body(b)?)))
        .map_err(Failure::Problem)
        .and_then(|(id, b)| change(&caller, |_, p| model::update_pipeline(p, id, &b)).map(|()| id));
    match done {
        Ok(id) => hal::ok(&pipeline_json(&caller, id, None)),
        Err(failure) => failed(failure),
    }
}

async fn delete_pipeline(caller: Caller, id: Id) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = path::id(id)
        .map_err(Failure::Problem)
        .and_then(|id| change(&caller, |crm, p| model::delete_pipeline(crm, p, id)));
    match done {
        Ok(()) => hal::no_content(),
        Err(failure) => failed(failure),
    }
}

async fn add_statuses(caller: Caller, id: Id, b: Body) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = path::id(id)
        .and_then(|id| Ok((id, body(b)?)))
        .map_err(Failure::Problem)
        .and_then(|(id, b)| {
            change(&caller, |crm, p| model::add_statuses(crm, p, id, &b)).map(|added| (id, added))
        });
    match done {
        Ok((pipeline_id, added)) => {
            let entries: Vec<Value> = added
                .into_iter()
                .map(|(r, id)| status_json(&caller, pipeline_id, id, Some(r)))
                .collect();
            let href = caller.link(format_args!("{PIPELINES}/{pipeline_id}/statuses"));
            hal::ok(&json!({
                "_total_items": entries.len(),
                "_links": {"self": {"href": href}},
                "_embedded": {"statuses": entries},
            }))
        }
        Err(failure) => failed(failure),
    }
}

async fn update_status(caller: Caller, path: Ids, b: Body) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = ids(path)
        .and_then(|ids| Ok((ids, body(b)?)))
        .map_err(Failure::Problem)
        .and_then(|((pipeline, id), b)| {
            change(&caller, |_, p| model::update_status(p, pipeline, id, &b))
                .map(|()| (pipeline, id))
        });
    match done {
        Ok((pipeline, id)) => hal::ok(&status_json(&caller, pipeline, id, None)),
        Err(failure) => failed(failure),
    }
}

async fn delete_status(caller: Caller, path: Ids) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = ids(path)
        .map_err(Failure::Problem)
        .and_then(|(pipeline, id)| {
            change(&caller, |crm, p| model::delete_status(crm, p, pipeline, id))
        });
    match done {
        Ok(()) => hal::no_content(),
        Err(failure) => failed(failure),
    }
}
