//! End to end, through the fake: what amoCRM really sends (looser than its documentation)
//! reaches the user, one unreadable widget costs one `Err` item, and the client's `Accept`
//! passes a strict server. The decoding-level twins are in `crates/amocrm/tests/decode/`.

use amocrm::Error;
use amocrm::bots::ContinueRequest;
use amocrm::widgets::{SettingValue, Settings, SettingsFieldType};
use amocrm_fake::FakeServer;
use amocrm_test_support::fake::client;
use futures::StreamExt;
use serde_json::{Value, json};

/// A widget as the documentation shows it, with `changes` merged in.
fn widget(code: &str, changes: Value) -> Value {
    let mut widget = json!({
        "id": 5000, "code": code, "version": "1.0.0", "rating": "3,1",
        "settings_template": [
            {"key": "phones", "name": "Phones", "type": "users", "is_required": false},
            {"key": "conf", "name": "custom", "type": "custom", "is_required": false}
        ],
        "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
        "client_uuid": null, "is_active_in_account": false, "pipeline_id": null,
        "_links": {"self": {"href": format!("https://example.amocrm.ru/api/v4/widgets/{code}")}}
    });
    if let (Value::Object(widget), Value::Object(changes)) = (&mut widget, changes) {
        widget.extend(changes);
    }
    widget
}

/// Every shape of the issue, one raw widget each.
fn shapes() -> Vec<Value> {
    vec![
        widget("int_version", json!({"version": 7})),
        widget("null_version", json!({"version": null})),
        widget("null_rating", json!({"rating": null})),
        widget(
            "null_flags",
            json!({"is_lead_source": null, "is_work_with_dp": null,
                   "is_crm_template": null, "is_active_in_account": null}),
        ),
        widget("null_template", json!({"settings_template": null})),
        widget(
            "new_type",
            json!({"settings_template": [{"key": "d", "name": "D", "type": "date_range", "is_required": true}]}),
        ),
        widget("empty_settings", json!({"settings": []})),
        widget("encoded_settings", json!({"settings": "{\"debug\":true}"})),
        widget(
            "numeric_extension",
            json!({"settings": {"phones": {"504141": 1039}}}),
        ),
        widget(
            "any_custom",
            json!({"settings": {"conf": [1, {"a": null}]}}),
        ),
        widget("empty_links", json!({"_links": []})),
    ]
}

fn check_shape(widget: &amocrm::widgets::Widget) {
    match widget.code.as_str() {
        "int_version" => assert_eq!(widget.version.as_deref(), Some("7")),
        "null_version" => assert_eq!(widget.version, None),
        "null_rating" => assert_eq!(widget.rating, None),
        "null_flags" => {
            assert_eq!(widget.is_lead_source, None);
            assert_eq!(widget.is_work_with_dp, None);
            assert_eq!(widget.is_crm_template, None);
            assert_eq!(widget.is_active_in_account, None);
        }
        "null_template" => assert!(widget.settings_template.is_empty()),
        "new_type" => assert_eq!(
            widget.settings_template[0].kind,
            SettingsFieldType::Unknown("date_range".into())
        ),
        "empty_settings" => assert_eq!(widget.settings.as_ref().map(Settings::len), Some(0)),
        "encoded_settings" => assert_eq!(
            widget.settings.as_ref().and_then(|s| s.get("debug")),
            Some(&SettingValue::Other(json!(true)))
        ),
        "numeric_extension" => assert_eq!(
            widget.settings.as_ref().and_then(|s| s.get("phones")),
            Some(&SettingValue::Users([(504141, "1039".to_owned())].into()))
        ),
        "any_custom" => assert_eq!(
            widget.settings.as_ref().and_then(|s| s.get("conf")),
            Some(&SettingValue::Other(json!([1, {"a": null}])))
        ),
        "empty_links" => assert_eq!(widget.self_link, None),
        other => panic!("unexpected widget {other}"),
    }
}

