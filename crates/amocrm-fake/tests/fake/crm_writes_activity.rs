//! The writes of tasks and notes: a request written whole or refused whole with
//! `validation-errors` by `request_id` (required fields, unknown keys and params, a note
//! type an API may not write, an entity the account does not have), too many entities,
//! one by its path, and what was written served by the read endpoints.

use amocrm_fake::{CrmEntity, CrmSize, FakeServer};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn server() -> FakeServer {
    FakeServer::builder()
        .crm(CrmSize::default())
        .start()
        .await
        .unwrap()
}

async fn write(server: &FakeServer, method: Method, path: &str, body: Value) -> reqwest::Response {
    send(server, method, path, Some(server.token()), Some(body)).await
}

/// `(request_id, [(code, path)])` of a 400's `validation-errors`.
fn groups(problem: &Value) -> Vec<(String, Vec<(String, String)>)> {
    problem["validation-errors"]
        .as_array()
        .expect("validation-errors")
        .iter()
        .map(|g| {
            let errors = g["errors"].as_array().unwrap().iter();
            let errors = errors.map(|e| {
                let text = |key: &str| e[key].as_str().unwrap().to_owned();
                (text("code"), text("path"))
            });
            (
                g["request_id"].as_str().unwrap().to_owned(),
                errors.collect(),
            )
        })
        .collect()
}

fn pair(code: &str, path: &str) -> (String, String) {
    (code.to_owned(), path.to_owned())
}

#[tokio::test]
async fn a_task_batch_with_invalid_tasks_is_refused_whole() {
    let server = server().await;
    let before = ok_json(&server, "/api/v4/tasks?limit=250").await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let body = json!([
        {"text": "fine", "complete_till": 1, "request_id": "a"},
        {"complete_till": 1, "request_id": "b"},
        {"text": "t", "complete_till": "tomorrow", "request_id": "c"},
        {"text": "t", "complete_till": 1, "entity_id": lead, "request_id": "d"},
        {"text": "t", "complete_till": 1, "entity_type": "leads", "entity_id": 999_999_999, "task_type_id": 9, "colour": 1, "request_id": "e"},
    ]);
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/tasks", body).await,
        400,
    )
    .await;
    assert_eq!(
        groups(&problem),
        [
            ("b".into(), vec![pair("FieldMissing", "text")]),
            ("c".into(), vec![pair("InvalidType", "complete_till")]),
            ("d".into(), vec![pair("FieldMissing", "entity_type")]),
            (
                "e".into(),
                vec![
                    pair("FieldNotExpected", "colour"),
                    pair("NotSupportedChoice", "task_type_id"),
                    pair("NotSupportedChoice", "entity_id"),
                ]
            ),
        ]
    );
    let after = ok_json(&server, "/api/v4/tasks?limit=250").await;
    assert_eq!(
        ids(&before, "tasks"),
        ids(&after, "tasks"),
        "nothing written"
    );

    let many: Vec<Value> = (0..251)
        .map(|_| json!({"text": "t", "complete_till": 1}))
        .collect();
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/tasks", json!(many)).await,
        400,
    )
    .await;
    // As for leads: the entity past the 250th is named by its request_id.
    assert_eq!(
        groups(&problem),
        [("250".into(), vec![pair("TooManyEntities", "")])]
    );
    let update = json!([{"text": "no id"}]);
    let problem = expect_problem(
        write(&server, Method::PATCH, "/api/v4/tasks", update).await,
        400,
    )
    .await;
    assert_eq!(
        groups(&problem),
        [("0".into(), vec![pair("FieldMissing", "id")])]
    );
}

#[tokio::test]
async fn tasks_written_are_read_back_and_one_is_completed_by_its_path() {
    let server = server().await;
    let lead = server.crm().ids(CrmEntity::Leads)[1];
    let body = json!([{"text": "Call", "complete_till": 1_767_225_600, "entity_type": "leads", "entity_id": lead, "request_id": "x"}]);
    let resp = write(&server, Method::POST, "/api/v4/tasks", body).await;
    assert_eq!(resp.status(), 200);
    let written: Value = resp.json().await.unwrap();
    let entry = &written["_embedded"]["tasks"][0];
    assert_eq!(entry["request_id"], "x");
    let id = entry["id"].as_i64().unwrap();
    let path = format!("/api/v4/tasks/{id}");
    let done = json!({"is_completed": true, "result": {"text": "Done"}});
    let resp = write(&server, Method::PATCH, &path, done).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["id"], id);
    assert!(answer["updated_at"].is_i64());
    let task = ok_json(&server, &path).await;
    assert_eq!(
        (task["text"].clone(), task["entity_id"].clone()),
        (json!("Call"), json!(lead))
    );
    assert_eq!(
        (task["is_completed"].clone(), task["result"].clone()),
        (json!(true), json!({"text": "Done"}))
    );
    let listed = ok_json(
        &server,
        &format!("/api/v4/tasks?filter[entity_type]=leads&filter[entity_id]={lead}"),
    )
    .await;
    assert!(ids(&listed, "tasks").contains(&id));
}

