//! Pipelines, statuses and custom field definitions written, refused as amoCRM refuses
//! them: each rule of `model::pipeline_writes` and `model::field_writes` with a request it
//! refuses.

use amocrm_fake::{CrmSize, FakeServer};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{expect_problem, send};

const PIPELINES: &str = "/api/v4/leads/pipelines";

async fn server(pipelines: usize) -> FakeServer {
    FakeServer::builder()
        .crm(CrmSize::default())
        .pipelines(pipelines)
        .start()
        .await
        .expect("fake")
}

async fn call(
    server: &FakeServer,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    send(server, method, path, Some(server.token()), body).await
}

/// The codes and paths of a 400's `validation-errors`, by `request_id`.
async fn refused(resp: reqwest::Response) -> Vec<(String, String, String)> {
    let body = expect_problem(resp, 400).await;
    let mut found = Vec::new();
    for group in body["validation-errors"].as_array().into_iter().flatten() {
        for e in group["errors"].as_array().into_iter().flatten() {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            found.push((s(&group["request_id"]), s(&e["code"]), s(&e["path"])));
        }
    }
    found
}

fn has(found: &[(String, String, String)], request_id: &str, code: &str, path: &str) -> bool {
    found
        .iter()
        .any(|(r, c, p)| r == request_id && c == code && p == path)
}