#[tokio::test]
async fn every_shape_reads_through_list_stream_and_get() {
    let mut builder = FakeServer::builder();
    for shape in shapes() {
        builder = builder.raw_widget(shape);
    }
    let fake = builder.widgets(2).start().await.unwrap();
    let client = client(&fake);

    let page = client.widgets().list().limit(250).send().await.unwrap();
    assert!(page.failed.is_empty(), "{:?}", page.failed);
    assert_eq!(page.items.len(), 3 + shapes().len() + 2);
    let mut streamed = 0;
    let mut stream = client.widgets().list().limit(5).stream();
    while let Some(widget) = stream.next().await {
        let widget = widget.unwrap();
        if widget.id == 5000 {
            check_shape(&widget);
            streamed += 1;
        }
    }
    assert_eq!(streamed, shapes().len());
    for shape in shapes() {
        let code = shape["code"].as_str().unwrap();
        check_shape(&client.widgets().get(code).send().await.unwrap());
    }
}

#[tokio::test]
async fn install_answers_in_the_new_shapes_read_too() {
    let fake = FakeServer::builder()
        .raw_widget(widget(
            "encoded_settings",
            json!({"settings": "{\"debug\":true}", "version": 2}),
        ))
        .raw_widget(widget(
            "empty_settings",
            json!({"settings": [], "is_active_in_account": null}),
        ))
        .start()
        .await
        .unwrap();
    let client = client(&fake);
    let installed = client
        .widgets()
        .install("encoded_settings", &Settings::new().text("conf", "x"))
        .send()
        .await
        .unwrap();
    check_shape(&installed);
    assert_eq!(installed.version.as_deref(), Some("2"));
    let installed = client
        .widgets()
        .install("empty_settings", &Settings::new())
        .send()
        .await
        .unwrap();
    check_shape(&installed);
}

#[tokio::test]
async fn custom_settings_send_any_value_and_users_read_numbers() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake);
    // amo_dropbox's `conf` is a custom field: any JSON value is sent as it is.
    let conf = json!({"folders": [1, 2], "sync": true, "note": null});
    let settings = Settings::new().set("conf", SettingValue::Other(conf.clone()));
    let installed = client
        .widgets()
        .install("amo_dropbox", &settings)
        .checked()
        .send()
        .await
        .unwrap();
    assert_eq!(
        fake.installed_settings("amo_dropbox"),
        Some(json!({"conf": conf}))
    );
    assert_eq!(
        installed.settings.unwrap().get("conf"),
        Some(&SettingValue::Other(conf))
    );

    // The fake takes a numeric users extension, and the client reads it back as text.
    let settings = Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .set("phones", SettingValue::Other(json!({"504141": 1039})))
        .text("script_path", "https://example.com/");
    let installed = client
        .widgets()
        .install("amo_asterisk", &settings)
        .send()
        .await
        .unwrap();
    assert_eq!(
        installed.settings.unwrap().get("phones"),
        Some(&SettingValue::Users([(504141, "1039".to_owned())].into()))
    );
}

#[tokio::test]
async fn php_empty_page_ends_the_stream() {
    let fake = FakeServer::builder()
        .php_empty_page(true)
        .widgets(7)
        .start()
        .await
        .unwrap();
    let client = client(&fake);
    let past = client.widgets().list().page(9).send().await.unwrap();
    assert_eq!(past.page, 9);
    assert!(past.items.is_empty() && past.failed.is_empty());
    assert_eq!(past.links, amocrm::pagination::PageLinks::default());
    // 10 widgets, 5 a page: the third page is PHP's empty page, which ends the stream.
    let mut stream = client.widgets().list().limit(5).stream();
    let mut count = 0;
    while let Some(widget) = stream.next().await {
        widget.unwrap();
        count += 1;
    }
    assert_eq!(count, 10);
}

