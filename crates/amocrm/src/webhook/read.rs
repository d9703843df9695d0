//! A delivery's tree read into [`Event`]s, liberally: numbers as strings (and `""` as
//! none), unknown keys kept, an unknown entity kept whole, and one entry that cannot be
//! read one [`MalformedEvent`] while the others are read.

use std::fmt;

use super::event::{
    Action, CustomField, CustomFieldValue, Event, Lead, Note, NoteParent, Party, Tag, Task,
    Unsorted,
};
use super::form::{FormMap, FormValue};

/// An entry of a delivery that could not be read: where it is and why, never its values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("webhook event {entity}[{action}][{index}]: {reason}")]
#[non_exhaustive]
pub struct MalformedEvent {
    /// The form's first key (`leads`).
    pub entity: String,
    /// The form's second key (`status`).
    pub action: String,
    /// The entry's key within the action (`0`).
    pub index: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Every event of the delivery's entities (the top-level keys but `account`), in key
/// order, entries in numeric order.
pub(crate) fn events(form: &FormMap) -> Vec<Result<Event, MalformedEvent>> {
    let mut out = Vec::new();
    for (entity, actions) in form {
        if entity == "account" {
            continue;
        }
        let Some(actions) = actions.as_map() else {
            out.push(Err(malformed(entity, "", "", "not a map of actions")));
            continue;
        };
        for (action, entries) in actions {
            match entries {
                // `leads[delete]=7`: the documented shape of a delete, one ID.
                FormValue::Text(id) => {
                    let entry = FormMap::from([("id".to_owned(), FormValue::Text(id.clone()))]);
                    out.push(event(entity, action, "0", &entry));
                }
                FormValue::Map(_) => {
                    for (index, entry) in entries.entries() {
                        out.push(match entry {
                            FormValue::Map(entry) => event(entity, action, index, entry),
                            FormValue::Text(_) => {
                                Err(malformed(entity, action, index, "not a map of fields"))
                            }
                        });
                    }
                }
            }
        }
    }
    out
}

fn malformed(entity: &str, action: &str, index: &str, reason: &'static str) -> MalformedEvent {
    MalformedEvent {
        entity: entity.to_owned(),
        action: action.to_owned(),
        index: index.to_owned(),
        reason,
    }
}

fn event(entity: &str, action: &str, index: &str, f: &FormMap) -> Result<Event, MalformedEvent> {
    let bad = |reason| malformed(entity, action, index, reason);
    if action == "note" {
        let parent = match (entity, text(f, "type")) {
            ("leads", _) => NoteParent::Lead,
            ("contacts", Some("company")) | ("companies", _) => NoteParent::Company,
            ("contacts", _) => NoteParent::Contact,
            ("customers", _) => NoteParent::Customer,
            (other, _) => NoteParent::Unknown(other.to_owned()),
        };
        let note = f.get("note").and_then(FormValue::as_map).unwrap_or(f);
        return Ok(Event::Note {
            on: parent,
            note: Box::new(
                read_note(note).ok_or_else(|| bad("the note's id is missing or not a number"))?,
            ),
        });
    }
    let id_missing = "id is missing or not a number";
    let act = Action::from(action);
    Ok(match entity {
        "leads" => Event::Lead {
            action: act,
            lead: Box::new(read_lead(f).ok_or_else(|| bad(id_missing))?),
        },
        "contacts" | "companies" => {
            let party = Box::new(read_party(f).ok_or_else(|| bad(id_missing))?);
            if entity == "companies" || party.kind.as_deref() == Some("company") {
                Event::Company {
                    action: act,
                    company: party,
                }
            } else {
                Event::Contact {
                    action: act,
                    contact: party,
                }
            }
        }
        "task" | "tasks" => Event::Task {
            action: act,
            task: Box::new(read_task(f).ok_or_else(|| bad(id_missing))?),
        },
        "unsorted" => Event::Unsorted {
            action: act,
            unsorted: Box::new(read_unsorted(f).ok_or_else(|| bad("uid is missing"))?),
        },
        _ => Event::Unknown {
            entity: entity.to_owned(),
            action: action.to_owned(),
            fields: f.clone(),
        },
    })
}

/// A leaf's text; `""` is none (PHP writes null so).
pub(crate) fn text<'a>(f: &'a FormMap, key: &str) -> Option<&'a str> {
    f.get(key)?
        .as_text()
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn owned(f: &FormMap, key: &str) -> Option<String> {
    text(f, key).map(str::to_owned)
}

/// A whole number sent as a string (`"17"`, `"17.0"`); none when absent, empty or not one.
pub(crate) fn int(f: &FormMap, key: &str) -> Option<i64> {
    let t = text(f, key)?;
    t.parse::<i64>().ok().or_else(|| {
        let x = t.parse::<f64>().ok()?;
        (x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
    })
}

fn first_int(f: &FormMap, keys: &[&str]) -> Option<i64> {
    keys.iter().find_map(|k| int(f, k))
}

fn flag(f: &FormMap, key: &str) -> Option<bool> {
    match text(f, key)? {
        "1" | "true" | "Y" => Some(true),
        "0" | "false" | "N" => Some(false),
        _ => None,
    }
}

fn list<'a>(f: &'a FormMap, key: &str) -> Vec<&'a FormValue> {
    f.get(key)
        .map(|v| v.entries().into_iter().map(|(_, v)| v).collect())
        .unwrap_or_default()
}

