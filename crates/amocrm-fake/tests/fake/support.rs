//! Helpers every group of tests uses: requests, and assertions on amoCRM's answers.

use amocrm_fake::FakeServer;
use reqwest::{Client, Method, Response};
use serde_json::{Value, json};

pub const HAL: &str = "application/hal+json";
pub const PROBLEM: &str = "application/problem+json";

pub fn content_type(resp: &Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

pub async fn send(
    server: &FakeServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Response {
    let mut req = Client::new().request(method, format!("{}{}", server.base_url(), path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("request failed")
}

pub async fn get(server: &FakeServer, path: &str) -> Response {
    send(server, Method::GET, path, Some(server.token()), None).await
}

/// Asserts a problem+json response and returns its body.
pub async fn expect_problem(resp: Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(content_type(&resp), PROBLEM);
    let body: Value = resp.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("https://httpstatus.es/{status}"));
    assert!(body["title"].is_string());
    assert!(body["detail"].is_string());
    if status != 400 {
        assert!(body.get("validation-errors").is_none());
    }
    body
}

/// Asserts an error of the token endpoint, shaped like amoCRM's, and returns its hint.
pub async fn expect_oauth_problem(resp: Response, status: u16) -> String {
    assert_eq!(resp.status().as_u16(), status);
    assert_eq!(content_type(&resp), PROBLEM);
    let body: Value = resp.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert_eq!(
        body["type"],
        "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
    );
    assert_eq!(body["title"], "Некорректный запрос");
    assert!(body["detail"].is_string());
    body["hint"].as_str().expect("hint").to_owned()
}

/// Paths of `validation-errors[0].errors`, asserting the amoCRM shape.
pub fn error_paths(problem: &Value) -> Vec<String> {
    let groups = problem["validation-errors"]
        .as_array()
        .expect("validation-errors");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["request_id"], "0");
    groups[0]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert!(e["code"].is_string());
            assert!(e["detail"].is_string());
            e["path"].as_str().expect("path").to_owned()
        })
        .collect()
}

pub async fn expect_validation(resp: Response) -> Vec<String> {
    let body = expect_problem(resp, 400).await;
    assert_eq!(body["detail"], "Request validation failed");
    error_paths(&body)
}

pub fn host(server: &FakeServer) -> String {
    server.base_url()
}

pub async fn call(url: &str, method: Method, token: Option<&str>, body: Option<Value>) -> Response {
    let mut req = Client::new().request(method, url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("request")
}

/// `GET {base}{path}` with `token`: the status and the JSON body (`Null` for none).
pub async fn fetch(base: &str, path: &str, token: &str) -> (u16, Value) {
    let resp = Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let kind = content_type(&resp);
    let bytes = resp.bytes().await.expect("body");
    if status == 204 {
        assert!(bytes.is_empty(), "204 with a body");
        return (status, Value::Null);
    }
    if status == 200 {
        assert_eq!(kind, HAL, "{path}");
    }
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A 200 answer's body of the default account.
pub async fn ok_json(server: &FakeServer, path: &str) -> Value {
    let (status, body) = fetch(&server.base_url(), path, server.token()).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The status of a GET of the default account (with the administrator token).
pub async fn status_of(server: &FakeServer, path: &str) -> u16 {
    fetch(&server.base_url(), path, server.token()).await.0
}

/// `_embedded.{name}` of a list answer.
pub fn items<'a>(page: &'a Value, name: &str) -> &'a Vec<Value> {
    page["_embedded"][name]
        .as_array()
        .unwrap_or_else(|| panic!("_embedded.{name} in {page}"))
}

/// The ids of `_embedded.{name}`.
pub fn ids(page: &Value, name: &str) -> Vec<i64> {
    items(page, name)
        .iter()
        .map(|e| e["id"].as_i64().expect("id"))
        .collect()
}

/// A grant at an account's token endpoint with the default OAuth client's credentials.
pub async fn token_grant(account_url: &str, grant: &str, key: &str, value: &str) -> Response {
    let client = amocrm_fake::OAuthClient::default();
    Client::new()
        .post(format!("{account_url}/oauth2/access_token"))
        .json(&json!({
            "client_id": client.client_id, "client_secret": client.client_secret,
            "grant_type": grant, key: value, "redirect_uri": client.redirect_uri,
        }))
        .send()
        .await
        .expect("token request")
}
