//! The webhooks of notes and tasks: a note added through the API reaches a destination
//! subscribed to `note_lead`, `note_contact` or `note_company`; a task's completion, result
//! and text change are an `update_task` (never an `add_task`); every body is read by the
//! library's own webhook parser as the events it stands for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amocrm::webhook::{Action, Delivery, Event, NoteParent};
use amocrm_fake::{CrmEntity, FakeServer, WebhookSchedule};
use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

type Bodies = Arc<Mutex<Vec<Bytes>>>;
/// A note event read: on what, id, element id and type, note type, text.
type NoteSeen = (
    NoteParent,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);
/// A task event read: action, id, text, completed, closed now, result.
type TaskSeen = (
    Action,
    i64,
    Option<String>,
    Option<bool>,
    bool,
    Option<String>,
);

/// A destination keeping each body; its URL.
async fn destination() -> (String, Bodies) {
    let seen: Bodies = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// The events of every body received once `n` of them arrived (and a moment after, for
/// any that should not).
async fn events(seen: &Bodies, n: usize) -> Vec<Event> {
    for _ in 0..250 {
        if seen.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(150)).await;
    let bodies = seen.lock().unwrap().clone();
    let mut out = Vec::new();
    for body in &bodies {
        let delivery = Delivery::parse(body).expect("a delivery");
        assert!(delivery.events.iter().all(Result::is_ok), "{delivery:?}");
        out.extend(delivery.valid_events().cloned());
    }
    out
}

async fn subscribe(server: &FakeServer, url: &str, settings: &[&str]) {
    let hooks = format!("{}/api/v4/webhooks", server.base_url());
    let body = json!({"destination": url, "settings": settings});
    let resp = call(&hooks, Method::POST, Some(server.token()), Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
}

async fn write(server: &FakeServer, method: Method, path: &str, body: Value) -> Value {
    let resp = send(server, method, path, Some(server.token()), Some(body)).await;
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn notes_added_to_leads_contacts_and_companies_are_posted_as_note_events() {
    let server = FakeServer::builder()
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let (url, seen) = destination().await;
    subscribe(
        &server,
        &url,
        &["note_lead", "note_contact", "note_company"],
    )
    .await;
    let crm = server.crm();
    let lead = crm.ids(CrmEntity::Leads)[0];
    let contact = crm.ids(CrmEntity::Contacts)[0];
    let company = crm.ids(CrmEntity::Companies)[0];
    let mut added = Vec::new();
    for (entity, id) in [
        ("leads", lead),
        ("contacts", contact),
        ("companies", company),
    ] {
        let note = json!([{"note_type": "common", "params": {"text": format!("on {entity}")}}]);
        let path = format!("/api/v4/{entity}/{id}/notes");
        let wrote = write(&server, Method::POST, &path, note).await;
        added.push(wrote["_embedded"]["notes"][0]["id"].as_i64().unwrap());
        // One delivery each: the destination sees them one by one.
        events(&seen, added.len()).await;
    }
    // A lead changed meanwhile is no note, and nobody here subscribed to it.
    let touch = json!({"entity": "leads", "ids": [lead]});
    let touched = format!("{}/_fake/crm/touch", server.base_url());
    assert_eq!(
        call(&touched, Method::POST, None, Some(touch))
            .await
            .status(),
        StatusCode::OK
    );
    let events = events(&seen, 3).await;
    let notes: Vec<NoteSeen> = events
        .iter()
        .map(|event| match event {
            Event::Note { on, note } => (
                on.clone(),
                note.id,
                note.element_id,
                note.element_type,
                note.note_type.clone(),
                note.text.clone(),
            ),
            other => panic!("not a note: {other:?}"),
        })
        .collect();
    let expected = |on, i: usize, element, element_type, text: &str| {
        let text = Some(text.to_owned());
        (
            on,
            added[i],
            Some(element),
            Some(element_type),
            Some("4".to_owned()),
            text,
        )
    };
    assert_eq!(
        notes,
        [
            expected(NoteParent::Lead, 0, lead, 2, "on leads"),
            expected(NoteParent::Contact, 1, contact, 1, "on contacts"),
            expected(NoteParent::Company, 2, company, 3, "on companies"),
        ]
    );
}

#[tokio::test]
async fn a_note_reaches_only_destinations_subscribed_to_its_entitys_notes() {
    let server = FakeServer::builder()
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let (leads_only, seen) = destination().await;
    subscribe(&server, &leads_only, &["note_lead", "update_lead"]).await;
    let contact = server.crm().ids(CrmEntity::Contacts)[0];
    let note = json!([{"note_type": "common", "params": {"text": "hi"}}]);
    write(
        &server,
        Method::POST,
        &format!("/api/v4/contacts/{contact}/notes"),
        note,
    )
    .await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let note = json!([{"note_type": "common", "params": {"text": "hi"}}]);
    write(
        &server,
        Method::POST,
        &format!("/api/v4/leads/{lead}/notes"),
        note,
    )
    .await;
    let events = events(&seen, 1).await;
    // The lead's note only: a note is no update of its lead.
    assert_eq!(events.len(), 1, "{events:#?}");
    assert!(
        matches!(&events[0], Event::Note { on: NoteParent::Lead, note } if note.element_id == Some(lead)),
        "{events:#?}"
    );
}

#[tokio::test]
async fn a_task_added_then_changed_and_completed_is_one_add_then_updates() {
    let server = FakeServer::builder()
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let (url, seen) = destination().await;
    subscribe(&server, &url, &["add_task", "update_task"]).await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let task = json!([{"text": "call", "complete_till": 1_900_000_000_i64, "entity_id": lead, "entity_type": "leads"}]);
    let added = write(&server, Method::POST, "/api/v4/tasks", task).await;
    let id = added["_embedded"]["tasks"][0]["id"].as_i64().unwrap();
    events(&seen, 1).await;
    let text = json!([{"id": id, "text": "call back"}]);
    write(&server, Method::PATCH, "/api/v4/tasks", text).await;
    events(&seen, 2).await;
    let done = json!([{"id": id, "is_completed": true, "result": {"text": "done"}}]);
    write(&server, Method::PATCH, "/api/v4/tasks", done).await;
    let events = events(&seen, 3).await;
    let tasks: Vec<TaskSeen> = events
        .iter()
        .map(|event| match event {
            Event::Task { action, task } => (
                action.clone(),
                task.id,
                task.text.clone(),
                task.completed,
                task.closed_now,
                task.result_text.clone(),
            ),
            other => panic!("not a task: {other:?}"),
        })
        .collect();
    let text = |t: &str| Some(t.to_owned());
    assert_eq!(
        tasks,
        [
            (Action::Add, id, text("call"), Some(false), false, None),
            (
                Action::Update,
                id,
                text("call back"),
                Some(false),
                false,
                None
            ),
            // Completed with a result: one update (not an add), closed by this change.
            (
                Action::Update,
                id,
                text("call back"),
                Some(true),
                true,
                text("done")
            ),
        ]
    );
    let Event::Task { task, .. } = &events[0] else {
        unreachable!()
    };
    assert_eq!((task.element_id, task.element_type), (Some(lead), Some(2)));
}

#[tokio::test]
async fn two_notes_on_one_lead_written_together_are_two_note_events() {
    let server = FakeServer::builder()
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let (url, seen) = destination().await;
    subscribe(&server, &url, &["note_lead"]).await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let notes = json!([
        {"note_type": "common", "params": {"text": "one"}},
        {"note_type": "common", "params": {"text": "two"}},
    ]);
    write(
        &server,
        Method::POST,
        &format!("/api/v4/leads/{lead}/notes"),
        notes,
    )
    .await;
    let texts: Vec<Option<String>> = events(&seen, 1)
        .await
        .iter()
        .map(|event| match event {
            Event::Note { note, .. } => note.text.clone(),
            other => panic!("not a note: {other:?}"),
        })
        .collect();
    assert_eq!(texts, [Some("one".to_owned()), Some("two".to_owned())]);
}
