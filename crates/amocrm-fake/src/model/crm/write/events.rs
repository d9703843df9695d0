//! The feed entries of a write, as amoCRM records them: `…_added` for a new entity; for
//! a changed one, its name, budget, stage, responsible user, each custom field written
//! and each tag attached or detached.

use serde_json::json;

use crate::model::crm::Crm;
use crate::model::crm::records::{Kind, Lead, Party};
use crate::model::crm::values::FieldValues;

/// An entity as it was before a write, to tell what the write changed.
pub(super) enum Before {
    /// A new entity.
    Added,
    Lead(Box<Lead>),
    Party(Box<Party>),
}

/// What a write of entity `id` of `kind` touched: its custom fields (positions among the
/// owner's fields); its tags are compared before and after.
pub(super) struct Written<'a> {
    pub kind: Kind,
    pub id: i64,
    pub fields: &'a [u16],
}

/// Records the events of `written`, done by user `by` at `now`.
pub(super) fn record(crm: &mut Crm, before: Before, written: Written<'_>, by: i64, now: i64) {
    let Written { kind, id, .. } = written;
    let old_fields = match &before {
        Before::Added => Vec::new(),
        Before::Lead(old) => old.fields.clone(),
        Before::Party(old) => old.fields.clone(),
    };
    let (new_fields, new_tags) = match kind {
        Kind::Leads => crm
            .leads
            .get(id)
            .map(|l| (l.fields.clone(), l.tags.clone())),
        Kind::Contacts => crm
            .contacts
            .get(id)
            .map(|p| (p.fields.clone(), p.tags.clone())),
        _ => crm
            .companies
            .get(id)
            .map(|p| (p.fields.clone(), p.tags.clone())),
    }
    .unwrap_or_default();
    let old_tags = match &before {
        Before::Added => {
            let code = format!("{}_added", kind.singular());
            crm.record(&code, (kind, id), by, now, json!([]), json!([]));
            Vec::new()
        }
        Before::Lead(old) => {
            if let Some(new) = crm.leads.get(id).cloned() {
                crm.lead_events(old, &new, None, now, by);
            }
            old.tags.clone()
        }
        Before::Party(old) => {
            let table = match kind {
                Kind::Contacts => &crm.contacts,
                _ => &crm.companies,
            };
            if let Some(new) = table.get(id).cloned() {
                if old.name != new.name {
                    crm.record(
                        "name_field_changed",
                        (kind, id),
                        by,
                        now,
                        json!([{"name_field_value": {"name": new.name}}]),
                        json!([{"name_field_value": {"name": old.name}}]),
                    );
                }
                if old.responsible_user_id != new.responsible_user_id {
                    let (after, was) = (new.responsible_user_id, old.responsible_user_id);
                    crm.responsible_event(kind, id, by, now, after, was);
                }
            }
            old.tags.clone()
        }
    };
    for &at in written.fields {
        let of = |fields: &[FieldValues]| fields.iter().find(|f| f.field == at).cloned();
        if of(&old_fields) == of(&new_fields) {
            continue; // written as it was: amoCRM records no change
        }
        let Some(def) = crm.fields[kind.index()].defs.get(usize::from(at)) else {
            continue;
        };
        // amoCRM names the type after the field; `custom_field_value_changed` filters them.
        let code = format!("custom_field_{}_value_changed", def.id);
        let value = json!([{"custom_field_value": {"field_id": def.id, "field_type": def.kind.code(), "enum_id": null, "text": null}}]);
        crm.record(&code, (kind, id), by, now, value, json!([]));
    }
    let names = |crm: &Crm, tags: &mut dyn Iterator<Item = &u32>| -> Vec<serde_json::Value> {
        tags.filter_map(|t| crm.tags[kind.index()].get(*t as usize))
            .map(|t| json!({"tag": {"name": t.name}}))
            .collect()
    };
    let added = names(crm, &mut new_tags.iter().filter(|t| !old_tags.contains(t)));
    if !added.is_empty() {
        crm.record(
            "entity_tag_added",
            (kind, id),
            by,
            now,
            json!(added),
            json!([]),
        );
    }
    let gone = names(crm, &mut old_tags.iter().filter(|t| !new_tags.contains(t)));
    if !gone.is_empty() {
        crm.record(
            "entity_tag_deleted",
            (kind, id),
            by,
            now,
            json!([]),
            json!(gone),
        );
    }
}

/// Records an event on an entity the feed names by a type of its own (`task`).
pub(super) fn push(
    crm: &mut Crm,
    code: &str,
    (entity_type, entity_id): (&'static str, i64),
    by: i64,
    now: i64,
    after: serde_json::Value,
) {
    crm.events.push(crate::model::crm::records::Event {
        kind: code.to_owned(),
        entity_type,
        entity_id,
        catalog_id: None,
        created_by: by,
        created_at: now,
        value_after: after,
        value_before: json!([]),
        linked_talk_contact_id: None,
    });
}

/// The feed's code of a new note of `note_type` (a call is a call, not a note).
pub(super) fn note_added(note_type: &str) -> &'static str {
    match note_type {
        "call_in" => "incoming_call",
        "call_out" => "outgoing_call",
        "sms_in" => "incoming_sms",
        "sms_out" => "outgoing_sms",
        "attachment" => "attachment_note_added",
        "geolocation" => "geo_note_added",
        "message_cashier" => "message_to_cashier_note_added",
        _ => "common_note_added",
    }
}
