//! Tasks: `GET /api/v4/tasks` (filters by id, responsible user, completion, type,
//! attached entity and `updated_at`; `order[created_at|complete_till|id]`; paged; 204 when
//! nothing matches) and `GET /api/v4/tasks/{id}` (204 when missing).

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
use crate::model::crm::activity_filters::TaskFilter;
use crate::model::crm::records::Task;
use crate::model::crm::table::SortKey;
use crate::model::crm::terms;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/api/v4/tasks", get(list))
        .route("/api/v4/tasks/{id}", get(one))
}

/// `created_at` orders as the id (tasks are numbered as they are made); `complete_till`
/// is served as the table's `UpdatedAt` key here.
const ORDERS: &[(&str, SortKey)] = &[
    ("created_at", SortKey::Id),
    ("complete_till", SortKey::UpdatedAt),
    ("id", SortKey::Id),
];

async fn list(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    let filter = TaskFilter::parse(&request.query, &mut request.errors);
    let order = terms::order(&request.query, ORDERS, &mut request.errors);
    request.check()?;
    let crm = read(&caller.tenant.crm);
    let mut chosen: Vec<&Task> = crm.tasks.iter().filter(|t| filter.task(t)).collect();
    match order {
        Some((SortKey::UpdatedAt, desc)) => chosen.sort_by_key(|t| {
            if desc {
                (-t.complete_till, -t.id)
            } else {
                (t.complete_till, t.id)
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
    let views: Vec<Value> = page.iter().map(|t| view(&ctx, t)).collect();
    Ok(listing::page(
        &caller,
        &request,
        "/api/v4/tasks",
        "tasks",
        &views,
        more,
        Counts::default(),
    ))
}

async fn one(caller: Caller, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = path::id(id)?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    Ok(crm.tasks.binary_search_by_key(&id, |t| t.id).map_or_else(
        |_| hal::no_content(),
        |at| hal::ok(&view(&ctx, &crm.tasks[at])),
    ))
}

/// A task; `result` is `[]` (PHP's empty map) when it has none.
fn view(ctx: &Ctx<'_>, t: &Task) -> Value {
    json!({
        "id": t.id, "created_by": t.created_by, "updated_by": t.updated_by, "created_at": t.created_at,
        "updated_at": t.updated_at, "responsible_user_id": t.responsible_user_id, "group_id": t.group_id,
        "entity_id": t.entity.map(|(_, id)| id), "entity_type": t.entity.map(|(kind, _)| kind.plural()),
        "duration": t.duration, "is_completed": t.is_completed, "task_type_id": t.task_type_id, "text": t.text,
        "result": t.result.as_ref().map_or_else(|| json!([]), |text| json!({"text": text})),
        "complete_till": t.complete_till, "account_id": ctx.crm.account_id,
        "_links": ctx.links(format_args!("/api/v4/tasks/{}", t.id)),
    })
}
