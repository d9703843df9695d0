//! Custom field definitions added, changed and deleted, checked as amoCRM checks them: the
//! required name and type, the types an entity type has, a list's options, a monetary
//! field's currency, keys a definition does not take (400 with `validation-errors` per
//! `request_id`); a predefined field is not deleted (422). A request is applied whole or
//! not at all; a deleted field's values go with it. A catalog's fields ([`Of::Catalog`])
//! take the catalogs' types and keys; a catalog the account lacks is 404.

use serde_json::{Map, Value};

use crate::model::crm::Crm;
use crate::model::crm::fields::{FieldDef, FieldEnum, FieldOwner, FieldType, Fields, Nested};
use crate::model::crm::records::Kind;
use crate::model::crm::write::Refused;
use crate::model::crm::write::check::{Wrong, items, request_id};
use crate::model::pipeline_writes::Failure;
use crate::model::problem::Problem;

/// A definition's texts live as long as the seeded ones (`&'static str`, shared with the
/// whole CRM model): a written one is leaked. The fake lives for a test or a session; a
/// definition write is rare and small.
fn keep(text: &str) -> &'static str {
    Box::leak(text.to_owned().into_boxed_str())
}

const TYPES: [FieldType; 25] = {
    use FieldType::*;
    [
        Text,
        Numeric,
        Checkbox,
        Select,
        Multiselect,
        Multitext,
        Date,
        Url,
        DateTime,
        Textarea,
        Radiobutton,
        StreetAddress,
        SmartAddress,
        Birthday,
        LegalEntity,
        Price,
        Category,
        Items,
        TrackingData,
        LinkedEntity,
        ChainedList,
        Monetary,
        File,
        Payer,
        Supplier,
    ]
};

/// Whose definitions are written: an entity type's or a catalog's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Of {
    Entity(Kind),
    Catalog(i64),
}

impl Of {
    fn owner(self) -> FieldOwner {
        match self {
            Of::Entity(Kind::Leads) => FieldOwner::Leads,
            Of::Entity(Kind::Contacts) => FieldOwner::Contacts,
            Of::Entity(Kind::Companies) => FieldOwner::Companies,
            Of::Entity(Kind::Customers) => FieldOwner::Customers,
            Of::Catalog(id) => FieldOwner::Catalog(id),
        }
    }

    fn is(self, kind: Kind) -> bool {
        self == Of::Entity(kind)
    }
}

/// The definitions of `of`; a catalog the account lacks is 404.
fn fields_mut(crm: &mut Crm, of: Of) -> Result<&mut Fields, Failure> {
    match of {
        Of::Entity(kind) => Ok(&mut crm.fields[kind.index()]),
        Of::Catalog(id) => crm
            .catalog_fields
            .iter_mut()
            .find(|(c, _)| *c == id)
            .map(|(_, f)| f)
            .ok_or_else(|| Problem::not_found("Catalog not found").into()),
    }
}

/// The type named `name`, if amoCRM's matrix has it for `of` (`invoices`: the catalog is
/// the invoices list, the one with a payer and a supplier).
fn type_for(name: &str, of: Of, invoices: bool) -> Option<FieldType> {
    use FieldType::*;
    let t = TYPES.into_iter().find(|t| t.as_str() == name)?;
    let catalog = matches!(of, Of::Catalog(_));
    let ok = match t {
        Multitext => of.is(Kind::Contacts) || of.is(Kind::Companies),
        SmartAddress | Birthday | LegalEntity => !catalog && !of.is(Kind::Customers),
        TrackingData => of.is(Kind::Leads),
        ChainedList => of.is(Kind::Leads) || of.is(Kind::Customers),
        Monetary => !catalog,
        Price | Category | Items | LinkedEntity => catalog,
        Payer | Supplier => catalog && invoices,
        _ => true,
    };
    ok.then_some(t)
}

