//! Custom field definitions written: `POST` and `PATCH /api/v4/{entity_type}/custom_fields`,
//! `PATCH` and `DELETE …/custom_fields/{id}`, and the same four of a catalog's fields under
//! `/api/v4/catalogs/{catalog_id}/custom_fields`; account administrators only. Checked and
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
use crate::model::crm::Crm;
use crate::model::crm::fields::Fields;
use crate::model::crm::records::Kind;
use crate::model::field_writes::{self, Of};
use crate::model::pipeline_writes::Failure;
use crate::model::problem::Problem;
use crate::model::{read, write};

type Id = Result<Path<String>, PathRejection>;
type Ids = Result<Path<(String, String)>, PathRejection>;

pub(super) fn routes() -> Routes {
    let mut routes = Routes::new();
    for kind in Kind::ALL {
        let of = Of::Entity(kind);
        let base = format!("/api/v4/{}/custom_fields", kind.plural());
        routes = routes
            .route(
                &base,
                post(move |c: Caller, b: Body| add(c, b, Ok(of)))
                    .patch(move |c: Caller, b: Body| update(c, None, b, Ok(of))),
            )
            .route(
                &format!("{base}/{{id}}"),
                patch(move |c: Caller, id: Id, b: Body| update(c, Some(path::id(id)), b, Ok(of)))
                    .delete(move |c: Caller, id: Id| delete(c, path::id(id), Ok(of))),
            );
    }
    // The parameter names of the catalog read routes (axum merges the methods of a path).
    let catalog = "/api/v4/catalogs/{id}/custom_fields";
    routes
        .route(
            catalog,
            post(|c: Caller, id: Id, b: Body| add(c, b, catalog_of(id)))
                .patch(|c: Caller, id: Id, b: Body| update(c, None, b, catalog_of(id))),
        )
        .route(
            &format!("{catalog}/{{field_id}}"),
            patch(|c: Caller, ids: Ids, b: Body| {
                let (of, id) = catalog_ids(ids);
                update(c, Some(id), b, of)
            })
            .delete(|c: Caller, ids: Ids| {
                let (of, id) = catalog_ids(ids);
                delete(c, id, of)
            }),
        )
}

fn catalog_of(id: Id) -> Result<Of, Problem> {
    path::id(id).map(Of::Catalog)
}

/// The catalog and the field of `…/catalogs/{id}/custom_fields/{field_id}`.
fn catalog_ids(ids: Ids) -> (Result<Of, Problem>, Result<i64, Problem>) {
    match ids {
        Ok(Path((catalog, id))) => (catalog_of(Ok(Path(catalog))), path::id(Ok(Path(id)))),
        Err(_) => (Err(Problem::no_route()), Err(Problem::no_route())),
    }
}

fn failed(failure: Failure) -> Response {
    match failure {
        Failure::Refused(refused) => refusal(refused),
        Failure::Problem(problem) => problem.into_response(),
    }
}

/// The definitions of `of`, as the read side serves them.
fn fields(crm: &Crm, of: Of) -> Option<&Fields> {
    match of {
        Of::Entity(kind) => Some(&crm.fields[kind.index()]),
        Of::Catalog(id) => crm.catalog_fields(id),
    }
}

fn base(of: Of) -> String {
    match of {
        Of::Entity(kind) => format!("/api/v4/{}/custom_fields", kind.plural()),
        Of::Catalog(id) => format!("/api/v4/catalogs/{id}/custom_fields"),
    }
}

/// The definitions `written` (with their `request_id`s) as a list answer.
fn answer(caller: &Caller, of: Of, written: &[(String, i64)], status: StatusCode) -> Response {
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let entries: Vec<Value> = written
        .iter()
        .filter_map(|(r, id)| {
            let mut v = definition(&ctx, fields(&crm, of)?.by_id(*id)?);
            v["request_id"] = r.clone().into();
            Some(v)
        })
        .collect();
    let href = caller.link(format_args!("{}", base(of)));
    hal::hal(
        status,
        &json!({
            "_total_items": entries.len(),
            "_links": {"self": {"href": href}},
            "_embedded": {"custom_fields": entries},
        }),
    )
}

async fn add(caller: Caller, b: Body, of: Result<Of, Problem>) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let of = match of {
        Ok(of) => of,
        Err(problem) => return problem.into_response(),
    };
    let done = body(b)
        .map_err(Failure::Problem)
        .and_then(|b| field_writes::add(&mut write(&caller.tenant.crm), of, &b));
    match done {
        Ok(made) => answer(&caller, of, &made, StatusCode::CREATED),
        Err(failure) => failed(failure),
    }
}

async fn update(
    caller: Caller,
    id: Option<Result<i64, Problem>>,
    b: Body,
    of: Result<Of, Problem>,
) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let (of, id) = match (of, id.transpose()) {
        (Ok(of), Ok(id)) => (of, id),
        (Err(problem), _) | (_, Err(problem)) => return problem.into_response(),
    };
    let done = body(b)
        .map_err(Failure::Problem)
        .and_then(|b| field_writes::update(&mut write(&caller.tenant.crm), of, &b, id));
    match (done, id) {
        (Ok(changed), None) => answer(&caller, of, &changed, StatusCode::OK),
        (Ok(_), Some(id)) => {
            let crm = read(&caller.tenant.crm);
            let ctx = Ctx {
                origin: caller.origin(),
                crm: &crm,
            };
            match fields(&crm, of).and_then(|f| f.by_id(id)) {
                Some(def) => hal::ok(&definition(&ctx, def)),
                None => hal::no_content(),
            }
        }
        (Err(failure), _) => failed(failure),
    }
}

async fn delete(caller: Caller, id: Result<i64, Problem>, of: Result<Of, Problem>) -> Response {
    if let Err(problem) = caller.require_admin() {
        return problem.into_response();
    }
    let done = of
        .and_then(|of| Ok((of, id?)))
        .map_err(Failure::Problem)
        .and_then(|(of, id)| field_writes::delete(&mut write(&caller.tenant.crm), of, id));
    match done {
        Ok(()) => hal::no_content(),
        Err(failure) => failed(failure),
    }
}
