//! What happened in the generated account: tasks, notes of every type with their params,
//! and the events of its history.

use serde_json::{Value, json};

use crate::model::crm::Crm;
use crate::model::crm::records::{Event, Kind, Note, Task};

use super::dictionaries::uuid;
use super::names::{NOTE_TEXTS, TASK_RESULTS, TASK_TEXTS};
use super::{DAY, SPAN, T0};

/// A live entity of `kind` chosen at random, if there is one.
fn some_entity(crm: &mut Crm, kind: Kind) -> Option<i64> {
    let rows = match kind {
        Kind::Leads => crm.leads.len(),
        Kind::Contacts => crm.contacts.len(),
        Kind::Companies => crm.companies.len(),
        Kind::Customers => 0,
    };
    if rows == 0 {
        return None;
    }
    let at = crm.rng.below(rows as u64) as usize;
    Some(match kind {
        Kind::Leads => crm.leads.rows()[at].id,
        Kind::Contacts => crm.contacts.rows()[at].id,
        _ => crm.companies.rows()[at].id,
    })
}

const ENTITY_KINDS: [Kind; 3] = [Kind::Leads, Kind::Contacts, Kind::Companies];

pub(super) fn tasks(crm: &mut Crm, count: usize) {
    for n in 0..count {
        let kind = ENTITY_KINDS[n % 3];
        let entity = if n % 10 == 9 {
            None
        } else {
            some_entity(crm, kind).map(|id| (kind, id))
        };
        let user = crm.users[crm.rng.below(crm.users.len() as u64) as usize].clone();
        let created_at = T0 + (n as i64 * SPAN) / count.max(1) as i64;
        let completed = crm.rng.chance(40);
        let result =
            (completed && crm.rng.chance(50)).then(|| crm.rng.pick(TASK_RESULTS).to_string());
        crm.tasks.push(Task {
            id: crm.ids.task(n),
            created_by: if n % 8 == 7 { 0 } else { user.id },
            updated_by: user.id,
            created_at,
            updated_at: created_at + crm.rng.range(0, 5 * DAY),
            responsible_user_id: user.id,
            group_id: user.group_id.unwrap_or(0),
            entity,
            is_completed: completed,
            task_type_id: 1 + (n % 2) as i64,
            text: crm.rng.pick(TASK_TEXTS).to_string(),
            duration: if n % 2 == 1 { 1_800 } else { 0 },
            complete_till: created_at + crm.rng.range(1, 10) * DAY,
            result,
        });
    }
}

/// The note types the generator writes, in turn.
const NOTE_TYPES: &[&str] = &[
    "common",
    "call_in",
    "call_out",
    "service_message",
    "sms_in",
    "sms_out",
    "attachment",
    "geolocation",
    "message_cashier",
    "extended_service_message",
    "amomail_message",
    "site_visit",
    "common",
    "call_in",
];

/// The params of a note of `note_type`.
fn params(crm: &mut Crm, note_type: &str, n: usize) -> Value {
    let real_world = crm.real_world;
    let rng = &mut crm.rng;
    let text = rng.pick(NOTE_TEXTS).to_string();
    match note_type {
        "common" => json!({"text": text}),
        "call_in" | "call_out" => {
            let uniq = uuid(rng);
            json!({
                // A real answer once had `uniq` as an array.
                "uniq": if real_world && n % 4 == 1 { json!([uniq]) } else { json!(uniq) },
                "duration": rng.range(5, 900), "source": "onlinePBX",
                "link": format!("https://example.com/records/{n}.mp3"), "phone": format!("+7999{:07}", n),
                "call_responsible": if n.is_multiple_of(2) { json!(crm.users[0].id) } else { json!(crm.users[0].name) },
                "call_status": 1 + rng.below(8), "call_result": "Поговорили",
            })
        }
        "service_message" | "extended_service_message" => {
            json!({"service": "Моя интеграция", "text": text})
        }
        "sms_in" | "sms_out" => json!({"text": text, "phone": format!("+7916{:07}", n)}),
        "attachment" => json!({
            "file_uuid": uuid(rng), "version_uuid": uuid(rng), "file_name": format!("scan_{n}.pdf"),
            "original_name": format!("Скан {n}.pdf"), "text": format!("Скан {n}.pdf"), "is_drive_attachment": true,
        }),
        "geolocation" => {
            json!({"text": text, "address": "Москва, Тверская 1", "longitude": "37.6173", "latitude": "55.7558"})
        }
        "message_cashier" => {
            let status = ["created", "shown", "canceled"][n % 3];
            json!({"status": status, "text": text})
        }
        "amomail_message" => json!({
            "thread_id": 1_000 + n, "message_id": format!("{}", 5_000 + n), "private": false, "income": n.is_multiple_of(2),
            "from": {"email": "client@example.com", "name": "Клиент"}, "to": {"email": "sales@example.com", "name": "Отдел продаж"},
            "subject": "Re: предложение", "content_summary": text, "attach_cnt": 0, "delivery": null,
        }),
        "site_visit" => json!({"url": "https://example.com/pricing"}),
        _ => json!({"text": text, "ai_model": "v3", "confidence": 0.93}),
    }
}

