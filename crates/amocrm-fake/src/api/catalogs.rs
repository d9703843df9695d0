//! Catalogs (amoCRM's "lists"): `GET /api/v4/catalogs` and `/{id}`, and their elements,
//! `GET /api/v4/catalogs/{catalog_id}/elements` (`filter[id]`, `query`,
//! `with=invoice_link`; 204 when empty) and `/elements/{id}` (204 when missing).

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
use crate::model::crm::query;
use crate::model::crm::records::{Catalog, Element};
use crate::model::crm::terms::{self, Needle};
use crate::model::crm::values::FieldValuesView;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    Routes::new()
        .route("/api/v4/catalogs", get(list))
        .route("/api/v4/catalogs/{id}", get(one))
        .route("/api/v4/catalogs/{id}/elements", get(elements))
        .route("/api/v4/catalogs/{id}/elements/{element}", get(element))
}

async fn list(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    request.check()?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let (page, more) = listing::window(&crm.catalogs, request.paging);
    let views: Vec<Value> = page.iter().map(|c| catalog_view(&ctx, c)).collect();
    Ok(listing::page(
        &caller,
        &request,
        "/api/v4/catalogs",
        "catalogs",
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
    Ok(crm
        .catalog(id)
        .map_or_else(hal::no_content, |c| hal::ok(&catalog_view(&ctx, c))))
}

fn catalog_view(ctx: &Ctx<'_>, c: &Catalog) -> Value {
    json!({
        "id": c.id, "name": c.name, "created_by": c.created_by, "updated_by": c.created_by,
        "created_at": c.created_at, "updated_at": c.updated_at, "sort": c.sort, "type": c.kind,
        "can_add_elements": c.can_add_elements, "can_show_in_cards": false, "can_link_multiple": c.can_link_multiple,
        "can_be_deleted": c.can_be_deleted, "sdk_widget_code": c.sdk_widget_code, "account_id": ctx.crm.account_id,
        "_links": ctx.links(format_args!("/api/v4/catalogs/{}", c.id)),
    })
}

async fn elements(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::list_id(id, "catalog_id")?;
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    let filter = terms::filter(&request.query, &mut request.errors);
    let ids = terms::ints(
        filter.and_then(|f| f.get("id")),
        "filter[id]",
        false,
        &mut request.errors,
    );
    request.check()?;
    let needle = Needle::parse(&request.query);
    let invoice_link = terms::with(&request.query)
        .iter()
        .any(|w| w == "invoice_link");
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let Some(catalog) = crm.catalog(id) else {
        return Ok(listing::page::<Value>(
            &caller,
            &request,
            "",
            "elements",
            &[],
            false,
            Counts::default(),
        ));
    };
    let chosen: Vec<&Element> = catalog
        .elements
        .iter()
        .filter(|e| ids.as_ref().is_none_or(|ids| ids.contains(&e.id)))
        .filter(|e| needle.as_ref().is_none_or(|q| q.found_in(&e.name)))
        .collect();
    let (page, more) = listing::window(&chosen, request.paging);
    let views: Vec<Value> = page
        .iter()
        .map(|e| element_view(&ctx, catalog, e, invoice_link))
        .collect();
    Ok(listing::page(
        &caller,
        &request,
        &format!("/api/v4/catalogs/{id}/elements"),
        "elements",
        &views,
        more,
        Counts::default(),
    ))
}

async fn element(
    caller: Caller,
    ids: Result<Path<(String, String)>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let (catalog, element) = match ids {
        Ok(Path((catalog, element))) => {
            (path::id(Ok(Path(catalog)))?, path::id(Ok(Path(element)))?)
        }
        Err(_) => return Err(Problem::no_route()),
    };
    let invoice_link = terms::with(&query::parse(query.as_deref().unwrap_or("")))
        .iter()
        .any(|w| w == "invoice_link");
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let found = crm
        .catalog(catalog)
        .and_then(|c| Some((c, c.elements.iter().find(|e| e.id == element)?)));
    Ok(found.map_or_else(hal::no_content, |(c, e)| {
        hal::ok(&element_view(&ctx, c, e, invoice_link))
    }))
}

fn element_view(ctx: &Ctx<'_>, c: &Catalog, e: &Element, invoice_link: bool) -> Value {
    let empty = Default::default();
    let fields = ctx.crm.catalog_fields(c.id).unwrap_or(&empty);
    let values = FieldValuesView {
        values: &e.fields,
        fields,
        shapes: ctx.value_shapes(e.id),
    };
    let invoices = c.kind == "invoices";
    let mut v = json!({
        "id": e.id, "name": e.name, "created_by": e.created_by, "updated_by": e.updated_by,
        "created_at": e.created_at, "updated_at": e.updated_at,
        // The documentation's examples carry null here.
        "is_deleted": if ctx.crm.real_world { Value::Null } else { json!(false) },
        "custom_fields_values": serde_json::to_value(&values).unwrap_or_default(),
        "catalog_id": c.id, "account_id": ctx.crm.account_id,
        "_links": ctx.links(format_args!("/api/v4/catalogs/{}/elements/{}", c.id, e.id)),
    });
    if invoice_link {
        v["invoice_link"] = if invoices {
            json!(format!("{}/invoices/{}/{}/print", ctx.origin, c.id, e.id))
        } else {
            Value::Null
        };
    }
    if invoices {
        v["_embedded"] = json!({"warning": {"message": null}});
    } else if ctx.crm.real_world {
        v["_embedded"] = json!([]);
    }
    v
}
