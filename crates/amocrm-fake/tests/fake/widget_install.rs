//! Installing and uninstalling widgets: state across calls, settings validated against the
//! template, bad bodies.

use amocrm_fake::FakeServer;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

fn asterisk_settings() -> Value {
    json!({
      "login": "example",
      "password": "eXaMp1E",
      "phones": {"504141": "1039"},
      "script_path": "https://example.com/"
    })
}

#[tokio::test]
async fn install_get_list_uninstall() {
    let server = FakeServer::start().await.unwrap();
    let path = "/api/v4/widgets/amo_asterisk";
    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(asterisk_settings()),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), HAL);
    let body: Value = resp.json().await.unwrap();
    // The seed's example response.
    assert_eq!(body["id"], 972);
    assert_eq!(body["is_active_in_account"], true);
    assert_eq!(body["settings"], asterisk_settings());
    assert_eq!(body["settings_template"].as_array().unwrap().len(), 4);
    assert_eq!(
        body["_links"]["self"]["href"],
        format!("{}{path}", host(&server))
    );
    assert_eq!(
        server.installed_settings("amo_asterisk"),
        Some(asterisk_settings())
    );
    assert_eq!(server.installed_settings("amo_dropbox"), None);
    assert_eq!(server.installed_settings("nope"), None);

    // Persisted: GET shows it active with settings for the admin key...
    let body: Value = get(&server, path).await.json().await.unwrap();
    assert_eq!(body["is_active_in_account"], true);
    assert_eq!(body["settings"], asterisk_settings());
    // ...active without settings for a plain user...
    let body: Value = send(&server, Method::GET, path, Some(server.user_token()), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["is_active_in_account"], true);
    assert!(body.get("settings").is_none());
    // ...and the list shows it active, never with settings.
    let body: Value = get(&server, "/api/v4/widgets").await.json().await.unwrap();
    let w = &body["_embedded"]["widgets"][2];
    assert_eq!(w["code"], "amo_asterisk");
    assert_eq!(w["is_active_in_account"], true);
    assert!(w.get("settings").is_none());
    assert_eq!(
        body["_embedded"]["widgets"][0]["is_active_in_account"],
        false
    );

    // Re-installing replaces the settings.
    let mut changed = asterisk_settings();
    changed["login"] = json!("other");
    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(changed.clone()),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(server.installed_settings("amo_asterisk"), Some(changed));

    // Uninstall: 204, empty body, inactive, settings dropped.
    let resp = send(&server, Method::DELETE, path, Some(server.token()), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(server.installed_settings("amo_asterisk"), None);
    let body: Value = get(&server, path).await.json().await.unwrap();
    assert_eq!(body["is_active_in_account"], false);
    assert!(body.get("settings").is_none());

    // Uninstalling again (not installed) is still 204.
    let resp = send(&server, Method::DELETE, path, Some(server.token()), None).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    // Unknown code: 404.
    let resp = send(
        &server,
        Method::DELETE,
        "/api/v4/widgets/nope",
        Some(server.token()),
        None,
    )
    .await;
    expect_problem(resp, 404).await;
}

#[tokio::test]
async fn install_without_settings_for_optional_template() {
    let server = FakeServer::start().await.unwrap();
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/widgets/amo_dropbox",
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["settings"], json!({}));
    assert_eq!(body["is_active_in_account"], true);
    // custom and extra keys take any JSON value, and are kept as sent.
    let any = json!({"conf": [1, {"a": null}], "extra": true});
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/widgets/amo_dropbox",
        Some(server.token()),
        Some(any.clone()),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(server.installed_settings("amo_dropbox"), Some(any));
    let settings = json!({"conf": "any text", "extra": {"504141": "1039"}});
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/widgets/amo_dropbox",
        Some(server.token()),
        Some(settings.clone()),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(server.installed_settings("amo_dropbox"), Some(settings));
}

#[tokio::test]
async fn install_validation_errors() {
    let server = FakeServer::builder().widgets(10).start().await.unwrap();
    let post = |path: &'static str, body: Value| {
        let server = &server;
        async move { send(server, Method::POST, path, Some(server.token()), Some(body)).await }
    };
    let asterisk = "/api/v4/widgets/amo_asterisk";

    let paths = expect_validation(post(asterisk, json!({})).await).await;
    assert_eq!(paths, ["login", "password", "phones", "script_path"]);

    let paths = expect_validation(
        post(
            asterisk,
            json!({"login": "", "password": 5, "phones": {"12a": "1", "7": true}, "script_path": null}),
        )
        .await,
    )
    .await;
    assert_eq!(
        paths,
        ["login", "password", "phones.12a", "phones.7", "script_path"]
    );

    let paths = expect_validation(
        post(
            asterisk,
            json!({"login": "a", "password": "b", "phones": {}, "script_path": "c"}),
        )
        .await,
    )
    .await;
    assert_eq!(paths, ["phones"]);

    let paths = expect_validation(
        post(
            asterisk,
            json!({"login": "a", "password": "b", "phones": ["1"], "script_path": "c"}),
        )
        .await,
    )
    .await;
    assert_eq!(paths, ["phones"]);

    // widget_00004 has a required users_lp field `accounts` and an optional text `domain`.
    let lp = "/api/v4/widgets/widget_00004";
    let tmpl: Value = get(&server, lp).await.json().await.unwrap();
    assert_eq!(tmpl["settings_template"][0]["type"], "users_lp");
    let ok = json!({"accounts": {"504141": {"login": "l", "password": "p"}}});
    assert_eq!(post(lp, ok.clone()).await.status(), StatusCode::OK);
    assert_eq!(server.installed_settings("widget_00004"), Some(ok));
    let mut paths = expect_validation(
        post(
            lp,
            json!({"accounts": {"1": {"login": "l"}, "2": "x", "u": {}}, "domain": 3}),
        )
        .await,
    )
    .await;
    paths.sort();
    assert_eq!(
        paths,
        ["accounts.1.password", "accounts.2", "accounts.u", "domain"]
    );
    let paths = expect_validation(post(lp, json!({"accounts": {}})).await).await;
    assert_eq!(paths, ["accounts"]);

    // A failed install leaves the previous state untouched.
    assert!(server.installed_settings("widget_00004").is_some());
    assert!(server.installed_settings("amo_asterisk").is_none());
    let body: Value = get(&server, asterisk).await.json().await.unwrap();
    assert_eq!(body["is_active_in_account"], false);

    // Unknown widget: 404 even with a bad body.
    expect_problem(post("/api/v4/widgets/nope", json!({})).await, 404).await;
}

#[tokio::test]
async fn install_rejects_bad_bodies() {
    let server = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/widgets/amo_dropbox", server.base_url());
    let client = Client::new();
    let cases: Vec<(Option<&str>, &str)> = vec![
        (Some("application/json"), "not json"),
        (Some("application/json"), ""),
        (Some("application/json"), "[1, 2]"),
        (Some("application/json"), "\"text\""),
        (Some("application/json"), "null"),
        (Some("text/plain"), "{}"),
        (Some("application/x-www-form-urlencoded"), "conf=1"),
        (None, "{}"),
    ];
    for (ct, body) in cases {
        let mut req = client
            .post(&url)
            .bearer_auth(server.token())
            .body(body.to_owned());
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        let paths = expect_validation(resp).await;
        assert_eq!(paths.len(), 1, "{ct:?} {body:?}");
    }
    // Content-Type parameters are fine.
    let resp = client
        .post(&url)
        .bearer_auth(server.token())
        .header("content-type", "application/json; charset=utf-8")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
