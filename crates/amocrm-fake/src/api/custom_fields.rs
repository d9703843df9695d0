//! Custom fields: the definitions (with their options) of leads, contacts, companies and
//! customers — `GET /api/v4/{entity_type}/custom_fields` (`filter[type][]`,
//! `order[sort|id]`, paged with `_total_items`, `_page_count` and `_links.last`) and
//! `/{id}` — their groups (`/custom_fields/groups`, `/groups/{id}`), and the same four of a
//! catalog's fields under `/api/v4/catalogs/{catalog_id}/custom_fields`.

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
use crate::model::crm::fields::{FieldDef, FieldGroup, FieldOwner, FieldType, Fields};
use crate::model::crm::records::Kind;
use crate::model::crm::table::SortKey;
use crate::model::crm::terms;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    let catalog = "/api/v4/catalogs/{id}/custom_fields";
    let mut routes = Routes::new()
        .route(catalog, get(catalog_list))
        .route(&format!("{catalog}/{{field_id}}"), get(catalog_one))
        .route(&format!("{catalog}/groups"), get(catalog_groups))
        .route(
            &format!("{catalog}/groups/{{group_id}}"),
            get(catalog_group),
        );
    for kind in Kind::ALL {
        let base = format!("/api/v4/{}/custom_fields", kind.plural());
        routes = routes
            .route(&base, get(move |caller, query| list(caller, kind, query)))
            .route(
                &format!("{base}/{{id}}"),
                get(move |caller, id| one(caller, kind, id)),
            )
            .route(
                &format!("{base}/groups"),
                get(move |caller, query| groups(caller, kind, query)),
            )
            .route(
                &format!("{base}/groups/{{id}}"),
                get(move |caller, id| group(caller, kind, id)),
            );
    }
    routes
}

async fn list(caller: Caller, kind: Kind, RawQuery(query): RawQuery) -> ApiResult {
    let crm = read(&caller.tenant.crm);
    let path = format!("/api/v4/{}/custom_fields", kind.plural());
    answer(
        &caller,
        &Ctx {
            origin: caller.origin(),
            crm: &crm,
        },
        &crm.fields[kind.index()],
        &path,
        query.as_deref(),
    )
}

async fn catalog_list(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::list_id(id, "catalog_id")?;
    let crm = read(&caller.tenant.crm);
    let empty = Fields::default();
    let fields = crm.catalog_fields(id).unwrap_or(&empty);
    answer(
        &caller,
        &Ctx {
            origin: caller.origin(),
            crm: &crm,
        },
        fields,
        &format!("/api/v4/catalogs/{id}/custom_fields"),
        query.as_deref(),
    )
}

/// One page of `fields`, filtered by type and ordered.
fn answer(
    caller: &Caller,
    ctx: &Ctx<'_>,
    fields: &Fields,
    path: &str,
    query: Option<&str>,
) -> ApiResult {
    let mut request = ListRequest::new(query, MAX_LIMIT);
    let filter = terms::filter(&request.query, &mut request.errors);
    let types = terms::strings(
        filter.and_then(|f| f.get("type")),
        "filter[type]",
        false,
        &mut request.errors,
    );
    // `sort` is served as the table's `UpdatedAt` key here: a definition's order field.
    let order = terms::order(
        &request.query,
        &[("sort", SortKey::UpdatedAt), ("id", SortKey::Id)],
        &mut request.errors,
    );
    request.check()?;
    let mut chosen: Vec<&FieldDef> = fields
        .defs
        .iter()
        .filter(|d| {
            types
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| t == d.kind.as_str()))
        })
        .collect();
    match order {
        Some((SortKey::UpdatedAt, desc)) => chosen.sort_by_key(|d| {
            if desc {
                (-d.sort, -d.id)
            } else {
                (d.sort, d.id)
            }
        }),
        Some((SortKey::Id, true)) => chosen.sort_by_key(|d| -d.id),
        _ => chosen.sort_by_key(|d| d.id),
    }
    let (page, more) = listing::window(&chosen, request.paging);
    let views: Vec<Value> = page.iter().map(|d| definition(ctx, d)).collect();
    let counts = Counts {
        total: Some(views.len()),
        pages: Some(listing::page_count(chosen.len(), request.paging)),
    };
    Ok(listing::page(
        caller,
        &request,
        path,
        "custom_fields",
        &views,
        more,
        counts,
    ))
}

async fn one(caller: Caller, kind: Kind, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = path::id(id)?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    Ok(match crm.fields[kind.index()].by_id(id) {
        Some(def) => hal::ok(&definition(&ctx, def)),
        None => hal::no_content(),
    })
}