fn tags(f: &FormMap) -> Vec<Tag> {
    list(f, "tags")
        .into_iter()
        .filter_map(FormValue::as_map)
        .map(|t| Tag {
            id: int(t, "id"),
            name: owned(t, "name"),
        })
        .collect()
}

fn custom_fields(f: &FormMap) -> Vec<CustomField> {
    list(f, "custom_fields")
        .into_iter()
        .filter_map(FormValue::as_map)
        .map(|c| CustomField {
            id: int(c, "id"),
            name: owned(c, "name"),
            code: owned(c, "code"),
            values: list(c, "values")
                .into_iter()
                .map(|v| match v {
                    FormValue::Text(t) => CustomFieldValue {
                        value: Some(t.clone()),
                        enum_id: None,
                    },
                    FormValue::Map(m) => CustomFieldValue {
                        value: m
                            .get("value")
                            .and_then(FormValue::as_text)
                            .map(str::to_owned),
                        enum_id: int(m, "enum").or_else(|| int(m, "enum_id")),
                    },
                })
                .collect(),
        })
        .collect()
}

fn read_lead(f: &FormMap) -> Option<Lead> {
    Some(Lead {
        id: int(f, "id").filter(|id| *id > 0)?,
        name: owned(f, "name"),
        status_id: int(f, "status_id"),
        old_status_id: int(f, "old_status_id"),
        pipeline_id: int(f, "pipeline_id"),
        old_pipeline_id: int(f, "old_pipeline_id"),
        price: int(f, "price"),
        responsible_user_id: int(f, "responsible_user_id"),
        old_responsible_user_id: int(f, "old_responsible_user_id"),
        created_user_id: int(f, "created_user_id"),
        modified_user_id: first_int(f, &["modified_user_id", "updated_by"]),
        date_create: first_int(f, &["date_create", "created_at"]),
        last_modified: first_int(f, &["last_modified", "updated_at"]),
        tags: tags(f),
        custom_fields: custom_fields(f),
        fields: f.clone(),
    })
}

fn read_party(f: &FormMap) -> Option<Party> {
    let linked_leads_id = f
        .get("linked_leads_id")
        .and_then(FormValue::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(key, v)| {
                    key.parse()
                        .ok()
                        .or_else(|| v.as_map().and_then(|v| int(v, "ID")))
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Party {
        id: int(f, "id").filter(|id| *id > 0)?,
        name: owned(f, "name"),
        kind: owned(f, "type"),
        responsible_user_id: int(f, "responsible_user_id"),
        old_responsible_user_id: int(f, "old_responsible_user_id"),
        created_user_id: int(f, "created_user_id"),
        modified_user_id: int(f, "modified_user_id"),
        date_create: first_int(f, &["date_create", "created_at"]),
        last_modified: first_int(f, &["last_modified", "updated_at"]),
        company_name: owned(f, "company_name"),
        linked_company_id: int(f, "linked_company_id"),
        linked_leads_id,
        tags: tags(f),
        custom_fields: custom_fields(f),
        fields: f.clone(),
    })
}

fn read_task(f: &FormMap) -> Option<Task> {
    let result = f.get("result").and_then(FormValue::as_map);
    Some(Task {
        id: int(f, "id").filter(|id| *id > 0)?,
        element_id: int(f, "element_id"),
        element_type: int(f, "element_type"),
        task_type: int(f, "task_type"),
        text: owned(f, "text"),
        completed: flag(f, "status"),
        closed_now: flag(f, "action_close") == Some(true),
        result_text: result.and_then(|r| owned(r, "text")),
        responsible_user_id: int(f, "responsible_user_id"),
        created_user_id: int(f, "created_user_id"),
        complete_till: owned(f, "complete_till"),
        date_create: owned(f, "date_create"),
        last_modified: owned(f, "last_modified"),
        fields: f.clone(),
    })
}

fn read_note(f: &FormMap) -> Option<Note> {
    Some(Note {
        id: int(f, "id").filter(|id| *id > 0)?,
        note_type: owned(f, "note_type"),
        text: owned(f, "text"),
        element_id: int(f, "element_id"),
        element_type: int(f, "element_type"),
        created_user_id: int(f, "created_user_id"),
        date_create: first_int(f, &["date_create", "created_at"]),
        fields: f.clone(),
    })
}

fn read_unsorted(f: &FormMap) -> Option<Unsorted> {
    Some(Unsorted {
        uid: owned(f, "uid")?,
        category: owned(f, "category"),
        pipeline_id: int(f, "pipeline_id"),
        source: owned(f, "source"),
        decision: owned(f, "action"),
        created_at: first_int(f, &["created_at", "date_create"]),
        fields: f.clone(),
    })
}

impl fmt::Display for NoteParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteParent::Lead => "lead",
            NoteParent::Contact => "contact",
            NoteParent::Company => "company",
            NoteParent::Customer => "customer",
            NoteParent::Unknown(other) => other,
        })
    }
}
