//! Leads: `GET /api/v4/leads` (filters, orders, `query`, `with`, paged, 204 when empty),
//! `GET /api/v4/leads/{id}` (204 when missing) and the loss reasons,
//! `GET /api/v4/leads/loss_reasons`.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::json;

use crate::api::crm_view::{Ctx, ElementsView, RefsView, TagsView, alive};
use crate::http::caller::Caller;
use crate::http::listing::{self, Counts, ListRequest};
use crate::http::paging::MAX_LIMIT;
use crate::http::router::Routes;
use crate::http::{hal, path};
use crate::model::crm::filters::EntityFilter;
use crate::model::crm::records::{Kind, Lead, LossReason};
use crate::model::crm::table::{Order, SortKey};
use crate::model::crm::terms;
use crate::model::crm::values::FieldValuesView;
use crate::model::problem::Problem;
use crate::model::read;

type ApiResult = Result<Response, Problem>;

const LEADS: &str = "/api/v4/leads";

pub(super) fn routes() -> Routes {
    Routes::new()
        .route(LEADS, get(list))
        .route("/api/v4/leads/{id}", get(one))
        .route("/api/v4/leads/loss_reasons", get(loss_reasons))
}

/// The orders of the lead list.
const ORDERS: &[(&str, SortKey)] = &[
    ("created_at", SortKey::Id),
    ("updated_at", SortKey::UpdatedAt),
    ("id", SortKey::Id),
];

/// The `with` parts of a lead.
#[derive(Debug, Default)]
struct LeadWith {
    contacts: bool,
    catalog_elements: bool,
    loss_reason: bool,
    is_price_modified_by_robot: bool,
    source_id: bool,
    source: bool,
    only_deleted: bool,
}

impl LeadWith {
    fn parse(with: &[String]) -> LeadWith {
        let has = |w: &str| with.iter().any(|x| x == w);
        LeadWith {
            contacts: has("contacts"),
            catalog_elements: has("catalog_elements"),
            loss_reason: has("loss_reason"),
            is_price_modified_by_robot: has("is_price_modified_by_robot"),
            source_id: has("source_id"),
            source: has("source"),
            only_deleted: has("only_deleted"),
        }
    }
}

async fn list(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    let crm = read(&caller.tenant.crm);
    let fields = &crm.fields[Kind::Leads.index()];
    let filter = EntityFilter::parse(&request.query, fields, true, &mut request.errors);
    let order = terms::order(&request.query, ORDERS, &mut request.errors);
    request.check()?;
    let with = LeadWith::parse(&terms::with(&request.query));
    let table = if with.only_deleted {
        &crm.trash.0
    } else {
        &crm.leads
    };
    let order = order.map_or(Order::ID_ASC, |(key, desc)| Order { key, desc });
    let keep = |lead: &Lead| filter.lead(lead, fields);
    let keep: Option<&dyn Fn(&Lead) -> bool> = (!filter.is_empty()).then_some(&keep);
    let selection = table.select(
        order,
        keep,
        request.paging.skip(),
        request.paging.limit as usize,
    );
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let views: Vec<LeadView<'_>> = selection
        .items
        .iter()
        .map(|lead| LeadView {
            ctx: &ctx,
            lead,
            with: &with,
        })
        .collect();
    Ok(listing::page(
        &caller,
        &request,
        LEADS,
        "leads",
        &views,
        selection.more,
        Counts::default(),
    ))
}

async fn one(
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let id = path::id(id)?;
    let query = crate::model::crm::query::parse(query.as_deref().unwrap_or(""));
    let mut with = LeadWith::parse(&terms::with(&query));
    with.only_deleted = false;
    let crm = read(&caller.tenant.crm);
    let Some(lead) = crm.leads.get(id) else {
        return Ok(hal::no_content());
    };
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    Ok(hal::ok(&LeadView {
        ctx: &ctx,
        lead,
        with: &with,
    }))
}

async fn loss_reasons(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let mut request = ListRequest::new(query.as_deref(), MAX_LIMIT);
    request.check()?;
    let crm = read(&caller.tenant.crm);
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    let (page, more) = listing::window(&crm.loss_reasons, request.paging);
    let views: Vec<_> = page.iter().map(|r| loss_reason(&ctx, r)).collect();
    let counts = Counts {
        total: Some(crm.loss_reasons.len()),
        pages: None,
    };
    Ok(listing::page(
        &caller,
        &request,
        "/api/v4/leads/loss_reasons",
        "loss_reasons",
        &views,
        more,
        counts,
    ))
}

fn loss_reason(ctx: &Ctx<'_>, r: &LossReason) -> serde_json::Value {
    json!({
        "id": r.id, "name": r.name, "sort": r.sort, "created_at": r.created_at, "updated_at": r.updated_at,
        "_links": ctx.links(format_args!("/api/v4/leads/loss_reasons/{}", r.id)),
    })
}

/// A lead as amoCRM writes it; in the trash (`only_deleted`) most fields are null.
struct LeadView<'a> {
    ctx: &'a Ctx<'a>,
    lead: &'a Lead,
    with: &'a LeadWith,
}

