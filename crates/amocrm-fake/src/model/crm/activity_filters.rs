//! The documented filters of tasks, notes, events, links and tags, as predicates on the
//! model's records; the rules amoCRM sets on their combination (an events' `entity_id`
//! with exactly one `entity`, at most ten ids or users, a
//! `custom_field_{ID}_value_changed` type alone) are validation errors.

use crate::model::crm::events::{custom_field_type, is_known_type};
use crate::model::crm::query::Php;
use crate::model::crm::records::{Event, Kind, Note, Task};
use crate::model::crm::terms::{self, Errors, Range};
use crate::model::problem::FieldError;

fn any<T: PartialEq>(list: &Option<Vec<T>>, value: &T) -> bool {
    list.as_ref().is_none_or(|l| l.contains(value))
}

/// Filters of the task list.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct TaskFilter {
    ids: Option<Vec<i64>>,
    responsible: Option<Vec<i64>>,
    is_completed: Option<bool>,
    types: Option<Vec<i64>>,
    entity_type: Option<Kind>,
    entity_ids: Option<Vec<i64>>,
    updated_at: Option<Range>,
}

impl TaskFilter {
    pub fn parse(query: &Php, errors: &mut Errors) -> TaskFilter {
        let Some(f) = terms::filter(query, errors) else {
            return TaskFilter::default();
        };
        let ints = |key: &str, errors: &mut Errors| {
            terms::ints(f.get(key), &format!("filter[{key}]"), false, errors)
        };
        let is_completed = match f.get("is_completed").map(|v| v.as_str()) {
            None => None,
            Some(Some("1" | "true")) => Some(true),
            Some(Some("0" | "false")) => Some(false),
            Some(_) => {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    "filter[is_completed]",
                    "This value should be 1 or 0.",
                ));
                None
            }
        };
        let entity_type = match f
            .get("entity_type")
            .map(|v| v.as_str().and_then(Kind::from_plural))
        {
            None => None,
            Some(Some(kind)) => Some(kind),
            Some(None) => {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    "filter[entity_type]",
                    "leads, contacts, companies or customers.",
                ));
                None
            }
        };
        let entity_ids = ints("entity_id", errors);
        if entity_ids.is_some() && entity_type.is_none() && f.get("entity_type").is_none() {
            errors.push(FieldError::new(
                "NotBlank",
                "filter[entity_type]",
                "filter[entity_id] needs filter[entity_type].",
            ));
        }
        TaskFilter {
            ids: ints("id", errors),
            responsible: ints("responsible_user_id", errors),
            is_completed,
            types: ints("task_type", errors),
            entity_type,
            entity_ids,
            updated_at: terms::range(f.get("updated_at"), "filter[updated_at]", errors),
        }
    }

    pub fn task(&self, task: &Task) -> bool {
        any(&self.ids, &task.id)
            && any(&self.responsible, &task.responsible_user_id)
            && self.is_completed.is_none_or(|c| c == task.is_completed)
            && any(&self.types, &task.task_type_id)
            && self
                .entity_type
                .is_none_or(|k| task.entity.is_some_and(|(kind, _)| kind == k))
            && self
                .entity_ids
                .as_ref()
                .is_none_or(|ids| task.entity.is_some_and(|(_, id)| ids.contains(&id)))
            && self
                .updated_at
                .is_none_or(|r| r.contains(Some(task.updated_at)))
    }
}

/// Filters of a notes list (`entity_id` only on the list of an entity type).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct NoteFilter {
    ids: Option<Vec<i64>>,
    entity_ids: Option<Vec<i64>>,
    types: Option<Vec<String>>,
    updated_at: Option<Range>,
}

impl NoteFilter {
    pub fn parse(query: &Php, of_type: bool, errors: &mut Errors) -> NoteFilter {
        let Some(f) = terms::filter(query, errors) else {
            return NoteFilter::default();
        };
        NoteFilter {
            ids: terms::ints(f.get("id"), "filter[id]", false, errors),
            entity_ids: of_type
                .then(|| terms::ints(f.get("entity_id"), "filter[entity_id]", false, errors))
                .flatten(),
            types: terms::strings(f.get("note_type"), "filter[note_type]", false, errors),
            updated_at: terms::range(f.get("updated_at"), "filter[updated_at]", errors),
        }
    }

    pub fn note(&self, note: &Note) -> bool {
        any(&self.ids, &note.id)
            && any(&self.entity_ids, &note.entity_id)
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.iter().any(|t| t == note.note_type))
            && self
                .updated_at
                .is_none_or(|r| r.contains(Some(note.updated_at)))
    }
}

