//! Writes of notes: an add or a batch update of the notes of an entity type (each naming
//! its entity) or of one entity (the path naming it), every note read first: a type
//! amoCRM does not let an API write, a param the type does not take or lacks, a value of
//! the wrong JSON type, an entity, note or user the account does not have are refused
//! with amoCRM's codes by path, and so is a key amoCRM does not take (a note's
//! `created_at`/`updated_at`, `created_by` on an edit) rather than taken and ignored;
//! applied only when all are valid.

use serde_json::{Map, Value};

use super::check::{How, Wrong, choice, exists, request_id};
use super::tasks::Wrote;
use super::{MAX_ITEMS, Refused, entities};
use crate::model::crm::Crm;
use crate::model::crm::records::{Kind, Note};

/// The writable note types: each with its required and optional params, and which of
/// them are integers (the others are strings).
type Shape = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);
const WRITABLE: &[Shape] = &[
    ("common", &["text"], &[]),
    ("call_in", CALL, CALL_MORE),
    ("call_out", CALL, CALL_MORE),
    ("service_message", &["service", "text"], &[]),
    ("extended_service_message", &["service", "text"], &[]),
    ("message_cashier", &["status", "text"], &[]),
    (
        "geolocation",
        &["text", "address", "longitude", "latitude"],
        &[],
    ),
    ("sms_in", &["text", "phone"], &[]),
    ("sms_out", &["text", "phone"], &[]),
    ("attachment", &["file_uuid", "file_name"], &["version_uuid"]),
];
const CALL: &[&str] = &["uniq", "duration", "source", "phone"];
const CALL_MORE: &[&str] = &["link", "call_responsible", "call_status", "call_result"];
const CASHIER: [&str; 3] = ["created", "shown", "canceled"];

/// What one note asks for.
#[derive(Debug, Default)]
struct Plan {
    id: Option<i64>,
    entity_id: Option<i64>,
    note_type: Option<&'static str>,
    params: Option<Map<String, Value>>,
    created_by: Option<i64>,
    responsible: Option<i64>,
}

