//! One entity of a write body read as amoCRM reads it: every key checked (a key the
//! entity does not take is `FieldNotExpected`, a value of the wrong JSON type
//! `InvalidType`, an ID the account does not have `NotSupportedChoice`, an update's
//! missing `id` `FieldMissing`), into a [`Plan`] of the changes to make.

use serde_json::Value;

use crate::model::crm::Crm;
use crate::model::crm::fields::{FieldDef, FieldType};
use crate::model::crm::records::Kind;
use crate::model::crm::values::Val;

/// A refusal of one key: amoCRM's code and the dot path into the entity.
pub(crate) type Wrong = (&'static str, String);

/// What one entity asks for.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub price: Option<i64>,
    pub status_id: Option<i64>,
    pub pipeline_id: Option<i64>,
    pub responsible: Option<i64>,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub loss_reason_id: Option<i64>,
    /// `(position among the owner's fields, values; None clears)`.
    pub fields: Vec<(u16, Option<Vec<Val>>)>,
    pub tags_add: Vec<Value>,
    pub tags_delete: Vec<Value>,
    /// `_embedded.tags`: the whole set (`null` on an update: none).
    pub tags_set: Option<Vec<Value>>,
    pub contacts: Vec<i64>,
    pub company: Option<i64>,
    /// A complex add's new contact and company.
    pub new_contact: Option<Box<Plan>>,
    pub new_company: Option<Box<Plan>>,
}

/// How the entity is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Add,
    Update,
    /// A lead of `/leads/complex`.
    Complex,
}

/// The most custom field values one entity of a complex add takes.
const MAX_COMPLEX_FIELDS: usize = 40;

/// Reads `item` (a `kind` written `how`), its paths prefixed with `at`.
pub(crate) fn plan(
    crm: &Crm,
    kind: Kind,
    how: How,
    item: &Value,
    at: &str,
) -> Result<Plan, Vec<Wrong>> {
    let mut wrong = Vec::new();
    let mut plan = Plan::default();
    let Some(item) = item.as_object() else {
        return Err(vec![("InvalidType", at.trim_end_matches('.').to_owned())]);
    };
    let path = |key: &str| format!("{at}{key}");
    for (key, value) in item {
        let p = path(key);
        let lead = kind == Kind::Leads;
        match key.as_str() {
            "request_id" if value.is_string() => {}
            "id" if how == How::Update => match value.as_i64() {
                Some(id) if exists(crm, kind, id) => plan.id = Some(id),
                Some(_) => wrong.push(("NotSupportedChoice", p)),
                None => wrong.push(("InvalidType", p)),
            },
            "name" => text(value, &p, &mut plan.name, &mut wrong),
            "first_name" | "last_name" if kind == Kind::Contacts => {
                let slot = if key == "first_name" {
                    &mut plan.first_name
                } else {
                    &mut plan.last_name
                };
                text(value, &p, slot, &mut wrong)
            }
            "price" if lead => match value.as_i64() {
                Some(price) if (0..=i64::from(i32::MAX)).contains(&price) => {
                    plan.price = Some(price)
                }
                _ => wrong.push(("InvalidType", p)),
            },
            "status_id" if lead => choice(value, &p, &mut plan.status_id, &mut wrong, |id| {
                crm.stages.iter().any(|(s, _)| *s == id)
            }),
            "pipeline_id" if lead => choice(value, &p, &mut plan.pipeline_id, &mut wrong, |id| {
                crm.stages.iter().any(|(_, pl)| *pl == id)
            }),
            "loss_reason_id" if lead => {
                choice(value, &p, &mut plan.loss_reason_id, &mut wrong, |id| {
                    crm.loss_reasons.iter().any(|r| r.id == id)
                })
            }
            "responsible_user_id" => choice(value, &p, &mut plan.responsible, &mut wrong, |id| {
                crm.user(id).is_some()
            }),
            "created_by" | "updated_by" => {
                let slot = if key == "created_by" {
                    &mut plan.created_by
                } else {
                    &mut plan.updated_by
                };
                choice(value, &p, slot, &mut wrong, |id| {
                    id == 0 || crm.user(id).is_some()
                })
            }
            "created_at" | "updated_at" | "closed_at" => {
                let slot = match key.as_str() {
                    "created_at" => &mut plan.created_at,
                    "updated_at" => &mut plan.updated_at,
                    _ => &mut plan.closed_at,
                };
                if key == "closed_at" && !lead {
                    wrong.push(("FieldNotExpected", p));
                } else {
                    choice(value, &p, slot, &mut wrong, |at| at >= 0)
                }
            }
            "custom_fields_values" => fields(crm, kind, value, &p, &mut plan, &mut wrong),
            "tags_to_add" => tags(value, &p, &mut plan.tags_add, &mut wrong),
            "tags_to_delete" if how == How::Update => {
                tags(value, &p, &mut plan.tags_delete, &mut wrong)
            }
            "_embedded" => embedded(crm, kind, how, value, &p, &mut plan, &mut wrong),
            _ => wrong.push(("FieldNotExpected", p)),
        }
    }
    unknown_tags(crm, kind, item, at, &mut wrong);
    if how == How::Update && plan.id.is_none() && !item.contains_key("id") {
        wrong.push(("FieldMissing", path("id")));
    }
    if how == How::Complex && plan.fields.len() > MAX_COMPLEX_FIELDS {
        wrong.push(("TooManyValues", path("custom_fields_values")));
    }
    if wrong.is_empty() {
        Ok(plan)
    } else {
        Err(wrong)
    }
}

