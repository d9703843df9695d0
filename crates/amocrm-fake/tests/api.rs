//! End-to-end tests of the fake over real HTTP (reqwest against a loopback port).

use std::time::{Duration, Instant};

use amocrm_fake::{BotKind, DEFAULT_TOKEN, DEFAULT_USER_TOKEN, FakeServer};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

const HAL: &str = "application/hal+json";
const PROBLEM: &str = "application/problem+json";

fn content_type(resp: &Response) -> String {
    resp.headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

async fn send(
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

async fn get(server: &FakeServer, path: &str) -> Response {
    send(server, Method::GET, path, Some(server.token()), None).await
}

/// Asserts a problem+json response and returns its body.
async fn expect_problem(resp: Response, status: u16) -> Value {
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
async fn expect_oauth_problem(resp: Response, status: u16) -> String {
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
fn error_paths(problem: &Value) -> Vec<String> {
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

async fn expect_validation(resp: Response) -> Vec<String> {
    let body = expect_problem(resp, 400).await;
    assert_eq!(body["detail"], "Request validation failed");
    error_paths(&body)
}

fn host(server: &FakeServer) -> String {
    server.base_url()
}

// ---------------------------------------------------------------- catalogue

#[tokio::test]
async fn list_defaults_match_the_seed() {
    let server = FakeServer::start().await.unwrap();
    assert_eq!(server.token(), DEFAULT_TOKEN);
    assert_eq!(server.user_token(), DEFAULT_USER_TOKEN);
    assert_eq!(server.widget_count(), 3);
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    assert!(!server.base_url().ends_with('/'));
    assert_eq!(server.base_url(), format!("http://{}", server.addr()));

    let resp = get(&server, "/api/v4/widgets?limit=2").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), HAL);
    let body: Value = resp.json().await.unwrap();
    let base = host(&server);
    // The seed's example response, with the account's host replaced.
    let expected = json!({
      "_page": 1,
      "_links": {
        "self": {"href": format!("{base}/api/v4/widgets?limit=2&page=1")},
        "next": {"href": format!("{base}/api/v4/widgets?limit=2&page=2")}
      },
      "_embedded": {
        "widgets": [
          {
            "id": 742, "code": "amo_dropbox", "version": "0.0.13", "rating": "2,8",
            "settings_template": [{"key": "conf", "name": "custom", "type": "custom", "is_required": false}],
            "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
            "client_uuid": null, "is_active_in_account": false, "pipeline_id": null,
            "_links": {"self": {"href": format!("{base}/api/v4/widgets/amo_dropbox")}}
          },
          {
            "id": 796, "code": "amo_mailchimp", "version": "1.1.12", "rating": "3,4",
            "settings_template": [{"key": "api", "name": "custom", "type": "custom", "is_required": false}],
            "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
            "client_uuid": null, "is_active_in_account": false, "pipeline_id": null,
            "_links": {"self": {"href": format!("{base}/api/v4/widgets/amo_mailchimp")}}
          }
        ]
      }
    });
    assert_eq!(body, expected);

    // Page 2 has the third seed widget, a prev link and no next link.
    let body: Value = get(&server, "/api/v4/widgets?limit=2&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["_page"], 2);
    assert_eq!(
        body["_links"]["prev"]["href"],
        format!("{base}/api/v4/widgets?limit=2&page=1")
    );
    assert!(body["_links"].get("next").is_none());
    let widgets = body["_embedded"]["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), 1);
    assert_eq!(widgets[0]["code"], "amo_asterisk");
    assert_eq!(widgets[0]["id"], 972);
    assert!(widgets[0].get("settings").is_none());

    // No parameters: page 1, default limit 50 in the links.
    let body: Value = get(&server, "/api/v4/widgets").await.json().await.unwrap();
    assert_eq!(body["_page"], 1);
    assert_eq!(
        body["_links"]["self"]["href"],
        format!("{base}/api/v4/widgets?limit=50&page=1")
    );
    assert!(body["_links"].get("next").is_none());
    assert!(body["_links"].get("prev").is_none());
    assert_eq!(body["_embedded"]["widgets"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn links_follow_the_host_header() {
    let server = FakeServer::start().await.unwrap();
    let resp = Client::new()
        .get(format!("{}/api/v4/widgets?limit=1", server.base_url()))
        .bearer_auth(server.token())
        .header("host", "example.amocrm.ru")
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body["_links"]["next"]["href"],
        "http://example.amocrm.ru/api/v4/widgets?limit=1&page=2"
    );
    assert_eq!(
        body["_embedded"]["widgets"][0]["_links"]["self"]["href"],
        "http://example.amocrm.ru/api/v4/widgets/amo_dropbox"
    );
}

#[tokio::test]
async fn get_widget_by_code() {
    let server = FakeServer::start().await.unwrap();
    let resp = get(&server, "/api/v4/widgets/amo_asterisk").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), HAL);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({
          "id": 972, "code": "amo_asterisk", "version": "1.1.6", "rating": "2,7",
          "settings_template": [
            {"key": "login", "name": "Логин", "type": "text", "is_required": true},
            {"key": "password", "name": "Пароль", "type": "pass", "is_required": true},
            {"key": "phones", "name": "Список телефонов", "type": "users", "is_required": true},
            {"key": "script_path", "name": "Путь к скрипту", "type": "text", "is_required": true}
          ],
          "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
          "client_uuid": null, "is_active_in_account": false, "pipeline_id": null,
          "_links": {"self": {"href": format!("{}/api/v4/widgets/amo_asterisk", host(&server))}}
        })
    );

    // Read access with the user token.
    let resp = send(
        &server,
        Method::GET,
        "/api/v4/widgets/amo_dropbox",
        Some(server.user_token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    expect_problem(get(&server, "/api/v4/widgets/no_such_widget").await, 404).await;
    // Generated codes only exist up to `widgets(n)`.
    expect_problem(get(&server, "/api/v4/widgets/widget_00001").await, 404).await;
}

#[tokio::test]
async fn paging_through_1003_widgets() {
    let server = FakeServer::builder().widgets(1000).start().await.unwrap();
    assert_eq!(server.widget_count(), 1003);
    let base = host(&server);
    let mut url = format!("{base}/api/v4/widgets?limit=250&page=1");
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let resp = Client::new()
            .get(&url)
            .bearer_auth(server.token())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(content_type(&resp), HAL);
        let body: Value = resp.json().await.unwrap();
        pages += 1;
        assert_eq!(body["_page"], pages);
        assert_eq!(body["_links"]["self"]["href"], url);
        let widgets = body["_embedded"]["widgets"].as_array().unwrap();
        ids.extend(widgets.iter().map(|w| w["id"].as_i64().unwrap()));
        match body["_links"].get("next") {
            Some(next) => {
                assert_eq!(widgets.len(), 250);
                url = next["href"].as_str().unwrap().to_owned();
            }
            None => {
                assert_eq!(widgets.len(), 3);
                break;
            }
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(ids.len(), 1003);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ordered by id");

    let resp = get(&server, "/api/v4/widgets?limit=250&page=6").await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(resp.bytes().await.unwrap().is_empty());
    // `page` is an int64: the largest one is past the end, one more is invalid.
    let resp = get(&server, "/api/v4/widgets?limit=250&page=2147483648").await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = get(
        &server,
        "/api/v4/widgets?limit=250&page=9223372036854775807",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = get(
        &server,
        "/api/v4/widgets?limit=250&page=9223372036854775808",
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Default limit is 50.
    let body: Value = get(&server, "/api/v4/widgets").await.json().await.unwrap();
    assert_eq!(body["_embedded"]["widgets"].as_array().unwrap().len(), 50);
    assert_eq!(
        body["_links"]["next"]["href"],
        format!("{base}/api/v4/widgets?limit=50&page=2")
    );
}

#[tokio::test]
async fn generated_widgets_are_varied_and_deterministic() {
    let server = FakeServer::builder().widgets(100).start().await.unwrap();
    let body: Value = get(&server, "/api/v4/widgets?limit=250")
        .await
        .json()
        .await
        .unwrap();
    let widgets = body["_embedded"]["widgets"].as_array().unwrap().clone();
    assert_eq!(widgets.len(), 103);
    let generated = &widgets[3..];
    assert_eq!(generated[0]["code"], "widget_00001");
    assert_eq!(generated[0]["id"], 1001);
    assert_eq!(generated[99]["code"], "widget_00100");
    // Ratings alternate between "x,y" strings and floats.
    assert!(generated[0]["rating"].as_str().unwrap().contains(','));
    assert!(generated[1]["rating"].is_f64());
    let mut types = std::collections::BTreeSet::new();
    let mut required = 0;
    let mut optional = 0;
    for w in generated {
        assert!(w["version"].is_string());
        for field in w["settings_template"].as_array().unwrap() {
            types.insert(field["type"].as_str().unwrap().to_owned());
            if field["is_required"].as_bool().unwrap() {
                required += 1;
            } else {
                optional += 1;
            }
        }
        assert!(w.get("settings").is_none());
    }
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        ["custom", "pass", "text", "users", "users_lp"]
    );
    assert!(required > 0 && optional > 0);
    assert!(generated.iter().any(|w| w["client_uuid"].is_string()));
    assert!(generated.iter().any(|w| w["client_uuid"].is_null()));
    assert!(generated.iter().any(|w| w["pipeline_id"].is_i64()));
    assert!(generated.iter().any(|w| w["is_lead_source"] == true));
    assert!(generated.iter().any(|w| w["is_work_with_dp"] == true));
    assert!(generated.iter().any(|w| w["is_crm_template"] == true));

    // Deterministic across servers.
    let other = FakeServer::builder().widgets(100).start().await.unwrap();
    let again: Value = get(&other, "/api/v4/widgets?limit=250")
        .await
        .json()
        .await
        .unwrap();
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("_links");
        }
        v
    };
    for (a, b) in widgets
        .iter()
        .zip(again["_embedded"]["widgets"].as_array().unwrap())
    {
        assert_eq!(strip(a), strip(b));
    }
    // A single generated widget looks the same as in the list.
    let one: Value = get(&server, "/api/v4/widgets/widget_00042")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one, widgets[3 + 41]);
}

#[tokio::test]
async fn hundred_thousand_widgets_start_fast() {
    let t = Instant::now();
    let server = FakeServer::builder()
        .widgets(100_000)
        .record_requests(false)
        .start()
        .await
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(server.widget_count(), 100_003);
    let body: Value = get(&server, "/api/v4/widgets?limit=250&page=401")
        .await
        .json()
        .await
        .unwrap();
    let widgets = body["_embedded"]["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), 3);
    assert_eq!(widgets[2]["code"], "widget_100000");
    assert!(body["_links"].get("next").is_none());
    let resp = get(&server, "/api/v4/widgets?limit=250&page=402").await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert!(server.requests().is_empty(), "recording is off");

    // Absurd sizes are clamped instead of overflowing.
    let huge = FakeServer::builder()
        .widgets(usize::MAX)
        .start()
        .await
        .unwrap();
    assert_eq!(
        huge.widget_count(),
        amocrm_fake::SEED_WIDGET_COUNT + amocrm_fake::MAX_GENERATED_WIDGETS
    );
    let body: Value = get(&huge, "/api/v4/widgets?limit=1&page=1000000003")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["_embedded"]["widgets"][0]["code"], "widget_1000000000");
    assert!(body["_links"].get("next").is_none());
    let one = get(&huge, "/api/v4/widgets/widget_1000000000").await;
    assert_eq!(one.status(), StatusCode::OK);
}

#[tokio::test]
async fn list_parameter_validation() {
    let server = FakeServer::start().await.unwrap();
    for (query, paths) in [
        ("limit=0", vec!["limit"]),
        ("limit=251", vec!["limit"]),
        ("limit=abc", vec!["limit"]),
        ("limit=", vec!["limit"]),
        ("limit=1.5", vec!["limit"]),
        ("page=0", vec!["page"]),
        ("page=-1", vec!["page"]),
        ("page=two", vec!["page"]),
        ("page=0&limit=1000", vec!["page", "limit"]),
    ] {
        let resp = get(&server, &format!("/api/v4/widgets?{query}")).await;
        assert_eq!(expect_validation(resp).await, paths, "query {query}");
    }
    // Boundaries are fine.
    for query in ["limit=1", "limit=250", "page=1&limit=250", "foo=bar"] {
        let resp = get(&server, &format!("/api/v4/widgets?{query}")).await;
        assert_eq!(resp.status(), StatusCode::OK, "query {query}");
    }
}

// --------------------------------------------------------------------- auth

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

// ------------------------------------------------------------ install state

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

// ------------------------------------------------------------- continuation

fn seed_continue_body() -> Value {
    let buttons: Vec<String> = (1..=25).map(|i| format!("{i}ая кнопка")).collect();
    json!({
      "data": {"status": "success"},
      "execute_handlers": [
        {"handler": "show", "params": {"type": "text", "value": "Здесь текст"}},
        {"handler": "show", "params": {"type": "buttons", "value": "Нажми на кнопку", "buttons": buttons}},
        {"handler": "show", "params": {"type": "buttons_url", "value": "Кнопки со ссылками",
          "buttons": ["https://amocrm.ru", "https://amocrm.com"]}},
        {"handler": "goto", "params": {"type": "question", "step": 5}}
      ]
    })
}

#[tokio::test]
async fn continue_accepts_pending_once() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 123, "abc");
    server.add_pending_continuation(BotKind::Marketingbot, 7, "m-1");
    let path = "/api/v4/salesbot/123/continue/abc";

    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(seed_continue_body()),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert!(resp.bytes().await.unwrap().is_empty());

    // Consumed: the second call is 404.
    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(seed_continue_body()),
    )
    .await;
    expect_problem(resp, 404).await;

    // Minimal body, other bot kind.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/marketingbot/7/continue/m-1",
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);

    let got = server.continuations();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].bot, BotKind::Salesbot);
    assert_eq!(got[0].bot_id, 123);
    assert_eq!(got[0].continue_id, "abc");
    assert_eq!(got[0].body, seed_continue_body());
    assert_eq!(got[1].bot, BotKind::Marketingbot);
    assert_eq!(got[1].bot_id, 7);
    assert_eq!(got[1].body, json!({}));
}

