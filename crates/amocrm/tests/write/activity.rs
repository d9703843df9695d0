//! Tasks and notes written against the fake: only what was set is sent, completing a task
//! sends its completion and result alone, a missing required field never leaves the
//! client, a refused item costs only itself, and what was written reads back.

use amocrm::query::EntityKind;
use amocrm::write::{
    Call, CallStatus, NewNote, NewTask, NoteParams, NotePatch, OnUnknown, TaskPatch, WriteErrorKind,
};
use amocrm::{Error, error::Invalid};
use amocrm_fake::{CrmEntity, Fault};
use serde_json::{Map, Value, json};

use super::{all, body, fake_with, sent};

const DUE: i64 = 1_767_225_600;

#[tokio::test]
async fn tasks_are_added_updated_and_completed_sending_only_what_was_set() {
    let (fake, client) = fake_with(|b| b).await;
    let lead = fake.crm().ids(CrmEntity::Leads)[0];
    let tasks = [
        NewTask::new("Call back", DUE).entity(EntityKind::Leads, lead),
        NewTask::new("Standalone", DUE + 60)
            .task_type_id(2)
            .duration(900),
    ];
    let results = all(client.tasks().add(tasks).stream()).await;
    let ids: Vec<i64> = results
        .iter()
        .map(|r| r.as_ref().expect("added").id)
        .collect();
    assert_eq!(
        body(&sent(&fake, "POST", "/api/v4/tasks")[0]),
        json!([
            {"text": "Call back", "complete_till": DUE, "entity_id": lead, "entity_type": "leads", "request_id": "0"},
            {"text": "Standalone", "complete_till": DUE + 60, "task_type_id": 2, "duration": 900, "request_id": "1"},
        ])
    );
    let first = client.tasks().get(ids[0]).send().await.unwrap();
    assert_eq!(first.text.as_deref(), Some("Call back"));
    assert_eq!(
        (first.entity_id, first.complete_till),
        (Some(lead), Some(DUE))
    );

    let patches = [TaskPatch::new(ids[1])
        .text("Standalone, later")
        .complete_till(DUE + 3600)];
    assert!(all(client.tasks().update(patches).stream()).await[0].is_ok());
    assert_eq!(
        body(&sent(&fake, "PATCH", "/api/v4/tasks")[0]),
        json!([{"id": ids[1], "text": "Standalone, later", "complete_till": DUE + 3600, "request_id": "0"}])
    );

    let done = client
        .tasks()
        .complete(ids[0], "Talked, call again in May")
        .await
        .unwrap();
    assert_eq!(done.id, ids[0]);
    let path = format!("/api/v4/tasks/{}", ids[0]);
    assert_eq!(
        body(&sent(&fake, "PATCH", &path)[0]),
        json!({"is_completed": true, "result": {"text": "Talked, call again in May"}})
    );
    let completed = client.tasks().get(ids[0]).send().await.unwrap();
    assert_eq!(completed.is_completed, Some(true));
    let result = completed
        .result
        .and_then(|r| r.into_option())
        .and_then(|r| r.text);
    assert_eq!(result.as_deref(), Some("Talked, call again in May"));
    assert_eq!(
        completed.text.as_deref(),
        Some("Call back"),
        "nothing else changed"
    );
}