/// Checks one definition; `add`: `name` and `type` are required.
fn check(
    map: &Map<String, Value>,
    of: Of,
    invoices: bool,
    add: bool,
    wrong: &mut Vec<Wrong>,
) -> Option<FieldType> {
    for key in ["name", "type"]
        .into_iter()
        .filter(|k| add && !map.contains_key(*k))
    {
        wrong.push(("FieldMissing", key.into()));
    }
    let t = map.get("type").and_then(|t| {
        let found = t.as_str().and_then(|t| type_for(t, of, invoices));
        if found.is_none() {
            wrong.push(("NotSupportedChoice", "type".into()));
        }
        found
    });
    let lists = matches!(
        t,
        Some(FieldType::Select | FieldType::Multiselect | FieldType::Radiobutton)
    );
    if add
        && lists
        && map
            .get("enums")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
    {
        wrong.push(("FieldMissing", "enums".into()));
    }
    if add && t == Some(FieldType::Monetary) && !map.contains_key("currency") {
        wrong.push(("FieldMissing", "currency".into()));
    }
    let catalog = matches!(of, Of::Catalog(_));
    for (key, value) in map {
        let ok = match key.as_str() {
            "is_visible" | "is_required" if catalog => value.is_boolean(),
            "settings" if catalog => value.is_object() || value.is_null(),
            "search_in" if catalog => {
                let known = |s: &str| {
                    matches!(s, "contacts" | "companies" | "contacts_and_companies")
                        || (s.bytes().all(|b| b.is_ascii_digit())
                            && s.parse::<u64>().is_ok_and(|n| n > 0))
                };
                value.as_str().is_some_and(known) && t.is_none_or(|t| t == FieldType::LinkedEntity)
            }
            "nested" if catalog => {
                t.is_none_or(|t| t == FieldType::Category)
                    && value.as_array().is_some_and(|list| {
                        list.iter().all(|n| {
                            n.get("value")
                                .and_then(Value::as_str)
                                .is_some_and(|v| !v.trim().is_empty())
                        })
                    })
            }
            "currency" | "remind" | "required_statuses" | "chained_lists" | "tracking_callback"
                if catalog =>
            {
                wrong.push(("FieldNotExpected", key.clone()));
                continue;
            }
            "name" | "code" => value.as_str().is_some_and(|s| !s.trim().is_empty()),
            "type" | "request_id" | "group_id" | "tracking_callback" => value.is_string(),
            "id" if !add => value.as_i64().is_some_and(|id| id > 0),
            "sort" => value.is_i64(),
            "is_api_only" => value.is_boolean(),
            "currency" => value
                .as_str()
                .is_some_and(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())),
            "remind" => matches!(value.as_str(), Some("never" | "day" | "week" | "month")),
            "enums" => value.as_array().is_some_and(|list| {
                list.iter().all(|e| {
                    e.get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| !v.trim().is_empty())
                        && e.get("sort").is_some_and(Value::is_i64)
                })
            }),
            "required_statuses" | "chained_lists" => value.is_array(),
            "hidden_statuses" if of.is(Kind::Leads) => value.is_array(),
            _ => {
                wrong.push(("FieldNotExpected", key.clone()));
                continue;
            }
        };
        if !ok {
            wrong.push(("InvalidType", key.clone()));
        }
    }
    t
}

/// A fresh ID for a field or an option: past every one of the account's.
fn fresh(crm: &Crm) -> i64 {
    let floor = 5_000_000 + crm.ids.account * 100_000;
    let catalogs = crm.catalog_fields.iter().map(|(_, f)| f);
    let all = crm.fields.iter().chain(catalogs).flat_map(|f| &f.defs);
    let used = all.flat_map(|d| std::iter::once(d.id).chain(d.enums.iter().map(|e| e.id)));
    used.max().unwrap_or(0).max(floor).max(crm.last_field_id) + 1
}

