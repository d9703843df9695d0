//! What contacts and companies share: the list (filters, `order[updated_at|id]`,
//! `query` over names, phones and e-mails, `with`, 204 when empty), one by id (204 when
//! missing), and the view.

use axum::response::Response;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::api::crm_view::{Ctx, ElementsView, RefsView, TagsView, alive};
use crate::http::caller::Caller;
use crate::http::hal;
use crate::http::listing::{self, Counts, ListRequest};
use crate::http::paging::MAX_LIMIT;
use crate::model::crm::filters::EntityFilter;
use crate::model::crm::query;
use crate::model::crm::records::{Kind, Party};
use crate::model::crm::table::{Order, SortKey};
use crate::model::crm::terms;
use crate::model::crm::values::FieldValuesView;
use crate::model::problem::Problem;
use crate::model::read;

/// The `with` parts of a contact or company.
#[derive(Debug, Default)]
pub(super) struct PartyWith {
    leads: bool,
    contacts: bool,
    customers: bool,
    catalog_elements: bool,
    social_profiles: bool,
    only_deleted: bool,
}

impl PartyWith {
    fn parse(with: &[String], kind: Kind) -> PartyWith {
        let has = |w: &str| with.iter().any(|x| x == w);
        PartyWith {
            leads: has("leads"),
            contacts: kind == Kind::Companies && has("contacts"),
            customers: has("customers"),
            catalog_elements: has("catalog_elements"),
            social_profiles: kind == Kind::Contacts && has("social_profiles"),
            only_deleted: has("only_deleted"),
        }
    }
}

/// `GET /api/v4/{contacts|companies}`.
pub(super) fn list(caller: &Caller, kind: Kind, query: Option<&str>) -> Result<Response, Problem> {
    let mut request = ListRequest::new(query, MAX_LIMIT);
    let crm = read(&caller.tenant.crm);
    let fields = &crm.fields[kind.index()];
    let filter = EntityFilter::parse(&request.query, fields, false, &mut request.errors);
    let order = terms::order(
        &request.query,
        &[("updated_at", SortKey::UpdatedAt), ("id", SortKey::Id)],
        &mut request.errors,
    );
    request.check()?;
    let with = PartyWith::parse(&terms::with(&request.query), kind);
    let table = match (kind, with.only_deleted) {
        (Kind::Contacts, false) => &crm.contacts,
        (Kind::Contacts, true) => &crm.trash.1,
        (_, false) => &crm.companies,
        (_, true) => &crm.trash.2,
    };
    let order = order.map_or(Order::ID_ASC, |(key, desc)| Order { key, desc });
    let keep = |party: &Party| filter.party(party, fields);
    let keep: Option<&dyn Fn(&Party) -> bool> = (!filter.is_empty()).then_some(&keep);
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
    let views: Vec<PartyView<'_>> = selection
        .items
        .iter()
        .map(|party| PartyView {
            ctx: &ctx,
            party,
            kind,
            with: &with,
            in_list: true,
        })
        .collect();
    let path = format!("/api/v4/{}", kind.plural());
    Ok(listing::page(
        caller,
        &request,
        &path,
        kind.plural(),
        &views,
        selection.more,
        Counts::default(),
    ))
}

/// `GET /api/v4/{contacts|companies}/{id}`.
pub(super) fn one(caller: &Caller, kind: Kind, id: i64, query: Option<&str>) -> Response {
    let query = query::parse(query.unwrap_or(""));
    let mut with = PartyWith::parse(&terms::with(&query), kind);
    with.only_deleted = false;
    let crm = read(&caller.tenant.crm);
    let Some(party) = crm.parties(kind).and_then(|t| t.get(id)) else {
        return hal::no_content();
    };
    let ctx = Ctx {
        origin: caller.origin(),
        crm: &crm,
    };
    hal::ok(&PartyView {
        ctx: &ctx,
        party,
        kind,
        with: &with,
        in_list: false,
    })
}

/// A contact or company as amoCRM writes it: list items lack `is_deleted`; in the trash
/// most fields are null.
struct PartyView<'a> {
    ctx: &'a Ctx<'a>,
    party: &'a Party,
    kind: Kind,
    with: &'a PartyWith,
    in_list: bool,
}

