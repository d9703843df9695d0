//! Listing and getting widgets: the seed, paging, generated and raw widgets, links, lookup
//! by code.

use std::time::{Duration, Instant};

use amocrm_fake::{BotKind, DEFAULT_TOKEN, DEFAULT_USER_TOKEN, FakeServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

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
