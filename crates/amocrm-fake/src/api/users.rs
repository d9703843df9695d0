//! Users and roles (administrators only, else 403): `GET /api/v4/users` (`with` = role,
//! group, uuid, amojo_id, user_rank, phone_number; `_total_items`, `_page_count`), `/{id}`,
//! `GET /api/v4/roles` (`with=users`) and `/{id}`; 204 for a missing one.

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
use crate::model::crm::Crm;
use crate::model::crm::query;
use crate::model::crm::records::{Role, User};
use crate::model::crm::terms;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/api/v4/users", get(users))
        .route("/api/v4/users/{id}", get(user))
        .route("/api/v4/roles", get(roles))
        .route("/api/v4/roles/{id}", get(role))
}

async fn users(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    caller.require_admin()?;
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    request.check()?;
    let with = terms::with(&request.query);
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let (page, more) = listing::window(&crm.users, request.paging);
    let views: Vec<Value> = page.iter().map(|u| user_view(&ctx, u, &with)).collect();
    let counts = Counts {
        total: Some(crm.users.len()),
        pages: Some(listing::page_count(crm.users.len(), request.paging)),
    };
    Ok(listing::page(
        &caller,
        &request,
        "/api/v4/users",
        "users",
        &views,
        more,
        counts,
    ))
}

async fn user(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::id(id)?;
    caller.require_admin()?;
    let with = terms::with(&query::parse(query.as_deref().unwrap_or("")));
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    Ok(crm
        .user(id)
        .map_or_else(hal::no_content, |u| hal::ok(&user_view(&ctx, u, &with))))
}

/// The rights of profile `n`: 0 everything, 1 a manager's (own entities), 2 a trainee's.
fn rights(crm: &Crm, n: usize, status_rights: Value) -> Value {
    let level = ["A", "M", "M"][n.min(2)];
    let add = if n == 2 { "D" } else { "A" };
    let entity = json!({"view": level, "edit": level, "add": add, "delete": if n == 0 { "A" } else { "D" }, "export": level});
    json!({
        "leads": entity, "contacts": entity, "companies": entity,
        "tasks": {"edit": "A", "delete": if n == 0 { "A" } else { "D" }},
        "mail_access": n != 2, "catalog_access": n != 2, "status_rights": status_rights,
        "catalog_rights": crm.catalogs.first().map(|c| json!([{"catalog_id": c.id, "rights": {"view": "A", "edit": level, "add": add, "delete": "D", "export": level}}])),
    })
}

fn status_rights(crm: &Crm, n: usize) -> Value {
    crm.stages
        .iter()
        .filter(|(s, _)| n > 0 && *s == 143)
        .map(|(s, p)| json!({"entity_type": "leads", "pipeline_id": p, "status_id": s, "rights": {"view": "D", "edit": "D", "delete": "D"}}))
        .collect()
}

fn user_view(ctx: &Ctx<'_>, u: &User, with: &[String]) -> Value {
    let crm = ctx.crm;
    let wants = |w: &str| with.iter().any(|x| x == w);
    // Real answers carry `"status_rights": null` for a user without status rights.
    let statuses = if ctx.quirk(u.id, 8, 2) {
        Value::Null
    } else {
        status_rights(crm, u.rights)
    };
    let mut rights = rights(crm, u.rights, statuses);
    for (key, value) in [
        ("is_admin", json!(u.is_admin)),
        ("is_free", json!(u.is_free)),
        ("is_active", json!(u.is_active)),
        ("group_id", json!(u.group_id)),
        ("role_id", json!(u.role_id)),
    ] {
        rights[key] = value;
    }
    let lang = if ctx.quirk(u.id, 9, 3) { "pt" } else { u.lang };
    let mut v =
        json!({"id": u.id, "name": u.name, "email": u.email, "lang": lang, "rights": rights});
    for (part, value) in [
        ("uuid", json!(u.uuid)),
        ("amojo_id", json!(u.amojo_id)),
        ("user_rank", json!(u.rank)),
        ("phone_number", json!(u.phone)),
    ] {
        if wants(part) {
            v[part] = value;
        }
    }
    v["_links"] = json!({"self": {"href": format!("{}/api/v4/users/{}", ctx.origin, u.id)}});
    let mut embedded = serde_json::Map::new();
    if wants("role") {
        let role = u
            .role_id
            .and_then(|id| crm.roles.iter().find(|r| r.id == id));
        let roles: Vec<Value> = role.iter().map(|r| json!({"id": r.id, "name": r.name, "_links": {"self": {"href": format!("{}/api/v4/roles/{}", ctx.origin, r.id)}}})).collect();
        embedded.insert("roles".into(), json!(roles));
    }
    if wants("group") {
        let groups: Vec<Value> = u
            .group_id
            .and_then(|id| crm.groups.iter().find(|g| g.id == id))
            .map(|g| json!({"id": g.id, "name": g.name}))
            .into_iter()
            .collect();
        embedded.insert("groups".into(), json!(groups));
    }
    if !embedded.is_empty() {
        v["_embedded"] = Value::Object(embedded);
    } else if crm.real_world {
        v["_embedded"] = json!([]);
    }
    v
}

async fn roles(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    caller.require_admin()?;
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    request.check()?;
    let with = terms::with(&request.query);
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let (page, more) = listing::window(&crm.roles, request.paging);
    let views: Vec<Value> = page.iter().map(|r| role_view(&ctx, r, &with)).collect();
    let counts = Counts {
        total: Some(crm.roles.len()),
        pages: Some(listing::page_count(crm.roles.len(), request.paging)),
    };
    Ok(listing::page(
        &caller,
        &request,
        "/api/v4/roles",
        "roles",
        &views,
        more,
        counts,
    ))
}

async fn role(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::id(id)?;
    caller.require_admin()?;
    let with = terms::with(&query::parse(query.as_deref().unwrap_or("")));
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    Ok(crm
        .roles
        .iter()
        .find(|r| r.id == id)
        .map_or_else(hal::no_content, |r| hal::ok(&role_view(&ctx, r, &with))))
}

fn role_view(ctx: &Ctx<'_>, r: &Role, with: &[String]) -> Value {
    let crm = ctx.crm;
    let mut rights = rights(crm, r.rights, status_rights(crm, r.rights));
    if let Some(map) = rights.as_object_mut() {
        map.remove("catalog_rights");
    }
    let mut v = json!({"id": r.id, "name": r.name, "rights": rights, "_links": {"self": {"href": format!("{}/api/v4/roles/{}", ctx.origin, r.id)}}});
    if with.iter().any(|w| w == "users") {
        let members = crm.users.iter().filter(|u| u.role_id == Some(r.id));
        // The documentation says "an array of user ids"; other clients read objects.
        let users: Vec<Value> = if ctx.quirk(r.id, 10, 2) {
            members.map(|u| json!(u.id)).collect()
        } else {
            members.map(|u| json!({"id": u.id})).collect()
        };
        v["_embedded"] = json!({"users": users});
    }
    v
}
