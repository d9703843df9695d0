//! The CRM's writes: an add, a batch update or a complex add of leads, contacts or
//! companies, read whole first ([`check`]) and applied only when every entity is valid,
//! so that a request is written entirely or not at all, as amoCRM does; the same for
//! tasks ([`tasks`]) and notes ([`notes`]).

pub(crate) mod check;
mod events;
pub(crate) mod links;
pub(crate) mod notes;
pub(crate) mod tags;
pub(crate) mod tasks;

use serde_json::Value;

use crate::model::crm::Crm;
use crate::model::crm::records::{Kind, Lead, Party, Tag};
use crate::model::crm::values::FieldValues;
use check::{How, Plan, Wrong, items, plan, request_id};

/// The most entities an add or an update takes, and a complex add.
pub(crate) const MAX_ITEMS: usize = 250;
pub(crate) const MAX_COMPLEX_ITEMS: usize = 50;

/// One entity written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Done {
    pub id: i64,
    pub request_id: String,
    pub name: String,
    pub updated_at: i64,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
}

/// Why nothing of a request was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refused {
    /// The body is not a write body (not an array, empty, too many entities).
    Body(String),
    /// Entities at fault: each `request_id` and its errors.
    Entities(Vec<(String, Vec<Wrong>)>),
}

/// The entities of a write body (leads, contacts, companies, tasks, notes, tags, links),
/// or why none is written: more than `max` is a 400 naming by `request_id` each entity
/// past the limit (`TooManyEntities`), so a client that sent them learns which were not
/// written (none of the request is); a body that is no list of entities is a plain 400.
pub(crate) fn entities(body: &Value, max: usize) -> Result<&[Value], Refused> {
    if let Some(list) = body.as_array().filter(|list| list.len() > max) {
        let past = list.iter().enumerate().skip(max);
        let wrong = |(index, item)| {
            (
                request_id(item, index),
                vec![("TooManyEntities", String::new())],
            )
        };
        return Err(Refused::Entities(past.map(wrong).collect()));
    }
    items(body, max).map_err(Refused::Body)
}

/// Writes `body`, the entities of `kind`, `how`, at `now`: all or nothing.
pub(crate) fn write(
    crm: &mut Crm,
    kind: Kind,
    how: How,
    body: &Value,
    now: i64,
) -> Result<Vec<Done>, Refused> {
    let max = if how == How::Complex {
        MAX_COMPLEX_ITEMS
    } else {
        MAX_ITEMS
    };
    let list = entities(body, max)?;
    let mut plans = Vec::with_capacity(list.len());
    let mut refused = Vec::new();
    for (index, item) in list.iter().enumerate() {
        match plan(crm, kind, how, item, "") {
            Ok(plan) => plans.push((request_id(item, index), plan)),
            Err(wrong) => refused.push((request_id(item, index), wrong)),
        }
    }
    if !refused.is_empty() {
        return Err(Refused::Entities(refused));
    }
    Ok(plans
        .into_iter()
        .map(|(request_id, plan)| apply(crm, kind, plan, request_id, now))
        .collect())
}