impl Serialize for PartyView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ctx, p) = (self.ctx, self.party);
        let deleted = self.with.only_deleted;

        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &p.id)?;
        m.serialize_entry("name", &alive(deleted, &p.name))?;
        if let Some((first, last)) = &p.first_last {
            m.serialize_entry("first_name", &alive(deleted, first))?;
            m.serialize_entry("last_name", &alive(deleted, last))?;
        }
        m.serialize_entry(
            "responsible_user_id",
            &alive(deleted, p.responsible_user_id),
        )?;
        m.serialize_entry("group_id", &alive(deleted, p.group_id))?;
        m.serialize_entry("created_by", &alive(deleted, p.created_by))?;
        m.serialize_entry("updated_by", &p.updated_by)?;
        m.serialize_entry("created_at", &alive(deleted, p.created_at))?;
        m.serialize_entry("updated_at", &p.updated_at)?;
        m.serialize_entry("closest_task_at", &p.closest_task_at.filter(|_| !deleted))?;
        if !self.in_list || deleted {
            m.serialize_entry("is_deleted", &deleted)?;
        }
        let fields = &ctx.crm.fields[self.kind.index()];
        let values = if deleted { &[][..] } else { &p.fields[..] };
        m.serialize_entry(
            "custom_fields_values",
            &FieldValuesView {
                values,
                fields,
                shapes: ctx.value_shapes(p.id),
            },
        )?;
        m.serialize_entry("account_id", &ctx.crm.account_id)?;
        m.serialize_entry(
            "_links",
            &ctx.links(format_args!("/api/v4/{}/{}", self.kind.plural(), p.id)),
        )?;
        let embedded = Embedded { view: self };
        if ctx.quirk(p.id, 6, 4) && embedded.is_empty() {
            // PHP's empty map.
            m.serialize_entry("_embedded", &[(); 0])?;
        } else {
            m.serialize_entry("_embedded", &embedded)?;
        }
        m.end()
    }
}

struct Embedded<'a> {
    view: &'a PartyView<'a>,
}

impl Embedded<'_> {
    /// Whether nothing would be embedded (no tags, no company, nothing asked for).
    fn is_empty(&self) -> bool {
        let (p, w) = (self.view.party, self.view.with);
        p.tags.is_empty()
            && (self.view.kind != Kind::Contacts || p.links.is_empty())
            && !(w.leads || w.contacts || w.customers || w.catalog_elements || w.social_profiles)
    }
}

impl Serialize for Embedded<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let PartyView {
            ctx,
            party,
            kind,
            with,
            ..
        } = *self.view;
        let mut m = s.serialize_map(None)?;
        let tags: &[u32] = if with.only_deleted { &[] } else { &party.tags };
        m.serialize_entry(
            "tags",
            &TagsView {
                tags,
                dictionary: &ctx.crm.tags[kind.index()],
            },
        )?;
        if kind == Kind::Contacts {
            m.serialize_entry(
                "companies",
                &RefsView {
                    ctx,
                    ids: &party.links,
                    path: "companies",
                    is_main: false,
                },
            )?;
        }
        if with.only_deleted {
            return m.end();
        }
        if with.contacts {
            m.serialize_entry(
                "contacts",
                &RefsView {
                    ctx,
                    ids: &party.links,
                    path: "contacts",
                    is_main: false,
                },
            )?;
        }
        if with.leads {
            m.serialize_entry(
                "leads",
                &RefsView {
                    ctx,
                    ids: &party.leads,
                    path: "leads",
                    is_main: false,
                },
            )?;
        }
        if with.customers {
            m.serialize_entry("customers", &[(); 0])?;
        }
        if with.catalog_elements {
            m.serialize_entry(
                "catalog_elements",
                &ElementsView {
                    ctx,
                    elements: &party.elements,
                    flat: false,
                },
            )?;
        }
        if with.social_profiles {
            m.serialize_entry("social_profiles", &[(); 0])?;
        }
        m.end()
    }
}
