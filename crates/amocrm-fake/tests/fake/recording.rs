//! Recorded requests: method, raw path and query, headers and body as received, per
//! account, credentials masked wherever they show.

use std::time::Duration;

use amocrm_fake::{BotKind, DEFAULT_TOKEN, DEFAULT_USER_TOKEN, FakeServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn requests_are_recorded_with_method_raw_uri_and_headers() {
    let server = FakeServer::start().await.unwrap();
    get(
        &server,
        "/api/v4/widgets?limit=250&page=2&filter%5Bx%5D=a+b",
    )
    .await;
    send(
        &server,
        Method::DELETE,
        "/api/v4/widgets/amo_dropbox",
        Some(server.token()),
        None,
    )
    .await;
    send(&server, Method::GET, "/nowhere", None, None).await;
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(
        reqs[0].path_and_query,
        "/api/v4/widgets?limit=250&page=2&filter%5Bx%5D=a+b"
    );
    assert_eq!(reqs[0].path, "/api/v4/widgets");
    assert_eq!(
        reqs[0].query.as_deref(),
        Some("limit=250&page=2&filter%5Bx%5D=a+b")
    );
    // The token is masked, its scheme kept; has_bearer still tells which it was.
    assert_eq!(reqs[0].header("Authorization"), Some("Bearer ***"));
    assert!(reqs[0].has_bearer(DEFAULT_TOKEN));
    assert!(!reqs[0].has_bearer(DEFAULT_USER_TOKEN));
    assert!(!format!("{reqs:?}").contains(DEFAULT_TOKEN));
    assert_eq!(reqs[0].account, None);
    assert!(reqs[0].header("host").is_some());
    assert_eq!(reqs[1].method, "DELETE");
    assert_eq!(reqs[1].path_and_query, "/api/v4/widgets/amo_dropbox");
    assert_eq!(reqs[1].query, None);
    assert_eq!(reqs[2].path_and_query, "/nowhere");
    assert_eq!(reqs[2].header("authorization"), None);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn requests_are_recorded_per_account_with_bodies_and_masked_tokens() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    acc1.add_pending_continuation(BotKind::Salesbot, 9, "c");
    let resp = call(
        &format!("{}/api/v4/salesbot/9/continue/c?x=1", acc1.url()),
        Method::POST,
        Some(acc1.token()),
        Some(json!({"data": {"ok": true}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    call(
        &format!("{}/api/v4/widgets", server.base_url()),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await;

    let all = server.requests();
    assert_eq!(all.len(), 2);
    let mine = acc1.requests();
    assert_eq!(mine.len(), 1);
    let r = &mine[0];
    assert_eq!(r.account.as_deref(), Some("acc1"));
    assert_eq!(r.method, "POST");
    assert_eq!(r.path_and_query, "/acc1/api/v4/salesbot/9/continue/c?x=1");
    assert_eq!(r.path, "/acc1/api/v4/salesbot/9/continue/c");
    assert_eq!(r.query.as_deref(), Some("x=1"));
    assert_eq!(r.header("authorization"), Some("Bearer ***"));
    assert!(r.has_bearer(acc1.token()));
    assert!(!r.has_bearer(server.token()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body_json(), Some(json!({"data": {"ok": true}})));
    assert_eq!(r.body_text(), Some(r#"{"data":{"ok":true}}"#));
    let printed = format!("{r:?}");
    assert!(
        !printed.contains(acc1.token()) && printed.contains("Bearer ***"),
        "{printed}"
    );
    assert_eq!(server.default_account().requests().len(), 1);
    assert_eq!(server.default_account().requests()[0].account, None);
    assert!(server.default_account().requests()[0].body.is_empty());

    // The continuation is the account's, not the default account's.
    assert_eq!(acc1.continuations().len(), 1);
    assert_eq!(acc1.continuations()[0].body["data"]["ok"], true);
    assert!(server.continuations().is_empty());

    // A token without a scheme is masked whole.
    Client::new()
        .get(format!("{}/api/v4/widgets", acc1.url()))
        .header("authorization", "sekrit")
        .send()
        .await
        .unwrap();
    let last = acc1.requests().pop().unwrap();
    assert_eq!(last.header("authorization"), Some("***"));
    assert!(!last.has_bearer("sekrit"));
}

/// Like the Authorization header, a token request's credentials are never shown in clear:
/// not by `Debug`, not by `/_fake/requests`; the raw body keeps them for assertions.
#[tokio::test]
async fn token_request_credentials_are_masked_when_shown() {
    let server = FakeServer::builder().start().await.unwrap();
    let pair = server.issue_token_pair(Duration::from_secs(60));
    let oc = server.oauth_client().clone();
    let c = Client::new();
    let form = [
        ("client_id", oc.client_id.as_str()),
        ("client_secret", oc.client_secret.as_str()),
        ("grant_type", "refresh_token"),
        ("refresh_token", pair.refresh_token.as_str()),
        ("redirect_uri", oc.redirect_uri.as_str()),
    ];
    let r = c
        .post(format!("{}/oauth2/access_token", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let dbg = format!("{:?}", server.requests());
    let admin = c
        .get(format!("{}/_fake/requests", server.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for shown in [&dbg, &admin] {
        assert!(
            !shown.contains(&oc.client_secret),
            "client_secret in clear: {shown}"
        );
        assert!(
            !shown.contains(&pair.refresh_token),
            "refresh token in clear: {shown}"
        );
        assert!(shown.contains("client_secret=***"), "{shown}");
    }
    // A JSON body, as amoCRM's docs show it: the code is a credential too.
    server.clear_requests();
    let code = server.issue_authorization_code();
    let json_body = json!({"client_id": oc.client_id, "client_secret": oc.client_secret,
        "grant_type": "authorization_code", "code": code, "redirect_uri": oc.redirect_uri});
    let r = c
        .post(format!("{}/oauth2/access_token", server.base_url()))
        .json(&json_body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let shown = format!("{:?}", server.requests());
    assert!(
        !shown.contains(&code) && !shown.contains(&oc.client_secret),
        "{shown}"
    );
    assert!(shown.contains(r#"\"code\":\"***\""#), "{shown}");
    server.clear_requests();
    c.post(format!("{}/oauth2/access_token", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            form.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        )
        .send()
        .await
        .unwrap();
    let recorded = &server.requests()[0];
    assert!(recorded.body_text().unwrap().contains(&pair.refresh_token));
    assert!(recorded.masked_body().contains("grant_type=refresh_token"));
}