impl Serialize for LeadView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ctx, lead, with) = (self.ctx, self.lead, self.with);
        let crm = ctx.crm;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &lead.id)?;
        let deleted = with.only_deleted;

        m.serialize_entry("name", &alive(deleted, &lead.name))?;
        if deleted {
            m.serialize_entry("price", &None::<i64>)?;
        } else if ctx.quirk(lead.id, 1, 7) {
            m.serialize_entry("price", &lead.price.to_string())?;
        } else if ctx.quirk(lead.id, 2, 11) {
            let minor = lead.price as f64 + 0.5;
            m.serialize_entry("price", &minor)?;
            m.serialize_entry("price_with_minor_units", &minor)?;
        } else {
            m.serialize_entry("price", &lead.price)?;
        }
        m.serialize_entry(
            "responsible_user_id",
            &alive(deleted, lead.responsible_user_id),
        )?;
        m.serialize_entry("group_id", &alive(deleted, lead.group_id))?;
        m.serialize_entry("status_id", &alive(deleted, lead.status_id))?;
        m.serialize_entry("pipeline_id", &alive(deleted, lead.pipeline_id))?;
        m.serialize_entry("loss_reason_id", &lead.loss_reason_id.filter(|_| !deleted))?;
        if with.source_id {
            m.serialize_entry("source_id", &lead.source_id.filter(|_| !deleted))?;
        }
        m.serialize_entry("created_by", &alive(deleted, lead.created_by))?;
        m.serialize_entry("updated_by", &lead.updated_by)?;
        m.serialize_entry("created_at", &alive(deleted, lead.created_at))?;
        m.serialize_entry("updated_at", &lead.updated_at)?;
        m.serialize_entry("closed_at", &lead.closed_at.filter(|_| !deleted))?;
        m.serialize_entry(
            "closest_task_at",
            &lead.closest_task_at.filter(|_| !deleted),
        )?;
        m.serialize_entry("is_deleted", &deleted)?;
        let fields = &crm.fields[Kind::Leads.index()];
        let values = if deleted { &[][..] } else { &lead.fields[..] };
        m.serialize_entry(
            "custom_fields_values",
            &FieldValuesView {
                values,
                fields,
                shapes: ctx.value_shapes(lead.id),
            },
        )?;
        m.serialize_entry("score", &lead.score)?;
        m.serialize_entry("account_id", &crm.account_id)?;
        m.serialize_entry("labor_cost", &lead.labor_cost)?;
        if with.is_price_modified_by_robot {
            m.serialize_entry("is_price_modified_by_robot", &lead.price_by_robot)?;
        }
        m.serialize_entry("_links", &ctx.links(format_args!("{LEADS}/{}", lead.id)))?;
        m.serialize_entry("_embedded", &Embedded { view: self })?;
        m.end()
    }
}

struct Embedded<'a> {
    view: &'a LeadView<'a>,
}

impl Serialize for Embedded<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let LeadView { ctx, lead, with } = *self.view;
        let crm = ctx.crm;
        let mut m = s.serialize_map(None)?;
        let deleted = with.only_deleted;
        let tags: &[u32] = if deleted { &[] } else { &lead.tags };
        m.serialize_entry(
            "tags",
            &TagsView {
                tags,
                dictionary: &crm.tags[Kind::Leads.index()],
            },
        )?;
        let company: Vec<i64> = lead.company.filter(|_| !deleted).into_iter().collect();
        m.serialize_entry(
            "companies",
            &RefsView {
                ctx,
                ids: &company,
                path: "companies",
                is_main: false,
            },
        )?;
        if deleted {
            return m.end();
        }
        if with.contacts {
            m.serialize_entry(
                "contacts",
                &RefsView {
                    ctx,
                    ids: &lead.contacts,
                    path: "contacts",
                    is_main: true,
                },
            )?;
        }
        if with.loss_reason
            && let Some(reason) = lead
                .loss_reason_id
                .and_then(|id| crm.loss_reasons.iter().find(|r| r.id == id))
        {
            let full = loss_reason(ctx, reason);
            // Documented as an object; the documentation's example and real answers have
            // an array of full loss reasons.
            if ctx.quirk(lead.id, 4, 2) {
                m.serialize_entry("loss_reason", &[full])?;
            } else {
                m.serialize_entry(
                    "loss_reason",
                    &json!({"id": reason.id, "name": reason.name}),
                )?;
            }
        }
        if with.catalog_elements {
            m.serialize_entry(
                "catalog_elements",
                &ElementsView {
                    ctx,
                    elements: &lead.elements,
                    flat: ctx.quirk(lead.id, 5, 3),
                },
            )?;
        }
        if with.source
            && let Some(source) = lead
                .source_id
                .and_then(|id| crm.sources.iter().find(|s| s.id == id))
        {
            m.serialize_entry("source", &json!({"id": source.id, "name": source.name}))?;
        }
        m.end()
    }
}
