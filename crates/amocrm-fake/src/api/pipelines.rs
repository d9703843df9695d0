//! Pipelines: `GET /api/v4/leads/pipelines` (every pipeline, not paged) and
//! `GET /api/v4/leads/pipelines/{id}`, each with its statuses. Read-only, for any user.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::response::Response;
use axum::routing::get;

use crate::http::caller::Caller;
use crate::http::hal::{self, Entity};
use crate::http::path;
use crate::http::router::Routes;
use crate::model::pipelines::{Pipeline, Status};
use crate::model::problem::Problem;
use crate::model::read;

const PIPELINES: &str = "/api/v4/leads/pipelines";

pub(super) fn routes() -> Routes {
    Routes::new()
        .route(PIPELINES, get(list))
        .route("/api/v4/leads/pipelines/{id}", get(one))
}

async fn list(caller: Caller) -> Response {
    let pipelines = read(&caller.tenant.pipelines);
    let views = pipelines
        .list
        .iter()
        .map(|pipeline| view(&caller, pipeline))
        .collect();
    hal::collection(caller.link(PIPELINES), "pipelines", views)
}

/// A pipeline the account does not have is 204, as amoCRM answers a get by id of an entity
/// it does not find; an id that is not a number matches no route (404).
async fn one(caller: Caller, id: Result<Path<String>, PathRejection>) -> Result<Response, Problem> {
    let id = path::id(id)?;
    let pipelines = read(&caller.tenant.pipelines);
    Ok(match pipelines.list.iter().find(|p| p.id == id) {
        Some(pipeline) => hal::ok(&view(&caller, pipeline)),
        None => hal::no_content(),
    })
}

type PipelineView<'a> = Entity<&'a Pipeline, Entity<&'a Status>>;

pub(super) fn view<'a>(caller: &Caller, pipeline: &'a Pipeline) -> PipelineView<'a> {
    let href = caller.link(format_args!("{PIPELINES}/{}", pipeline.id));
    let statuses = pipeline.statuses.iter();
    let statuses = statuses.map(|s| Entity::new(s, format!("{href}/statuses/{}", s.id)));
    let statuses = statuses.collect();
    Entity::new(pipeline, href).embed("statuses", statuses)
}
