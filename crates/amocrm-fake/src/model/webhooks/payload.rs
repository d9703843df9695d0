//! What amoCRM posts for a change: the feed's events turned into webhook entries in the old
//! v2 shape (every value a string, `date_create`/`last_modified`, `old_status_id`, contacts
//! and companies both under `contacts` with a `type`), and a delivery's form body with
//! PHP bracket keys (`leads[status][0][id]=…&account[subdomain]=…`).

use serde_json::Value;

use crate::model::crm::Crm;
use crate::model::crm::fields::Fields;
use crate::model::crm::records::{Event, Kind, Lead, Party, Task};
use crate::model::crm::values::FieldValues;

/// One entity's change as a destination receives it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The event code a destination subscribes to (`status_lead`).
    pub code: String,
    /// The form's first key (`leads`, `contacts`, `task`).
    pub entity: &'static str,
    /// The form's second key (`add`, `update`, `status`, …).
    pub action: &'static str,
    pub fields: Vec<(String, String)>,
}

/// The entries of `events` (newest state of each entity): one per entity and action (per
/// note for a note), a status or responsible change also an `update`.
pub(crate) fn entries(crm: &Crm, events: &[Event]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut seen: Vec<(&'static str, i64, &'static str)> = Vec::new();
    for event in events {
        for &action in actions(&event.kind) {
            let key = match action {
                "note" => ("note", note_id(event).unwrap_or(0), action),
                _ => (event.entity_type, event.entity_id, action),
            };
            if seen.contains(&key) {
                continue;
            }
            if let Some(entry) = entry(crm, event, action, events) {
                seen.push(key);
                out.push(entry);
            }
        }
    }
    out
}

/// The webhook actions an event of the feed stands for: `note` for a note added (a call
/// and an SMS are notes too), `update` for a task completed or given a result.
fn actions(kind: &str) -> &'static [&'static str] {
    const ADDED: &[&str] = &["lead_added", "contact_added", "company_added", "task_added"];
    const NOTES: &[&str] = &[
        "incoming_call",
        "outgoing_call",
        "incoming_sms",
        "outgoing_sms",
    ];
    if kind.contains("note") {
        // A note deleted is no webhook of amoCRM's (and not its entity's delete).
        if kind.ends_with("_note_added") {
            &["note"]
        } else {
            &[]
        }
    } else if NOTES.contains(&kind) {
        &["note"]
    } else if ADDED.contains(&kind) {
        &["add"]
    } else if kind.ends_with("_deleted") && !kind.contains("tag") {
        &["delete"]
    } else if kind.ends_with("_restored") {
        &["restore"]
    } else if kind == "lead_status_changed" {
        &["status", "update"]
    } else if kind == "entity_responsible_changed" {
        &["responsible", "update"]
    } else if kind.ends_with("_changed")
        || kind.contains("tag")
        || matches!(kind, "task_completed" | "task_result_added")
    {
        &["update"]
    } else {
        &[]
    }
}

/// The id of the note a `…_note_added` event names (`value_after[0].note.id`).
fn note_id(event: &Event) -> Option<i64> {
    event.value_after.pointer("/0/note/id")?.as_i64()
}

/// The entry of `event` for `action`, `batch` the events posted with it.
fn entry(crm: &Crm, event: &Event, action: &'static str, batch: &[Event]) -> Option<Entry> {
    let id = event.entity_id;
    if action == "note" {
        return note_entry(crm, event);
    }
    let (entity, singular, fields) = match event.entity_type {
        "lead" => {
            let lead = crm.leads.get(id).or_else(|| crm.trash.0.get(id))?;
            ("leads", "lead", lead_fields(crm, lead, event))
        }
        "contact" => {
            let party = crm.contacts.get(id).or_else(|| crm.trash.1.get(id))?;
            let fields = party_fields(&crm.fields[Kind::Contacts.index()], party, "contact");
            ("contacts", "contact", fields)
        }
        "company" => {
            let party = crm.companies.get(id).or_else(|| crm.trash.2.get(id))?;
            let fields = party_fields(&crm.fields[Kind::Companies.index()], party, "company");
            ("contacts", "company", fields)
        }
        "task" => {
            let task = crm.tasks.iter().find(|t| t.id == id)?;
            // A change that completed it says so, as amoCRM's does (`action_close`).
            let closed = action == "update"
                && batch
                    .iter()
                    .any(|e| e.kind == "task_completed" && e.entity_id == id);
            ("task", "task", task_fields(task, closed))
        }
        _ => return None,
    };
    let mut fields = fields;
    fields.push(("account_id".into(), crm.account_id.to_string()));
    Some(Entry {
        code: format!("{action}_{singular}"),
        entity,
        action,
        fields,
    })
}

