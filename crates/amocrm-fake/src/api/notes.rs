//! Notes: of an entity type (`GET /api/v4/{entity_type}/notes`, with `filter[entity_id]`),
//! of one entity (`/{entity_type}/{entity_id}/notes`) and one note
//! (`/{entity_type}/notes/{id}`); filters by id, type and `updated_at`,
//! `order[updated_at|id]`, `with=is_pinned`; 204 when none.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::api::crm_view::Ctx;
use crate::http::caller::Caller;
use crate::http::listing::{self, Counts, ListRequest};
use crate::http::paging::MAX_LIMIT;
use crate::http::router::Routes;
use crate::http::{hal, path};
use crate::model::crm::activity_filters::NoteFilter;
use crate::model::crm::query;
use crate::model::crm::records::{Kind, Note};
use crate::model::crm::table::SortKey;
use crate::model::crm::terms;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    Kind::ALL.into_iter().fold(Routes::new(), |routes, kind| {
        let base = format!("/api/v4/{}", kind.plural());
        routes
            .route(
                &format!("{base}/notes"),
                get(move |caller, query| list(caller, kind, None, query)),
            )
            .route(
                &format!("{base}/{{id}}/notes"),
                get(
                    move |caller, id: Result<Path<String>, PathRejection>, query| async move {
                        let id = path::list_id(id, "entity_id")?;
                        list(caller, kind, Some(id), query).await
                    },
                ),
            )
            .route(
                &format!("{base}/notes/{{id}}"),
                get(move |caller, id, query| one(caller, kind, id, query)),
            )
    })
}

async fn list(
    caller: Caller,
    kind: Kind,
    entity: Option<i64>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    let filter = NoteFilter::parse(&request.query, entity.is_none(), &mut request.errors);
    let order = terms::order(
        &request.query,
        &[("updated_at", SortKey::UpdatedAt), ("id", SortKey::Id)],
        &mut request.errors,
    );
    request.check()?;
    let pinned = terms::with(&request.query).iter().any(|w| w == "is_pinned");
    let crm = read(&caller.tenant.crm);
    let mut chosen: Vec<&Note> = crm
        .notes
        .iter()
        .filter(|n| n.kind == kind && entity.is_none_or(|e| n.entity_id == e) && filter.note(n))
        .collect();
    match order {
        Some((SortKey::UpdatedAt, desc)) => chosen.sort_by_key(|n| {
            if desc {
                (-n.updated_at, -n.id)
            } else {
                (n.updated_at, n.id)
            }
        }),
        Some((SortKey::Id, true)) => chosen.reverse(),
        _ => {}
    }
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let (page, more) = listing::window(&chosen, request.paging);
    let views: Vec<Value> = page.iter().map(|n| view(&ctx, n, pinned)).collect();
    let path = match entity {
        Some(id) => format!("/api/v4/{}/{id}/notes", kind.plural()),
        None => format!("/api/v4/{}/notes", kind.plural()),
    };
    Ok(listing::page(
        &caller,
        &request,
        &path,
        "notes",
        &views,
        more,
        Counts::default(),
    ))
}

async fn one(
    caller: Caller,
    kind: Kind,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::id(id)?;
    let pinned = terms::with(&query::parse(query.as_deref().unwrap_or("")))
        .iter()
        .any(|w| w == "is_pinned");
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let note = crm
        .notes
        .binary_search_by_key(&id, |n| n.id)
        .ok()
        .map(|at| &crm.notes[at])
        .filter(|n| n.kind == kind);
    Ok(note.map_or_else(hal::no_content, |n| hal::ok(&view(&ctx, n, pinned))))
}

fn view(ctx: &Ctx<'_>, n: &Note, pinned: bool) -> Value {
    let mut v = json!({
        "id": n.id, "entity_id": n.entity_id, "created_by": n.created_by, "updated_by": n.updated_by,
        "created_at": n.created_at, "updated_at": n.updated_at, "responsible_user_id": n.responsible_user_id,
        "group_id": n.group_id, "note_type": n.note_type, "params": n.params, "account_id": ctx.crm.account_id,
        "_links": ctx.links(format_args!("/api/v4/{}/{}/notes/{}", n.kind.plural(), n.entity_id, n.id)),
    });
    if pinned {
        v["is_pinned"] = json!(n.is_pinned);
    }
    v
}