#[tokio::test]
async fn notes_are_checked_by_their_type_and_written_whole_or_not_at_all() {
    let server = server().await;
    let leads = server.crm().ids(CrmEntity::Leads);
    let before = ok_json(&server, "/api/v4/leads/notes?limit=250").await;
    let body = json!([
        {"entity_id": leads[0], "note_type": "common", "params": {"text": "fine"}},
        {"note_type": "common", "params": {"text": "no entity"}},
        {"entity_id": leads[0], "note_type": "amomail_message", "params": {}},
        {"entity_id": leads[0], "note_type": "call_in", "params": {"uniq": "u", "duration": -1, "source": "s", "phone": "p", "x": 1}},
        {"entity_id": 999_999_999, "note_type": "sms_out", "params": {"text": "t"}},
    ]);
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/leads/notes", body).await,
        400,
    )
    .await;
    assert_eq!(
        groups(&problem),
        [
            ("1".into(), vec![pair("FieldMissing", "entity_id")]),
            ("2".into(), vec![pair("NotSupportedChoice", "note_type")]),
            (
                "3".into(),
                vec![
                    pair("InvalidType", "params.duration"),
                    pair("FieldNotExpected", "params.x")
                ]
            ),
            (
                "4".into(),
                vec![
                    pair("NotSupportedChoice", "entity_id"),
                    pair("FieldMissing", "params.phone")
                ]
            ),
        ]
    );
    let after = ok_json(&server, "/api/v4/leads/notes?limit=250").await;
    assert_eq!(
        ids(&before, "notes"),
        ids(&after, "notes"),
        "nothing written"
    );

    let path = format!("/api/v4/leads/{}/notes", leads[2]);
    let note = json!([{"note_type": "geolocation", "params": {"text": "t", "address": "a", "longitude": "1", "latitude": "2"}}]);
    let resp = write(&server, Method::POST, &path, note).await;
    assert_eq!(resp.status(), 200);
    let written: Value = resp.json().await.unwrap();
    let entry = &written["_embedded"]["notes"][0];
    assert_eq!(entry["entity_id"], leads[2]);
    let id = entry["id"].as_i64().unwrap();
    let one = format!("/api/v4/leads/{}/notes/{id}", leads[2]);
    let fix = json!({"params": {"text": "t2", "address": "a", "longitude": "1", "latitude": "2"}});
    assert_eq!(write(&server, Method::PATCH, &one, fix).await.status(), 200);
    let read = ok_json(&server, &format!("/api/v4/leads/notes/{id}")).await;
    assert_eq!(
        (read["note_type"].clone(), read["params"]["text"].clone()),
        (json!("geolocation"), json!("t2"))
    );
    let elsewhere = format!("/api/v4/leads/{}/notes/{id}", leads[3]);
    let problem = expect_problem(
        write(&server, Method::PATCH, &elsewhere, json!({"params": {}})).await,
        400,
    )
    .await;
    assert_eq!(groups(&problem)[0].1[0], pair("NotSupportedChoice", "id"));
    let missing = "/api/v4/leads/999999999/notes";
    let note = json!([{"note_type": "common", "params": {"text": "t"}}]);
    expect_problem(write(&server, Method::POST, missing, note).await, 400).await;
}

#[tokio::test]
async fn keys_amocrm_does_not_take_are_refused_not_ignored() {
    let server = server().await;
    let leads = server.crm().ids(CrmEntity::Leads);
    let user = 0; // the integration: a valid author of an add
    let before = ok_json(&server, "/api/v4/leads/notes?limit=250").await;
    let times = json!([
        {"entity_id": leads[0], "note_type": "common", "params": {"text": "t"}, "created_by": user},
        {"entity_id": leads[0], "note_type": "common", "params": {"text": "t"}, "created_at": 1, "updated_at": 2},
    ]);
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/leads/notes", times).await,
        400,
    )
    .await;
    assert_eq!(
        groups(&problem),
        [(
            "1".into(),
            vec![
                pair("FieldNotExpected", "created_at"),
                pair("FieldNotExpected", "updated_at")
            ]
        )],
        "an add takes created_by, never a note's times"
    );
    let note = &before["_embedded"]["notes"][0];
    let edit = json!([{"id": note["id"], "entity_id": note["entity_id"], "note_type": "common",
        "params": {"text": "t"}, "created_by": user}]);
    let problem = expect_problem(
        write(&server, Method::PATCH, "/api/v4/leads/notes", edit).await,
        400,
    )
    .await;
    assert_eq!(
        groups(&problem)[0].1,
        [pair("FieldNotExpected", "created_by")]
    );

    let task = ids(&ok_json(&server, "/api/v4/tasks?limit=1").await, "tasks")[0];
    let edit = json!([{"id": task, "text": "t", "created_by": user}]);
    let problem = expect_problem(
        write(&server, Method::PATCH, "/api/v4/tasks", edit).await,
        400,
    )
    .await;
    assert_eq!(
        groups(&problem)[0].1,
        [pair("FieldNotExpected", "created_by")]
    );
}