/// The done-when of the issue: 1,000 widgets, one unreadable, 999 widgets and one `Err`
/// naming it, the stream going on through the rest of its page and the following pages.
#[tokio::test]
async fn one_undecodable_widget_among_1000_costs_one_err() {
    let bad = widget(
        "bad_widget",
        json!({"id": "s3cr3t-id", "is_lead_source": "yes"}),
    );
    let fake = FakeServer::builder()
        .raw_widget(bad)
        .widgets(996)
        .start()
        .await
        .unwrap();
    assert_eq!(fake.widget_count(), 1000);
    let client = client(&fake);

    let mut stream = client.widgets().list().limit(250).stream();
    let (mut widgets, mut errors, mut order) = (Vec::new(), Vec::new(), 0usize);
    while let Some(item) = stream.next().await {
        match item {
            Ok(widget) => widgets.push(widget.code),
            Err(error) => errors.push((order, error)),
        }
        order += 1;
    }
    assert_eq!(widgets.len(), 999);
    assert_eq!(order, 1000);
    let [(position, error)] = errors.as_slice() else {
        panic!("{errors:?}")
    };
    // In its place: the 4th entry of page 1; the widgets after it, and pages 2 to 4, follow.
    assert_eq!(*position, 3);
    let Error::UndecodableEntry(failed) = error else {
        panic!("{error:?}")
    };
    assert_eq!((failed.page, failed.index), (1, 3));
    assert_eq!(failed.code.as_deref(), Some("bad_widget"));
    assert_eq!((failed.path.as_str(), failed.found), ("id", "a string"));
    let printed = format!("{error} | {error:?}");
    assert!(printed.contains("bad_widget"), "{printed}");
    assert!(!printed.contains("s3cr3t"), "{printed}");
    assert_eq!(widgets[3], "widget_00001");
    assert_eq!(widgets.last().map(String::as_str), Some("widget_00996"));

    // One page: the good widgets, and the bad one reported.
    let page = client.widgets().list().limit(250).send().await.unwrap();
    assert_eq!(page.items.len(), 249);
    assert_eq!(page.failed.len(), 1);
    assert_eq!(page.failed[0], **failed);
    assert_eq!(page.next_page(), Some(2));
}

#[tokio::test]
async fn every_call_passes_a_strict_accept_check() {
    let fake = FakeServer::builder()
        .strict_accept(true)
        .accept_any_continuation(true)
        .start()
        .await
        .unwrap();
    let client = client(&fake);
    client.widgets().list().send().await.unwrap();
    client.widgets().get("amo_dropbox").send().await.unwrap();
    client
        .widgets()
        .install("amo_dropbox", &Settings::new())
        .send()
        .await
        .unwrap();
    client
        .widgets()
        .uninstall("amo_dropbox")
        .send()
        .await
        .unwrap();
    client
        .bots()
        .continue_bot(
            amocrm::bots::BotKind::Salesbot,
            1,
            "c",
            &ContinueRequest::new(),
        )
        .send()
        .await
        .unwrap();
    // A 404 is a problem+json answer: still admitted.
    let missing = client
        .widgets()
        .get("no_such_widget")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 6);
    for request in requests {
        let accept = request.header("accept").unwrap_or_default();
        assert!(accept.contains("application/hal+json"), "{accept}");
        assert!(accept.contains("application/problem+json"), "{accept}");
    }
}

/// A page of nothing but unreadable entries is not the end of the list.
#[tokio::test]
async fn a_page_of_only_undecodable_widgets_does_not_end_the_stream() {
    let fake = FakeServer::builder()
        .raw_widget(json!({"code": "bad_1", "id": []}))
        .raw_widget(json!({"code": "bad_2"}))
        .widgets(2)
        .start()
        .await
        .unwrap();
    let client = client(&fake);
    let items: Vec<Result<String, String>> = client
        .widgets()
        .list()
        .limit(1)
        .stream()
        .map(|item| match item {
            Ok(widget) => Ok(widget.code),
            Err(Error::UndecodableEntry(entry)) => Err(entry.code.unwrap_or_default()),
            Err(other) => panic!("{other:?}"),
        })
        .collect()
        .await;
    assert_eq!(
        items,
        [
            Ok("amo_dropbox".to_owned()),
            Ok("amo_mailchimp".to_owned()),
            Ok("amo_asterisk".to_owned()),
            Err("bad_1".to_owned()),
            Err("bad_2".to_owned()),
            Ok("widget_00001".to_owned()),
            Ok("widget_00002".to_owned()),
        ]
    );
}