#[tokio::test]
async fn continue_not_found_cases() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 1, "a");
    for path in [
        "/api/v4/salesbot/1/continue/b",     // other continue id
        "/api/v4/salesbot/2/continue/a",     // other bot id
        "/api/v4/marketingbot/1/continue/a", // other kind
        "/api/v4/chatbot/1/continue/a",      // unknown kind
        "/api/v4/salesbot/one/continue/a",   // bot id not an integer
        "/api/v4/salesbot/1.0/continue/a",   // bot id not an integer
        "/api/v4/salesbot/1/continue",       // no continue id
        "/api/v4/salesbot/1/proceed/a",      // not a route
    ] {
        let resp = send(
            &server,
            Method::POST,
            path,
            Some(server.token()),
            Some(json!({})),
        )
        .await;
        expect_problem(resp, 404).await;
    }
    assert!(server.continuations().is_empty());
    // Still pending.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/salesbot/1/continue/a",
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn continue_validation_errors() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 9, "v");
    let path = "/api/v4/salesbot/9/continue/v";
    let show =
        |value: String| json!({"handler": "show", "params": {"type": "text", "value": value}});
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"data": "x"}), vec!["data"]),
        (json!({"data": [1]}), vec!["data"]),
        (json!({"execute_handlers": {}}), vec!["execute_handlers"]),
        (
            json!({"execute_handlers": vec![show("hi".into()); 11]}),
            vec!["execute_handlers"],
        ),
        (
            json!({"execute_handlers": [show("ok".into()), show("ok".into()), show("ok".into()), show("я".repeat(81))]}),
            vec!["execute_handlers[3].params.value"],
        ),
        (
            json!({"execute_handlers": [show("x".repeat(81))]}),
            vec!["execute_handlers[0].params.value"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "text", "value": 5}}]}),
            vec!["execute_handlers[0].params.value"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "text"}}]}),
            vec!["execute_handlers[0].params.value"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "video", "value": "x"}}]}),
            vec!["execute_handlers[0].params.type"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "buttons", "value": "x",
                "buttons": (0..26).map(|i| i.to_string()).collect::<Vec<_>>()}}]}),
            vec!["execute_handlers[0].params.buttons"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "buttons_url", "value": "x",
                "buttons": ["ok", 1]}}]}),
            vec!["execute_handlers[0].params.buttons[1]"],
        ),
        (
            json!({"execute_handlers": [{"handler": "jump", "params": {}}]}),
            vec!["execute_handlers[0].handler"],
        ),
        (
            json!({"execute_handlers": [{"params": {}}]}),
            vec!["execute_handlers[0].handler"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto"}]}),
            vec!["execute_handlers[0].params"],
        ),
        (
            json!({"execute_handlers": ["show"]}),
            vec!["execute_handlers[0]"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "question|answer|finish", "step": 5}}]}),
            vec!["execute_handlers[0].params.type"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "finish", "step": "5"}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer", "step": 2.5}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer", "step": 9_223_372_036_854_775_808u64}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer", "step": -1}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer"}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
    ];
    for (body, expected) in cases {
        let resp = send(
            &server,
            Method::POST,
            path,
            Some(server.token()),
            Some(body.clone()),
        )
        .await;
        assert_eq!(expect_validation(resp).await, expected, "body {body}");
    }
    // Non-JSON / non-object bodies (an empty body is `{}`: see continue_body_is_optional).
    for raw in ["[]", "nope"] {
        let resp = Client::new()
            .post(format!("{}{path}", server.base_url()))
            .bearer_auth(server.token())
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        expect_validation(resp).await;
    }
    assert!(server.continuations().is_empty());

    // Limits are inclusive: 10 handlers, 80 characters, 25 buttons.
    let buttons: Vec<String> = (0..25).map(|i| i.to_string()).collect();
    let mut handlers = vec![show("ж".repeat(80)); 9];
    handlers.push(
        json!({"handler": "show", "params": {"type": "buttons", "value": "v", "buttons": buttons}}),
    );
    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(json!({"execute_handlers": handlers, "data": {"k": [1, 2]}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(server.continuations().len(), 1);
}

// ------------------------------------------------------ routing & recording

#[tokio::test]
async fn unknown_routes_and_wrong_methods() {
    let server = FakeServer::start().await.unwrap();
    for path in [
        "/",
        "/api/v4",
        "/api/v4/leads",
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
async fn percent_encoded_paths_are_decoded_for_lookup_and_recorded_raw() {
    let server = FakeServer::start().await.unwrap();
    // `a%2Fb` is the literal code "a/b": 404, never another route.
    expect_problem(get(&server, "/api/v4/widgets/a%2Fb").await, 404).await;
    let resp = send(
        &server,
        Method::DELETE,
        "/api/v4/widgets/a%2Fb",
        Some(server.token()),
        None,
    )
    .await;
    expect_problem(resp, 404).await;
    // Encoded characters of a real code decode to it.
    let resp = get(&server, "/api/v4/widgets/amo%5Fdropbox").await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["code"], "amo_dropbox");
    // Invalid UTF-8 after decoding: 404, no panic.
    expect_problem(get(&server, "/api/v4/widgets/%FF%FE").await, 404).await;
    // Continue ids are decoded too.
    server.add_pending_continuation(BotKind::Salesbot, 3, "a b/c");
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/salesbot/3/continue/a%20b%2Fc",
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(server.continuations()[0].continue_id, "a b/c");

    let paths: Vec<String> = server
        .requests()
        .into_iter()
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(
        paths,
        [
            "/api/v4/widgets/a%2Fb",
            "/api/v4/widgets/a%2Fb",
            "/api/v4/widgets/amo%5Fdropbox",
            "/api/v4/widgets/%FF%FE",
            "/api/v4/salesbot/3/continue/a%20b%2Fc",
        ]
    );
}

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

// --------------------------------------------------------------- rate limit

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let server = FakeServer::builder()
        .rate_limit(Some(3))
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let resp = get(&server, "/api/v4/widgets").await;
        statuses.push(resp.status().as_u16());
        if resp.status() == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(resp.headers().get("retry-after").unwrap(), "1");
            expect_problem(resp, 429).await;
        }
    }
    if started.elapsed() < Duration::from_millis(900) {
        assert_eq!(statuses, [200, 200, 200, 429, 429, 429]);
    }
    // Every request is recorded, limited or not.
    assert_eq!(server.requests().len(), 6);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );

    // Off by default and with Some(0).
    for limit in [None, Some(0)] {
        let server = FakeServer::builder()
            .rate_limit(limit)
            .start()
            .await
            .unwrap();
        for _ in 0..20 {
            assert_eq!(
                get(&server, "/api/v4/widgets").await.status(),
                StatusCode::OK
            );
        }
    }
}

