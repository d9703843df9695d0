//! The CRM's writes: a request written whole or refused whole, `validation-errors` by
//! `request_id` (unknown keys, unknown fields, a value of the wrong shape for its field's
//! type, a missing `id`), too many entities, one entity by its path, and the `cut` fault.

use amocrm_fake::{CrmEntity, CrmSize, FakeServer, Fault};
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

/// The id of the contacts' field of `kind` (and `code`, when given).
async fn field(server: &FakeServer, kind: &str) -> i64 {
    let page = ok_json(server, "/api/v4/contacts/custom_fields?limit=250").await;
    items(&page, "custom_fields")
        .iter()
        .find(|f| f["type"] == kind)
        .and_then(|f| f["id"].as_i64())
        .unwrap_or_else(|| panic!("a {kind} field"))
}

async fn write(server: &FakeServer, method: Method, path: &str, body: Value) -> reqwest::Response {
    send(server, method, path, Some(server.token()), Some(body)).await
}

#[tokio::test]
async fn a_batch_with_invalid_entities_is_refused_whole_naming_each_by_request_id() {
    let server = server().await;
    let (select, checkbox, text) = (
        field(&server, "select").await,
        field(&server, "checkbox").await,
        field(&server, "text").await,
    );
    let before = server.crm().ids(CrmEntity::Contacts).len();
    let body = json!([
        {"name": "fine", "request_id": "a"},
        {"request_id": "b", "custom_fields_values": [{"field_id": select, "values": [{"value": "no such option"}]}]},
        {"request_id": "c", "custom_fields_values": [{"field_id": checkbox, "values": [{"value": "yes"}]}]},
        {"request_id": "d", "custom_fields_values": [{"field_id": text, "values": [{"value": "x", "enum_code": "WORK"}]}]},
        {"request_id": "e", "bogus": 1, "custom_fields_values": [{"field_id": 999_999_999, "values": [{"value": "x"}]}]},
    ]);
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/contacts", body).await,
        400,
    )
    .await;
    let groups: Vec<(String, Vec<(String, String)>)> = problem["validation-errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let errors = g["errors"].as_array().unwrap().iter();
            let errors = errors.map(|e| {
                (
                    e["code"].as_str().unwrap().to_owned(),
                    e["path"].as_str().unwrap().to_owned(),
                )
            });
            (
                g["request_id"].as_str().unwrap().to_owned(),
                errors.collect(),
            )
        })
        .collect();
    let group = |id: &str, errors: &[(&str, &str)]| {
        (
            id.to_owned(),
            errors
                .iter()
                .map(|(c, p)| (c.to_string(), p.to_string()))
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        groups,
        vec![
            group(
                "b",
                &[(
                    "NotSupportedChoice",
                    "custom_fields_values.0.values.0.value"
                )]
            ),
            group(
                "c",
                &[("InvalidType", "custom_fields_values.0.values.0.value")]
            ),
            group(
                "d",
                &[(
                    "FieldNotExpected",
                    "custom_fields_values.0.values.0.enum_code"
                )]
            ),
            group(
                "e",
                &[
                    ("FieldNotExpected", "bogus"),
                    ("NotSupportedChoice", "custom_fields_values.0.field_id")
                ]
            ),
        ]
    );
    assert_eq!(
        server.crm().ids(CrmEntity::Contacts).len(),
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn an_update_needs_an_id_and_more_than_250_entities_are_refused() {
    let server = server().await;
    let problem = expect_problem(
        write(
            &server,
            Method::PATCH,
            "/api/v4/leads",
            json!([{"name": "x"}]),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(problem["validation-errors"][0]["request_id"], "0");
    assert_eq!(
        problem["validation-errors"][0]["errors"][0]["code"],
        "FieldMissing"
    );
    assert_eq!(problem["validation-errors"][0]["errors"][0]["path"], "id");
    let many: Vec<Value> = (0..251).map(|i| json!({"name": format!("n{i}")})).collect();
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/leads", Value::Array(many)).await,
        400,
    )
    .await;
    // Each entity past the 250th is named by its request_id; nothing is written.
    let groups = problem["validation-errors"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{problem}");
    assert_eq!(groups[0]["request_id"], "250");
    assert_eq!(groups[0]["errors"][0]["code"], "TooManyEntities");
    let complex: Vec<Value> = (0..51).map(|i| json!({"name": format!("n{i}")})).collect();
    let problem = expect_problem(
        write(
            &server,
            Method::POST,
            "/api/v4/leads/complex",
            Value::Array(complex),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(problem["validation-errors"][0]["request_id"], "50");
    let token = Some(server.token());
    let found = send(
        &server,
        Method::GET,
        "/api/v4/leads?filter[name]=n0",
        token,
        None,
    )
    .await;
    assert_eq!(
        found.status(),
        204,
        "nothing of a refused request is written"
    );
}

#[tokio::test]
async fn writes_are_recorded_in_the_events_feed() {
    let server = server().await;
    let added = write(
        &server,
        Method::POST,
        "/api/v4/leads",
        json!([{"name": "feed", "price": 10, "tags_to_add": [{"name": "fresh"}]}]),
    )
    .await;
    assert_eq!(added.status(), 200);
    let added: Value = added.json().await.unwrap();
    let id = added["_embedded"]["leads"][0]["id"].as_i64().unwrap();
    let patch =
        json!([{"id": id, "name": "renamed", "price": 20, "tags_to_delete": [{"name": "fresh"}]}]);
    assert_eq!(
        write(&server, Method::PATCH, "/api/v4/leads", patch)
            .await
            .status(),
        200
    );
    let page = ok_json(
        &server,
        &format!("/api/v4/events?filter[entity]=lead&filter[entity_id]={id}&limit=100"),
    )
    .await;
    let mut codes: Vec<String> = items(&page, "events")
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    assert_eq!(
        codes,
        [
            "entity_tag_added",
            "entity_tag_deleted",
            "lead_added",
            "name_field_changed",
            "sale_field_changed"
        ]
    );
}

#[tokio::test]
async fn an_add_answers_ids_by_request_id_and_one_entity_is_patched_by_its_path() {
    let server = server().await;
    let body = json!([{"name": "First", "request_id": "x"}, {"name": "Second"}]);
    let resp = write(&server, Method::POST, "/api/v4/companies", body).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(content_type(&resp), HAL);
    let answer: Value = resp.json().await.unwrap();
    let written = items(&answer, "companies");
    assert_eq!(written[0]["request_id"], "x");
    assert_eq!(written[1]["request_id"], "1");
    let id = written[1]["id"].as_i64().unwrap();
    server.crm().clock().advance(60);
    let resp = write(
        &server,
        Method::PATCH,
        &format!("/api/v4/companies/{id}"),
        json!({"name": "Renamed"}),
    )
    .await;
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(
        (answer["id"].as_i64(), answer["name"].as_str()),
        (Some(id), Some("Renamed"))
    );
    let company = ok_json(&server, &format!("/api/v4/companies/{id}")).await;
    assert_eq!(company["name"], "Renamed");
    assert_eq!(company["updated_at"], answer["updated_at"]);
}

#[tokio::test]
async fn the_cut_fault_applies_the_write_and_drops_the_answer() {
    let fault: Fault = "POST /api/v4/leads=cut@2".parse().unwrap();
    assert_eq!(fault.to_string(), "POST /api/v4/leads=cut@2");
    let server = FakeServer::builder()
        .crm(CrmSize::default())
        .fault(fault)
        .start()
        .await
        .unwrap();
    let before = server.crm().ids(CrmEntity::Leads).len();
    let url = format!("{}/api/v4/leads", server.base_url());
    let body = Some(json!([{"name": "cut"}]));
    assert_eq!(
        call(&url, Method::POST, Some(server.token()), body.clone())
            .await
            .status(),
        200
    );
    let cut = reqwest::Client::new()
        .post(&url)
        .bearer_auth(server.token())
        .json(&body)
        .send()
        .await;
    let outcome = match cut {
        Ok(resp) => resp.bytes().await.map(|_| ()),
        Err(error) => Err(error),
    };
    assert!(outcome.is_err(), "the answer never comes");
    assert_eq!(
        server.crm().ids(CrmEntity::Leads).len(),
        before + 2,
        "both written"
    );
}

#[tokio::test]
async fn task_note_and_link_writes_are_recorded_in_the_events_feed() {
    let server = server().await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let contact = server.crm().ids(CrmEntity::Contacts)[0];
    let task = json!([{"text": "call", "complete_till": 1_900_000_000_i64, "entity_id": lead, "entity_type": "leads"}]);
    let added = write(&server, Method::POST, "/api/v4/tasks", task).await;
    assert_eq!(added.status(), 200);
    let task_id = added.json::<Value>().await.unwrap()["_embedded"]["tasks"][0]["id"]
        .as_i64()
        .unwrap();
    let done = json!([{"id": task_id, "is_completed": true, "result": {"text": "done"}}]);
    assert_eq!(
        write(&server, Method::PATCH, "/api/v4/tasks", done)
            .await
            .status(),
        200
    );
    let note = json!([{"note_type": "common", "params": {"text": "hi"}}]);
    let path = format!("/api/v4/leads/{lead}/notes");
    assert_eq!(
        write(&server, Method::POST, &path, note).await.status(),
        200
    );
    let link = json!([{"to_entity_id": contact, "to_entity_type": "contacts"}]);
    let path = format!("/api/v4/leads/{lead}/link");
    let linked = write(&server, Method::POST, &path, link).await.status();
    assert!(linked.is_success(), "{linked}");

    let of = |page: &Value| -> Vec<String> {
        let mut codes: Vec<String> = items(page, "events")
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect();
        codes.sort();
        codes
    };
    let tasks = format!("/api/v4/events?filter[entity]=task&filter[entity_id]={task_id}");
    assert_eq!(
        of(&ok_json(&server, &tasks).await),
        ["task_added", "task_completed", "task_result_added"]
    );
    let types = "filter[type]=common_note_added,entity_linked";
    let leads = format!("/api/v4/events?filter[entity]=lead&filter[entity_id]={lead}&{types}");
    let codes = of(&ok_json(&server, &leads).await);
    assert!(codes.contains(&"common_note_added".to_owned()), "{codes:?}");
    assert!(codes.contains(&"entity_linked".to_owned()), "{codes:?}");
}
