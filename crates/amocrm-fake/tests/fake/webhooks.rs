//! `/api/v4/webhooks` of one account and the deliveries the fake posts when the admin
//! routes change entities: amoCRM's form keys, one account's changes to its own
//! destinations only, bad subscriptions refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use amocrm_fake::{FakeServer, WebhookSchedule};
use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

type Seen = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// A destination recording each body's pairs; its URL.
async fn destination() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let record = record.clone();
            async move {
                let pairs = url::form_urlencoded::parse(&body).into_owned().collect();
                record.lock().unwrap().push(pairs);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn admin_changes_are_posted_to_the_accounts_own_destinations() {
    let server = FakeServer::builder()
        .account("acc1")
        .account("acc2")
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let (acc1, acc2) = (
        server.account("acc1").unwrap(),
        server.account("acc2").unwrap(),
    );
    let (url, seen) = destination().await;
    let hooks = format!("{}/api/v4/webhooks", acc1.url());
    let body = json!({"destination": url, "settings": ["update_company", "delete_company"]});
    let resp = call(&hooks, Method::POST, Some(acc1.token()), Some(body)).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: Value = resp.json().await.unwrap();
    assert_eq!(
        created["settings"],
        json!(["update_company", "delete_company"])
    );

    // Another account's change reaches nobody subscribed here.
    let touch = json!({"entity": "companies", "count": 1});
    let other = format!("{}/_fake/crm/touch", acc2.url());
    assert_eq!(
        call(&other, Method::POST, None, Some(touch.clone()))
            .await
            .status(),
        StatusCode::OK
    );
    let mine = format!("{}/_fake/crm/touch", acc1.url());
    let resp = call(&mine, Method::POST, None, Some(touch)).await;
    let touched: Value = resp.json().await.unwrap();
    let id = touched["changed"][0].as_i64().unwrap();

    for _ in 0..250 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let bodies = seen.lock().unwrap().clone();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let pairs = &bodies[0];
    let id_text = id.to_string();
    assert_eq!(
        value(pairs, "contacts[update][0][id]"),
        Some(id_text.as_str())
    );
    assert_eq!(value(pairs, "contacts[update][0][type]"), Some("company"));
    assert!(value(pairs, "contacts[update][0][last_modified]").is_some());
    assert_eq!(value(pairs, "account[subdomain]"), Some("acc1"));
    assert_eq!(
        value(pairs, "account[id]"),
        Some(created["account_id"].to_string().as_str())
    );
    assert!(
        pairs
            .iter()
            .all(|(k, _)| k.starts_with("contacts[update][0]") || k.starts_with("account["))
    );

    let delete = json!({"entity": "companies", "id": id});
    let resp = call(
        &format!("{}/_fake/crm/delete", acc1.url()),
        Method::POST,
        None,
        Some(delete),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    for _ in 0..250 {
        if seen.lock().unwrap().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let bodies = seen.lock().unwrap().clone();
    assert_eq!(
        value(&bodies[1], "contacts[delete][0][id]"),
        Some(id_text.as_str())
    );
    // The fake records an attempt once it has read the answer.
    for _ in 0..250 {
        if acc1.webhook_attempts().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let attempts = acc1.webhook_attempts();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert!(
        attempts
            .iter()
            .all(|a| a.status == Some(200) && a.attempt == 1)
    );
    assert!(acc2.webhook_attempts().is_empty());
}

#[tokio::test]
async fn bad_subscriptions_are_refused() {
    let server = FakeServer::start().await.unwrap();
    let hooks = format!("{}/api/v4/webhooks", server.base_url());
    let token = Some(server.token());
    for body in [
        json!({"destination": "not a url", "settings": ["add_lead"]}),
        json!({"destination": "ftp://example.com/", "settings": ["add_lead"]}),
        json!({"destination": "https://example.com/", "settings": []}),
        json!({"destination": "https://example.com/", "settings": [1]}),
        json!({"settings": ["add_lead"]}),
    ] {
        let resp = call(&hooks, Method::POST, token, Some(body.clone())).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let user = Some(server.user_token());
    let body = json!({"destination": "https://example.com/", "settings": ["add_lead"]});
    let resp = call(&hooks, Method::POST, user, Some(body.clone())).await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    for n in 0..100 {
        let body =
            json!({"destination": format!("https://example.com/{n}"), "settings": ["add_lead"]});
        let resp = call(&hooks, Method::POST, token, Some(body)).await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let resp = call(
        &hooks,
        Method::POST,
        token,
        Some(json!({"destination": "https://example.com/101", "settings": ["add_lead"]})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "at most 100");
    let resp = call(
        &hooks,
        Method::DELETE,
        token,
        Some(json!({"destination": "https://example.com/nope"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let listed = call(
        &format!("{hooks}?filter%5Bdestination%5D=https%3A%2F%2Fexample.com%2F7"),
        Method::GET,
        token,
        None,
    )
    .await;
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed["_total_items"], 1);
    assert_eq!(
        listed["_embedded"]["webhooks"][0]["destination"],
        "https://example.com/7"
    );
}