/// A note added to a lead, contact or company: `note_lead` under `leads[note]`,
/// `note_contact` and `note_company` under `contacts[note]` with the entry's `type`, the
/// note's own fields under `note` (`leads[note][0][note][id]`).
fn note_entry(crm: &Crm, event: &Event) -> Option<Entry> {
    let id = note_id(event)?;
    let note = crm.notes.iter().find(|n| n.id == id)?;
    let (entity, singular, element_type) = match note.kind {
        Kind::Leads => ("leads", "lead", 2),
        Kind::Contacts => ("contacts", "contact", 1),
        Kind::Companies => ("contacts", "company", 3),
        Kind::Customers => return None,
    };
    let mut fields = Vec::new();
    if entity == "contacts" {
        fields.push(pair("type", singular));
    }
    let n = |key: &str, value: &dyn ToString| pair(&format!("note[{key}]"), value.to_string());
    fields.extend([
        n("id", &note.id),
        n("note_type", &v2_note_type(note.note_type)),
        n("element_id", &note.entity_id),
        n("element_type", &element_type),
        n("responsible_user_id", &note.responsible_user_id),
        n("created_user_id", &note.created_by),
        n("date_create", &note.created_at),
        n("last_modified", &note.updated_at),
        n("created_at", &note.created_at),
        n("updated_at", &note.updated_at),
    ]);
    if let Some(text) = note.params.get("text").and_then(Value::as_str) {
        fields.push(n("text", &text));
    }
    fields.push(n("account_id", &crm.account_id));
    Some(Entry {
        code: format!("note_{singular}"),
        entity,
        action: "note",
        fields,
    })
}

/// amoCRM's v2 code of a note type (`common` is `4`); a type v2 had no code for is sent
/// by its name.
fn v2_note_type(note_type: &str) -> String {
    let code = match note_type {
        "common" => 4,
        "call_in" => 10,
        "call_out" => 11,
        "service_message" => 25,
        "sms_in" => 102,
        "sms_out" => 103,
        other => return other.to_owned(),
    };
    code.to_string()
}

fn pair(key: &str, value: impl ToString) -> (String, String) {
    (key.to_owned(), value.to_string())
}

fn lead_fields(crm: &Crm, lead: &Lead, event: &Event) -> Vec<(String, String)> {
    let mut f = vec![
        pair("id", lead.id),
        pair("name", &lead.name),
        pair("status_id", lead.status_id),
        pair("pipeline_id", lead.pipeline_id),
        pair("price", lead.price),
        pair("responsible_user_id", lead.responsible_user_id),
        pair("last_modified", lead.updated_at),
        pair("modified_user_id", lead.updated_by),
        pair("created_user_id", lead.created_by),
        pair("date_create", lead.created_at),
        pair("created_at", lead.created_at),
        pair("updated_at", lead.updated_at),
    ];
    let before = |key: &str| event.value_before.get(0)?.get(key)?.get("id")?.as_i64();
    if event.kind == "lead_status_changed" {
        if let Some(old) = before("lead_status") {
            f.push(pair("old_status_id", old));
        }
        let old_pipeline = event
            .value_before
            .get(0)
            .and_then(|v| v.pointer("/lead_status/pipeline_id"));
        if let Some(old) = old_pipeline.and_then(Value::as_i64) {
            f.push(pair("old_pipeline_id", old));
        }
    }
    if let Some(old) = before("responsible_user") {
        f.push(pair("old_responsible_user_id", old));
    }
    custom_fields(&mut f, &crm.fields[Kind::Leads.index()], &lead.fields);
    f
}

fn party_fields(defs: &Fields, party: &Party, kind: &str) -> Vec<(String, String)> {
    let mut f = vec![
        pair("id", party.id),
        pair("name", &party.name),
        pair("type", kind),
        pair("responsible_user_id", party.responsible_user_id),
        pair("last_modified", party.updated_at),
        pair("modified_user_id", party.updated_by),
        pair("created_user_id", party.created_by),
        pair("date_create", party.created_at),
        pair("created_at", party.created_at),
        pair("updated_at", party.updated_at),
    ];
    if kind == "contact"
        && let Some(company) = party.links.first()
    {
        f.push(pair("linked_company_id", company));
    }
    // Keyed by the lead's ID, as amoCRM writes them.
    for lead in &party.leads {
        f.push(pair(&format!("linked_leads_id[{lead}][ID]"), lead));
    }
    custom_fields(&mut f, defs, &party.fields);
    f
}

