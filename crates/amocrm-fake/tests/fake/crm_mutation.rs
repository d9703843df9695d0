//! Changes while a client pages: visible to the next request, stamped with the clock
//! (many in one second), recorded as events, read back by snapshot; the admin routes.

use std::collections::HashMap;

use amocrm_fake::{CrmEntity, CrmSize, FakeClock, FakeServer, LeadChange};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const NOW: i64 = 1_800_000_000;

async fn start(leads: usize) -> FakeServer {
    FakeServer::builder()
        .crm(CrmSize::default().leads(leads))
        .clock(FakeClock::manual(NOW))
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_change_is_seen_by_the_next_page_and_its_event_recorded() {
    let server = start(100).await;
    let crm = server.crm();
    let first = ok_json(&server, "/api/v4/leads?order[updated_at]=asc&limit=10").await;
    let oldest = ids(&first, "leads")[0];
    let events = crm.event_count();
    assert_eq!(crm.touch_leads(&[oldest, 1]), [oldest]);
    assert_eq!(crm.event_count(), events + 1);
    let again = ok_json(&server, "/api/v4/leads?order[updated_at]=asc&limit=10").await;
    assert!(!ids(&again, "leads").contains(&oldest));
    let newest = ok_json(&server, "/api/v4/leads?order[updated_at]=desc&limit=1").await;
    assert_eq!(items(&newest, "leads")[0]["id"], oldest);
    assert_eq!(items(&newest, "leads")[0]["updated_at"], NOW);
    let recorded = ok_json(&server, &format!("/api/v4/events?filter[entity][]=lead&filter[entity_id][]={oldest}&filter[created_at][from]={NOW}")).await;
    assert_eq!(items(&recorded, "events").len(), 1);
    // A named change, with its events.
    server.clock().advance(1);
    assert!(crm.update_lead(oldest, &LeadChange::new().name("Renamed").price(7_000)));
    let lead = ok_json(&server, &format!("/api/v4/leads/{oldest}")).await;
    assert_eq!(
        (
            lead["name"].clone(),
            lead["price"].clone(),
            lead["updated_at"].clone()
        ),
        (json!("Renamed"), json!(7_000), json!(NOW + 1))
    );
    let types: Vec<Value> = items(&ok_json(&server, &format!("/api/v4/events?filter[entity][]=lead&filter[entity_id][]={oldest}&filter[created_at]={}", NOW + 1)).await, "events").iter().map(|e| e["type"].clone()).collect();
    assert!(
        types.contains(&json!("name_field_changed"))
            && types.contains(&json!("sale_field_changed"))
    );
    assert!(!crm.update_lead(1, &LeadChange::new().price(1)));
}

#[tokio::test]
async fn more_than_a_page_in_one_second_and_the_snapshot() {
    let server = start(1_000).await;
    let crm = server.crm();
    let changed = crm.touch_random(CrmEntity::Leads, 300);
    assert_eq!(changed.len(), 300);
    let same_second = format!(
        "/api/v4/leads?filter[updated_at][from]={NOW}&filter[updated_at][to]={NOW}&order[updated_at]=asc&limit=250"
    );
    let first = ok_json(&server, &same_second).await;
    let second = ok_json(&server, &format!("{same_second}&page=2")).await;
    let mut seen = [ids(&first, "leads"), ids(&second, "leads")].concat();
    assert_eq!(seen.len(), 300);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "ties ordered by id");
    seen.sort_unstable();
    let mut expected = changed.clone();
    expected.sort_unstable();
    assert_eq!(seen, expected);
    let snapshot = crm.leads_snapshot();
    assert_eq!(snapshot.len(), 980);
    assert_eq!(snapshot.iter().filter(|s| s.updated_at == NOW).count(), 300);
    let stamps: HashMap<i64, i64> = snapshot.iter().map(|s| (s.id, s.updated_at)).collect();
    let page = ok_json(&server, "/api/v4/leads?limit=250").await;
    assert!(
        items(&page, "leads")
            .iter()
            .all(|l| stamps[&l["id"].as_i64().unwrap()] == l["updated_at"].as_i64().unwrap())
    );
    assert!(crm.delete(CrmEntity::Leads, changed[0]));
    assert_eq!(crm.leads_snapshot().len(), 979);
    assert_eq!(
        status_of(&server, &format!("/api/v4/leads/{}", changed[0])).await,
        204
    );
}

#[tokio::test]
async fn paging_by_updated_at_while_leads_change_moves_them_to_the_end() {
    let server = start(600).await;
    let crm = server.crm();
    let mut seen = Vec::new();
    for page in 1.. {
        let (status, body) = fetch(
            &server.base_url(),
            &format!("/api/v4/leads?order[updated_at]=asc&limit=100&page={page}"),
            server.token(),
        )
        .await;
        if status == 204 {
            break;
        }
        seen.extend(ids(&body, "leads"));
        // A change behind the reader shifts every later page by one: an entity is missed.
        crm.touch(CrmEntity::Leads, &[seen[0]]);
        server.clock().advance(1);
    }
    assert!(seen.len() < 588 + 6, "{}", seen.len());
    assert!(
        crm.leads_snapshot()
            .iter()
            .filter(|s| s.updated_at >= NOW)
            .count()
            >= 1
    );
}

#[tokio::test]
async fn the_binary_s_admin_routes_change_and_read() {
    let server = start(50).await;
    let base = server.base_url();
    let post = |path: &str, body: Value| {
        let url = format!("{base}{path}");
        async move { call(&url, Method::POST, None, Some(body)).await }
    };
    let clock: Value = post("/_fake/crm/clock", json!({"advance": 10}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(clock, json!({"now": NOW + 10, "system": false}));
    let id = server.crm().ids(CrmEntity::Contacts)[0];
    let touched: Value = post(
        "/_fake/crm/touch",
        json!({"entity": "contacts", "ids": [id]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(touched, json!({"changed": [id], "updated_at": NOW + 10}));
    let random: Value = post("/_fake/crm/touch", json!({"entity": "leads", "count": 5}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(random["changed"].as_array().map(Vec::len), Some(5));
    let snapshot: Value = call(
        &format!("{base}/_fake/crm/snapshot?entity=contacts"),
        Method::GET,
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(
        snapshot
            .as_array()
            .unwrap()
            .contains(&json!({"id": id, "updated_at": NOW + 10}))
    );
    assert_eq!(
        post("/_fake/crm/delete", json!({"entity": "contacts", "id": id}))
            .await
            .status(),
        204
    );
    assert_eq!(
        post("/_fake/crm/delete", json!({"entity": "contacts", "id": id}))
            .await
            .status(),
        404
    );
    expect_validation(post("/_fake/crm/touch", json!({"entity": "deals", "ids": []})).await).await;
    expect_validation(post("/_fake/crm/clock", json!({})).await).await;
    let set: Value = post("/_fake/crm/clock", json!({"set": 5}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(set["now"], 5);
}

#[tokio::test]
async fn every_answer_is_dated_by_the_account_clock() {
    let server = start(10).await;
    let date = |resp: &reqwest::Response| {
        let value = resp.headers()["date"].to_str().unwrap().to_owned();
        let at = httpdate::parse_http_date(&value).unwrap();
        at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
    };
    let listed = get(&server, "/api/v4/leads?limit=1").await;
    assert_eq!(listed.status(), 200);
    assert_eq!(date(&listed), NOW);
    server.clock().advance(61);
    // An error answer is dated too.
    let refused = get(&server, "/api/v4/leads?limit=251").await;
    assert_eq!(refused.status(), 400);
    assert_eq!(date(&refused), NOW + 61);
}