/// Writes the keys of `map` onto `def`.
fn apply(crm: &Crm, def: &mut FieldDef, map: &Map<String, Value>, next: &mut i64) {
    let text = |key: &str| map.get(key).and_then(Value::as_str).map(keep);
    let stages = |key: &str| -> Option<Vec<(i64, i64)>> {
        let list = map.get(key)?.as_array()?;
        let pair = |s: &Value| {
            Some((
                s.get("status_id")?.as_i64()?,
                s.get("pipeline_id")?.as_i64()?,
            ))
        };
        Some(list.iter().filter_map(pair).collect())
    };
    if let Some(name) = text("name") {
        def.name = name;
    }
    if let Some(code) = text("code") {
        def.code = Some(code);
    }
    if let Some(sort) = map.get("sort").and_then(Value::as_i64) {
        def.sort = sort;
    }
    if let Some(on) = map.get("is_api_only").and_then(Value::as_bool) {
        def.is_api_only = on;
    }
    if let Some(on) = map.get("is_required").and_then(Value::as_bool) {
        def.is_required = on;
    }
    if let Some(on) = map.get("is_visible").and_then(Value::as_bool) {
        def.is_visible = on;
    }
    if let Some(search_in) = map.get("search_in").and_then(Value::as_str) {
        def.search_in = Some(search_in.to_owned());
    }
    if let Some(group) = map.get("group_id").and_then(Value::as_str) {
        def.group_id = Some(group.to_owned());
    }
    def.currency = text("currency").or(def.currency);
    def.remind = text("remind").or(def.remind);
    def.required_statuses =
        stages("required_statuses").unwrap_or(std::mem::take(&mut def.required_statuses));
    def.hidden_statuses =
        stages("hidden_statuses").unwrap_or(std::mem::take(&mut def.hidden_statuses));
    if let Some(list) = map.get("enums").and_then(Value::as_array) {
        let known = std::mem::take(&mut def.enums);
        def.enums = list
            .iter()
            .map(|e| {
                let id = e
                    .get("id")
                    .and_then(Value::as_i64)
                    .filter(|id| known.iter().any(|k| k.id == *id));
                FieldEnum {
                    id: id.unwrap_or_else(|| {
                        *next += 1;
                        *next - 1
                    }),
                    value: e.get("value").and_then(Value::as_str).map_or("", keep),
                    sort: e.get("sort").and_then(Value::as_i64).unwrap_or_default(),
                    code: e.get("code").and_then(Value::as_str).map(keep),
                }
            })
            .collect();
    }
    if let Some(list) = map.get("nested").and_then(Value::as_array) {
        let known = std::mem::take(&mut def.nested);
        def.nested = list
            .iter()
            .map(|n| {
                let id = n
                    .get("id")
                    .and_then(Value::as_i64)
                    .filter(|id| known.iter().any(|k| k.id == *id));
                Nested {
                    id: id.unwrap_or_else(|| {
                        *next += 1;
                        *next - 1
                    }),
                    parent_id: n.get("parent_id").and_then(Value::as_i64),
                    value: n.get("value").and_then(Value::as_str).map_or("", keep),
                    sort: n.get("sort").and_then(Value::as_i64).unwrap_or_default(),
                }
            })
            .collect();
    }
    let _ = crm;
}

/// Whether `of` is the invoices catalog (the one list with a payer and a supplier).
fn invoices(crm: &Crm, of: Of) -> bool {
    matches!(of, Of::Catalog(id) if crm.catalog(id).is_some_and(|c| c.kind == "invoices"))
}

/// `POST /api/v4/{kind}/custom_fields` (or a catalog's): the definitions added, with their
/// `request_id`s.
pub(crate) fn add(crm: &mut Crm, of: Of, body: &Value) -> Result<Vec<(String, i64)>, Failure> {
    fields_mut(crm, of)?;
    let invoices = invoices(crm, of);
    let list = items(body, 250).map_err(|e| Failure::Refused(Refused::Body(e)))?;
    let mut groups = Vec::new();
    let mut plans = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let mut wrong = Vec::new();
        match item.as_object() {
            Some(map) => {
                if let Some(t) = check(map, of, invoices, true, &mut wrong) {
                    plans.push((request_id(item, i), map, t));
                }
            }
            None => wrong.push(("InvalidType", String::new())),
        }
        if !wrong.is_empty() {
            groups.push((request_id(item, i), wrong));
        }
    }
    if !groups.is_empty() {
        return Err(Failure::Refused(Refused::Entities(groups)));
    }
    let mut next = fresh(crm);
    let mut made = Vec::new();
    for (request_id, map, t) in plans {
        let id = next;
        next += 1;
        let sort = fields_mut(crm, of)?
            .defs
            .iter()
            .map(|d| d.sort)
            .max()
            .unwrap_or(0)
            + 1;
        let mut def = FieldDef::new(id, of.owner(), t, "", sort);
        apply(crm, &mut def, map, &mut next);
        fields_mut(crm, of)?.defs.push(def);
        made.push((request_id, id));
    }
    crm.last_field_id = next - 1;
    Ok(made)
}

