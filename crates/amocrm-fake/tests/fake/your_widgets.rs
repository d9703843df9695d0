//! Your own widgets in the catalogue: from code and from JSON or YAML catalogue files.

use amocrm_fake::{AccountSpec, FakeServer, FakeWidget, SettingField, SettingType};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn your_own_widgets_with_your_settings_template() {
    let mine = FakeWidget::new("my_widget")
        .version("2.0.1")
        .rating(4.5)
        .setting(SettingField::new(
            "api_key",
            "API key",
            SettingType::Text,
            true,
        ))
        .optional_setting("mapping", SettingType::Custom)
        .lead_source(true)
        .pipeline_id(77);
    let loose = FakeWidget::new("loose").id(5).version(3).rating("4,5");
    let server = FakeServer::builder()
        .widget(mine)
        .widget(loose)
        .widgets(2)
        .account(AccountSpec::new("acc1").widget(FakeWidget::new("acc1_only")))
        .start()
        .await
        .unwrap();
    assert_eq!(server.widget_count(), 3 + 2 + 2);
    let acc1 = server.account("acc1").unwrap();
    assert_eq!(acc1.widget_count(), 3 + 3 + 2);

    let url = |base: &str, code: &str| format!("{base}/api/v4/widgets/{code}");
    let got: Value = call(
        &url(&server.base_url(), "my_widget"),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(got["version"], "2.0.1");
    assert_eq!(got["rating"], 4.5);
    assert_eq!(got["is_lead_source"], true);
    assert_eq!(got["pipeline_id"], 77);
    assert!(got["id"].as_i64().unwrap() > 1_000_000_000);
    assert_eq!(
        got["settings_template"],
        json!([
            {"key": "api_key", "name": "API key", "type": "text", "is_required": true},
            {"key": "mapping", "name": "mapping", "type": "custom", "is_required": false}
        ])
    );
    let got: Value = call(
        &url(&server.base_url(), "loose"),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            got["id"].clone(),
            got["version"].clone(),
            got["rating"].clone()
        ),
        (json!(5), json!(3), json!("4,5"))
    );

    // Install is validated against your template, and the state persists.
    let resp = call(
        &url(&server.base_url(), "my_widget"),
        Method::POST,
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(
        problem["validation-errors"][0]["errors"][0]["path"],
        "api_key"
    );
    let resp = call(
        &url(&server.base_url(), "my_widget"),
        Method::POST,
        Some(server.token()),
        Some(json!({"api_key": "k", "mapping": [1, 2]})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        server.installed_settings("my_widget"),
        Some(json!({"api_key": "k", "mapping": [1, 2]}))
    );
    let list: Value = call(
        &format!("{}/api/v4/widgets", server.base_url()),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let codes: Vec<&str> = list["_embedded"]["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "amo_dropbox",
            "amo_mailchimp",
            "amo_asterisk",
            "my_widget",
            "loose",
            "widget_00001",
            "widget_00002"
        ]
    );
    assert_eq!(
        list["_embedded"]["widgets"][3]["is_active_in_account"],
        true
    );

    // The account's own widget is its alone.
    let resp = call(
        &url(acc1.url(), "acc1_only"),
        Method::GET,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = call(
        &url(&server.base_url(), "acc1_only"),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &url(acc1.url(), "my_widget"),
        Method::GET,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn catalogue_files_in_json_and_yaml() {
    let dir = std::env::temp_dir().join(format!("amocrm-fake-catalogue-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("widgets.yaml");
    std::fs::write(
        &yaml,
        "widgets:\n  - code: from_yaml\n    version: \"1.2.3\"\n    settings_template:\n      - {key: token, name: Token, type: pass, is_required: true}\n",
    )
    .unwrap();
    let json_file = dir.join("widgets.txt");
    std::fs::write(&json_file, r#"[{"code": "from_json", "rating": "4,5"}]"#).unwrap();
    let mut widgets = FakeWidget::load_catalogue(&yaml).unwrap();
    widgets.extend(FakeWidget::load_catalogue(&json_file).unwrap());
    assert_eq!(widgets[0].settings_template[0].kind, SettingType::Pass);
    assert_eq!(widgets[1].rating, "4,5");
    let server = FakeServer::builder()
        .widgets_from(widgets)
        .start()
        .await
        .unwrap();
    let resp = call(
        &format!("{}/api/v4/widgets/from_yaml", server.base_url()),
        Method::POST,
        Some(server.token()),
        Some(json!({"token": 1})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"widgets\": [\n  {\"code\": \"x\", \"colour\": 1}\n]}",
    )
    .unwrap();
    let err = FakeWidget::load_catalogue(&bad).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("bad.json") && text.contains("colour") && text.contains("line 2"),
        "{text}"
    );
    assert_eq!(err.file(), bad.as_path());
    let err = FakeWidget::load_catalogue(dir.join("missing.yaml")).unwrap_err();
    assert!(err.to_string().contains("missing.yaml"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