pub(super) fn exists(crm: &Crm, kind: Kind, id: i64) -> bool {
    match kind {
        Kind::Leads => crm.leads.get(id).is_some(),
        _ => crm.parties(kind).is_some_and(|t| t.get(id).is_some()),
    }
}

pub(super) fn text(value: &Value, p: &str, slot: &mut Option<String>, wrong: &mut Vec<Wrong>) {
    match value.as_str() {
        Some(s) => *slot = Some(s.to_owned()),
        None => wrong.push(("InvalidType", p.to_owned())),
    }
}

pub(super) fn choice(
    value: &Value,
    p: &str,
    slot: &mut Option<i64>,
    wrong: &mut Vec<Wrong>,
    known: impl Fn(i64) -> bool,
) {
    match value.as_i64() {
        Some(id) if known(id) => *slot = Some(id),
        Some(_) => wrong.push(("NotSupportedChoice", p.to_owned())),
        None => wrong.push(("InvalidType", p.to_owned())),
    }
}

fn tags(value: &Value, p: &str, into: &mut Vec<Value>, wrong: &mut Vec<Wrong>) {
    let Some(list) = value.as_array() else {
        return wrong.push(("InvalidType", p.to_owned()));
    };
    for (i, tag) in list.iter().enumerate() {
        let ok = tag.get("id").is_some_and(Value::is_i64)
            || tag.get("name").is_some_and(Value::is_string);
        if ok {
            into.push(tag.clone())
        } else {
            wrong.push(("InvalidType", format!("{p}.{i}")))
        }
    }
}

/// A tag named by an ID its dictionary does not have (`tags_to_add`, `tags_to_delete`,
/// `_embedded.tags`): `NotSupportedChoice` at its `id`.
fn unknown_tags(
    crm: &Crm,
    kind: Kind,
    item: &serde_json::Map<String, Value>,
    at: &str,
    wrong: &mut Vec<Wrong>,
) {
    let lists = [
        ("tags_to_add", item.get("tags_to_add")),
        ("tags_to_delete", item.get("tags_to_delete")),
        (
            "_embedded.tags",
            item.get("_embedded").and_then(|e| e.get("tags")),
        ),
    ];
    for (key, list) in lists {
        for (i, tag) in list
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let id = tag.get("id").and_then(Value::as_i64);
            if id.is_some_and(|id| !crm.tags[kind.index()].iter().any(|t| t.id == id)) {
                wrong.push(("NotSupportedChoice", format!("{at}{key}.{i}.id")));
            }
        }
    }
}