/// Writes one entity of a [`Plan`] that passed [`check`].
fn apply(crm: &mut Crm, kind: Kind, mut plan: Plan, request_id: String, now: i64) -> Done {
    let contact_id = plan
        .new_contact
        .take()
        .map(|c| apply(crm, Kind::Contacts, *c, String::new(), now).id);
    let company_id = plan
        .new_company
        .take()
        .map(|c| apply(crm, Kind::Companies, *c, String::new(), now).id);
    if let Some(contact) = contact_id {
        plan.contacts.insert(0, contact);
    }
    if company_id.is_some() {
        plan.company = company_id;
    }
    if let (Some(contact), Some(company)) = (contact_id, company_id) {
        link_parties(crm, contact, company);
    }
    let tags = TagChange {
        set: plan
            .tags_set
            .as_ref()
            .map(|set| tag_positions(crm, kind, set)),
        add: tag_positions(crm, kind, &plan.tags_add),
        delete: tag_positions(crm, kind, &plan.tags_delete),
    };
    let by = plan.updated_by.unwrap_or(0);
    let before = match (kind, plan.id) {
        (_, None) => events::Before::Added,
        (Kind::Leads, Some(id)) => crm.leads.get(id).map_or(events::Before::Added, |l| {
            events::Before::Lead(Box::new(l.clone()))
        }),
        (_, Some(id)) => parties_mut(crm, kind)
            .and_then(|table| table.get(id).cloned())
            .map_or(events::Before::Added, |p| {
                events::Before::Party(Box::new(p))
            }),
    };
    let default_user = crm.users.first().map_or(0, |u| u.id);
    let group_of = |crm: &Crm, user: i64| crm.user(user).and_then(|u| u.group_id).unwrap_or(0);
    let (id, name) = match (kind, plan.id) {
        (Kind::Leads, None) => {
            let id = next_id(crm, kind);
            let (status_id, pipeline_id) = stage(crm, &plan);
            let responsible = plan.responsible.unwrap_or(default_user);
            let mut lead = Lead {
                id,
                name: plan.name.clone().unwrap_or_else(|| format!("Сделка #{id}")),
                price: 0,
                responsible_user_id: responsible,
                group_id: group_of(crm, responsible),
                status_id,
                pipeline_id,
                loss_reason_id: None,
                source_id: None,
                created_by: plan.created_by.unwrap_or(0),
                updated_by: by,
                created_at: plan.created_at.unwrap_or(now),
                updated_at: now,
                closed_at: None,
                closest_task_at: None,
                score: None,
                labor_cost: None,
                price_by_robot: false,
                fields: Vec::new(),
                tags: Vec::new(),
                company: None,
                contacts: Vec::new(),
                elements: Vec::new(),
            };
            change_lead(&mut lead, &plan, &tags, now);
            let name = lead.name.clone();
            crm.leads.insert(lead);
            (id, name)
        }
        (Kind::Leads, Some(id)) => {
            let stage =
                (plan.status_id.is_some() || plan.pipeline_id.is_some()).then(|| stage(crm, &plan));
            let name = crm.leads.update(id, |lead| {
                if let Some((status_id, pipeline_id)) = stage {
                    (lead.status_id, lead.pipeline_id) = (status_id, pipeline_id);
                }
                change_lead(lead, &plan, &tags, now);
                lead.updated_by = by;
                lead.name.clone()
            });
            (id, name.unwrap_or_default())
        }
        (_, None) => {
            let id = next_id(crm, kind);
            let responsible = plan.responsible.unwrap_or(default_user);
            let mut party = Party {
                id,
                name: String::new(),
                first_last: (kind == Kind::Contacts).then(Default::default),
                responsible_user_id: responsible,
                group_id: group_of(crm, responsible),
                created_by: plan.created_by.unwrap_or(0),
                updated_by: by,
                created_at: plan.created_at.unwrap_or(now),
                updated_at: now,
                closest_task_at: None,
                fields: Vec::new(),
                tags: Vec::new(),
                links: Vec::new(),
                leads: Vec::new(),
                elements: Vec::new(),
            };
            change_party(&mut party, &plan, &tags, now);
            let name = party.name.clone();
            if let Some(table) = parties_mut(crm, kind) {
                table.insert(party);
            }
            (id, name)
        }
        (_, Some(id)) => {
            let name = parties_mut(crm, kind).and_then(|table| {
                table.update(id, |party| {
                    change_party(party, &plan, &tags, now);
                    party.updated_by = by;
                    party.name.clone()
                })
            });
            (id, name.unwrap_or_default())
        }
    };
    if kind == Kind::Leads {
        link_lead(crm, id, &plan);
    }
    let fields: Vec<u16> = plan.fields.iter().map(|(at, _)| *at).collect();
    let written = events::Written {
        kind,
        id,
        fields: &fields,
    };
    // An add is its creator's doing (0: the integration), a change its updater's.
    let by = match plan.id {
        None => plan.created_by.unwrap_or(by),
        Some(_) => by,
    };
    events::record(crm, before, written, by, now);
    Done {
        id,
        request_id,
        name,
        updated_at: now,
        contact_id: plan.contacts.first().copied(),
        company_id: plan.company,
    }
}

fn parties_mut(crm: &mut Crm, kind: Kind) -> Option<&mut crate::model::crm::table::Table<Party>> {
    match kind {
        Kind::Contacts => Some(&mut crm.contacts),
        Kind::Companies => Some(&mut crm.companies),
        _ => None,
    }
}

/// The next ID of `kind`: above every live and deleted one.
fn next_id(crm: &Crm, kind: Kind) -> i64 {
    let last = |rows: Option<i64>, trash: Option<i64>| rows.max(trash).unwrap_or(0) + 1;
    match kind {
        Kind::Leads => last(
            crm.leads.rows().last().map(|r| r.id),
            crm.trash.0.rows().last().map(|r| r.id),
        ),
        Kind::Contacts => last(
            crm.contacts.rows().last().map(|r| r.id),
            crm.trash.1.rows().last().map(|r| r.id),
        ),
        _ => last(
            crm.companies.rows().last().map(|r| r.id),
            crm.trash.2.rows().last().map(|r| r.id),
        ),
    }
}

/// The `(status_id, pipeline_id)` a lead goes to: the one named, the first stage of the
/// pipeline named, or the first stage of the main pipeline.
fn stage(crm: &Crm, plan: &Plan) -> (i64, i64) {
    let found = match (plan.status_id, plan.pipeline_id) {
        (Some(s), Some(p)) => crm.stages.iter().find(|(st, pl)| *st == s && *pl == p),
        (Some(s), None) => crm.stages.iter().find(|(st, _)| *st == s),
        (None, Some(p)) => crm.stages.iter().find(|(_, pl)| *pl == p),
        (None, None) => crm.stages.first(),
    };
    found.or(crm.stages.first()).copied().unwrap_or((0, 0))
}