/// Most `entity_id`s and `created_by`s an events request may name.
pub(crate) const MAX_EVENT_IDS: usize = 10;

/// Filters of the events list.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct EventFilter {
    ids: Option<Vec<String>>,
    created_at: Option<Range>,
    created_by: Option<Vec<i64>>,
    /// Singular entity names (`lead`, `catalog_1075`…).
    entities: Option<Vec<String>>,
    entity_ids: Option<Vec<i64>>,
    types: Option<Vec<String>>,
    /// `value_after` / `value_before` conditions: `(after?, condition)`.
    values: Vec<(bool, ValueCondition)>,
}

/// What `filter[value_after]` / `[value_before]` asks of an event's value.
#[derive(Debug, PartialEq)]
enum ValueCondition {
    LeadStatuses(Vec<(Option<i64>, Option<i64>)>),
    Responsible(Vec<i64>),
    Options(Vec<i64>),
    Value(String),
}

impl EventFilter {
    pub fn parse(query: &Php, errors: &mut Errors) -> EventFilter {
        let Some(f) = terms::filter(query, errors) else {
            return EventFilter::default();
        };
        let types = terms::strings(f.get("type"), "filter[type]", true, errors);
        if let Some(types) = &types {
            if let Some(bad) = types.iter().find(|t| !is_known_type(t)) {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    "filter[type]",
                    format!("Unknown event type {bad:?}."),
                ));
            } else if types.len() > 1 && types.iter().any(|t| custom_field_type(t).is_some()) {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    "filter[type]",
                    "A custom_field_{ID}_value_changed type must be the only type.",
                ));
            }
        }
        let entities = terms::strings(f.get("entity"), "filter[entity]", true, errors);
        if let Some(bad) = entities.iter().flatten().find(|e| !is_event_entity(e)) {
            errors.push(FieldError::new(
                "NotSupportedChoice",
                "filter[entity]",
                format!("Unknown entity {bad:?}."),
            ));
        }
        let entity_ids = terms::ints(f.get("entity_id"), "filter[entity_id]", true, errors);
        if entity_ids.is_some() && entities.as_ref().is_none_or(|e| e.len() != 1) {
            errors.push(FieldError::new(
                "NotSupportedChoice",
                "filter[entity_id]",
                "filter[entity_id] needs exactly one filter[entity].",
            ));
        }
        let created_by = terms::ints(f.get("created_by"), "filter[created_by]", true, errors);
        for (list, key) in [
            (entity_ids.as_ref(), "entity_id"),
            (created_by.as_ref(), "created_by"),
        ] {
            if list.is_some_and(|l| l.len() > MAX_EVENT_IDS) {
                errors.push(FieldError::new(
                    "TooMany",
                    format!("filter[{key}]"),
                    format!("At most {MAX_EVENT_IDS} values."),
                ));
            }
        }
        let mut values = Vec::new();
        for (after, key) in [(true, "value_after"), (false, "value_before")] {
            if let Some(node) = f.get(key) {
                values.extend(value_condition(node, key, errors).map(|c| (after, c)));
            }
        }
        EventFilter {
            ids: terms::strings(f.get("id"), "filter[id]", true, errors),
            created_at: terms::range(f.get("created_at"), "filter[created_at]", errors),
            created_by,
            entities,
            entity_ids,
            types,
            values,
        }
    }

    /// Whether `event` (whose id `id` makes, only when the filter names ids) passes. Chat
    /// messages found through `contact` come back on their lead, as amoCRM documents.
    pub fn event(&self, event: &Event, id: impl FnOnce() -> String) -> bool {
        let entity_name = |e: &str| match event.catalog_id {
            Some(catalog) => e.strip_prefix("catalog_").and_then(terms::int) == Some(catalog),
            None => e == event.entity_type,
        };
        let chat = event.kind.ends_with("_chat_message");
        self.ids.as_ref().is_none_or(|ids| {
            let id = id();
            ids.contains(&id)
        }) && self
            .created_at
            .is_none_or(|r| r.contains(Some(event.created_at)))
            && any(&self.created_by, &event.created_by)
            && self.entities.as_ref().is_none_or(|e| {
                e.iter().any(|e| entity_name(e)) || chat && e.iter().any(|e| e == "contact")
            })
            && any(&self.entity_ids, &event.entity_id)
            && self.types.as_ref().is_none_or(|t| t.contains(&event.kind))
            && self.values.iter().all(|(after, c)| {
                value_holds(
                    if *after {
                        &event.value_after
                    } else {
                        &event.value_before
                    },
                    c,
                )
            })
    }
}