fn embedded(
    crm: &Crm,
    kind: Kind,
    how: How,
    value: &Value,
    p: &str,
    plan: &mut Plan,
    wrong: &mut Vec<Wrong>,
) {
    let Some(map) = value.as_object() else {
        return wrong.push(("InvalidType", p.to_owned()));
    };
    for (key, list) in map {
        let at = format!("{p}.{key}");
        if key == "tags" && how != How::Complex {
            let mut set = Vec::new();
            match list {
                Value::Null if how == How::Update => {}
                Value::Array(_) => tags(list, &at, &mut set, wrong),
                _ => wrong.push(("InvalidType", at)),
            }
            plan.tags_set = Some(set);
            continue;
        }
        let Some(list) = list.as_array() else {
            wrong.push(("InvalidType", at));
            continue;
        };
        match key.as_str() {
            "tags" => tags(&Value::Array(list.clone()), &at, &mut plan.tags_add, wrong),
            "contacts" | "companies" if kind == Kind::Leads && how != How::Update => {
                let party = if key == "contacts" {
                    Kind::Contacts
                } else {
                    Kind::Companies
                };
                if how == How::Complex && list.len() > 1 {
                    wrong.push(("TooManyValues", at.clone()));
                }
                for (i, one) in list.iter().enumerate() {
                    let at = format!("{at}.{i}");
                    let bare = one
                        .as_object()
                        .is_some_and(|o| o.keys().all(|k| k == "id" || k == "is_main"));
                    match one.get("id").and_then(Value::as_i64) {
                        Some(id) if bare && exists(crm, party, id) => {
                            if party == Kind::Contacts {
                                plan.contacts.push(id)
                            } else {
                                plan.company = Some(id)
                            }
                        }
                        Some(_) if bare => wrong.push(("NotSupportedChoice", format!("{at}.id"))),
                        _ if how == How::Complex => {
                            match plan_party(crm, party, one, &format!("{at}.")) {
                                Ok(new) if party == Kind::Contacts => {
                                    plan.new_contact = Some(Box::new(new))
                                }
                                Ok(new) => plan.new_company = Some(Box::new(new)),
                                Err(mut w) => wrong.append(&mut w),
                            }
                        }
                        _ => wrong.push(("InvalidType", at)),
                    }
                }
            }
            _ => wrong.push(("FieldNotExpected", at)),
        }
    }
}

fn plan_party(crm: &Crm, kind: Kind, item: &Value, at: &str) -> Result<Plan, Vec<Wrong>> {
    let plan = plan(crm, kind, How::Add, item, at)?;
    if plan.fields.len() > MAX_COMPLEX_FIELDS {
        return Err(vec![("TooManyValues", format!("{at}custom_fields_values"))]);
    }
    Ok(plan)
}

fn fields(crm: &Crm, kind: Kind, value: &Value, p: &str, plan: &mut Plan, wrong: &mut Vec<Wrong>) {
    let Some(list) = value.as_array() else {
        return wrong.push(("InvalidType", p.to_owned()));
    };
    let defs = &crm.fields[kind.index()];
    for (i, one) in list.iter().enumerate() {
        let at = format!("{p}.{i}");
        let Some(one) = one.as_object() else {
            wrong.push(("InvalidType", at));
            continue;
        };
        // A `null` field_id beside a field_code: the field is named by its code.
        let id = one.get("field_id").filter(|id| !id.is_null());
        let position = match (id, one.get("field_code")) {
            (Some(id), _) => id
                .as_i64()
                .and_then(|id| defs.defs.iter().position(|d| d.id == id))
                .ok_or("field_id"),
            (None, Some(code)) => code
                .as_str()
                .and_then(|c| defs.position_of_code(c))
                .ok_or("field_code"),
            (None, None) => Err("field_id"),
        };
        let position = match position {
            Ok(position) => position,
            Err(key) => {
                wrong.push(("NotSupportedChoice", format!("{at}.{key}")));
                continue;
            }
        };
        for key in one.keys() {
            if !matches!(key.as_str(), "field_id" | "field_code" | "values") {
                wrong.push(("FieldNotExpected", format!("{at}.{key}")));
            }
        }
        let def = &defs.defs[position];
        match one.get("values") {
            Some(Value::Null) => plan.fields.push((position as u16, None)),
            Some(Value::Array(values)) => {
                let mut vals = Vec::new();
                for (j, v) in values.iter().enumerate() {
                    match val(def, v, &format!("{at}.values.{j}")) {
                        Ok(v) => vals.push(v),
                        Err(w) => wrong.push(w),
                    }
                }
                plan.fields.push((position as u16, Some(vals)));
            }
            Some(_) => wrong.push(("InvalidType", format!("{at}.values"))),
            None => wrong.push(("FieldMissing", format!("{at}.values"))),
        }
    }
}

