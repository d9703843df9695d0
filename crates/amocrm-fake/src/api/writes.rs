//! The CRM's writes: `POST` (add) and `PATCH` (batch update) of `/api/v4/leads`,
//! `/api/v4/contacts` and `/api/v4/companies`, `PATCH /api/v4/{…}/{id}` (one) and
//! `POST /api/v4/leads/complex`. Each request is checked whole and written all or
//! nothing (`model::crm::write`); a refusal is a 400 with `validation-errors` grouped by
//! `request_id`.

use axum::body::Bytes;
use axum::extract::Path;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use serde_json::{Value, json};

use crate::http::caller::Caller;
use crate::http::problem::{PROBLEM_JSON, body_rejected};
use crate::http::router::Routes;
use crate::http::{hal, path};
use crate::model::crm::records::Kind;
use crate::model::crm::write::check::How;
use crate::model::crm::write::{Done, Refused, write};
use crate::model::problem::Problem;

pub(super) type Body = Result<Bytes, BytesRejection>;
type Id = Result<Path<String>, PathRejection>;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new().route(
        "/api/v4/leads/complex",
        post(|c: Caller, b: Body| batch(c, b, Kind::Leads, How::Complex)),
    );
    for kind in [Kind::Leads, Kind::Contacts, Kind::Companies] {
        let path = format!("/api/v4/{}", kind.plural());
        routes = routes
            .route(
                &path,
                post(move |c: Caller, b: Body| batch(c, b, kind, How::Add))
                    .patch(move |c: Caller, b: Body| batch(c, b, kind, How::Update)),
            )
            .route(
                &format!("{path}/{{id}}"),
                patch(move |c: Caller, id: Id, b: Body| one(c, id, b, kind)),
            );
    }
    routes
}

pub(super) fn body(body: Body) -> Result<Value, Problem> {
    let bytes = body.map_err(body_rejected)?;
    serde_json::from_slice(&bytes).map_err(|_| Problem::new(400, "The body is not valid JSON"))
}

/// Runs a write on the account's CRM.
fn run(caller: &Caller, kind: Kind, how: How, body: &Value) -> Result<Vec<Done>, Refused> {
    let now = caller.tenant.clock.now();
    let mut crm = crate::model::write(&caller.tenant.crm);
    write(&mut crm, kind, how, body, now)
}

async fn batch(caller: Caller, body: Body, kind: Kind, how: How) -> Response {
    let body = match self::body(body) {
        Ok(body) => body,
        Err(problem) => return problem.into_response(),
    };
    match run(&caller, kind, how, &body) {
        Ok(done) if how == How::Complex => complex_answer(&done),
        Ok(done) => {
            let entries: Vec<Value> = done.iter().map(|d| entry(&caller, kind, how, d)).collect();
            hal::ok(&json!({
                "_links": {"self": {"href": caller.link(format_args!("/api/v4/{}", kind.plural()))}},
                "_embedded": {kind.plural(): entries},
            }))
        }
        Err(refused) => refusal(refused),
    }
}

async fn one(caller: Caller, id: Id, body: Body, kind: Kind) -> Response {
    let (id, body) = match path::id(id).and_then(|id| Ok((id, self::body(body)?))) {
        Ok(pair) => pair,
        Err(problem) => return problem.into_response(),
    };
    let Value::Object(mut item) = body else {
        return Problem::new(400, "The body is one JSON object").into_response();
    };
    item.insert("id".into(), id.into());
    match run(
        &caller,
        kind,
        How::Update,
        &Value::Array(vec![Value::Object(item)]),
    ) {
        Ok(done) => match done.first() {
            Some(d) => hal::ok(&entry(&caller, kind, How::Update, d)),
            None => Problem::new(500, "Nothing was written").into_response(),
        },
        Err(refused) => refusal(refused),
    }
}

/// One written entity of an add or update answer.
fn entry(caller: &Caller, kind: Kind, how: How, d: &Done) -> Value {
    let mut entry = json!({
        "id": d.id,
        "request_id": d.request_id,
        "_links": {"self": {"href": caller.link(format_args!("/api/v4/{}/{}", kind.plural(), d.id))}},
    });
    if how == How::Update {
        entry["updated_at"] = d.updated_at.into();
        if kind != Kind::Leads {
            entry["name"] = d.name.clone().into();
        }
    }
    entry
}

/// A complex add's answer: a bare JSON array (not HAL).
fn complex_answer(done: &[Done]) -> Response {
    let entries: Vec<Value> = done
        .iter()
        .map(|d| {
            json!({
                "id": d.id, "contact_id": d.contact_id, "company_id": d.company_id,
                "request_id": [d.request_id], "merged": false,
            })
        })
        .collect();
    let bytes = serde_json::to_vec(&entries).unwrap_or_default();
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response()
}

/// A 400: `validation-errors` by `request_id`, or a detail for a body that is not a
/// write body at all.
pub(super) fn refusal(refused: Refused) -> Response {
    let groups = match refused {
        Refused::Body(detail) => return Problem::new(400, detail).into_response(),
        Refused::Entities(groups) => groups,
    };
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(request_id, errors)| {
            let errors: Vec<Value> = errors
                .into_iter()
                .map(|(code, path)| json!({"code": code, "path": path, "detail": detail(code)}))
                .collect();
            json!({"request_id": request_id, "errors": errors})
        })
        .collect();
    let body = json!({
        "validation-errors": groups,
        "title": "Bad Request", "type": "https://httpstatus.es/400", "status": 400,
        "detail": "Request validation failed",
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        bytes,
    )
        .into_response()
}

fn detail(code: &str) -> &'static str {
    match code {
        "FieldNotExpected" => "This field was not expected.",
        "FieldMissing" => "This field is missing.",
        "InvalidType" => "This value has a wrong type.",
        "NotSupportedChoice" => "The value you selected is not a valid choice.",
        _ => "This value is not valid.",
    }
}
