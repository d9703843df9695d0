//! Write checks as amoCRM makes them, beyond the basics of `crm_writes`: too many
//! entities named by `request_id` on every batch endpoint, a phone's code read from the
//! option's value (amoCRM's phone and email options carry no `code`), a `null` field_id
//! beside a field_code, and a numeric text that is no finite number.

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

/// `(request_id, code)` of each of a 400's `validation-errors`.
fn named(problem: &Value) -> Vec<(String, String)> {
    problem["validation-errors"]
        .as_array()
        .unwrap_or_else(|| panic!("validation-errors: {problem}"))
        .iter()
        .map(|g| {
            (
                g["request_id"].as_str().unwrap_or_default().to_owned(),
                g["errors"][0]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// The contacts' field with this code.
async fn contact_field(server: &FakeServer, code: &str) -> Value {
    let page = ok_json(server, "/api/v4/contacts/custom_fields?limit=250").await;
    items(&page, "custom_fields")
        .iter()
        .find(|f| f["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("a {code} field"))
}

#[tokio::test]
async fn too_many_tasks_notes_tags_or_links_are_named_by_request_id_as_leads_are() {
    let server = server().await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let contact = server.crm().ids(CrmEntity::Contacts)[0];
    let many = |one: Value| Value::Array(vec![one; 251]);
    for (path, one) in [
        ("/api/v4/leads", json!({"name": "n"})),
        ("/api/v4/tasks", json!({"text": "t", "complete_till": 1})),
        (
            "/api/v4/leads/notes",
            json!({"entity_id": lead, "note_type": "common", "params": {"text": "n"}}),
        ),
        ("/api/v4/leads/tags", json!({"name": "t"})),
        (
            "/api/v4/leads/link",
            json!({"entity_id": lead, "to_entity_id": contact, "to_entity_type": "contacts"}),
        ),
    ] {
        let problem =
            expect_problem(write(&server, Method::POST, path, many(one)).await, 400).await;
        assert_eq!(
            named(&problem),
            [("250".to_owned(), "TooManyEntities".to_owned())],
            "{path}"
        );
    }
}

#[tokio::test]
async fn phone_options_have_no_code_and_their_value_is_the_enum_code() {
    let server = server().await;
    let phone = contact_field(&server, "PHONE").await;
    let options = phone["enums"].as_array().expect("options");
    assert!(
        options.iter().all(|o| o["code"].is_null()),
        "as amoCRM describes them: {phone}"
    );
    let body = json!([{"name": "By code", "custom_fields_values": [
        {"field_code": "PHONE", "values": [{"value": "+79990001122", "enum_code": "MOB"}]},
        {"field_id": null, "field_code": "EMAIL", "values": [{"value": "a@b.c", "enum_code": "PRIV"}]},
    ]}]);
    let resp = write(&server, Method::POST, "/api/v4/contacts", body).await;
    assert_eq!(
        resp.status(),
        200,
        "{}",
        resp.text().await.unwrap_or_default()
    );
    let added: Value = resp.json().await.expect("json");
    let id = added["_embedded"]["contacts"][0]["id"]
        .as_i64()
        .expect("id");
    let contact = ok_json(&server, &format!("/api/v4/contacts/{id}")).await;
    let codes: Vec<_> = contact["custom_fields_values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|f| (f["field_code"].clone(), f["values"][0]["enum_code"].clone()))
        .collect();
    assert_eq!(
        codes,
        [
            (json!("PHONE"), json!("MOB")),
            (json!("EMAIL"), json!("PRIV"))
        ]
    );
    let wrong = json!([{"custom_fields_values": [
        {"field_code": "PHONE", "values": [{"value": "+7", "enum_code": "PRIV"}]},
    ]}]);
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/contacts", wrong).await,
        400,
    )
    .await;
    assert_eq!(
        problem["validation-errors"][0]["errors"][0]["path"],
        "custom_fields_values.0.values.0.enum_code"
    );
}

#[tokio::test]
async fn a_null_field_id_without_a_code_names_no_field() {
    let server = server().await;
    let body = json!([{"custom_fields_values": [{"field_id": null, "values": [{"value": "x"}]}]}]);
    let problem = expect_problem(
        write(&server, Method::POST, "/api/v4/contacts", body).await,
        400,
    )
    .await;
    assert_eq!(
        problem["validation-errors"][0]["errors"][0]["path"],
        "custom_fields_values.0.field_id"
    );
}

#[tokio::test]
async fn a_numeric_text_that_is_no_finite_number_is_refused() {
    let server = server().await;
    let page = ok_json(&server, "/api/v4/leads/custom_fields?limit=250").await;
    let numeric = items(&page, "custom_fields")
        .iter()
        .find(|f| f["type"] == "numeric")
        .and_then(|f| f["id"].as_i64())
        .expect("a numeric field");
    for text in ["NaN", "inf", "-infinity", "1e999"] {
        let body =
            json!([{"custom_fields_values": [{"field_id": numeric, "values": [{"value": text}]}]}]);
        let problem = expect_problem(
            write(&server, Method::POST, "/api/v4/leads", body).await,
            400,
        )
        .await;
        assert_eq!(
            problem["validation-errors"][0]["errors"][0]["path"],
            "custom_fields_values.0.values.0.value",
            "{text}"
        );
    }
    let fine =
        json!([{"custom_fields_values": [{"field_id": numeric, "values": [{"value": " 12.5 "}]}]}]);
    let resp = write(&server, Method::POST, "/api/v4/leads", fine).await;
    assert_eq!(resp.status(), 200);
}