fn change_lead(lead: &mut Lead, plan: &Plan, tags: &TagChange, now: i64) {
    if let Some(name) = &plan.name {
        lead.name.clone_from(name);
    }
    if let Some(price) = plan.price {
        lead.price = price;
    }
    if let Some(user) = plan.responsible {
        lead.responsible_user_id = user;
    }
    if plan.loss_reason_id.is_some() {
        lead.loss_reason_id = plan.loss_reason_id;
    }
    if plan.closed_at.is_some() {
        lead.closed_at = plan.closed_at;
    }
    change_fields(&mut lead.fields, plan);
    change_tags(&mut lead.tags, tags);
    lead.updated_at = plan.updated_at.unwrap_or(now);
}

fn change_party(party: &mut Party, plan: &Plan, tags: &TagChange, now: i64) {
    if let Some((first, last)) = &mut party.first_last {
        if let Some(f) = &plan.first_name {
            first.clone_from(f);
        }
        if let Some(l) = &plan.last_name {
            last.clone_from(l);
        }
    }
    match (&plan.name, &party.first_last) {
        (Some(name), _) => party.name.clone_from(name),
        (None, Some((first, last))) if plan.first_name.is_some() || plan.last_name.is_some() => {
            party.name = format!("{first} {last}").trim().to_owned();
        }
        _ => {}
    }
    if let Some(user) = plan.responsible {
        party.responsible_user_id = user;
    }
    change_fields(&mut party.fields, plan);
    change_tags(&mut party.tags, tags);
    party.updated_at = plan.updated_at.unwrap_or(now);
}

fn change_fields(fields: &mut Vec<FieldValues>, plan: &Plan) {
    for (field, values) in &plan.fields {
        fields.retain(|f| f.field != *field);
        if let Some(values) = values.as_ref().filter(|v| !v.is_empty()) {
            fields.push(FieldValues {
                field: *field,
                values: values.clone(),
            });
        }
    }
    fields.sort_by_key(|f| f.field);
}

/// An entity's tags: the whole set (`_embedded.tags`), then those to attach and detach.
struct TagChange {
    set: Option<Vec<u32>>,
    add: Vec<u32>,
    delete: Vec<u32>,
}

fn change_tags(tags: &mut Vec<u32>, change: &TagChange) {
    if let Some(set) = &change.set {
        tags.clone_from(set);
    }
    tags.retain(|t| !change.delete.contains(t));
    for t in &change.add {
        if !tags.contains(t) {
            tags.push(*t);
        }
    }
}

/// Positions in `kind`'s tag dictionary of tags given by ID or name; a new name is added
/// to the dictionary.
fn tag_positions(crm: &mut Crm, kind: Kind, tags: &[Value]) -> Vec<u32> {
    let mut out = Vec::new();
    for tag in tags {
        let dictionary = &mut crm.tags[kind.index()];
        let found = match (
            tag.get("id").and_then(Value::as_i64),
            tag.get("name").and_then(Value::as_str),
        ) {
            (Some(id), _) => dictionary.iter().position(|t| t.id == id),
            (None, Some(name)) => match dictionary.iter().position(|t| t.name == name) {
                Some(at) => Some(at),
                None => {
                    let id = crm.tags.iter().flatten().map(|t| t.id).max().unwrap_or(0) + 1;
                    let dictionary = &mut crm.tags[kind.index()];
                    dictionary.push(Tag {
                        id,
                        name: name.to_owned(),
                        color: None,
                    });
                    Some(dictionary.len() - 1)
                }
            },
            _ => None,
        };
        out.extend(found.and_then(|at| u32::try_from(at).ok()));
    }
    out
}

/// Links a new lead to its contacts and company, both ways.
fn link_lead(crm: &mut Crm, lead: i64, plan: &Plan) {
    if plan.contacts.is_empty() && plan.company.is_none() {
        return;
    }
    crm.leads.update(lead, |l| {
        for c in &plan.contacts {
            if !l.contacts.contains(c) {
                l.contacts.push(*c);
            }
        }
        if plan.company.is_some() {
            l.company = plan.company;
        }
    });
    for c in &plan.contacts {
        crm.contacts.update(*c, |p| p.leads.push(lead));
    }
    if let Some(company) = plan.company {
        crm.companies.update(company, |p| p.leads.push(lead));
    }
}

/// Links a contact and a company to each other.
fn link_parties(crm: &mut Crm, contact: i64, company: i64) {
    crm.contacts.update(contact, |p| p.links = vec![company]);
    crm.companies.update(company, |p| p.links.push(contact));
}
