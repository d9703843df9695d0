//! What the API does not have (404, 405) and a strict server's `Accept` (406).

use amocrm_fake::FakeServer;
use reqwest::{Client, Method, StatusCode};

use crate::support::*;

#[tokio::test]
async fn unknown_routes_and_wrong_methods() {
    let server = FakeServer::start().await.unwrap();
    for path in [
        "/",
        "/api/v4",
        "/api/v4/deals",
        "/api/v3/widgets",
        "/api/v4/widgets/a/b",
    ] {
        expect_problem(get(&server, path).await, 404).await;
    }
    for (method, path) in [
        (Method::PUT, "/api/v4/widgets"),
        (Method::POST, "/api/v4/widgets"),
        (Method::DELETE, "/api/v4/widgets"),
        (Method::PATCH, "/api/v4/widgets/amo_dropbox"),
        (Method::PUT, "/api/v4/widgets/amo_dropbox"),
        (Method::GET, "/api/v4/salesbot/1/continue/a"),
        (Method::GET, "/oauth2/access_token"),
    ] {
        let resp = send(&server, method.clone(), path, Some(server.token()), None).await;
        assert!(resp.headers().contains_key("allow"), "{method} {path}");
        expect_problem(resp, 405).await;
    }
}

#[tokio::test]
async fn strict_accept_answers_406_to_a_plain_json_accept() {
    let server = FakeServer::builder()
        .strict_accept(true)
        .start()
        .await
        .unwrap();
    let url = format!("{}/api/v4/widgets/amo_dropbox", server.base_url());
    let with = |accept: &'static str| {
        Client::new()
            .get(&url)
            .bearer_auth(server.token())
            .header("accept", accept)
            .send()
    };
    let resp = with("application/json").await.unwrap();
    expect_problem(resp, 406).await;
    let resp = with("application/hal+json").await.unwrap();
    expect_problem(resp, 406).await;
    let resp = with("application/hal+json, application/problem+json")
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // Off by default: any Accept is served.
    let lax = FakeServer::start().await.unwrap();
    let resp = Client::new()
        .get(format!("{}/api/v4/widgets/amo_dropbox", lax.base_url()))
        .bearer_auth(lax.token())
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
