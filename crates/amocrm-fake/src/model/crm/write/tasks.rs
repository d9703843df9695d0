//! Writes of tasks: an add or a batch update, every task read first (amoCRM's codes by
//! path: a key a task does not take `FieldNotExpected` (`created_by` on an update too), a value of the wrong JSON type
//! `InvalidType`, a user, task type or entity the account does not have
//! `NotSupportedChoice`, an add's missing `text` or `complete_till` and an update's
//! missing `id` `FieldMissing`), applied only when all are valid.

use serde_json::Value;

use super::check::{How, Wrong, choice, exists, request_id, text};
use super::{MAX_ITEMS, Refused, entities};
use crate::model::crm::Crm;
use crate::model::crm::records::{Kind, Task};

/// The built-in task types (1 a call, 2 a meeting); the fake's account has no others.
const TASK_TYPES: [i64; 2] = [1, 2];

/// One written task or note: its ID, `request_id`, the time of the write and, for a
/// note, its entity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Wrote {
    pub id: i64,
    pub request_id: String,
    pub updated_at: i64,
    pub entity_id: i64,
}

/// What one task asks for.
#[derive(Debug, Default)]
struct Plan {
    id: Option<i64>,
    text: Option<String>,
    complete_till: Option<i64>,
    responsible: Option<i64>,
    entity_type: Option<Kind>,
    entity_id: Option<i64>,
    is_completed: Option<bool>,
    task_type_id: Option<i64>,
    duration: Option<i64>,
    result: Option<String>,
    created_by: Option<i64>,
    updated_by: Option<i64>,
    created_at: Option<i64>,
    updated_at: Option<i64>,
}

/// Writes `body`, tasks added or updated (`how`), at `now`: all or nothing.
pub(crate) fn write(
    crm: &mut Crm,
    how: How,
    body: &Value,
    now: i64,
) -> Result<Vec<Wrote>, Refused> {
    let list = entities(body, MAX_ITEMS)?;
    let mut plans = Vec::with_capacity(list.len());
    let mut refused = Vec::new();
    for (index, item) in list.iter().enumerate() {
        match plan(crm, how, item) {
            Ok(plan) => plans.push((request_id(item, index), plan)),
            Err(wrong) => refused.push((request_id(item, index), wrong)),
        }
    }
    if !refused.is_empty() {
        return Err(Refused::Entities(refused));
    }
    Ok(plans
        .into_iter()
        .map(|(request_id, plan)| apply(crm, plan, request_id, now))
        .collect())
}

fn plan(crm: &Crm, how: How, item: &Value) -> Result<Plan, Vec<Wrong>> {
    let Some(item) = item.as_object() else {
        return Err(vec![("InvalidType", String::new())]);
    };
    let mut plan = Plan::default();
    let mut wrong = Vec::new();
    let user = |id: i64| crm.user(id).is_some();
    for (key, value) in item {
        let p = key.clone();
        let w = &mut wrong;
        match key.as_str() {
            "request_id" if value.is_string() => {}
            "id" if how == How::Update => choice(value, &p, &mut plan.id, w, |id| {
                crm.tasks.binary_search_by_key(&id, |t| t.id).is_ok()
            }),
            "text" => match value.as_str() {
                Some(t) if t.trim().is_empty() => w.push(("InvalidValue", p)),
                _ => text(value, &p, &mut plan.text, w),
            },
            "complete_till" => choice(value, &p, &mut plan.complete_till, w, |at| at >= 0),
            "duration" => choice(value, &p, &mut plan.duration, w, |s| s >= 0),
            "created_at" => choice(value, &p, &mut plan.created_at, w, |at| at >= 0),
            "updated_at" => choice(value, &p, &mut plan.updated_at, w, |at| at >= 0),
            "responsible_user_id" => choice(value, &p, &mut plan.responsible, w, user),
            // A task's author is set when it is added; an edit does not take it.
            "created_by" if how != How::Update => {
                choice(value, &p, &mut plan.created_by, w, |id| id == 0 || user(id))
            }
            "updated_by" => choice(value, &p, &mut plan.updated_by, w, |id| id == 0 || user(id)),
            "task_type_id" => choice(value, &p, &mut plan.task_type_id, w, |id| {
                TASK_TYPES.contains(&id)
            }),
            "entity_id" => choice(value, &p, &mut plan.entity_id, w, |id| id > 0),
            "entity_type" => match value.as_str().map(Kind::from_plural) {
                Some(Some(kind)) => plan.entity_type = Some(kind),
                Some(None) => w.push(("NotSupportedChoice", p)),
                None => w.push(("InvalidType", p)),
            },
            "is_completed" => match value.as_bool() {
                Some(done) => plan.is_completed = Some(done),
                None => w.push(("InvalidType", p)),
            },
            "result" => match value.get("text").and_then(Value::as_str) {
                Some(t) if value.as_object().is_some_and(|o| o.len() == 1) => {
                    plan.result = Some(t.to_owned())
                }
                _ => w.push(("InvalidType", format!("{p}.text"))),
            },
            _ => w.push(("FieldNotExpected", p)),
        }
    }
    match (plan.entity_type, plan.entity_id) {
        (Some(kind), Some(id)) if !exists(crm, kind, id) => {
            wrong.push(("NotSupportedChoice", "entity_id".into()))
        }
        (Some(_), None) if !item.contains_key("entity_id") => {
            wrong.push(("FieldMissing", "entity_id".into()))
        }
        (None, Some(_)) if !item.contains_key("entity_type") => {
            wrong.push(("FieldMissing", "entity_type".into()))
        }
        _ => {}
    }
    let missing = |key: &str| !item.contains_key(key);
    if how == How::Update && missing("id") {
        wrong.push(("FieldMissing", "id".into()));
    }
    if how == How::Add {
        for key in ["text", "complete_till"] {
            if missing(key) {
                wrong.push(("FieldMissing", key.into()));
            }
        }
    }
    if wrong.is_empty() {
        Ok(plan)
    } else {
        Err(wrong)
    }
}

