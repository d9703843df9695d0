//! The integration uninstalled from an account (`FakeAccount::uninstall`,
//! `POST /_fake/uninstall`): the account's tokens revoked, then the signed hook sent to
//! the configured URL as amoCRM sends it, which the library's verifier accepts; the answer
//! says whether it was delivered.

use std::sync::{Arc, Mutex};

use amocrm::AppCredentials;
use amocrm::integration::UninstallHook;
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use axum::Router;
use axum::extract::RawQuery;
use axum::routing::get;
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::*;

type Hooks = Arc<Mutex<Vec<String>>>;

/// A hook destination recording each query, answering `status`; its URL.
async fn hook_destination(status: u16) -> (String, Hooks) {
    let seen: Hooks = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/oauth/disable",
        get(move |RawQuery(query): RawQuery| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(query.unwrap_or_default());
                StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/oauth/disable", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

/// An access and a refresh token of the account at `url`, through an authorization code.
async fn tokens(url: &str) -> (String, String) {
    let code = call(
        &format!("{url}/_fake/authorization_code"),
        Method::POST,
        None,
        None,
    )
    .await;
    let code: Value = code.json().await.unwrap();
    let code = code["code"].as_str().unwrap();
    let granted = token_grant(url, "authorization_code", "code", code).await;
    assert_eq!(granted.status(), 200);
    let granted: Value = granted.json().await.unwrap();
    let field = |key: &str| granted[key].as_str().unwrap().to_owned();
    (field("access_token"), field("refresh_token"))
}

async fn account_status(url: &str, token: &str) -> StatusCode {
    let resp = call(
        &format!("{url}/api/v4/account"),
        Method::GET,
        Some(token),
        None,
    )
    .await;
    resp.status()
}

#[tokio::test]
async fn the_admin_route_revokes_the_tokens_and_sends_the_signed_hook() {
    let (hook_url, seen) = hook_destination(200).await;
    let server = FakeServer::builder()
        .account("acc1")
        .uninstall_hook_url(&hook_url)
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let (access, refresh) = tokens(acc1.url()).await;
    let (example_access, _) = tokens(&server.base_url()).await;
    assert_eq!(account_status(acc1.url(), &access).await, StatusCode::OK);

    let resp = call(
        &format!("{}/_fake/uninstall", acc1.url()),
        Method::POST,
        None,
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["account_id"], acc1.account_id());
    assert_eq!(answer["tokens_revoked"], true);
    assert_eq!(answer["hook"]["url"], hook_url.as_str());
    assert_eq!(answer["hook"]["status"], 200, "{answer}");

    // One hook, for acc1, that the integration's secret signed.
    let queries = seen.lock().unwrap().clone();
    assert_eq!(queries, [acc1.uninstall_hook_query()]);
    let app = AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    );
    let hook = UninstallHook::parse(&queries[0]).unwrap();
    assert_eq!(hook.verify(&app).unwrap(), acc1.account_id());
    let other = AppCredentials::new(DEFAULT_CLIENT_ID, "another-secret", DEFAULT_REDIRECT_URI);
    assert!(hook.verify(&other).is_err());

    // acc1's tokens are gone; the default account's are not.
    assert_eq!(
        account_status(acc1.url(), &access).await,
        StatusCode::UNAUTHORIZED
    );
    let refreshed = token_grant(acc1.url(), "refresh_token", "refresh_token", &refresh).await;
    assert!(
        refreshed.status().is_client_error(),
        "{}",
        refreshed.status()
    );
    assert_eq!(
        account_status(&server.base_url(), &example_access).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_answer_says_when_the_hook_was_not_delivered() {
    // The hook's destination refuses it: its status is in the answer.
    let (refusing, _) = hook_destination(503).await;
    let server = FakeServer::builder()
        .uninstall_hook_url(&refusing)
        .start()
        .await
        .unwrap();
    let uninstall = format!("{}/_fake/uninstall", server.base_url());
    let answer: Value = call(&uninstall, Method::POST, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["hook"]["status"], 503, "{answer}");

    // Nobody listens there: no status, and why.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}/oauth/disable", listener.local_addr().unwrap());
    drop(listener);
    let body = serde_json::json!({"url": closed});
    let answer: Value = call(&uninstall, Method::POST, None, Some(body))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["hook"]["url"], closed.as_str());
    assert_eq!(answer["hook"]["status"], Value::Null, "{answer}");
    assert!(answer["hook"]["error"].is_string(), "{answer}");

    // A URL that is not http:// (or no URL) is refused before anything is revoked: a
    // typo does not cost the account its tokens.
    let (access, _) = tokens(&server.base_url()).await;
    for url in ["https://example.com/oauth/disable", "not a url", "http://"] {
        let body = serde_json::json!({ "url": url });
        let resp = call(&uninstall, Method::POST, None, Some(body)).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{url}");
    }
    assert_eq!(
        account_status(&server.base_url(), &access).await,
        StatusCode::OK
    );
    // Not a string: 400.
    let body = serde_json::json!({"url": 7});
    let resp = call(&uninstall, Method::POST, None, Some(body)).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_a_hook_url_the_tokens_are_revoked_and_no_hook_is_sent() {
    let server = FakeServer::start().await.unwrap();
    let (access, _) = tokens(&server.base_url()).await;
    let uninstall = format!("{}/_fake/uninstall", server.base_url());
    let answer: Value = call(&uninstall, Method::POST, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["hook"], Value::Null, "{answer}");
    assert_eq!(answer["tokens_revoked"], true);
    assert_eq!(
        account_status(&server.base_url(), &access).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(server.default_account().uninstall().await.is_none());
}

#[tokio::test]
async fn fake_account_uninstall_sends_the_hook_to_the_configured_url() {
    let (hook_url, seen) = hook_destination(200).await;
    let server = FakeServer::builder()
        .uninstall_hook_url(&hook_url)
        .start()
        .await
        .unwrap();
    let account = server.default_account();
    let (access, _) = tokens(&server.base_url()).await;
    let status = account
        .uninstall()
        .await
        .expect("a URL")
        .expect("delivered");
    assert_eq!(status, 200);
    assert_eq!(*seen.lock().unwrap(), [account.uninstall_hook_query()]);
    assert_eq!(
        account_status(&server.base_url(), &access).await,
        StatusCode::UNAUTHORIZED
    );
}
