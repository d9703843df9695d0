//! Custom field definitions written: `POST` and `PATCH /api/v4/{entity_type}/custom_fields`,
//! `PATCH` and `DELETE …/custom_fields/{id}`; account administrators only. Checked and
//! applied by `model::field_writes`; the read side serves the result.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use serde_json::{Value, json};

use super::crm_view::Ctx;
use super::custom_fields::definition;
use super::writes::{Body, body, refusal};
use crate::http::caller::Caller;
use crate::http::router::Routes;
use crate::http::{hal, path};
use crate::model::crm::records::Kind;
use crate::model::field_writes;
use crate::model::pipeline_writes::Failure;
use crate::model::{read, write};

type Id = Result<Path<String>, PathRejection>;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new();
    for kind in Kind::ALL {
        let base = format!("/api/v4/{}/custom_fields", kind.plural());
        routes = routes
            .route(
                &base,
                post(move |c: Caller, b: Body| add(c, b, kind))
                    .patch(move |c: Caller, b: Body| update(c, None, b, kind)),
            )
            .route(
                &format!("{base}/{{id}}"),
                patch(move |c: Caller, id: Id, b: Body| update(c, Some(id), b, kind))
                    .delete(move |c: Caller, id: Id| delete(c, id, kind)),
            );
    }
    routes
}

fn failed(failure: Failure) -> Response {
    match failure {
        Failure::Refused(refused) => refusal(refused),
        Failure::Problem(problem) => problem.into_response(),
    }
}

/// The definitions `written` (with their `request_id`s) as a list answer.
fn answer(caller: &Caller, kind: Kind, written: &[(String, i64)], status: StatusCode) -> Response {
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let fields = &crm.fields[kind.index()];
    let entries: Vec<Value> = written
        .iter()
        .filter_map(|(r, id)| {
            let mut v = definition(&ctx, fields.by_id(*id)?);
            v["request_id"] = r.clone().into();
            Some(v)
        })
        .collect();
    let href = caller.link(format_args!("/api/v4/{}/custom_fields", kind.plural()));
    hal::hal(
        status,
        &json!({
            "_total_items": entries.len(),
            "_links": {"self": {"href": href}},
            "_embedded": {"custom_fields": entries},
        }),
    )
}

async fn add(caller: Caller, b: Body, kind: Kind) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = body(b)
        .map_err(Failure::Problem)
        .and_then(|b| field_writes::add(&mut write(&caller.tenant.crm), kind, &b));
    match done {
        Ok(made) => answer(&caller, kind, &made, StatusCode::CREATED),
        Err(failure) => failed(failure),
    }
}

async fn update(caller: Caller, id: Option<Id>, b: Body, kind: Kind) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let id = match id.map(path::id).transpose() {
        Ok(id) => id,
        Err(problem) => return problem.into_response(),
    };
    let done = body(b)
        .map_err(Failure::Problem)
        .and_then(|b| field_writes::update(&mut write(&caller.tenant.crm), kind, &b, id));
    match (done, id) {
        (Ok(changed), None) => answer(&caller, kind, &changed, StatusCode::OK),
        (Ok(_), Some(id)) => {
            let crm = read(&caller.tenant.crm);
            let ctx = Ctx {
                origin: caller.origin(),
                crm: &crm,
            };
            match crm.fields[kind.index()].by_id(id) {
                Some(def) => hal::ok(&definition(&ctx, def)),
                None => hal::no_content(),
            }
        }
        (Err(failure), _) => failed(failure),
    }
}

async fn delete(caller: Caller, id: Id, kind: Kind) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = path::id(id)
        .map_err(Failure::Problem)
        .and_then(|id| field_writes::delete(&mut write(&caller.tenant.crm), kind, id));
    match done {
        Ok(()) => hal::no_content(),
        Err(failure) => failed(failure),
    }
}
