//! Tags added to a dictionary and links made or undone: checked whole (a refusal names
//! each tag by `request_id`, each link by its index), applied all or nothing, seen by
//! the read endpoints; too many elements, the pairs amoCRM does not link, and the
//! per-entity link of a missing entity.

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

async fn post(server: &FakeServer, path: &str, body: Value) -> reqwest::Response {
    send(server, Method::POST, path, Some(server.token()), Some(body)).await
}

/// `(request_id, [(code, path)])` of each group of a 400.
fn groups(problem: &Value) -> Vec<(String, Vec<(String, String)>)> {
    let groups = problem["validation-errors"]
        .as_array()
        .expect("validation-errors");
    groups
        .iter()
        .map(|g| {
            let errors = g["errors"].as_array().unwrap().iter().map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                (s("code"), s("path"))
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
async fn tags_are_checked_whole_and_a_known_name_answers_its_tag() {
    let server = server().await;
    let body = json!([
        {"name": "Fine", "color": "DDEBB5"},
        {"name": "Odd", "color": "123456", "request_id": "b"},
        {"color": null},
        {"name": "X", "bogus": 1},
    ]);
    let problem = expect_problem(post(&server, "/api/v4/leads/tags", body).await, 400).await;
    assert_eq!(
        groups(&problem),
        [
            ("b".to_owned(), vec![pair("NotSupportedChoice", "color")]),
            ("2".to_owned(), vec![pair("FieldMissing", "name")]),
            ("3".to_owned(), vec![pair("FieldNotExpected", "bogus")]),
        ]
    );
    let none = get(&server, "/api/v4/leads/tags?filter[name]=Fine").await;
    assert_eq!(
        none.status(),
        204,
        "nothing of a refused request is written"
    );

    let colored = json!([{"name": "VIP", "color": "DDEBB5"}]);
    let problem = expect_problem(post(&server, "/api/v4/contacts/tags", colored).await, 400).await;
    assert_eq!(groups(&problem)[0].1, [pair("FieldNotExpected", "color")]);

    let body = json!([{"name": "Fine", "color": "DDEBB5"}, {"name": "Fine"}]);
    let resp = post(&server, "/api/v4/leads/tags", body).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    let tags = answer["_embedded"]["tags"].as_array().unwrap();
    assert_eq!(
        tags[0]["id"], tags[1]["id"],
        "the same name is the same tag"
    );
    assert_eq!(
        (tags[0]["color"].as_str(), tags[1]["request_id"].as_str()),
        (Some("DDEBB5"), Some("1"))
    );
    let page = ok_json(&server, "/api/v4/leads/tags?filter[name]=Fine").await;
    assert_eq!(items(&page, "tags").len(), 1);

    let many: Vec<Value> = (0..251).map(|i| json!({"name": format!("t{i}")})).collect();
    expect_problem(
        post(&server, "/api/v4/leads/tags", Value::Array(many)).await,
        400,
    )
    .await;
}

#[tokio::test]
async fn links_are_checked_whole_and_seen_on_both_sides() {
    let server = server().await;
    let leads = server.crm().ids(CrmEntity::Leads);
    let contacts = server.crm().ids(CrmEntity::Contacts);
    let companies = server.crm().ids(CrmEntity::Companies);
    let body = json!([
        {"entity_id": leads[0], "to_entity_id": contacts[0], "to_entity_type": "contacts", "metadata": {"is_main": true}},
        {"entity_id": leads[0], "to_entity_id": 1, "to_entity_type": "customers"},
        {"to_entity_id": contacts[1], "to_entity_type": "contacts"},
        {"entity_id": leads[1], "to_entity_id": 5, "to_entity_type": "catalog_elements"},
        {"entity_id": leads[1], "to_entity_id": companies[0], "to_entity_type": "companies", "metadata": {"quantity": 2}},
    ]);
    let problem = expect_problem(post(&server, "/api/v4/leads/link", body).await, 400).await;
    assert_eq!(
        groups(&problem),
        [
            (
                "1".to_owned(),
                vec![pair("NotSupportedChoice", "to_entity_type")]
            ),
            ("2".to_owned(), vec![pair("FieldMissing", "entity_id")]),
            (
                "3".to_owned(),
                vec![pair("FieldMissing", "metadata.catalog_id")]
            ),
            ("4".to_owned(), vec![pair("FieldNotExpected", "metadata")]),
        ]
    );

    let body = json!([{"to_entity_id": leads[2], "to_entity_type": "leads"}]);
    let path = format!("/api/v4/companies/{}/link", companies[1]);
    let resp = post(&server, &path, body).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(
        answer["_embedded"]["links"][0],
        json!({"entity_id": companies[1], "entity_type": "companies", "to_entity_id": leads[2],
               "to_entity_type": "leads", "metadata": null})
    );
    let from_lead = ok_json(&server, &format!("/api/v4/leads/{}/links", leads[2])).await;
    let linked = items(&from_lead, "links");
    assert!(
        linked.iter().any(|l| l["to_entity_id"] == companies[1]),
        "{linked:?}"
    );

    let path = format!("/api/v4/companies/{}/unlink", companies[1]);
    let body = json!([{"to_entity_id": leads[2], "to_entity_type": "leads"}]);
    assert_eq!(post(&server, &path, body).await.status(), 204);
    let from_lead = send(
        &server,
        Method::GET,
        &format!("/api/v4/leads/{}/links", leads[2]),
        Some(server.token()),
        None,
    )
    .await;
    if from_lead.status() == 200 {
        let page: Value = from_lead.json().await.unwrap();
        assert!(
            items(&page, "links")
                .iter()
                .all(|l| l["to_entity_id"] != companies[1])
        );
    }

    let missing = format!("/api/v4/leads/{}/link", leads.iter().max().unwrap() + 1000);
    let body = json!([{"to_entity_id": contacts[0], "to_entity_type": "contacts"}]);
    expect_problem(post(&server, &missing, body).await, 404).await;
    let unlink_quantity = json!([{"entity_id": leads[0], "to_entity_id": 5, "to_entity_type": "catalog_elements",
                                  "metadata": {"catalog_id": 1, "quantity": 1}}]);
    let problem = expect_problem(
        post(&server, "/api/v4/leads/unlink", unlink_quantity).await,
        400,
    )
    .await;
    assert!(
        groups(&problem)[0]
            .1
            .contains(&pair("FieldNotExpected", "metadata.quantity"))
    );
}

#[tokio::test]
async fn an_entitys_tags_by_an_unknown_id_are_refused_and_embedded_tags_replace_the_set() {
    let server = server().await;
    let lead = server.crm().ids(CrmEntity::Leads)[0];
    let body = json!([{"id": lead, "tags_to_add": [{"name": "ok"}, {"id": 999_999_999}],
                       "_embedded": {"tags": [{"id": 999_999_998}]}}]);
    let resp = send(
        &server,
        Method::PATCH,
        "/api/v4/leads",
        Some(server.token()),
        Some(body),
    )
    .await;
    let problem = expect_problem(resp, 400).await;
    assert_eq!(
        groups(&problem)[0].1,
        [
            pair("NotSupportedChoice", "tags_to_add.1.id"),
            pair("NotSupportedChoice", "_embedded.tags.0.id"),
        ]
    );
    let set = json!({"_embedded": {"tags": [{"name": "Only"}]}});
    let path = format!("/api/v4/leads/{lead}");
    let resp = send(
        &server,
        Method::PATCH,
        &path,
        Some(server.token()),
        Some(set),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let got = ok_json(&server, &path).await;
    let names: Vec<&str> = got["_embedded"]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(names, ["Only"]);
    let clear = json!({"_embedded": {"tags": null}});
    let resp = send(
        &server,
        Method::PATCH,
        &path,
        Some(server.token()),
        Some(clear),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let got = ok_json(&server, &path).await;
    assert_eq!(got["_embedded"]["tags"], json!([]));
}

#[tokio::test]
async fn an_entity_type_the_api_does_not_have_is_a_400_naming_it() {
    let server = server().await;
    let link = json!([{"to_entity_id": 1, "to_entity_type": "contacts"}]);
    for path in [
        "/api/v4/deals/tags",
        "/api/v4/deals/link",
        "/api/v4/deals/unlink",
        "/api/v4/deals/5/link",
        "/api/v4/deals/5/unlink",
    ] {
        let problem = expect_problem(post(&server, path, link.clone()).await, 400).await;
        assert_eq!(error_paths(&problem), ["entity_type"], "{path}");
    }
}