fn is_event_entity(name: &str) -> bool {
    matches!(name, "lead" | "contact" | "company" | "customer" | "task")
        || name
            .strip_prefix("catalog_")
            .is_some_and(|id| terms::int(id).is_some_and(|id| id > 0))
}

fn value_condition(node: &Php, key: &str, errors: &mut Errors) -> Option<ValueCondition> {
    let path = |k: &str| format!("filter[{key}][{k}]");
    if let Some(statuses) = node.get("leads_statuses") {
        let Php::Map(pairs) = statuses else {
            errors.push(FieldError::new(
                "InvalidType",
                path("leads_statuses"),
                "A list of {pipeline_id, status_id}.",
            ));
            return None;
        };
        let get = |pair: &Php, k: &str| pair.get(k).and_then(Php::as_str).and_then(terms::int);
        return Some(ValueCondition::LeadStatuses(
            pairs
                .iter()
                .map(|(_, p)| (get(p, "pipeline_id"), get(p, "status_id")))
                .collect(),
        ));
    }
    if let Some(users) = node.get("responsible_user_id") {
        return terms::ints(Some(users), &path("responsible_user_id"), true, errors)
            .map(ValueCondition::Responsible);
    }
    if let Some(options) = node.get("custom_field_values") {
        return terms::ints(Some(options), &path("custom_field_values"), true, errors)
            .map(ValueCondition::Options);
    }
    if let Some(value) = node.get("value") {
        return value.as_str().map(|v| ValueCondition::Value(v.to_owned()));
    }
    errors.push(FieldError::new(
        "NotSupportedChoice",
        format!("filter[{key}]"),
        "leads_statuses, customers_statuses, responsible_user_id, custom_field_values or value.",
    ));
    None
}

fn value_holds(values: &serde_json::Value, condition: &ValueCondition) -> bool {
    let items = values.as_array().map(Vec::as_slice).unwrap_or_default();
    items.iter().any(|item| match condition {
        ValueCondition::LeadStatuses(pairs) => {
            let status = &item["lead_status"];
            pairs.iter().any(|(p, s)| {
                p.is_none_or(|p| status["pipeline_id"] == p)
                    && s.is_none_or(|s| status["id"] == s)
                    && status.is_object()
            })
        }
        ValueCondition::Responsible(ids) => item["responsible_user"]["id"]
            .as_i64()
            .is_some_and(|id| ids.contains(&id)),
        ValueCondition::Options(ids) => item["custom_field_value"]["enum_id"]
            .as_i64()
            .is_some_and(|id| ids.contains(&id)),
        ValueCondition::Value(v) => {
            item.as_object()
                .into_iter()
                .flat_map(|o| o.values())
                .any(|inner| {
                    inner["text"].as_str() == Some(v)
                        || inner["value"].as_str() == Some(v)
                        || (inner["rate"].is_i64()
                            && v.parse::<i64>().ok() == inner["rate"].as_i64())
                })
        }
    })
}

/// Filters of a links list: one linked entity, or the linked elements of one catalog.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct LinkFilter {
    pub to: Option<(i64, String)>,
    pub catalog: Option<i64>,
}

impl LinkFilter {
    pub fn parse(f: Option<&Php>, errors: &mut Errors) -> LinkFilter {
        let Some(f) = f else {
            return LinkFilter::default();
        };
        let to_id = f
            .get("to_entity_id")
            .map(|v| v.as_str().and_then(terms::int));
        let to_type = f.get("to_entity_type").map(|v| {
            v.as_str().filter(|t| {
                matches!(
                    *t,
                    "leads" | "contacts" | "companies" | "customers" | "catalog_elements"
                )
            })
        });
        let to = match (to_id, to_type) {
            (None, None) => None,
            (Some(Some(id)), Some(Some(kind))) => Some((id, kind.to_owned())),
            _ => {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    "filter[to_entity_id]",
                    "filter[to_entity_id] and filter[to_entity_type] go together.",
                ));
                None
            }
        };
        let catalog = f.get("to_catalog_id").and_then(|v| {
            let id = v.as_str().and_then(terms::int);
            if id.is_none() {
                errors.push(FieldError::new(
                    "InvalidType",
                    "filter[to_catalog_id]",
                    "This value should be an integer.",
                ));
            }
            id
        });
        LinkFilter { to, catalog }
    }
}
