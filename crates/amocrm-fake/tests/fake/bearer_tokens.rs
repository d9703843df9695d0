//! Bearer tokens: every API route needs one; the administrator and the read-only user
//! token.

use amocrm_fake::{BotKind, DEFAULT_TOKEN, FakeServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn every_api_route_requires_a_bearer_token() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 1, "c");
    let routes = [
        (Method::GET, "/api/v4/widgets"),
        (Method::GET, "/api/v4/widgets/amo_dropbox"),
        (Method::POST, "/api/v4/widgets/amo_dropbox"),
        (Method::DELETE, "/api/v4/widgets/amo_dropbox"),
        (Method::POST, "/api/v4/salesbot/1/continue/c"),
    ];
    for (method, path) in routes {
        for token in [None, Some("wrong-token"), Some("")] {
            let resp = send(&server, method.clone(), path, token, Some(json!({}))).await;
            assert_eq!(
                resp.headers().get("www-authenticate").unwrap(),
                "Bearer",
                "{method} {path}"
            );
            expect_problem(resp, 401).await;
        }
        // Not a bearer scheme.
        let resp = Client::new()
            .request(method.clone(), format!("{}{path}", server.base_url()))
            .basic_auth("user", Some(DEFAULT_TOKEN))
            .send()
            .await
            .unwrap();
        expect_problem(resp, 401).await;
    }
    // Nothing changed.
    assert!(server.installed_settings("amo_dropbox").is_none());
    assert!(server.continuations().is_empty());

    // The scheme is case-insensitive.
    let resp = Client::new()
        .get(format!("{}/api/v4/widgets", server.base_url()))
        .header("authorization", format!("bearer {DEFAULT_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn custom_tokens_and_user_token_permissions() {
    let server = FakeServer::builder()
        .token("admin-secret")
        .user_token("reader")
        .start()
        .await
        .unwrap();
    assert_eq!(server.token(), "admin-secret");
    assert_eq!(server.user_token(), "reader");
    let resp = send(
        &server,
        Method::GET,
        "/api/v4/widgets",
        Some(DEFAULT_TOKEN),
        None,
    )
    .await;
    expect_problem(resp, 401).await;
    let resp = send(
        &server,
        Method::GET,
        "/api/v4/widgets",
        Some("reader"),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    server.add_pending_continuation(BotKind::Marketingbot, 5, "x");
    let body = json!({"login": "a", "password": "b", "phones": {"1": "2"}, "script_path": "c"});
    let forbidden = [
        (Method::POST, "/api/v4/widgets/amo_asterisk", Some(body)),
        (Method::DELETE, "/api/v4/widgets/amo_asterisk", None),
        (
            Method::POST,
            "/api/v4/marketingbot/5/continue/x",
            Some(json!({})),
        ),
        // 403 comes before 404.
        (Method::POST, "/api/v4/widgets/no_such", Some(json!({}))),
        (Method::DELETE, "/api/v4/widgets/no_such", None),
    ];
    for (method, path, body) in forbidden {
        let resp = send(&server, method, path, Some("reader"), body).await;
        expect_problem(resp, 403).await;
    }
    assert!(server.installed_settings("amo_asterisk").is_none());
    assert!(server.continuations().is_empty());
    // The pending continuation was not consumed.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/marketingbot/5/continue/x",
        Some("admin-secret"),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
}