/// One value of a field, by the field's type: the keys it takes and the shape of `value`.
fn val(def: &FieldDef, v: &Value, at: &str) -> Result<Val, Wrong> {
    use FieldType as T;
    let Some(v) = v.as_object() else {
        return Err(("InvalidType", at.to_owned()));
    };
    let takes: &[&str] = match def.kind {
        T::Select
        | T::Multiselect
        | T::Radiobutton
        | T::Category
        | T::Multitext
        | T::SmartAddress => &["value", "enum_id", "enum_code"],
        T::ChainedList => &["catalog_id", "catalog_element_id"],
        _ => &["value"],
    };
    if let Some(key) = v.keys().find(|k| !takes.contains(&k.as_str())) {
        return Err(("FieldNotExpected", format!("{at}.{key}")));
    }
    let value = v.get("value");
    let bad = |key: &str| ("InvalidType", format!("{at}.{key}"));
    let option = || -> Option<i64> {
        if let Some(id) = v.get("enum_id") {
            return id
                .as_i64()
                .filter(|id| def.option(*id).is_some() || def.nested_value(*id).is_some());
        }
        if let Some(code) = v.get("enum_code") {
            let code = code.as_str()?;
            let coded = matches!(def.kind, T::Multitext | T::SmartAddress);
            return def
                .enums
                .iter()
                .find(|e| e.code == Some(code) || (coded && e.enum_code() == code))
                .map(|e| e.id);
        }
        let text = value?.as_str()?;
        def.enums.iter().find(|e| e.value == text).map(|e| e.id)
    };
    Ok(match def.kind {
        T::Select | T::Multiselect | T::Radiobutton | T::Category => {
            Val::Choice(option().ok_or(("NotSupportedChoice", format!("{at}.value")))?)
        }
        T::Multitext | T::SmartAddress => {
            let text = value.and_then(Value::as_str).ok_or_else(|| bad("value"))?;
            let code = option().ok_or(("NotSupportedChoice", format!("{at}.enum_code")))?;
            Val::Coded(text.into(), code)
        }
        T::Numeric => match value {
            Some(Value::Number(n)) => Val::Number(n.as_f64().ok_or_else(|| bad("value"))?),
            Some(Value::String(s)) => Val::Number(
                // Rust's parse takes "NaN" and "inf"; amoCRM takes only a finite number.
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| bad("value"))?,
            ),
            _ => return Err(bad("value")),
        },
        T::Checkbox => Val::Flag(value.and_then(Value::as_bool).ok_or_else(|| bad("value"))?),
        T::Date | T::DateTime | T::Birthday => match value {
            Some(Value::Number(n)) => Val::Time(n.as_i64().ok_or_else(|| bad("value"))?),
            Some(Value::String(s)) if !s.is_empty() => Val::Raw(Box::new(Value::String(s.clone()))),
            _ => return Err(bad("value")),
        },
        T::Text
        | T::Textarea
        | T::Url
        | T::StreetAddress
        | T::Price
        | T::Monetary
        | T::TrackingData
        | T::OrgLegalName => match value {
            Some(Value::String(s)) => Val::Text(s.as_str().into()),
            Some(Value::Number(n)) => Val::Text(n.to_string().into()),
            _ => return Err(bad("value")),
        },
        T::ChainedList => match (
            v.get("catalog_id").and_then(Value::as_i64),
            v.get("catalog_element_id").and_then(Value::as_i64),
        ) {
            (Some(c), Some(e)) => Val::Chained(c, e),
            _ => return Err(bad("catalog_id")),
        },
        _ => Val::Object(Box::new(value.cloned().unwrap_or(Value::Null))),
    })
}

/// A body's entities, or why it is not a write body at all.
pub(crate) fn items(body: &Value, max: usize) -> Result<&[Value], String> {
    let Some(list) = body.as_array() else {
        return Err("the body is a JSON array of entities".into());
    };
    if list.is_empty() {
        return Err("the body holds no entity".into());
    }
    if list.len() > max {
        return Err(format!(
            "{} entities given: at most {max} a request",
            list.len()
        ));
    }
    Ok(list)
}

/// The `request_id` of the entity at `index`: its own, or its index as a string.
pub(crate) fn request_id(item: &Value, index: usize) -> String {
    item.get("request_id")
        .and_then(Value::as_str)
        .map_or_else(|| index.to_string(), str::to_owned)
}