async fn catalog_one(
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult {
    let (catalog, id) = two(ids)?;
    let (catalog, id) = (path::id(Ok(Path(catalog)))?, path::id(Ok(Path(id)))?);
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    Ok(
        match crm.catalog_fields(catalog).and_then(|f| f.by_id(id)) {
            Some(def) => hal::ok(&definition(&ctx, def)),
            None => hal::no_content(),
        },
    )
}

/// Both segments of a two-parameter path, or no route.
fn two(ids: Result<Path<(String, String)>, PathRejection>) -> Result<(String, String), Problem> {
    ids.map(|Path(ids)| ids).map_err(|_| Problem::no_route())
}

/// A definition with the keys amoCRM gives its owner and type.
pub(super) fn definition(ctx: &Ctx<'_>, d: &FieldDef) -> Value {
    let stages = |list: &[(i64, i64)]| -> Value {
        list.iter()
            .map(|(s, p)| json!({"status_id": s, "pipeline_id": p}))
            .collect()
    };
    let enums = (!d.enums.is_empty()).then(|| {
        d.enums
            .iter()
            .map(|e| json!({"id": e.id, "value": e.value, "sort": e.sort, "code": e.code}))
            .collect::<Vec<_>>()
    });
    let mut v = json!({
        "id": d.id, "name": d.name, "code": d.code, "sort": d.sort, "type": d.kind.as_str(),
        "entity_type": d.owner.entity_type(), "is_predefined": d.is_predefined, "is_deletable": d.is_deletable,
        "is_api_only": d.is_api_only, "group_id": d.group_id, "enums": enums, "remind": d.remind, "currency": d.currency,
        "account_id": ctx.crm.account_id,
    });
    let path = match d.owner {
        FieldOwner::Catalog(catalog) => {
            v["catalog_id"] = json!(catalog);
            v["is_visible"] = json!(d.is_visible);
            v["is_required"] = json!(d.is_required);
            v["settings"] = Value::Null;
            v["nested"] = if d.nested.is_empty() {
                Value::Null
            } else {
                d.nested.iter().map(|n| json!({"id": n.id, "parent_id": n.parent_id, "value": n.value, "sort": n.sort})).collect()
            };
            v["search_in"] = json!(d.search_in);
            format!("/api/v4/catalogs/{catalog}/custom_fields/{}", d.id)
        }
        owner => {
            v["required_statuses"] = stages(&d.required_statuses);
            if owner == FieldOwner::Leads {
                v["is_computed"] = json!(false);
                v["hidden_statuses"] = stages(&d.hidden_statuses);
            }
            if matches!(owner, FieldOwner::Leads | FieldOwner::Customers) {
                v["chained_lists"] = if d.chained_lists.is_empty() {
                    Value::Null
                } else {
                    d.chained_lists.iter().map(|(t, c, p)| json!({"title": t, "catalog_id": c, "parent_catalog_id": p})).collect()
                };
            }
            if d.kind == FieldType::TrackingData {
                v["tracking_callback"] = json!(d.tracking_callback);
            }
            format!("/api/v4/{}/custom_fields/{}", owner.entity_type(), d.id)
        }
    };
    if ctx.quirk(d.id, 7, 3)
        && let Some(map) = v.as_object_mut()
    {
        // Some answers lack the account's id.
        map.remove("account_id");
    }
    v["_links"] = json!({"self": {"href": format!("{}{path}", ctx.origin)}});
    v
}

async fn groups(caller: Caller, kind: Kind, RawQuery(query): RawQuery) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    request.check()?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let base = format!("/api/v4/{}/custom_fields/groups", kind.plural());
    let owner = (kind.plural(), base.as_str());
    let all = &crm.fields[kind.index()].groups;
    Ok(group_page(&caller, &ctx, owner, all, &request))
}

async fn catalog_groups(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::list_id(id, "catalog_id")?;
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    request.check()?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let base = format!("/api/v4/catalogs/{id}/custom_fields/groups");
    let all = crm.catalog_fields(id).map_or(&[][..], |f| &f.groups);
    Ok(group_page(
        &caller,
        &ctx,
        ("catalogs", &base),
        all,
        &request,
    ))
}

/// The groups' owner: its `entity_type` and the groups' base path.
type Owner<'a> = (&'a str, &'a str);

/// One page of `all`, the groups of `owner`.
fn group_page(
    caller: &Caller,
    ctx: &Ctx<'_>,
    owner: Owner<'_>,
    all: &[FieldGroup],
    request: &ListRequest,
) -> Response {
    let (page, more) = listing::window(all, request.paging);
    let views: Vec<Value> = page.iter().map(|g| group_view(ctx, owner, g)).collect();
    listing::page(
        caller,
        request,
        owner.1,
        "custom_field_groups",
        &views,
        more,
        Counts {
            total: Some(all.len()),
            pages: None,
        },
    )
}

async fn group(caller: Caller, kind: Kind, id: Result<Path<String>, PathRejection>) -> ApiResult {
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let id = id.map(|Path(id)| id).unwrap_or_default();
    let base = format!("/api/v4/{}/custom_fields/groups", kind.plural());
    let all = &crm.fields[kind.index()].groups;
    one_group(&ctx, (kind.plural(), &base), all, &id)
}

async fn catalog_group(
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult {
    let (catalog, id) = two(ids)?;
    let catalog = path::id(Ok(Path(catalog)))?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let base = format!("/api/v4/catalogs/{catalog}/custom_fields/groups");
    let all = crm.catalog_fields(catalog).map_or(&[][..], |f| &f.groups);
    one_group(&ctx, ("catalogs", &base), all, &id)
}

/// The group `id` of `owner`, or a 404 as amoCRM answers one.
fn one_group(ctx: &Ctx<'_>, owner: Owner<'_>, all: &[FieldGroup], id: &str) -> ApiResult {
    match all.iter().find(|g| g.id == id) {
        Some(g) => Ok(hal::ok(&group_view(ctx, owner, g))),
        None => Err(Problem::not_found("Custom field group not found")),
    }
}

fn group_view(ctx: &Ctx<'_>, (entity_type, base): Owner<'_>, g: &FieldGroup) -> Value {
    // A group id is documented as a string; Kommo's reference has a number.
    let id = match g.id.parse::<i64>() {
        Ok(n) if ctx.crm.real_world => json!(n),
        _ => json!(g.id),
    };
    let mut v = json!({
        "id": id, "name": g.name, "is_predefined": g.is_predefined, "type": g.kind,
        "entity_type": entity_type, "sort": g.sort,
        "_links": {"self": {"href": format!("{}{base}/{}", ctx.origin, g.id)}},
    });
    if !g.fields.is_empty() {
        v["fields"] = json!(g.fields);
    }
    v
}