// -------------------------------------------------------------------- OAuth

async fn token_request(server: &FakeServer, body: Value) -> Response {
    Client::new()
        .post(format!("{}/oauth2/access_token", server.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn oauth_code_and_refresh_flow() {
    let server = FakeServer::builder()
        .oauth_client("cid", "secret", "https://app.example/cb")
        .start()
        .await
        .unwrap();
    assert_eq!(server.oauth_client().client_id, "cid");
    let code = server.issue_authorization_code();
    let grant = |grant_type: &str, key: &str, value: &str| {
        json!({"client_id": "cid", "client_secret": "secret", "grant_type": grant_type,
               key: value, "redirect_uri": "https://app.example/cb"})
    };
    let resp = token_request(&server, grant("authorization_code", "code", &code)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 86400);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // The code is single-use.
    let resp = token_request(&server, grant("authorization_code", "code", &code)).await;
    assert_eq!(
        expect_oauth_problem(resp, 400).await,
        "Authorization code has been revoked"
    );

    // OAuth access tokens are admin tokens.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/widgets/amo_dropbox",
        Some(&access),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = send(
        &server,
        Method::GET,
        "/api/v4/widgets/amo_dropbox",
        Some(&access),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["settings"], json!({}));

    server.expire_access_tokens();
    let resp = send(&server, Method::GET, "/api/v4/widgets", Some(&access), None).await;
    expect_problem(resp, 401).await;
    // Static tokens are unaffected.
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );

    assert_eq!(server.refresh_count(), 0);
    let resp = token_request(&server, grant("refresh_token", "refresh_token", &refresh)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(server.refresh_count(), 1);
    let access2 = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh2 = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(access2, access);
    assert_ne!(refresh2, refresh);
    let resp = send(
        &server,
        Method::GET,
        "/api/v4/widgets",
        Some(&access2),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Refresh tokens are single-use.
    let resp = token_request(&server, grant("refresh_token", "refresh_token", &refresh)).await;
    assert_eq!(
        expect_oauth_problem(resp, 400).await,
        "Token has been revoked"
    );
    assert_eq!(server.refresh_count(), 1);
    assert_eq!(server.oauth_stats().reused_refresh_tokens, 1);
    let resp = token_request(
        &server,
        grant("refresh_token", "refresh_token", "never-issued"),
    )
    .await;
    assert_eq!(
        expect_oauth_problem(resp, 400).await,
        "Cannot decrypt the refresh token"
    );
    assert_eq!(server.oauth_stats().reused_refresh_tokens, 1);
    // Form bodies work too.
    let resp = Client::new()
        .post(format!("{}/oauth2/access_token", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "client_id=cid&client_secret=secret&grant_type=refresh_token&refresh_token={refresh2}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(server.refresh_count(), 2);
}

#[tokio::test]
async fn oauth_errors_and_ttl() {
    let server = FakeServer::builder()
        .access_token_ttl(Duration::from_millis(300))
        .start()
        .await
        .unwrap();
    let client = server.oauth_client().clone();
    let body = |code: &str| {
        json!({"client_id": client.client_id, "client_secret": client.client_secret,
               "grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri})
    };

    let mut wrong = body(&server.issue_authorization_code());
    wrong["client_secret"] = json!("nope");
    expect_oauth_problem(token_request(&server, wrong).await, 401).await;
    let mut wrong = body(&server.issue_authorization_code());
    wrong["redirect_uri"] = json!("https://evil.example/");
    expect_oauth_problem(token_request(&server, wrong).await, 400).await;
    let mut wrong = body(&server.issue_authorization_code());
    wrong["grant_type"] = json!("password");
    expect_oauth_problem(token_request(&server, wrong).await, 400).await;
    assert_eq!(
        expect_oauth_problem(token_request(&server, body("never-issued")).await, 400).await,
        "Cannot decrypt the authorization code"
    );
    let paths = expect_validation(token_request(&server, json!({})).await).await;
    assert_eq!(
        paths,
        [
            "client_id",
            "client_secret",
            "grant_type",
            "code",
            "redirect_uri"
        ]
    );

    let resp = token_request(&server, body(&server.issue_authorization_code())).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["expires_in"], 0);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let resp = send(&server, Method::GET, "/api/v4/widgets", Some(&access), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let resp = send(&server, Method::GET, "/api/v4/widgets", Some(&access), None).await;
    expect_problem(resp, 401).await;
}

// ---------------------------------------------------------------- lifecycle

#[tokio::test]
async fn shutdown_and_drop_stop_the_server() {
    let server = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/widgets", server.base_url());
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );
    server.shutdown().await;
    let client = Client::builder().pool_max_idle_per_host(0).build().unwrap();
    assert!(client.get(&url).send().await.is_err());

    let server = FakeServer::start().await.unwrap();
    let url = format!("{}/api/v4/widgets", server.base_url());
    drop(server);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(client.get(&url).send().await.is_err());
}

#[tokio::test]
async fn bind_to_a_given_address() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let server = FakeServer::builder().bind(addr).start().await.unwrap();
    assert_eq!(server.addr(), addr);
    assert_eq!(server.base_url(), format!("http://{addr}"));
    // The port is now taken.
    assert!(FakeServer::builder().bind(addr).start().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients() {
    let server = FakeServer::builder().widgets(2000).start().await.unwrap();
    let base = server.base_url();
    let mut tasks = Vec::new();
    for page in 1..=10 {
        let url = format!("{base}/api/v4/widgets?limit=250&page={page}");
        tasks.push(tokio::spawn(async move {
            Client::new()
                .get(url)
                .bearer_auth(DEFAULT_TOKEN)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().unwrap());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 204]);
    assert_eq!(server.requests().len(), 10);
}

// ------------------------------------------------------------------- binary

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_serves_and_prints_its_address() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args([
                "--port",
                "0",
                "--widgets",
                "7",
                "--token",
                "bin-token",
                "--rate-limit",
                "100",
                "--pending",
                "salesbot:123:abc",
                "--pending",
                "marketingbot:4:x",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let rest = first
        .strip_prefix("amocrm-fake listening on ")
        .unwrap_or_else(|| panic!("unexpected banner {first:?}"));
    let (base, token) = rest.split_once(' ').unwrap();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_ne!(base, "http://127.0.0.1:0");
    assert_eq!(token, "(token: bin-token)");
    assert!(second.contains("10 widgets"), "{second}");

    let client = Client::new();
    let body: Value = client
        .get(format!("{base}/api/v4/widgets?limit=250"))
        .bearer_auth("bin-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["_embedded"]["widgets"].as_array().unwrap().len(), 10);
    for path in ["salesbot/123/continue/abc", "marketingbot/4/continue/x"] {
        let resp = client
            .post(format!("{base}/api/v4/{path}"))
            .bearer_auth("bin-token")
            .json(&json!({"data": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED, "{path}");
    }
}

#[test]
fn binary_rejects_bad_arguments() {
    for args in [
        &["--pending", "chatbot:1:a"][..],
        &["--pending", "salesbot:x:a"],
        &["--pending", "salesbot:1"],
        &["--port", "99999"],
        &["--raw-widget", "{not json"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
    }
}

#[tokio::test]
async fn continue_body_is_optional() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Marketingbot, 4, "e");
    server.add_pending_continuation(BotKind::Marketingbot, 4, "e");
    let url = format!("{}/api/v4/marketingbot/4/continue/e", server.base_url());
    // No body at all, with or without a JSON content type.
    let resp = Client::new()
        .post(&url)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let resp = Client::new()
        .post(&url)
        .bearer_auth(server.token())
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let bodies: Vec<Value> = server.continuations().into_iter().map(|c| c.body).collect();
    assert_eq!(bodies, [json!({}), json!({})]);
}

#[tokio::test]
async fn raw_widgets_are_served_as_given() {
    let odd = json!({"id": 5, "code": "odd_one", "version": 3, "rating": null,
        "settings_template": null, "is_lead_source": null, "is_work_with_dp": false,
        "is_crm_template": null, "client_uuid": null, "is_active_in_account": null,
        "pipeline_id": null, "settings": [], "_links": []});
    let broken = json!({"code": "broken", "id": "not a number"});
    let server = FakeServer::builder()
        .raw_widget(odd.clone())
        .raw_widget(broken.clone())
        .widgets(2)
        .start()
        .await
        .unwrap();
    assert_eq!(server.widget_count(), 7);
    let body: Value = get(&server, "/api/v4/widgets").await.json().await.unwrap();
    let widgets = body["_embedded"]["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), 7);
    assert_eq!(widgets[3], odd);
    assert_eq!(widgets[4], broken);
    assert_eq!(widgets[5]["code"], "widget_00001");
    let resp = get(&server, "/api/v4/widgets/odd_one").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), HAL);
    assert_eq!(resp.json::<Value>().await.unwrap(), odd);
    let resp = get(&server, "/api/v4/widgets/widget_00002").await;
    assert_eq!(resp.json::<Value>().await.unwrap()["id"], 1002);
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/widgets/broken",
        Some(server.token()),
        Some(json!({"anything": [1]})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), broken);
    assert_eq!(
        server.installed_settings("broken"),
        Some(json!({"anything": [1]}))
    );
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

#[tokio::test]
async fn binary_serves_raw_widgets_strict_accept_and_php_empty_pages() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args([
                "--port",
                "0",
                "--widgets",
                "2",
                "--raw-widget",
                r#"{"code": "odd_one", "version": 3}"#,
                "--strict-accept",
                "--php-empty-page",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(
        second.contains("6 widgets (3 seed + 1 raw + 2 generated)"),
        "{second}"
    );
    let base = first
        .strip_prefix("amocrm-fake listening on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(base, _)| base.to_owned())
        .unwrap();
    let get = |path: &str, accept: &'static str| {
        Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(DEFAULT_TOKEN)
            .header("accept", accept)
            .send()
    };
    let both = "application/hal+json, application/problem+json";
    let resp = get("/api/v4/widgets/odd_one", "application/json")
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let body: Value = get("/api/v4/widgets/odd_one", both)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"code": "odd_one", "version": 3}));
    let body: Value = get("/api/v4/widgets?page=9", both)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"_page": 9, "_links": [], "_embedded": []}));
}