#[tokio::test]
async fn a_task_without_its_required_fields_is_a_typed_error_before_sending() {
    let (fake, client) = fake_with(|b| b).await;
    let no_deadline = Map::from_iter([("text".to_owned(), json!("No deadline"))]);
    let tasks = [
        NewTask::new("Fine", DUE),
        NewTask::from_json(no_deadline),
        NewTask::new("   ", DUE),
    ];
    let results = all(client.tasks().add(tasks).stream()).await;
    assert!(results[0].is_ok());
    for (result, field) in results[1..].iter().zip(["complete_till", "text"]) {
        match &result.as_ref().unwrap_err().kind {
            WriteErrorKind::Invalid(Invalid::Field { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        body(&sent(&fake, "POST", "/api/v4/tasks")[0])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let refused = client.tasks().complete(0, "x").await.unwrap_err();
    assert!(
        matches!(refused, Error::Invalid(Invalid::Field { .. })),
        "{refused:?}"
    );
    let blank = client.tasks().complete(5, " ").await.unwrap_err();
    assert!(
        matches!(blank, Error::Invalid(Invalid::Field { .. })),
        "{blank:?}"
    );
    assert!(sent(&fake, "PATCH", "/api/v4/tasks/5").is_empty());
}

#[tokio::test]
async fn a_task_amocrm_refuses_costs_only_itself() {
    let (fake, client) = fake_with(|b| b).await;
    let tasks = [
        NewTask::new("One", DUE),
        NewTask::new("Unknown responsible", DUE).responsible_user_id(999_999_999),
        NewTask::new("Three", DUE),
    ];
    let results = all(client.tasks().add(tasks).stream()).await;
    let refused = results[1].as_ref().unwrap_err().refused().expect("refused");
    assert_eq!(refused[0].code, "NotSupportedChoice");
    assert_eq!(refused[0].path, "responsible_user_id");
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    let posts = sent(&fake, "POST", "/api/v4/tasks");
    assert_eq!(
        posts.len(),
        2,
        "the batch sent again without the refused task"
    );
    let again: Vec<Value> = body(&posts[1]).as_array().unwrap().clone();
    assert_eq!(
        again
            .iter()
            .map(|t| t["request_id"].clone())
            .collect::<Vec<_>>(),
        ["0", "2"]
    );
}

#[tokio::test]
async fn a_task_add_cut_after_its_body_arrived_is_not_sent_again() {
    let (fake, client) =
        fake_with(|b| b.fault(Fault::cut().route("POST", "/api/v4/tasks").nth(1))).await;
    let tasks = (0..3).map(|n| NewTask::new(format!("Task {n}"), DUE));
    let writer = client
        .tasks()
        .add(tasks)
        .batch(2)
        .unwrap()
        .on_unknown(OnUnknown::Continue);
    let results = all(writer.stream()).await;
    assert!(results[0].as_ref().unwrap_err().is_outcome_unknown());
    assert!(results[1].as_ref().unwrap_err().is_outcome_unknown());
    assert!(results[2].is_ok());
    assert_eq!(
        sent(&fake, "POST", "/api/v4/tasks").len(),
        2,
        "batch 1 once, batch 2 once"
    );
}

#[tokio::test]
async fn notes_of_every_writable_type_are_added_and_read_back() {
    let (fake, client) = fake_with(|b| b).await;
    let contact = fake.crm().ids(CrmEntity::Contacts)[0];
    let call = Call::new("8f52d38a", 95, "onlinePBX", "+79990001122")
        .link("https://example.com/r/1.mp3")
        .status(CallStatus::Talked);
    let notes = [
        NewNote::new(NoteParams::common("Asked for a discount")),
        NewNote::new(NoteParams::CallIn(call)).trigger_digital_pipeline(false),
        NewNote::new(NoteParams::SmsOut {
            text: "Ready".into(),
            phone: "+7999".into(),
        }),
        NewNote::new(NoteParams::Geolocation {
            text: "Office".into(),
            address: "Tverskaya 1".into(),
            longitude: 37.6173,
            latitude: 55.7558,
        }),
        NewNote::new(NoteParams::ServiceMessage {
            service: "Shop".into(),
            text: "Paid".into(),
        }),
    ];
    let of_contact = client.notes(EntityKind::Contacts).of(contact);
    let results = all(of_contact.add(notes).stream()).await;
    let ids: Vec<i64> = results
        .iter()
        .map(|r| r.as_ref().expect("added").id)
        .collect();
    let path = format!("/api/v4/contacts/{contact}/notes");
    let sent_body = body(&sent(&fake, "POST", &path)[0]);
    assert_eq!(
        sent_body[1],
        json!({"note_type": "call_in", "params": {"uniq": "8f52d38a", "duration": 95,
            "source": "onlinePBX", "phone": "+79990001122", "link": "https://example.com/r/1.mp3",
            "call_status": 4}, "is_need_to_trigger_digital_pipeline": false, "request_id": "1"})
    );
    assert_eq!(sent_body[3]["params"]["longitude"], json!("37.6173"));
    let read = client
        .notes(EntityKind::Contacts)
        .get(ids[0])
        .send()
        .await
        .unwrap();
    assert_eq!(read.entity_id, Some(contact));
    let text = read
        .params
        .and_then(|p| p.into_option())
        .and_then(|p| p.get("text").cloned());
    assert_eq!(text, Some(json!("Asked for a discount")));
    let listed = of_contact.list().send().await.unwrap().items;
    assert!(
        ids.iter().all(|id| listed.iter().any(|n| n.id == *id)),
        "every note listed"
    );
}

#[tokio::test]
async fn notes_of_an_entity_type_name_their_entity_and_a_refusal_costs_one_note() {
    let (fake, client) = fake_with(|b| b).await;
    let leads = fake.crm().ids(CrmEntity::Leads);
    // A type amoCRM may add later passes the library (its params are the caller's) and
    // is refused by the server, costing that note alone.
    let mut odd = Map::new();
    odd.insert("text".into(), json!("hi"));
    let notes = [
        NewNote::new(NoteParams::common("First")).entity_id(leads[0]),
        NewNote::new(NoteParams::common("No entity")),
        NewNote::new(NoteParams::other("voice_memo", odd)).entity_id(leads[1]),
        NewNote::new(NoteParams::common("Last")).entity_id(leads[1]),
    ];
    let results = all(client.notes(EntityKind::Leads).add(notes).stream()).await;
    match &results[1].as_ref().unwrap_err().kind {
        WriteErrorKind::Invalid(Invalid::Field { field, .. }) => assert_eq!(field, "entity_id"),
        other => panic!("{other:?}"),
    }
    let refused = results[2]
        .as_ref()
        .unwrap_err()
        .refused()
        .expect("refused by the fake");
    assert_eq!(
        (refused[0].code.as_str(), refused[0].path.as_str()),
        ("NotSupportedChoice", "note_type")
    );
    assert!(results[0].is_ok() && results[3].is_ok(), "{results:?}");
    let posts = sent(&fake, "POST", "/api/v4/leads/notes");
    assert_eq!(posts.len(), 2);
    assert_eq!(
        body(&posts[0]).as_array().unwrap().len(),
        3,
        "the invalid note never sent"
    );

    let id = results[3].as_ref().unwrap().id;
    let patch = NotePatch::new(id, NoteParams::common("Last, corrected"));
    let updated = client
        .notes(EntityKind::Leads)
        .of(leads[1])
        .update_one(patch)
        .await
        .unwrap();
    assert_eq!(updated.id, id);
    let path = format!("/api/v4/leads/{}/notes/{id}", leads[1]);
    assert_eq!(
        body(&sent(&fake, "PATCH", &path)[0]),
        json!({"note_type": "common", "params": {"text": "Last, corrected"}})
    );
    // amoCRM answers a note update without `request_id`s: matched by the notes' IDs.
    let first = results[0].as_ref().unwrap().id;
    // The type-wide edit names each note's entity; a patch without is not sent.
    let batch = [
        NotePatch::new(first, NoteParams::common("First!")).entity_id(leads[0]),
        NotePatch::new(first, NoteParams::common("Nowhere")),
    ];
    let updated = all(client.notes(EntityKind::Leads).update(batch).stream()).await;
    match &updated[1].as_ref().unwrap_err().kind {
        WriteErrorKind::Invalid(Invalid::Field { field, .. }) => assert_eq!(field, "entity_id"),
        other => panic!("{other:?}"),
    }
    let patches = sent(&fake, "PATCH", "/api/v4/leads/notes");
    assert_eq!(
        body(&patches[0]).as_array().map(Vec::len),
        Some(1),
        "the patch without its entity never sent"
    );
    assert_eq!(updated[0].as_ref().expect("matched by its ID").id, first);
    let read = client
        .notes(EntityKind::Leads)
        .get(first)
        .send()
        .await
        .unwrap();
    let text = read
        .params
        .and_then(|p| p.into_option())
        .and_then(|p| p.get("text").cloned());
    assert_eq!(text, Some(json!("First!")));
    let read = client
        .notes(EntityKind::Leads)
        .get(id)
        .send()
        .await
        .unwrap();
    let text = read
        .params
        .and_then(|p| p.into_option())
        .and_then(|p| p.get("text").cloned());
    assert_eq!(text, Some(json!("Last, corrected")));
}