fn task_fields(task: &Task, closed: bool) -> Vec<(String, String)> {
    let (element_type, element_id) = match task.entity {
        Some((Kind::Contacts, id)) => (1, id),
        Some((Kind::Leads, id)) => (2, id),
        Some((Kind::Companies, id)) => (3, id),
        Some((Kind::Customers, id)) => (12, id),
        None => (0, 0),
    };
    let mut f = vec![
        pair("id", task.id),
        pair("element_id", element_id),
        pair("element_type", element_type),
        pair("task_type", task.task_type_id),
        pair("text", &task.text),
        pair("status", u8::from(task.is_completed)),
        pair("responsible_user_id", task.responsible_user_id),
        pair("created_user_id", task.created_by),
        pair("date_create", task.created_at),
        pair("last_modified", task.updated_at),
        pair("complete_till", task.complete_till),
    ];
    if let Some(result) = &task.result {
        f.push(pair("result[text]", result));
    }
    if closed {
        f.push(pair("action_close", 1));
    }
    f
}

/// `custom_fields[i][id|name|code]` and `custom_fields[i][values][j][value]`.
fn custom_fields(out: &mut Vec<(String, String)>, defs: &Fields, values: &[FieldValues]) {
    for (i, field) in values.iter().enumerate() {
        let Some(def) = defs.defs.get(usize::from(field.field)) else {
            continue;
        };
        out.push(pair(&format!("custom_fields[{i}][id]"), def.id));
        out.push(pair(&format!("custom_fields[{i}][name]"), def.name));
        if let Some(code) = def.code {
            out.push(pair(&format!("custom_fields[{i}][code]"), code));
        }
        for (j, value) in field.values.iter().enumerate() {
            if let Some(text) = value.text(def) {
                out.push(pair(
                    &format!("custom_fields[{i}][values][{j}][value]"),
                    text,
                ));
            }
        }
    }
}

/// A delivery's form body: `entries` under their entity and action, numbered from 0 within
/// each, then the account.
pub(crate) fn form(entries: &[&Entry], account: (i64, &str), self_link: &str) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    let mut counts: Vec<((&str, &str), usize)> = Vec::new();
    for entry in entries {
        let key = (entry.entity, entry.action);
        let n = match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                counts.push((key, 0));
                0
            }
        };
        for (field, value) in &entry.fields {
            let (head, rest) = field
                .split_once('[')
                .map_or((field.as_str(), ""), |(h, r)| (h, r));
            let rest = if rest.is_empty() {
                String::new()
            } else {
                format!("[{rest}")
            };
            let name = format!("{}[{}][{n}][{head}]{rest}", entry.entity, entry.action);
            form.append_pair(&name, value);
        }
    }
    form.append_pair("account[subdomain]", account.1);
    form.append_pair("account[id]", &account.0.to_string());
    form.append_pair("account[_links][self]", self_link);
    form.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_numbers_entries_within_their_entity_and_action() {
        let entry = |id: &str, action| Entry {
            code: format!("{action}_lead"),
            entity: "leads",
            action,
            fields: vec![pair("id", id), pair("custom_fields[0][id]", 7)],
        };
        let (a, b, c) = (
            entry("1", "status"),
            entry("2", "status"),
            entry("1", "update"),
        );
        let body = form(&[&a, &b, &c], (5, "test"), "https://test.amocrm.ru");
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "leads[status][0][id]",
                "leads[status][0][custom_fields][0][id]",
                "leads[status][1][id]",
                "leads[status][1][custom_fields][0][id]",
                "leads[update][0][id]",
                "leads[update][0][custom_fields][0][id]",
                "account[subdomain]",
                "account[id]",
                "account[_links][self]",
            ]
        );
        assert_eq!(pairs[2].1, "2");
    }

    #[test]
    fn feed_events_map_to_webhook_actions() {
        assert_eq!(actions("lead_added"), ["add"]);
        assert_eq!(actions("company_deleted"), ["delete"]);
        assert_eq!(actions("lead_status_changed"), ["status", "update"]);
        assert_eq!(
            actions("entity_responsible_changed"),
            ["responsible", "update"]
        );
        assert_eq!(actions("sale_field_changed"), ["update"]);
        assert!(actions("incoming_chat_message").is_empty());
        assert_eq!(actions("common_note_added"), ["note"]);
        assert_eq!(actions("incoming_call"), ["note"]);
        assert!(actions("common_note_deleted").is_empty());
        assert_eq!(actions("task_added"), ["add"]);
        assert_eq!(actions("task_completed"), ["update"]);
        // A task's result is a change of the task, not a new one.
        assert_eq!(actions("task_result_added"), ["update"]);
        assert_eq!(actions("task_text_changed"), ["update"]);
        assert!(actions("nps_rate_added").is_empty());
        assert!(actions("transaction_added").is_empty());
        assert_eq!(actions("entity_tag_deleted"), ["update"]);
    }
}
