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

/// The entries of `events` (newest state of each entity): one per entity and action, a
/// status or responsible change also an `update`.
pub(crate) fn entries(crm: &Crm, events: &[Event]) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    let mut seen: Vec<(&'static str, i64, &'static str)> = Vec::new();
    for event in events {
        for &action in actions(&event.kind) {
            let key = (event.entity_type, event.entity_id, action);
            if seen.contains(&key) {
                continue;
            }
            if let Some(entry) = entry(crm, event, action) {
                seen.push(key);
                out.push(entry);
            }
        }
    }
    out
}

/// The webhook actions an event of the feed stands for.
fn actions(kind: &str) -> &'static [&'static str] {
    if kind.ends_with("_added") && !kind.contains("note") && !kind.contains("tag") {
        &["add"]
    } else if kind.ends_with("_deleted") {
        &["delete"]
    } else if kind.ends_with("_restored") {
        &["restore"]
    } else if kind == "lead_status_changed" {
        &["status", "update"]
    } else if kind == "entity_responsible_changed" {
        &["responsible", "update"]
    } else if kind.ends_with("_changed") || kind.contains("tag") {
        &["update"]
    } else {
        &[]
    }
}

fn entry(crm: &Crm, event: &Event, action: &'static str) -> Option<Entry> {
    let id = event.entity_id;
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
            ("task", "task", task_fields(task))
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

fn task_fields(task: &Task) -> Vec<(String, String)> {
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
    }
}
