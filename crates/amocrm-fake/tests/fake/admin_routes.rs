//! The fake's own `/_fake/` routes: registering and showing continuations, the recorded
//! requests.

use amocrm_fake::FakeServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn admin_routes_register_and_show_continuations_and_requests() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    let admin = format!("{}/_fake/continuations", acc1.url());

    let resp = call(
        &admin,
        Method::POST,
        None,
        Some(json!({"bot": "marketingbot", "bot_id": 7, "continue_id": "xyz"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = call(
        &admin,
        Method::POST,
        None,
        Some(json!({"bot": "robot", "bot_id": 0})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    let paths: Vec<&str> = problem["validation-errors"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["bot", "bot_id", "continue_id"]);

    let seen: Value = call(&admin, Method::GET, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen,
        json!({"pending": [{"bot": "marketingbot", "bot_id": 7, "continue_id": "xyz", "left": 1}], "received": []})
    );
    // Only acc1 has it.
    let resp = call(
        &format!("{}/api/v4/marketingbot/7/continue/xyz", server.base_url()),
        Method::POST,
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &format!("{}/api/v4/marketingbot/7/continue/xyz", acc1.url()),
        Method::POST,
        Some(acc1.token()),
        Some(json!({"data": {"n": 1}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let seen: Value = call(&admin, Method::GET, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen,
        json!({"pending": [], "received": [{"bot": "marketingbot", "bot_id": 7, "continue_id": "xyz", "body": {"data": {"n": 1}}}]})
    );
    let root: Value = call(
        &format!("{}/_fake/continuations", server.base_url()),
        Method::GET,
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(root, json!({"pending": [], "received": []}));

    // The recorded requests: acc1's two API calls, never the admin calls, token masked.
    let requests: Value = call(
        &format!("{}/_fake/requests", acc1.url()),
        Method::GET,
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["account"], "acc1");
    assert_eq!(
        requests[0]["path_and_query"],
        "/acc1/api/v4/marketingbot/7/continue/xyz"
    );
    assert_eq!(requests[0]["body"], r#"{"data":{"n":1}}"#);
    assert!(!requests[0].to_string().contains(acc1.token()));
    assert!(
        requests[0]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == &json!(["authorization", "Bearer ***"]))
    );
}
