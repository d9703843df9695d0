//! The writes of tasks and notes: `POST`/`PATCH /api/v4/tasks`, `PATCH
//! /api/v4/tasks/{id}`; `POST`/`PATCH /api/v4/{type}/notes` and
//! `/api/v4/{type}/{entity_id}/notes`, `PATCH /api/v4/{type}/{entity_id}/notes/{id}`. Each
//! request is checked whole and written all or nothing (`model::crm::write::{tasks,
//! notes}`); a refusal is a 400 with `validation-errors` grouped by `request_id`, as for
//! the other writes.

use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post};
use serde_json::{Map, Value, json};

use super::writes::{Body, Id, body, refusal};
use crate::http::caller::Caller;
use crate::http::router::Routes;
use crate::http::{hal, path};
use crate::model::crm::records::Kind;
use crate::model::crm::write::Refused;
use crate::model::crm::write::check::How;
use crate::model::crm::write::tasks::Wrote;
use crate::model::crm::write::{notes, tasks};
use crate::model::problem::Problem;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new()
        .route(
            "/api/v4/tasks",
            post(|c: Caller, b: Body| batch(c, b, Target::Tasks, How::Add))
                .patch(|c: Caller, b: Body| batch(c, b, Target::Tasks, How::Update)),
        )
        .route(
            "/api/v4/tasks/{id}",
            patch(|c: Caller, id: Id, b: Body| async move {
                match path::id(id) {
                    Ok(id) => one(c, b, Target::Tasks, id).await,
                    Err(problem) => problem.into_response(),
                }
            }),
        );
    for kind in Kind::ALL {
        let base = format!("/api/v4/{}", kind.plural());
        let notes = Target::Notes(kind, None);
        routes = routes
            .route(
                &format!("{base}/notes"),
                post(move |c: Caller, b: Body| batch(c, b, notes, How::Add))
                    .patch(move |c: Caller, b: Body| batch(c, b, notes, How::Update)),
            )
            .route(
                // The read side's route names the segment `id`: one name per segment.
                &format!("{base}/{{id}}/notes"),
                post(move |c: Caller, e: Id, b: Body| of_entity(c, e, b, kind, How::Add))
                    .patch(move |c: Caller, e: Id, b: Body| of_entity(c, e, b, kind, How::Update)),
            )
            .route(
                &format!("{base}/{{id}}/notes/{{note_id}}"),
                patch(move |c: Caller, ids: IdPair, b: Body| async move {
                    let ids = ids.ok().and_then(|axum::extract::Path((e, id))| {
                        Some((path::positive(&e)?, path::positive(&id)?))
                    });
                    match ids {
                        Some((entity, id)) => {
                            one(c, b, Target::Notes(kind, Some(entity)), id).await
                        }
                        None => Problem::no_route().into_response(),
                    }
                }),
            );
    }
    routes
}

type IdPair =
    Result<axum::extract::Path<(String, String)>, axum::extract::rejection::PathRejection>;

/// Where the written entities live.
#[derive(Clone, Copy)]
enum Target {
    Tasks,
    /// Notes of an entity type, of one entity when the path names it.
    Notes(Kind, Option<i64>),
}

impl Target {
    fn write(self, caller: &Caller, how: How, body: &Value) -> Result<Vec<Wrote>, Refused> {
        let now = caller.tenant.clock.now();
        let mut crm = crate::model::write(&caller.tenant.crm);
        match self {
            Target::Tasks => tasks::write(&mut crm, how, body, now),
            Target::Notes(kind, entity) => notes::write(&mut crm, kind, entity, how, body, now),
        }
    }

    fn path(self) -> String {
        match self {
            Target::Tasks => "/api/v4/tasks".into(),
            Target::Notes(kind, None) => format!("/api/v4/{}/notes", kind.plural()),
            Target::Notes(kind, Some(e)) => format!("/api/v4/{}/{e}/notes", kind.plural()),
        }
    }

    /// One written entity of an answer: an add's `id` and `request_id` (and a note's
    /// `entity_id`), an update's also `updated_at`. A note update's leaves `request_id`
    /// out, as amoCRM's documentation shows it.
    fn entry(self, caller: &Caller, how: How, w: &Wrote) -> Value {
        let (href, mut entry) = match self {
            Target::Tasks => (
                format!("/api/v4/tasks/{}", w.id),
                json!({"id": w.id, "request_id": w.request_id}),
            ),
            Target::Notes(kind, _) => (
                format!("/api/v4/{}/{}/notes/{}", kind.plural(), w.entity_id, w.id),
                json!({"id": w.id, "entity_id": w.entity_id, "request_id": w.request_id}),
            ),
        };
        if how == How::Update {
            entry["updated_at"] = w.updated_at.into();
            if let (Target::Notes(..), Some(entry)) = (self, entry.as_object_mut()) {
                entry.remove("request_id");
            }
        }
        entry["_links"] = json!({"self": {"href": caller.link(href)}});
        entry
    }

    fn embedded(self) -> &'static str {
        match self {
            Target::Tasks => "tasks",
            Target::Notes(..) => "notes",
        }
    }
}

async fn of_entity(caller: Caller, entity: Id, body: Body, kind: Kind, how: How) -> Response {
    match path::list_id(entity, "entity_id") {
        Ok(entity) => batch(caller, body, Target::Notes(kind, Some(entity)), how).await,
        Err(problem) => problem.into_response(),
    }
}

async fn batch(caller: Caller, body: Body, target: Target, how: How) -> Response {
    let body = match self::body(body) {
        Ok(body) => body,
        Err(problem) => return problem.into_response(),
    };
    match target.write(&caller, how, &body) {
        Ok(done) => {
            let entries: Vec<Value> = done.iter().map(|w| target.entry(&caller, how, w)).collect();
            hal::ok(&json!({
                "_links": {"self": {"href": caller.link(target.path())}},
                "_embedded": {target.embedded(): entries},
            }))
        }
        Err(refused) => refusal(refused),
    }
}

/// `PATCH` of one entity by its path: the body is one object, its `id` the path's.
async fn one(caller: Caller, body: Body, target: Target, id: i64) -> Response {
    let item: Map<String, Value> = match self::body(body) {
        Ok(Value::Object(item)) => item,
        Ok(_) => return Problem::new(400, "The body is one JSON object").into_response(),
        Err(problem) => return problem.into_response(),
    };
    let mut item = item;
    item.insert("id".into(), id.into());
    match target.write(
        &caller,
        How::Update,
        &Value::Array(vec![Value::Object(item)]),
    ) {
        Ok(done) => match done.first() {
            Some(w) => {
                let mut entry = target.entry(&caller, How::Update, w);
                if let Some(entry) = entry.as_object_mut() {
                    entry.remove("request_id");
                }
                hal::ok(&entry)
            }
            None => Problem::new(500, "Nothing was written").into_response(),
        },
        Err(refused) => refusal(refused),
    }
}
