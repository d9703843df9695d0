//! The documented filters and orders in PHP's bracket form (appended, indexed, encoded),
//! full-text search, and the combination rules of events and links.

use amocrm_fake::{CrmSize, FakeServer};
use serde_json::Value;

use crate::support::*;

async fn all_leads(server: &FakeServer, query: &str) -> Vec<Value> {
    let (status, page) = fetch(
        &server.base_url(),
        &format!("/api/v4/leads?limit=250&{query}"),
        server.token(),
    )
    .await;
    match status {
        204 => Vec::new(),
        200 => items(&page, "leads").clone(),
        other => panic!("{query}: {other} {page}"),
    }
}

fn lead_ids(leads: &[Value]) -> Vec<i64> {
    leads.iter().map(|l| l["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn ids_in_every_bracket_form() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(100))
        .start()
        .await
        .unwrap();
    let every = lead_ids(&all_leads(&server, "").await);
    let (a, b) = (every[3], every[40]);
    for query in [
        format!("filter[id][]={a}&filter[id][]={b}"),
        format!("filter[id][0]={a}&filter[id][1]={b}"),
        format!("filter%5Bid%5D%5B%5D={a}&filter%5Bid%5D%5B%5D={b}"),
        format!("filter%5Bid%5D%5B0%5D={b}&filter%5Bid%5D%5B1%5D={a}"),
    ] {
        assert_eq!(
            lead_ids(&all_leads(&server, &query).await),
            [a, b],
            "{query}"
        );
    }
    assert_eq!(
        lead_ids(&all_leads(&server, &format!("filter[id]={a}")).await),
        [a]
    );
}

#[tokio::test]
async fn ranges_stages_users_and_custom_fields() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(250))
        .pipelines(3)
        .start()
        .await
        .unwrap();
    let every = all_leads(&server, "").await;
    let stamp = |l: &Value, k: &str| l[k].as_i64().unwrap_or(i64::MIN);
    let mid = stamp(&every[100], "updated_at");
    let later = all_leads(&server, &format!("filter[updated_at][from]={mid}")).await;
    assert_eq!(
        later.len(),
        every
            .iter()
            .filter(|l| stamp(l, "updated_at") >= mid)
            .count()
    );
    let earlier = all_leads(&server, &format!("filter[updated_at][to]={mid}")).await;
    assert_eq!(
        earlier.len() + later.len(),
        every.len()
            + every
                .iter()
                .filter(|l| stamp(l, "updated_at") == mid)
                .count()
    );
    let price = all_leads(
        &server,
        "filter[price][from]=100000&filter[price][to]=500000",
    )
    .await;
    assert!(
        !price.is_empty()
            && price
                .iter()
                .all(|l| (100_000..=500_000).contains(&stamp(l, "price")))
    );
    assert_eq!(
        price.len(),
        every
            .iter()
            .filter(|l| (100_000..=500_000).contains(&stamp(l, "price")))
            .count()
    );
    // Stages as (pipeline, status) pairs: 142 in the first pipeline only.
    let first = &every[0];
    let pipeline = first["pipeline_id"].as_i64().unwrap();
    let won = all_leads(
        &server,
        &format!("filter[statuses][0][pipeline_id]={pipeline}&filter[statuses][0][status_id]=142"),
    )
    .await;
    assert!(
        won.iter()
            .all(|l| l["pipeline_id"] == pipeline && l["status_id"] == 142)
    );
    assert_eq!(
        won.len(),
        every
            .iter()
            .filter(|l| l["pipeline_id"] == pipeline && l["status_id"] == 142)
            .count()
    );
    let in_pipeline = all_leads(&server, &format!("filter[pipeline_id][]={pipeline}")).await;
    assert!(!in_pipeline.is_empty() && in_pipeline.len() < every.len());
    let user = first["responsible_user_id"].as_i64().unwrap();
    let theirs = all_leads(&server, &format!("filter[responsible_user_id]={user}")).await;
    assert_eq!(
        theirs.len(),
        every
            .iter()
            .filter(|l| l["responsible_user_id"] == user)
            .count()
    );
    // A select field by option id, a numeric one by range.
    let select = every
        .iter()
        .flat_map(|l| {
            l["custom_fields_values"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|f| f["field_type"] == "select")
        .unwrap();
    let (field, option) = (&select["field_id"], &select["values"][0]["enum_id"]);
    let chosen = all_leads(
        &server,
        &format!("filter[custom_fields_values][{field}][]={option}"),
    )
    .await;
    assert!(!chosen.is_empty());
    assert!(chosen.iter().all(|l| {
        l["custom_fields_values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field_id"] == *field && f["values"][0]["enum_id"] == *option)
    }));
    let numeric = every
        .iter()
        .flat_map(|l| {
            l["custom_fields_values"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .find(|f| f["field_name"] == "Номер договора")
        .unwrap();
    let field = &numeric["field_id"];
    let ranged = all_leads(
        &server,
        &format!("filter[custom_fields_values][{field}][from]=50000000"),
    )
    .await;
    assert!(ranged.iter().all(|l| {
        l["custom_fields_values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field_id"] == *field && f["values"][0]["value"].as_f64().unwrap() >= 5e7)
    }));
}

#[tokio::test]
async fn orders_with_ties_by_id() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(200))
        .start()
        .await
        .unwrap();
    let asc = all_leads(&server, "order[updated_at]=asc").await;
    let key = |l: &Value| (l["updated_at"].as_i64().unwrap(), l["id"].as_i64().unwrap());
    assert!(asc.windows(2).all(|w| key(&w[0]) < key(&w[1])));
    let desc = all_leads(&server, "order[updated_at]=desc").await;
    assert_eq!(
        lead_ids(&desc),
        lead_ids(&asc).into_iter().rev().collect::<Vec<_>>()
    );
    let by_id = lead_ids(&all_leads(&server, "order[id]=desc").await);
    assert!(by_id.windows(2).all(|w| w[0] > w[1]));
    let created = all_leads(&server, "order[created_at]=asc").await;
    assert!(
        created
            .windows(2)
            .all(|w| w[0]["created_at"].as_i64() <= w[1]["created_at"].as_i64())
    );
    // Contacts take no created_at order: it is ignored.
    assert_eq!(
        status_of(&server, "/api/v4/contacts?order[created_at]=sideways").await,
        200
    );
}

#[tokio::test]
async fn search_by_name_phone_and_email() {
    let server = FakeServer::start().await.unwrap();
    let contacts = items(
        &ok_json(&server, "/api/v4/contacts?limit=250").await,
        "contacts",
    )
    .clone();
    let with_phone = contacts
        .iter()
        .find(|c| {
            c["custom_fields_values"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["field_code"] == "PHONE"))
        })
        .unwrap();
    let phone = with_phone["custom_fields_values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field_code"] == "PHONE")
        .unwrap()["values"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = ok_json(
        &server,
        &format!("/api/v4/contacts?query={}", &phone[phone.len() - 7..]),
    )
    .await;
    assert!(ids(&found, "contacts").contains(&with_phone["id"].as_i64().unwrap()));
    let name = with_phone["name"].as_str().unwrap().to_lowercase();
    let found = ok_json(
        &server,
        &format!("/api/v4/contacts?query={}", name.split(' ').next().unwrap()),
    )
    .await;
    assert!(items(&found, "contacts").iter().all(|c| {
        c["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains(name.split(' ').next().unwrap())
    }));
    assert_eq!(
        status_of(&server, "/api/v4/contacts?query=nobody%40nowhere.example").await,
        204
    );
    let companies = ok_json(&server, "/api/v4/companies?query=%C2%AB").await;
    assert!(!items(&companies, "companies").is_empty());
}

#[tokio::test]
async fn tasks_notes_events_and_links_filters() {
    let server = FakeServer::start().await.unwrap();
    let done = ok_json(&server, "/api/v4/tasks?filter[is_completed]=1&limit=250").await;
    assert!(
        items(&done, "tasks")
            .iter()
            .all(|t| t["is_completed"] == true)
    );
    let calls = ok_json(
        &server,
        "/api/v4/tasks?filter[task_type][]=1&filter[entity_type]=leads",
    )
    .await;
    assert!(
        items(&calls, "tasks")
            .iter()
            .all(|t| t["task_type_id"] == 1 && t["entity_type"] == "leads")
    );
    assert_eq!(
        expect_validation(get(&server, "/api/v4/tasks?filter[entity_id][]=5").await).await,
        ["filter[entity_type]"]
    );
    let by_deadline = items(
        &ok_json(&server, "/api/v4/tasks?order[complete_till]=desc&limit=250").await,
        "tasks",
    )
    .clone();
    assert!(
        by_deadline
            .windows(2)
            .all(|w| w[0]["complete_till"].as_i64() >= w[1]["complete_till"].as_i64())
    );
    let calls = ok_json(
        &server,
        "/api/v4/leads/notes?filter[note_type][]=call_in&filter[note_type][]=call_out",
    )
    .await;
    assert!(
        items(&calls, "notes")
            .iter()
            .all(|n| n["note_type"].as_str().unwrap().starts_with("call_"))
    );
    let added = ok_json(
        &server,
        "/api/v4/events?filter[type][]=lead_status_changed&filter[entity][]=lead",
    )
    .await;
    assert!(
        items(&added, "events")
            .iter()
            .all(|e| e["type"] == "lead_status_changed" && e["entity_type"] == "lead")
    );
    let comma = ok_json(
        &server,
        "/api/v4/events?filter[type]=lead_status_changed,incoming_call",
    )
    .await;
    assert!(
        items(&comma, "events")
            .iter()
            .any(|e| e["type"] == "incoming_call")
    );
    for (query, path) in [
        ("filter[entity_id][]=1", "filter[entity_id]"),
        (
            "filter[entity][]=lead&filter[entity][]=contact&filter[entity_id][]=1",
            "filter[entity_id]",
        ),
        ("filter[type][]=teleported", "filter[type]"),
        (
            "filter[type][]=custom_field_5_value_changed&filter[type][]=lead_added",
            "filter[type]",
        ),
        ("filter[entity][]=leads", "filter[entity]"),
        (
            "filter[created_by]=1,2,3,4,5,6,7,8,9,10,11",
            "filter[created_by]",
        ),
        ("limit=101", "limit"),
    ] {
        assert_eq!(
            expect_validation(get(&server, &format!("/api/v4/events?{query}")).await).await,
            [path],
            "{query}"
        );
    }
    assert_eq!(status_of(&server, "/api/v4/events?limit=100").await, 200);
    let one = items(
        &ok_json(&server, "/api/v4/events?filter[entity][]=lead").await,
        "events",
    )[0]
    .clone();
    let by_entity = ok_json(
        &server,
        &format!(
            "/api/v4/events?filter[entity][]=lead&filter[entity_id][]={}",
            one["entity_id"]
        ),
    )
    .await;
    assert!(
        items(&by_entity, "events")
            .iter()
            .all(|e| e["entity_id"] == one["entity_id"])
    );
    assert_eq!(
        expect_validation(get(&server, "/api/v4/leads/links").await).await,
        ["filter[entity_id]"]
    );
}