pub(super) fn notes(crm: &mut Crm, count: usize) {
    for n in 0..count {
        let kind = ENTITY_KINDS[n % 3];
        let Some(entity_id) = some_entity(crm, kind) else {
            continue;
        };
        let note_type = if crm.real_world && n % 17 == 16 {
            "ai_summary"
        } else {
            NOTE_TYPES[n % NOTE_TYPES.len()]
        };
        let params = params(crm, note_type, n);
        let user = crm.users[n % crm.users.len()].clone();
        let created_at = T0 + (n as i64 * SPAN) / count.max(1) as i64;
        crm.notes.push(Note {
            id: crm.ids.note(n),
            kind,
            entity_id,
            created_by: user.id,
            updated_by: user.id,
            created_at,
            updated_at: created_at + if n % 5 == 0 { DAY } else { 0 },
            responsible_user_id: user.id,
            group_id: user.group_id.unwrap_or(0),
            note_type,
            params,
            is_pinned: n % 9 == 0,
        });
    }
}

/// The seeded history: `count` events on the account's entities, oldest first.
pub(super) fn events(crm: &mut Crm, count: usize) {
    for n in 0..count {
        let at = T0 + (n as i64 * SPAN) / count.max(1) as i64;
        let by = crm.users[n % crm.users.len()].id;
        let kind = ENTITY_KINDS[n % 3];
        let Some(entity_id) = some_entity(crm, kind) else {
            continue;
        };
        let note = json!([{"note": {"id": crm.ids.note(n)}}]);
        let (code, after, before) = match (kind, n % 12) {
            (Kind::Leads, 0 | 3) => {
                let (status, pipeline) = *crm.rng.pick(&crm.stages);
                let (was, _) = crm.stages[0];
                (
                    "lead_status_changed".to_owned(),
                    json!([{"lead_status": {"id": status, "pipeline_id": pipeline}}]),
                    json!([{"lead_status": {"id": was, "pipeline_id": pipeline}}]),
                )
            }
            (Kind::Leads, 6) => (
                "incoming_chat_message".to_owned(),
                json!([{"message": {"id": uuid(&mut crm.rng)}}]),
                json!([]),
            ),
            (Kind::Leads, 9) => (
                "sale_field_changed".to_owned(),
                json!([{"sale_field_value": {"sale": 5000}}]),
                json!([]),
            ),
            (_, 1 | 4) => {
                let field = &crm.fields[kind.index()].defs[1];
                let code = if n % 24 == 1 {
                    format!("custom_field_{}_value_changed", field.id)
                } else {
                    "custom_field_value_changed".to_owned()
                };
                let value = json!([{"custom_field_value": {"field_id": field.id, "field_type": field.kind.code(), "enum_id": null, "text": "12345"}}]);
                (code, value, json!([]))
            }
            (_, 2 | 5) => (format!("{}_added", kind.singular()), note, json!([])),
            (_, 7) => {
                let (before, after) = (crm.users[0].id, crm.users[crm.users.len() - 1].id);
                (
                    "entity_responsible_changed".to_owned(),
                    json!([{"responsible_user": {"id": after}}]),
                    json!([{"responsible_user": {"id": before}}]),
                )
            }
            (_, 8) => (
                "entity_tag_added".to_owned(),
                json!([{"tag": {"name": "VIP"}}, {"tag": {"name": "Опт"}}]),
                json!([]),
            ),
            (_, 10) => ("incoming_call".to_owned(), note, json!([])),
            _ if crm.real_world && n % 12 == 11 => (
                "lead_ai_scored".to_owned(),
                json!([{"ai_score": {"value": "87"}}]),
                json!([]),
            ),
            _ => ("common_note_added".to_owned(), note, json!([])),
        };
        let linked_talk_contact_id = (code == "incoming_chat_message")
            .then(|| some_entity(crm, Kind::Contacts))
            .flatten();
        crm.events.push(Event {
            kind: code,
            entity_type: kind.singular(),
            entity_id,
            catalog_id: None,
            created_by: if n % 6 == 5 { 0 } else { by },
            created_at: at,
            value_after: after,
            value_before: before,
            linked_talk_contact_id,
        });
    }
}