fn apply(crm: &mut Crm, plan: Plan, request_id: String, now: i64) -> Wrote {
    let group_of = |crm: &Crm, user: i64| crm.user(user).and_then(|u| u.group_id).unwrap_or(0);
    let at = match plan
        .id
        .and_then(|id| crm.tasks.binary_search_by_key(&id, |t| t.id).ok())
    {
        Some(at) => at,
        None => {
            let id = crm.tasks.iter().map(|t| t.id).max().unwrap_or(0) + 1;
            let responsible = crm.users.first().map_or(0, |u| u.id);
            crm.tasks.push(Task {
                id,
                created_by: plan.created_by.unwrap_or(0),
                updated_by: 0,
                created_at: plan.created_at.unwrap_or(now),
                updated_at: now,
                responsible_user_id: responsible,
                group_id: group_of(crm, responsible),
                entity: None,
                is_completed: false,
                task_type_id: 1,
                text: String::new(),
                duration: 0,
                complete_till: 0,
                result: None,
            });
            crm.tasks.len() - 1
        }
    };
    let group = plan.responsible.map(|user| group_of(crm, user));
    let (added, was_completed) = (plan.id.is_none(), crm.tasks[at].is_completed);
    let before = crm.tasks[at].clone();
    let task = &mut crm.tasks[at];
    if let Some(text) = plan.text {
        task.text = text;
    }
    if let Some(at) = plan.complete_till {
        task.complete_till = at;
    }
    if let (Some(user), Some(group)) = (plan.responsible, group) {
        (task.responsible_user_id, task.group_id) = (user, group);
    }
    if let (Some(kind), Some(id)) = (plan.entity_type, plan.entity_id) {
        task.entity = Some((kind, id));
    }
    if let Some(done) = plan.is_completed {
        task.is_completed = done;
    }
    if let Some(kind) = plan.task_type_id {
        task.task_type_id = kind;
    }
    if let Some(seconds) = plan.duration {
        task.duration = seconds;
    }
    if plan.result.is_some() {
        task.result = plan.result;
    }
    task.updated_by = plan.updated_by.unwrap_or(0);
    task.updated_at = plan.updated_at.unwrap_or(now);
    let (completed, by) = (task.is_completed && !was_completed, task.updated_by);
    let wrote = Wrote {
        id: task.id,
        request_id,
        updated_at: task.updated_at,
        entity_id: task.entity.map_or(0, |(_, id)| id),
    };
    let task = ("task", wrote.id);
    if added {
        let by = crm.tasks[at].created_by;
        super::events::push(crm, "task_added", task, by, now, serde_json::json!([]));
    }
    if !added {
        // What amoCRM's feed records of a change of a task; each is an `update_task` webhook.
        let after = &crm.tasks[at];
        let changes = [
            (
                "task_type_changed",
                before.task_type_id != after.task_type_id,
            ),
            ("task_text_changed", before.text != after.text),
            (
                "task_deadline_changed",
                before.complete_till != after.complete_till,
            ),
            (
                "task_result_added",
                after.result.is_some() && before.result != after.result,
            ),
        ];
        for (code, changed) in changes {
            if changed {
                super::events::push(crm, code, task, by, now, serde_json::json!([]));
            }
        }
    }
    if completed {
        super::events::push(crm, "task_completed", task, by, now, serde_json::json!([]));
    }
    wrote
}