async fn new_pipeline(server: &FakeServer, statuses: Value) -> (i64, Vec<Value>) {
    let body = json!([{"name": "P", "sort": 5, "is_main": false, "is_unsorted_on": true, "_embedded": {"statuses": statuses}}]);
    let resp = call(server, Method::POST, PIPELINES, Some(body)).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.expect("json");
    let pipeline = &body["_embedded"]["pipelines"][0];
    let statuses = pipeline["_embedded"]["statuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    (pipeline["id"].as_i64().expect("id"), statuses)
}

#[tokio::test]
async fn a_pipeline_body_is_checked_field_by_field() {
    let server = server(1).await;
    let body = json!([
        {"name": "A", "sort": 1, "is_main": false, "is_unsorted_on": true},
        {"name": " ", "sort": 1.5, "is_main": "no", "archived": true,
         "_embedded": {"statuses": [{"name": "x", "sort": 1, "color": "#123456"}, {"id": 5, "name": "y"},
                                    {"id": 142, "name": "W", "sort": 1}, {"sort": 2},
                                    {"name": "d", "sort": 3, "descriptions": [{"level": "master", "description": "a"}, {"level": "master", "description": "b"}]}]}},
    ]);
    let found = refused(call(&server, Method::POST, PIPELINES, Some(body)).await).await;
    for (code, path) in [
        ("FieldMissing", "is_unsorted_on"),
        ("InvalidType", "name"),
        ("InvalidType", "sort"),
        ("InvalidType", "is_main"),
        ("FieldNotExpected", "archived"),
        ("NotSupportedChoice", "_embedded.statuses.0.color"),
        ("NotSupportedChoice", "_embedded.statuses.1.id"),
        ("FieldNotExpected", "_embedded.statuses.2.sort"),
        ("FieldMissing", "_embedded.statuses.3.name"),
        (
            "NotSupportedChoice",
            "_embedded.statuses.4.descriptions.1.level",
        ),
    ] {
        assert!(has(&found, "1", code, path), "{code} {path}: {found:?}");
    }
    assert!(found.iter().all(|(r, ..)| r == "1"), "{found:?}");
    // Nothing of the request was written.
    let list: Value = call(&server, Method::GET, PIPELINES, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["_total_items"], 1);
}

#[tokio::test]
async fn the_accounts_limits_and_its_last_pipeline_are_kept() {
    let server = server(50).await;
    let one = json!([{"name": "A", "sort": 1, "is_main": false, "is_unsorted_on": true}]);
    expect_problem(call(&server, Method::POST, PIPELINES, Some(one)).await, 422).await;
    let server = self::server(1).await;
    let list: Value = call(&server, Method::GET, PIPELINES, None)
        .await
        .json()
        .await
        .expect("json");
    let main = list["_embedded"]["pipelines"][0]["id"]
        .as_i64()
        .expect("id");
    expect_problem(
        call(
            &server,
            Method::DELETE,
            &format!("{PIPELINES}/{main}"),
            None,
        )
        .await,
        422,
    )
    .await;
    // 97 own statuses fit (100 with the system ones), one more does not.
    let many: Vec<Value> = (0..97)
        .map(|i| json!({"name": format!("s{i}"), "sort": i}))
        .collect();
    let (id, statuses) = new_pipeline(&server, json!(many)).await;
    assert_eq!(statuses.len(), 100);
    let more = json!([{"name": "one more", "sort": 1}]);
    let path = format!("{PIPELINES}/{id}/statuses");
    expect_problem(call(&server, Method::POST, &path, Some(more)).await, 422).await;
}

#[tokio::test]
async fn a_pipeline_with_leads_stays_and_a_deleted_status_moves_its_leads() {
    let server = server(1).await;
    let (id, statuses) = new_pipeline(
        &server,
        json!([{"name": "A", "sort": 10}, {"name": "B", "sort": 20}]),
    )
    .await;
    let (a, b) = (
        statuses[1]["id"].as_i64().expect("A"),
        statuses[2]["id"].as_i64().expect("B"),
    );
    let lead = json!([{"name": "L", "pipeline_id": id, "status_id": b}]);
    let added: Value = call(&server, Method::POST, "/api/v4/leads", Some(lead))
        .await
        .json()
        .await
        .expect("json");
    let lead = added["_embedded"]["leads"][0]["id"].as_i64().expect("lead");
    expect_problem(
        call(&server, Method::DELETE, &format!("{PIPELINES}/{id}"), None).await,
        422,
    )
    .await;
    let resp = call(
        &server,
        Method::DELETE,
        &format!("{PIPELINES}/{id}/statuses/{b}"),
        None,
    )
    .await;
    assert_eq!(resp.status(), 204);
    let read: Value = call(&server, Method::GET, &format!("/api/v4/leads/{lead}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (read["status_id"].as_i64(), read["pipeline_id"].as_i64()),
        (Some(a), Some(id))
    );
}

#[tokio::test]
async fn system_statuses_unknown_ids_and_empty_changes_are_refused() {
    let server = server(1).await;
    let (id, statuses) = new_pipeline(&server, json!([])).await;
    let unsorted = statuses[0]["id"].as_i64().expect("unsorted");
    for status in [unsorted, 142, 143] {
        let path = format!("{PIPELINES}/{id}/statuses/{status}");
        expect_problem(
            call(&server, Method::PATCH, &path, Some(json!({"name": "x"}))).await,
            422,
        )
        .await;
        expect_problem(call(&server, Method::DELETE, &path, None).await, 422).await;
    }
    let unknown = format!("{PIPELINES}/{id}/statuses/999999999");
    expect_problem(call(&server, Method::DELETE, &unknown, None).await, 404).await;
    expect_problem(
        call(
            &server,
            Method::PATCH,
            &format!("{PIPELINES}/999999999"),
            Some(json!({"sort": 1})),
        )
        .await,
        404,
    )
    .await;
    expect_problem(
        call(
            &server,
            Method::PATCH,
            &format!("{PIPELINES}/{id}"),
            Some(json!({})),
        )
        .await,
        400,
    )
    .await;
    let found = refused(
        call(
            &server,
            Method::PATCH,
            &format!("{PIPELINES}/{id}"),
            Some(json!({"color": "#fffeb2"})),
        )
        .await,
    )
    .await;
    assert!(has(&found, "0", "FieldNotExpected", "color"), "{found:?}");
}

#[tokio::test]
async fn custom_field_definitions_are_checked_like_amocrm() {
    let server = server(1).await;
    let body = json!([
        {"name": "ok", "type": "text"},
        {"name": "P", "type": "multitext"},
        {"name": "S", "type": "select"},
        {"name": "M", "type": "monetary"},
        {"name": "T", "type": "text", "currency": "rub", "remind": "year", "is_deletable": false},
        {"type": "text"},
    ]);
    let found = refused(
        call(
            &server,
            Method::POST,
            "/api/v4/leads/custom_fields",
            Some(body),
        )
        .await,
    )
    .await;
    for (r, code, path) in [
        ("1", "NotSupportedChoice", "type"),
        ("2", "FieldMissing", "enums"),
        ("3", "FieldMissing", "currency"),
        ("4", "InvalidType", "currency"),
        ("4", "InvalidType", "remind"),
        ("4", "FieldNotExpected", "is_deletable"),
        ("5", "FieldMissing", "name"),
    ] {
        assert!(has(&found, r, code, path), "{r} {code} {path}: {found:?}");
    }
    assert!(!found.iter().any(|(r, ..)| r == "0"), "{found:?}");
    // A multitext is a contact's type: the same body is taken there.
    let resp = call(
        &server,
        Method::POST,
        "/api/v4/contacts/custom_fields",
        Some(json!([{"name": "P", "type": "multitext"}])),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let unknown = json!([{"id": 999999999, "name": "x"}]);
    let found = refused(
        call(
            &server,
            Method::PATCH,
            "/api/v4/leads/custom_fields",
            Some(unknown),
        )
        .await,
    )
    .await;
    assert!(has(&found, "0", "NotSupportedChoice", "id"), "{found:?}");
    expect_problem(
        call(
            &server,
            Method::DELETE,
            "/api/v4/leads/custom_fields/999999999",
            None,
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn a_deleted_fields_id_is_never_given_again() {
    let server = server(1).await;
    let add = || json!([{"name": "T", "type": "text"}]);
    let path = "/api/v4/leads/custom_fields";
    let id = |body: Value| {
        body["_embedded"]["custom_fields"][0]["id"]
            .as_i64()
            .expect("id")
    };
    let first = id(call(&server, Method::POST, path, Some(add()))
        .await
        .json()
        .await
        .expect("json"));
    let resp = call(&server, Method::DELETE, &format!("{path}/{first}"), None).await;
    assert_eq!(resp.status(), 204);
    let second = id(call(&server, Method::POST, path, Some(add()))
        .await
        .json()
        .await
        .expect("json"));
    assert!(second > first, "{second} after {first}");
}

#[tokio::test]
async fn a_catalogs_fields_are_written_with_the_catalogs_types_and_read_back() {
    let server = server(1).await;
    let catalogs: Value = call(&server, Method::GET, "/api/v4/catalogs", None)
        .await
        .json()
        .await
        .expect("json");
    let list = catalogs["_embedded"]["catalogs"]
        .as_array()
        .expect("catalogs");
    let of = |kind: &str| {
        list.iter()
            .find(|c| c["type"] == kind)
            .and_then(|c| c["id"].as_i64())
            .expect("catalog")
    };
    let (products, invoices) = (of("products"), of("invoices"));
    let path = format!("/api/v4/catalogs/{products}/custom_fields");
    let body = json!([
        {"name": "Размер", "type": "category", "is_required": true,
         "nested": [{"value": "S", "sort": 1}, {"value": "M", "sort": 2}]},
        {"name": "Плательщик", "type": "payer"},
        {"name": "Сумма", "type": "monetary", "currency": "RUB"},
        {"name": "Д", "type": "birthday"},
        {"name": "Этапы", "type": "text", "required_statuses": []},
        {"name": "Дерево", "type": "text", "nested": [{"value": "x"}]},
    ]);
    let found = refused(call(&server, Method::POST, &path, Some(body)).await).await;
    for (r, code, at) in [
        ("1", "NotSupportedChoice", "type"),
        ("2", "NotSupportedChoice", "type"),
        ("2", "FieldNotExpected", "currency"),
        ("3", "NotSupportedChoice", "type"),
        ("4", "FieldNotExpected", "required_statuses"),
        ("5", "InvalidType", "nested"),
    ] {
        assert!(has(&found, r, code, at), "{r} {code} {at}: {found:?}");
    }
    assert!(!found.iter().any(|(r, ..)| r == "0"), "{found:?}");
    // The invoices list is the one with a payer.
    let resp = call(
        &server,
        Method::POST,
        &format!("/api/v4/catalogs/{invoices}/custom_fields"),
        Some(json!([{"name": "Плательщик 2", "type": "payer"}])),
    )
    .await;
    assert_eq!(resp.status(), 201);

    let body = json!([{"name": "Размер", "type": "category", "is_required": true,
                       "is_visible": false, "nested": [{"value": "S", "sort": 1}, {"value": "M", "sort": 2}]}]);
    let resp = call(&server, Method::POST, &path, Some(body)).await;
    assert_eq!(resp.status(), 201);
    let made: Value = resp.json().await.expect("json");
    let made = &made["_embedded"]["custom_fields"][0];
    let id = made["id"].as_i64().expect("id");
    assert_eq!(made["catalog_id"], products);
    assert_eq!(made["is_required"], true);
    assert_eq!(made["is_visible"], false);
    assert_eq!(made["nested"][1]["value"], "M");
    // The catalog's reads see it; a change by its path is served back.
    let listed: Value = call(&server, Method::GET, &path, None)
        .await
        .json()
        .await
        .expect("json");
    let names: Vec<&Value> = listed["_embedded"]["custom_fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| &f["name"])
        .collect();
    assert!(names.contains(&&json!("Размер")), "{names:?}");
    let one = format!("{path}/{id}");
    let resp = call(&server, Method::PATCH, &one, Some(json!({"name": "Size"}))).await;
    assert_eq!(resp.status(), 200);
    let got: Value = call(&server, Method::GET, &one, None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(got["name"], "Size");
    // Not in another catalog; a catalog the account lacks is 404; a predefined one stays.
    let elsewhere = format!("/api/v4/catalogs/{invoices}/custom_fields/{id}");
    expect_problem(call(&server, Method::DELETE, &elsewhere, None).await, 404).await;
    let missing = "/api/v4/catalogs/999999999/custom_fields";
    let add = Some(json!([{"name": "T", "type": "text"}]));
    expect_problem(call(&server, Method::POST, missing, add).await, 404).await;
    let sku = listed["_embedded"]["custom_fields"][0]["id"]
        .as_i64()
        .expect("id");
    expect_problem(
        call(&server, Method::DELETE, &format!("{path}/{sku}"), None).await,
        422,
    )
    .await;
    let resp = call(&server, Method::DELETE, &one, None).await;
    assert_eq!(resp.status(), 204);
    let resp = call(&server, Method::GET, &one, None).await;
    assert_eq!(resp.status(), 204);
}