/// `PATCH /api/v4/{kind}/custom_fields` (`path_id`: `None`) or `…/{id}`: the IDs changed.
pub(crate) fn update(
    crm: &mut Crm,
    of: Of,
    body: &Value,
    path_id: Option<i64>,
) -> Result<Vec<(String, i64)>, Failure> {
    fields_mut(crm, of)?;
    let invoices = invoices(crm, of);
    let one = [body.clone()];
    let list: &[Value] = match path_id {
        Some(_) => &one,
        None => items(body, 250).map_err(|e| Failure::Refused(Refused::Body(e)))?,
    };
    let mut groups = Vec::new();
    let mut plans = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let mut wrong = Vec::new();
        let Some(map) = item.as_object() else {
            groups.push((request_id(item, i), vec![("InvalidType", String::new())]));
            continue;
        };
        check(map, of, invoices, false, &mut wrong);
        let id = path_id.or_else(|| map.get("id").and_then(Value::as_i64));
        let defs = &fields_mut(crm, of)?;
        let found = id.filter(|id| defs.by_id(*id).is_some());
        match (found, path_id) {
            (Some(id), _) => plans.push((request_id(item, i), map, id)),
            (None, Some(_)) => return Err(Problem::not_found("Custom field not found").into()),
            (None, None) => wrong.push(("NotSupportedChoice", "id".into())),
        }
        if !wrong.is_empty() {
            groups.push((request_id(item, i), wrong));
        }
    }
    if !groups.is_empty() {
        return Err(Failure::Refused(Refused::Entities(groups)));
    }
    let mut next = fresh(crm);
    let mut done = Vec::new();
    for (request_id, map, id) in plans {
        let defs = &fields_mut(crm, of)?.defs;
        let Some(at) = defs.iter().position(|d| d.id == id) else {
            continue;
        };
        let mut def = defs[at].clone();
        apply(crm, &mut def, map, &mut next);
        fields_mut(crm, of)?.defs[at] = def;
        done.push((request_id, id));
    }
    crm.last_field_id = crm.last_field_id.max(next - 1);
    Ok(done)
}

/// `DELETE /api/v4/{kind}/custom_fields/{id}` (or a catalog's): the definition and every
/// value of it.
pub(crate) fn delete(crm: &mut Crm, of: Of, id: i64) -> Result<(), Failure> {
    let fields = fields_mut(crm, of)?;
    let Some(at) = fields.defs.iter().position(|d| d.id == id) else {
        return Err(Problem::not_found("Custom field not found").into());
    };
    if !fields.defs[at].is_deletable {
        return Err(Problem::new(422, "A predefined field cannot be deleted").into());
    }
    fields.defs.remove(at);
    // Values point at their field by position: drop this one's, shift those after it.
    let at = at as u16;
    let fix = |values: &mut Vec<crate::model::crm::values::FieldValues>| {
        values.retain(|v| v.field != at);
        values
            .iter_mut()
            .filter(|v| v.field > at)
            .for_each(|v| v.field -= 1);
    };
    let kind = match of {
        Of::Entity(kind) => kind,
        Of::Catalog(catalog) => {
            let elements = crm.catalogs.iter_mut().filter(|c| c.id == catalog);
            for element in elements.flat_map(|c| c.elements.iter_mut()) {
                fix(&mut element.fields);
            }
            return Ok(());
        }
    };
    match kind {
        Kind::Leads => {
            let ids: Vec<i64> = crm.leads.rows().iter().map(|l| l.id).collect();
            for id in ids {
                crm.leads.update(id, |l| fix(&mut l.fields));
            }
            let ids: Vec<i64> = crm.trash.0.rows().iter().map(|l| l.id).collect();
            for id in ids {
                crm.trash.0.update(id, |l| fix(&mut l.fields));
            }
        }
        Kind::Contacts | Kind::Companies => {
            let (table, trash) = match kind {
                Kind::Contacts => (&mut crm.contacts, &mut crm.trash.1),
                _ => (&mut crm.companies, &mut crm.trash.2),
            };
            for table in [table, trash] {
                let ids: Vec<i64> = table.rows().iter().map(|p| p.id).collect();
                for id in ids {
                    table.update(id, |p| fix(&mut p.fields));
                }
            }
        }
        Kind::Customers => {}
    }
    Ok(())
}
