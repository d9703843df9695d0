//! Links made and undone (`POST /api/v4/{entity_type}/{id}/link|unlink` and the mass
//! `/link|unlink`): every element read first, as amoCRM reads it, then all applied or
//! none. The elements carry no `request_id` (amoCRM documents none): a refusal names
//! each by its index in the body.

use serde_json::{Map, Value, json};

use crate::model::crm::Crm;
use crate::model::crm::records::{ElementLink, Kind};
use crate::model::crm::write::check::Wrong;
use crate::model::crm::write::{MAX_ITEMS, Refused, entities};

/// One link asked for.
#[derive(Debug, Clone, PartialEq)]
struct Asked {
    entity: i64,
    to: To,
    is_main: bool,
    quantity: Option<f64>,
    price_id: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum To {
    Party(Kind, i64),
    Element(i64, i64),
}

/// What amoCRM documents may be linked to each entity type (customers: the fake holds
/// none, so nothing links to one).
fn linkable(kind: Kind, to_type: &str) -> bool {
    matches!(
        (kind, to_type),
        (Kind::Leads, "contacts" | "companies" | "catalog_elements")
            | (Kind::Contacts, "companies" | "catalog_elements")
            | (Kind::Companies, "contacts" | "leads" | "catalog_elements")
            | (
                Kind::Customers,
                "contacts" | "companies" | "catalog_elements"
            )
    )
}

fn exists(crm: &Crm, kind: Kind, id: i64) -> bool {
    match kind {
        Kind::Leads => crm.leads.get(id).is_some(),
        _ => crm.parties(kind).is_some_and(|t| t.get(id).is_some()),
    }
}

/// Whether entity `id` of `kind` exists (the path of a link of one entity).
pub(crate) fn entity_exists(crm: &Crm, kind: Kind, id: i64) -> bool {
    exists(crm, kind, id)
}

/// Links (or unlinks) the elements of `body` to entities of `kind`: those of `one` when
/// the path names it, else each element's `entity_id`. The links made, as the answer
/// lists them.
pub(crate) fn link(
    crm: &mut Crm,
    kind: Kind,
    one: Option<i64>,
    unlink: bool,
    body: &Value,
    now: i64,
) -> Result<Vec<Value>, Refused> {
    let list = entities(body, MAX_ITEMS)?;
    let mut asked = Vec::with_capacity(list.len());
    let mut refused = Vec::new();
    for (index, item) in list.iter().enumerate() {
        match read(crm, kind, one, unlink, item) {
            Ok(a) => asked.push(a),
            Err(wrong) => refused.push((index.to_string(), wrong)),
        }
    }
    if !refused.is_empty() {
        return Err(Refused::Entities(refused));
    }
    Ok(asked
        .into_iter()
        .map(|a| apply(crm, kind, a, unlink, now))
        .collect())
}

fn read(
    crm: &Crm,
    kind: Kind,
    one: Option<i64>,
    unlink: bool,
    item: &Value,
) -> Result<Asked, Vec<Wrong>> {
    let Some(item) = item.as_object() else {
        return Err(vec![("InvalidType", String::new())]);
    };
    let mut wrong = Vec::new();
    let mut entity = one;
    let (mut to_id, mut to_type, mut metadata) = (None, None, None);
    for (key, value) in item {
        match key.as_str() {
            "entity_id" if one.is_none() => match value.as_i64() {
                Some(id) if exists(crm, kind, id) => entity = Some(id),
                Some(_) => wrong.push(("NotSupportedChoice", key.clone())),
                None => wrong.push(("InvalidType", key.clone())),
            },
            "to_entity_id" => match value.as_i64() {
                Some(id) => to_id = Some(id),
                None => wrong.push(("InvalidType", key.clone())),
            },
            "to_entity_type" => match value.as_str() {
                Some(t) if linkable(kind, t) => to_type = Some(t),
                Some(_) => wrong.push(("NotSupportedChoice", key.clone())),
                None => wrong.push(("InvalidType", key.clone())),
            },
            "metadata" => match value {
                Value::Null => {}
                Value::Object(m) => metadata = Some(m),
                _ => wrong.push(("InvalidType", key.clone())),
            },
            _ => wrong.push(("FieldNotExpected", key.clone())),
        }
    }
    if one.is_none() && !item.contains_key("entity_id") {
        wrong.push(("FieldMissing", "entity_id".to_owned()));
    }
    for key in ["to_entity_id", "to_entity_type"] {
        if !item.contains_key(key) {
            wrong.push(("FieldMissing", key.to_owned()));
        }
    }
    let empty = Map::new();
    let meta = read_metadata(crm, unlink, metadata.unwrap_or(&empty), &mut wrong);
    let to = match (to_id, to_type) {
        (Some(id), Some("catalog_elements")) => match meta.catalog_id {
            Some(catalog) => {
                let known = crm
                    .catalog(catalog)
                    .is_some_and(|c| c.elements.iter().any(|e| e.id == id));
                if !known {
                    wrong.push(("NotSupportedChoice", "to_entity_id".into()));
                }
                Some(To::Element(catalog, id))
            }
            None => {
                wrong.push(("FieldMissing", "metadata.catalog_id".into()));
                None
            }
        },
        (Some(id), Some(t)) => {
            let to_kind = Kind::from_plural(t).unwrap_or(Kind::Customers);
            if !exists(crm, to_kind, id) {
                wrong.push(("NotSupportedChoice", "to_entity_id".into()));
            }
            if meta.catalog_id.is_some() {
                wrong.push(("FieldNotExpected", "metadata.catalog_id".into()));
            }
            Some(To::Party(to_kind, id))
        }
        _ => None,
    };
    if let Some(To::Party(to_kind, _)) = to {
        if meta.quantity.is_some() || meta.price_id.is_some() {
            wrong.push(("FieldNotExpected", "metadata".into()));
        }
        if meta.is_main && to_kind != Kind::Contacts {
            wrong.push(("FieldNotExpected", "metadata.is_main".into()));
        }
    }
    match (wrong.is_empty(), entity, to) {
        (true, Some(entity), Some(to)) => Ok(Asked {
            entity,
            to,
            is_main: meta.is_main,
            quantity: meta.quantity,
            price_id: meta.price_id,
        }),
        _ => Err(wrong),
    }
}

#[derive(Default)]
struct Meta {
    catalog_id: Option<i64>,
    quantity: Option<f64>,
    price_id: Option<i64>,
    is_main: bool,
}

fn read_metadata(crm: &Crm, unlink: bool, m: &Map<String, Value>, wrong: &mut Vec<Wrong>) -> Meta {
    let mut meta = Meta::default();
    for (key, value) in m {
        let p = format!("metadata.{key}");
        match key.as_str() {
            "catalog_id" => match value.as_i64() {
                Some(id) if crm.catalog(id).is_some() => meta.catalog_id = Some(id),
                Some(_) => wrong.push(("NotSupportedChoice", p)),
                None => wrong.push(("InvalidType", p)),
            },
            "updated_by" => match value.as_i64() {
                Some(id) if id == 0 || crm.user(id).is_some() => {}
                Some(_) => wrong.push(("NotSupportedChoice", p)),
                None => wrong.push(("InvalidType", p)),
            },
            "quantity" if !unlink => match value.as_f64() {
                Some(q) if q >= 0.0 => meta.quantity = Some(q),
                _ => wrong.push(("InvalidType", p)),
            },
            "price_id" if !unlink => match value {
                Value::Null => {}
                _ => match value.as_i64() {
                    Some(id) if id > 0 => meta.price_id = Some(id),
                    _ => wrong.push(("InvalidType", p)),
                },
            },
            "is_main" if !unlink => match value.as_bool() {
                Some(main) => meta.is_main = main,
                None => wrong.push(("InvalidType", p)),
            },
            _ => wrong.push(("FieldNotExpected", p)),
        }
    }
    meta
}

/// Applies one link (or unlink), both ways; the link as the answer lists it.
fn apply(crm: &mut Crm, kind: Kind, a: Asked, unlink: bool, now: i64) -> Value {
    let (to_id, to_type, metadata) = match a.to {
        To::Element(catalog, element) => {
            let link = ElementLink {
                element_id: element,
                catalog_id: catalog,
                quantity: a.quantity.unwrap_or(1.0),
                price_id: a.price_id,
            };
            let quantity = link.quantity;
            elements(crm, kind, a.entity, |list| {
                list.retain(|e| (e.catalog_id, e.element_id) != (catalog, element));
                if !unlink {
                    list.push(link);
                }
            });
            let metadata =
                json!({"quantity": quantity, "catalog_id": catalog, "price_id": a.price_id});
            (element, "catalog_elements", metadata)
        }
        To::Party(to_kind, id) => {
            party(crm, kind, a.entity, to_kind, id, unlink, a.is_main);
            let metadata = match to_kind {
                Kind::Contacts => json!({"main_contact": a.is_main}),
                _ => Value::Null,
            };
            (id, to_kind.plural(), metadata)
        }
    };
    touch(crm, kind, a.entity, now);
    let code = if unlink {
        "entity_unlinked"
    } else {
        "entity_linked"
    };
    let singular = Kind::from_plural(to_type).map_or("catalog_element", Kind::singular);
    let after = json!([{"link": {"entity": {"type": singular, "id": to_id}}}]);
    crm.record(code, (kind, a.entity), 0, now, after, json!([]));
    json!({
        "entity_id": a.entity, "entity_type": kind.plural(),
        "to_entity_id": to_id, "to_entity_type": to_type, "metadata": metadata,
    })
}

fn elements(crm: &mut Crm, kind: Kind, id: i64, change: impl FnOnce(&mut Vec<ElementLink>)) {
    match kind {
        Kind::Leads => drop(crm.leads.update(id, |l| change(&mut l.elements))),
        Kind::Contacts => drop(crm.contacts.update(id, |p| change(&mut p.elements))),
        Kind::Companies => drop(crm.companies.update(id, |p| change(&mut p.elements))),
        Kind::Customers => {}
    }
}

/// Links (or unlinks) two of leads, contacts and companies, on both sides.
fn party(crm: &mut Crm, kind: Kind, id: i64, to: Kind, to_id: i64, unlink: bool, main: bool) {
    let (lead, contact, company) = match (kind, to) {
        (Kind::Leads, Kind::Contacts) => (Some(id), Some(to_id), None),
        (Kind::Leads, Kind::Companies) => (Some(id), None, Some(to_id)),
        (Kind::Companies, Kind::Leads) => (Some(to_id), None, Some(id)),
        (Kind::Contacts, Kind::Companies) => (None, Some(id), Some(to_id)),
        (Kind::Companies, Kind::Contacts) => (None, Some(to_id), Some(id)),
        _ => return,
    };
    let drop_id = |list: &mut Vec<i64>, x: i64| list.retain(|y| *y != x);
    match (lead, contact, company) {
        (Some(lead), Some(contact), None) => {
            crm.leads.update(lead, |l| {
                drop_id(&mut l.contacts, contact);
                match (unlink, main) {
                    (true, _) => {}
                    (false, true) => l.contacts.insert(0, contact),
                    (false, false) => l.contacts.push(contact),
                }
            });
            crm.contacts.update(contact, |c| {
                drop_id(&mut c.leads, lead);
                if !unlink {
                    c.leads.push(lead);
                }
            });
        }
        (Some(lead), None, Some(company)) => {
            let before = crm.leads.get(lead).and_then(|l| l.company);
            crm.leads.update(lead, |l| {
                l.company = match unlink {
                    true => l.company.filter(|c| *c != company),
                    false => Some(company),
                }
            });
            if let Some(old) = before.filter(|_| !unlink) {
                crm.companies.update(old, |c| drop_id(&mut c.leads, lead));
            }
            crm.companies.update(company, |c| {
                drop_id(&mut c.leads, lead);
                if !unlink {
                    c.leads.push(lead);
                }
            });
        }
        (None, Some(contact), Some(company)) => {
            let before = crm
                .contacts
                .get(contact)
                .map(|c| c.links.clone())
                .unwrap_or_default();
            crm.contacts.update(contact, |c| match unlink {
                true => drop_id(&mut c.links, company),
                false => c.links = vec![company],
            });
            for old in before.into_iter().filter(|_| !unlink) {
                crm.companies
                    .update(old, |c| drop_id(&mut c.links, contact));
            }
            crm.companies.update(company, |c| {
                drop_id(&mut c.links, contact);
                if !unlink {
                    c.links.push(contact);
                }
            });
        }
        _ => {}
    }
}

/// The main entity changed at `now`.
fn touch(crm: &mut Crm, kind: Kind, id: i64, now: i64) {
    match kind {
        Kind::Leads => drop(
            crm.leads
                .update(id, |l| l.updated_at = l.updated_at.max(now)),
        ),
        Kind::Contacts => drop(
            crm.contacts
                .update(id, |p| p.updated_at = p.updated_at.max(now)),
        ),
        Kind::Companies => drop(
            crm.companies
                .update(id, |p| p.updated_at = p.updated_at.max(now)),
        ),
        Kind::Customers => {}
    }
}