/// Writes `body`, notes of `kind` (of the entity `entity` when the path names one) added
/// or updated (`how`), at `now`: all or nothing.
pub(crate) fn write(
    crm: &mut Crm,
    kind: Kind,
    entity: Option<i64>,
    how: How,
    body: &Value,
    now: i64,
) -> Result<Vec<Wrote>, Refused> {
    let list = entities(body, MAX_ITEMS)?;
    if entity.is_some_and(|id| !exists(crm, kind, id)) {
        return Err(Refused::Body(format!(
            "no such entity of {}",
            kind.plural()
        )));
    }
    let mut plans = Vec::with_capacity(list.len());
    let mut refused = Vec::new();
    for (index, item) in list.iter().enumerate() {
        match plan(crm, kind, entity, how, item) {
            Ok(mut plan) => {
                plan.entity_id = plan.entity_id.or(entity);
                plans.push((request_id(item, index), plan))
            }
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

/// The note `id` of `kind` (and of `entity`, when given), by its position.
fn find(crm: &Crm, kind: Kind, entity: Option<i64>, id: i64) -> Option<usize> {
    let at = crm.notes.binary_search_by_key(&id, |n| n.id).ok()?;
    let note = &crm.notes[at];
    (note.kind == kind && entity.is_none_or(|e| note.entity_id == e)).then_some(at)
}

fn plan(
    crm: &Crm,
    kind: Kind,
    entity: Option<i64>,
    how: How,
    item: &Value,
) -> Result<Plan, Vec<Wrong>> {
    let Some(item) = item.as_object() else {
        return Err(vec![("InvalidType", String::new())]);
    };
    let mut plan = Plan::default();
    let mut wrong = Vec::new();
    let user = |id: i64| crm.user(id).is_some();
    for (key, value) in item {
        let (p, w) = (key.clone(), &mut wrong);
        match key.as_str() {
            "request_id" if value.is_string() => {}
            "id" if how == How::Update => choice(value, &p, &mut plan.id, w, |id| {
                find(crm, kind, entity, id).is_some()
            }),
            "entity_id" => choice(value, &p, &mut plan.entity_id, w, |id| {
                exists(crm, kind, id) && entity.is_none_or(|e| e == id)
            }),
            "note_type" => match value.as_str() {
                Some(t) => match WRITABLE.iter().find(|(name, ..)| *name == t) {
                    Some((name, ..)) => plan.note_type = Some(name),
                    None => w.push(("NotSupportedChoice", p)),
                },
                None => w.push(("InvalidType", p)),
            },
            "params" => match value.as_object() {
                Some(params) => plan.params = Some(params.clone()),
                None => w.push(("InvalidType", p)),
            },
            // amoCRM's edit takes no author; neither write takes a note's times.
            "created_by" if how != How::Update => {
                choice(value, &p, &mut plan.created_by, w, |id| id == 0 || user(id))
            }
            "responsible_user_id" => choice(value, &p, &mut plan.responsible, w, user),
            "is_need_to_trigger_digital_pipeline" if value.is_boolean() => {}
            "is_need_to_trigger_digital_pipeline" => w.push(("InvalidType", p)),
            _ => w.push(("FieldNotExpected", p)),
        }
    }
    let missing = |key: &str| !item.contains_key(key);
    let mut require = |key: &'static str| {
        if missing(key) {
            wrong.push(("FieldMissing", key.to_owned()));
        }
    };
    match how {
        How::Update => require("id"),
        _ => {
            require("note_type");
            require("params");
            if entity.is_none() {
                require("entity_id");
            }
        }
    }
    // The type the params are read by: the one sent, or the note's own.
    let note_type = plan.note_type.or_else(|| {
        let at = find(crm, kind, entity, plan.id?)?;
        Some(crm.notes[at].note_type)
    });
    if let (Some(note_type), Some(params)) = (note_type, &plan.params) {
        check_params(note_type, params, &mut wrong);
    }
    if wrong.is_empty() {
        Ok(plan)
    } else {
        Err(wrong)
    }
}

/// The params of a writable type: the required ones present, none it does not take, each
/// of its JSON type.
fn check_params(note_type: &str, params: &Map<String, Value>, wrong: &mut Vec<Wrong>) {
    let Some((_, required, optional)) = WRITABLE.iter().find(|(name, ..)| *name == note_type)
    else {
        return;
    };
    for key in *required {
        if !params.contains_key(*key) {
            wrong.push(("FieldMissing", format!("params.{key}")));
        }
    }
    for (key, value) in params {
        let p = format!("params.{key}");
        if !required.contains(&key.as_str()) && !optional.contains(&key.as_str()) {
            wrong.push(("FieldNotExpected", p));
            continue;
        }
        let ok = match key.as_str() {
            "duration" => value.as_i64().is_some_and(|s| s >= 0),
            "call_status" => value.as_i64().is_some_and(|s| (1..=8).contains(&s)),
            "call_responsible" => value.is_string() || value.as_i64().is_some_and(|id| id > 0),
            "status" => value.as_str().is_some_and(|s| CASHIER.contains(&s)),
            _ => value.as_str().is_some_and(|s| !s.trim().is_empty()),
        };
        if !ok {
            wrong.push(("InvalidType", p));
        }
    }
}

fn apply(crm: &mut Crm, kind: Kind, plan: Plan, request_id: String, now: i64) -> Wrote {
    let at = match plan.id.and_then(|id| find(crm, kind, None, id)) {
        Some(at) => at,
        None => {
            let id = crm.notes.iter().map(|n| n.id).max().unwrap_or(0) + 1;
            let by = plan.created_by.unwrap_or(0);
            let responsible = plan
                .responsible
                .or_else(|| crm.users.first().map(|u| u.id))
                .unwrap_or(0);
            let group_id = crm.user(responsible).and_then(|u| u.group_id).unwrap_or(0);
            crm.notes.push(Note {
                id,
                kind,
                entity_id: plan.entity_id.unwrap_or(0),
                created_by: by,
                updated_by: by,
                created_at: now,
                updated_at: now,
                responsible_user_id: responsible,
                group_id,
                note_type: plan.note_type.unwrap_or("common"),
                params: Value::Object(Map::new()),
                is_pinned: false,
            });
            crm.notes.len() - 1
        }
    };
    let added = plan.id.is_none();
    let note = &mut crm.notes[at];
    if let Some(note_type) = plan.note_type {
        note.note_type = note_type;
    }
    if let Some(params) = plan.params {
        note.params = Value::Object(params);
    }
    if let Some(user) = plan.responsible {
        note.responsible_user_id = user;
    }
    note.updated_at = now;
    let wrote = Wrote {
        id: note.id,
        request_id,
        updated_at: now,
        entity_id: note.entity_id,
    };
    if added {
        let (code, by) = (super::events::note_added(note.note_type), note.created_by);
        let after = serde_json::json!([{"note": {"id": wrote.id}}]);
        let entity = (kind, wrote.entity_id);
        crm.record(code, entity, by, now, after, serde_json::json!([]));
    }
    wrote
}
