//! An account's standing: blocked (429s, then 403 with an HTML page on every request) or
//! unpaid (402), by method or by the admin route, until reinstated.

use amocrm_fake::FakeServer;
use reqwest::{Client, StatusCode};
use serde_json::json;

async fn account_status(url: &str, token: &str) -> (StatusCode, String, String) {
    let resp = Client::new()
        .get(format!("{url}/api/v4/account"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, resp.text().await.unwrap())
}

#[tokio::test]
async fn a_blocked_account_answers_429s_then_its_block_page() {
    let server = FakeServer::builder().start().await.unwrap();
    let account = server.default_account();
    account.block(2);
    for _ in 0..2 {
        let (status, ..) = account_status(account.url(), account.token()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    for _ in 0..3 {
        let (status, content_type, body) = account_status(account.url(), account.token()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(body.contains("<html>"), "{body}");
    }
    assert_eq!(
        server.requests().len(),
        5,
        "every refused request is recorded"
    );
    account.mark_unpaid();
    let (status, content_type, _) = account_status(account.url(), account.token()).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(content_type.contains("problem+json"), "{content_type}");
    account.reinstate();
    let (status, ..) = account_status(account.url(), account.token()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_admin_route_sets_the_standing() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    let set = |standing: serde_json::Value| {
        let url = format!("{}/_fake/standing", acc1.url());
        async move {
            Client::new()
                .post(url)
                .json(&standing)
                .send()
                .await
                .unwrap()
        }
    };
    let resp = set(json!({"standing": "blocked", "rate_limited": 0})).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (status, ..) = account_status(acc1.url(), acc1.token()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Only that account.
    let default = server.default_account();
    let (status, ..) = account_status(default.url(), default.token()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        set(json!({"standing": "unpaid"})).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, ..) = account_status(acc1.url(), acc1.token()).await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert_eq!(
        set(json!({"standing": "asleep"})).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        set(json!({"standing": "good"})).await.status(),
        StatusCode::NO_CONTENT
    );
    let (status, ..) = account_status(acc1.url(), acc1.token()).await;
    assert_eq!(status, StatusCode::OK);
}
