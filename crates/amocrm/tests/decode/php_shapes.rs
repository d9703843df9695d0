//! Decoding what amoCRM really sends, which is looser than its documentation: each shape
//! of issue 12 at the decoding level (the end-to-end twins are in the workspace's
//! `tests/real_world_shapes.rs`).

use amocrm::__bench as decode;
use amocrm::Error;
use amocrm::widgets::{SettingValue, SettingsFieldType, Widget};
use serde_json::{Value, json};

/// The documentation's amo_asterisk after installation, with `changes` merged in.
fn widget_json(changes: Value) -> Value {
    let mut widget = json!({
        "id": 972, "code": "amo_asterisk", "version": "1.1.6", "rating": "2,7",
        "settings_template": [
            {"key": "login", "name": "Логин", "type": "text", "is_required": true},
            {"key": "password", "name": "Пароль", "type": "pass", "is_required": true},
            {"key": "phones", "name": "Список телефонов", "type": "users", "is_required": true},
            {"key": "conf", "name": "custom", "type": "custom", "is_required": false}
        ],
        "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
        "client_uuid": null, "is_active_in_account": true, "pipeline_id": null,
        "settings": {"login": "example", "password": "eXaMp1E", "phones": {"504141": "1039"}},
        "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/widgets/amo_asterisk"}}
    });
    if let (Value::Object(widget), Value::Object(changes)) = (&mut widget, changes) {
        widget.extend(changes);
    }
    widget
}

fn decode_one(changes: Value) -> Result<Widget, Error> {
    decode::widget(&serde_json::to_vec(&widget_json(changes)).unwrap())
}

fn page_of(widgets: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "_page": 3,
        "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/widgets?page=3"},
                   "next": {"href": "https://example.amocrm.ru/api/v4/widgets?page=4"}},
        "_embedded": {"widgets": widgets}
    }))
    .unwrap()
}

#[test]
fn version_may_be_an_integer_or_null() {
    let widget = decode_one(json!({"version": 7})).unwrap();
    assert_eq!(widget.version.as_deref(), Some("7"));
    let widget = decode_one(json!({"version": null})).unwrap();
    assert_eq!(widget.version, None);
    let widget = decode_one(json!({"version": "1.1.6"})).unwrap();
    assert_eq!(widget.version.as_deref(), Some("1.1.6"));
    // Anything else is not a version.
    assert!(decode_one(json!({"version": 1.5})).is_err());
    assert!(decode_one(json!({"version": [1]})).is_err());
}

#[test]
fn rating_may_be_null() {
    let widget = decode_one(json!({"rating": null})).unwrap();
    assert_eq!(widget.rating, None);
    let widget = decode_one(json!({"rating": 4.5})).unwrap();
    assert_eq!(widget.rating.and_then(|r| r.value()), Some(4.5));
}

#[test]
fn flags_may_be_null_and_stay_apart_from_false() {
    let widget = decode_one(json!({
        "is_lead_source": null, "is_active_in_account": null,
        "is_work_with_dp": null, "is_crm_template": true
    }))
    .unwrap();
    assert_eq!(widget.is_lead_source, None);
    assert_eq!(widget.is_active_in_account, None);
    assert!(!widget.is_installed());
    assert_eq!(widget.is_work_with_dp, None);
    assert_eq!(widget.is_crm_template, Some(true));
    let widget = decode_one(json!({})).unwrap();
    assert_eq!(widget.is_lead_source, Some(false));
    assert!(widget.is_installed());
}

#[test]
fn settings_template_may_be_null() {
    let widget = decode_one(json!({"settings_template": null, "settings": {}})).unwrap();
    assert!(widget.settings_template.is_empty());
}

#[test]
fn settings_template_type_is_an_open_set() {
    let widget = decode_one(json!({"settings_template": [
        {"key": "k", "name": "n", "type": "date_range", "is_required": false}
    ]}))
    .unwrap();
    assert_eq!(
        widget.settings_template[0].kind,
        SettingsFieldType::Unknown("date_range".into())
    );
}

#[test]
fn settings_as_php_empty_array_is_empty() {
    let widget = decode_one(json!({"settings": []})).unwrap();
    assert_eq!(widget.settings.map(|s| s.len()), Some(0));
    // A non-empty array is not a map.
    assert!(decode_one(json!({"settings": [1]})).is_err());
}

#[test]
fn settings_as_json_encoded_string_are_parsed() {
    let widget =
        decode_one(json!({"settings": "{\"debug\":true,\"password\":\"eXaMp1E\"}"})).unwrap();
    let settings = widget.settings.unwrap();
    assert_eq!(
        settings.get("debug"),
        Some(&SettingValue::Other(json!(true)))
    );
    // Typed by the template like any settings: `password` is a pass field.
    assert_eq!(
        settings.get("password").map(SettingValue::kind),
        Some("pass")
    );
    let widget = decode_one(json!({"settings": "[]"})).unwrap();
    assert_eq!(widget.settings.map(|s| s.len()), Some(0));
    // Not a JSON object: an error that does not print the text.
    for text in [
        "not json s3cr3t-value",
        "\"s3cr3t-value\"",
        "[\"s3cr3t-value\"]",
        "{} {}",
    ] {
        let error = decode_one(json!({ "settings": text })).unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    }
}

#[test]
fn users_extension_may_be_a_number() {
    let widget =
        decode_one(json!({"settings": {"phones": {"504141": 1039, "504142": "1040"}}})).unwrap();
    let phones = widget.settings.unwrap().get("phones").cloned();
    assert_eq!(
        phones,
        Some(SettingValue::Users(
            [(504141, "1039".to_owned()), (504142, "1040".to_owned())].into()
        ))
    );
    // Anything else keeps the whole value as it came, not a users map missing an entry.
    for phones in [
        json!({"504141": 1039, "504142": true}),
        json!({"504141": "1039", "x": "1040"}),
    ] {
        let widget = decode_one(json!({"settings": {"phones": phones.clone()}})).unwrap();
        assert_eq!(
            widget.settings.unwrap().get("phones"),
            Some(&SettingValue::Other(phones))
        );
    }
}

#[test]
fn custom_setting_takes_any_value() {
    let value = json!({"nested": [1, null, {"a": false}]});
    let widget = decode_one(json!({"settings": {"conf": value.clone()}})).unwrap();
    assert_eq!(
        widget.settings.unwrap().get("conf"),
        Some(&SettingValue::Other(value))
    );
}

#[test]
fn widget_links_may_be_php_empty_array() {
    let widget = decode_one(json!({"_links": []})).unwrap();
    assert_eq!(widget.self_link, None);
}

#[test]
fn page_links_and_embedded_may_be_php_empty_arrays() {
    let body = br#"{"_page": 2, "_links": [], "_embedded": []}"#;
    let page = decode::widget_page(body).unwrap();
    assert_eq!(page.page, 2);
    assert!(page.items.is_empty() && page.failed.is_empty());
    assert_eq!(page.links, amocrm::pagination::PageLinks::default());
    assert_eq!(page.next_page(), None);
    // Entry by entry too.
    let page = decode::widget_page_per_entry(body).unwrap();
    assert!(page.items.is_empty() && page.links.next.is_none());
}

#[test]
fn one_bad_widget_costs_only_itself() {
    let mut widgets: Vec<Value> = (0..5)
        .map(|i| widget_json(json!({"id": i, "code": format!("w{i}")})))
        .collect();
    widgets[2] = widget_json(json!({
        "code": "bad_one",
        "settings_template": [{"key": "k", "name": "n", "type": "text", "is_required": "s3cr3t-value"}]
    }));
    let page = decode::widget_page(&page_of(widgets)).unwrap();
    let codes: Vec<&str> = page.items.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["w0", "w1", "w3", "w4"]);
    assert_eq!(page.next_page(), Some(4));
    let [failed] = page.failed.as_slice() else {
        panic!("{:?}", page.failed)
    };
    assert_eq!(failed.page, 3);
    assert_eq!(failed.index, 2);
    assert_eq!(failed.code.as_deref(), Some("bad_one"));
    assert_eq!(failed.path, "settings_template[0].is_required");
    assert_eq!(failed.expected, "a boolean");
    assert_eq!(failed.found, "a string");
    let error = Error::UndecodableEntry(Box::new(failed.clone()));
    let printed = format!("{error} | {error:?}");
    assert!(
        printed.contains("bad_one") && printed.contains("page 3"),
        "{printed}"
    );
    assert!(
        printed.contains("settings_template[0].is_required"),
        "{printed}"
    );
    assert!(!printed.contains("s3cr3t"), "{printed}");
    assert_eq!(error.status(), Some(200));

    // In page order, as a stream hands them out.
    let results = page.into_results();
    assert_eq!((results.len(), results.size_hint()), (5, (5, Some(5))));
    let items: Vec<Result<String, String>> = results
        .map(|r| r.map(|w| w.code).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(items.len(), 5);
    assert!(items[2].is_err() && items.iter().filter(|i| i.is_err()).count() == 1);
    assert_eq!(items[3].as_deref(), Ok("w3"));
}

#[test]
fn an_entry_without_a_readable_code_is_named_by_its_index() {
    let widgets = vec![
        // A key is read as a string or an integer; a flag names nothing.
        widget_json(json!({"code": true})),
        json!("s3cr3t-value, not a widget"),
        widget_json(json!({"id": "s3cr3t-value"})),
        widget_json(json!({})),
    ];
    let mut missing = widget_json(json!({}));
    missing.as_object_mut().unwrap().remove("id");
    let mut widgets = widgets;
    widgets.push(missing);
    let page = decode::widget_page(&page_of(widgets)).unwrap();
    assert_eq!(page.items.len(), 1);
    let failed = &page.failed;
    assert_eq!(failed.len(), 4);
    assert_eq!((failed[0].index, failed[0].code.as_deref()), (0, None));
    assert_eq!(
        (failed[0].path.as_str(), failed[0].found),
        ("code", "a boolean")
    );
    assert_eq!((failed[1].index, failed[1].path.as_str()), (1, ""));
    assert_eq!(failed[1].found, "a string");
    assert_eq!(
        (failed[2].path.as_str(), failed[2].found),
        ("id", "a string")
    );
    assert_eq!(failed[2].expected, "an integer");
    assert_eq!(failed[1].expected, "an object");
    assert_eq!(failed[2].code.as_deref(), Some("amo_asterisk"));
    assert_eq!((failed[3].index, failed[3].path.as_str()), (4, "id"));
    assert_eq!(
        (failed[3].found, failed[3].expected.as_str()),
        ("nothing", "a value")
    );
    for failed in failed {
        let error = Error::from(failed.clone());
        let printed = format!("{error} | {error:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(
            printed.contains(&format!("entry {}", failed.index)),
            "{printed}"
        );
    }
}

#[test]
fn a_page_that_is_not_a_page_is_one_decode_error() {
    for body in [
        &br#"{"_page": "x", "_links": [], "_embedded": []}"#[..],
        br#"{"_page": 1, "_links": [1], "_embedded": []}"#,
        br#"{"_page": 1, "_links": [], "_embedded": {"widgets": {}}}"#,
        br#"[]"#,
        b"not json",
    ] {
        let error = decode::widget_page(body).unwrap_err();
        assert!(
            matches!(error, Error::Decode { status: 200, .. }),
            "{error:?}"
        );
    }
}

#[test]
fn an_entry_too_deep_to_inspect_is_still_named() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let entry = format!(r#"{{"code": "deep", "id": {deep}}}"#);
    let body = format!(
        r#"{{"_page": 1, "_links": [], "_embedded": {{"widgets": [{entry}, {}]}}}}"#,
        serde_json::to_string(&widget_json(json!({}))).unwrap()
    );
    let page = decode::widget_page(body.as_bytes()).unwrap();
    assert_eq!(page.items.len(), 1);
    let [failed] = page.failed.as_slice() else {
        panic!("{:?}", page.failed)
    };
    assert_eq!((failed.index, failed.path.as_str()), (0, "id"));
    // Too deep to read back: neither the code nor the type found is known.
    assert_eq!((failed.code.as_deref(), failed.found), (None, "unknown"));
}

#[test]
fn a_non_empty_array_for_a_map_names_what_was_expected() {
    let widgets = vec![
        widget_json(json!({"code": "links", "_links": [1]})),
        widget_json(json!({"code": "settings", "settings": [{"a": 1}]})),
        widget_json(json!({"code": "ok"})),
    ];
    let page = decode::widget_page(&page_of(widgets)).unwrap();
    assert_eq!(page.items.len(), 1);
    let failed: Vec<(&str, &str, &str)> = page
        .failed
        .iter()
        .map(|f| (f.path.as_str(), f.expected.as_str(), f.found))
        .collect();
    assert_eq!(
        failed,
        [
            ("_links", "an object, or [] for an empty one", "an array"),
            (
                "settings",
                "widget settings: an object, [] or a JSON-encoded object",
                "an array"
            ),
        ]
    );
}

#[test]
fn an_entry_without_a_code_reads_as_a_sentence() {
    let page = decode::widget_page(&page_of(vec![json!(null)])).unwrap();
    let text = page.failed[0].to_string();
    assert_eq!(
        text,
        "widget (entry 0 of page 3) could not be decoded: the entry is null, expected an object"
    );
    let page = decode::widget_page(&page_of(vec![widget_json(json!({"id": "1"}))])).unwrap();
    assert_eq!(
        page.failed[0].to_string(),
        "widget \"amo_asterisk\" (entry 0 of page 3) could not be decoded: `id` is a string, \
         expected an integer"
    );
}

/// PHP writes an array whose keys are not 0..n (one entry filtered out) as an object keyed
/// by index: its widgets are still the page's, in the order sent.
#[test]
fn widgets_keyed_by_index_are_the_page_entries() {
    let body = serde_json::to_vec(&json!({
        "_page": 3,
        "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/widgets?page=3"},
                   "next": {"href": "https://example.amocrm.ru/api/v4/widgets?page=4"}},
        "_embedded": {"widgets": {
            "0": widget_json(json!({"code": "first"})),
            "2": widget_json(json!({"code": "second", "id": "s3cr3t"})),
            "5": widget_json(json!({"code": "third"}))
        }}
    }))
    .unwrap();
    let page = decode::widget_page(&body).unwrap();
    let codes: Vec<&str> = page.items.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["first", "third"]);
    assert_eq!(page.failed.len(), 1);
    assert_eq!(
        (page.failed[0].index, page.failed[0].code.as_deref()),
        (1, Some("second"))
    );
    assert_eq!(page.next_page(), Some(4));
}

/// PHP echoes a query parameter as the string it read: `"_page": "3"` is page 3, not a
/// page lost.
#[test]
fn page_number_may_be_a_numeric_string() {
    let mut body: Value = serde_json::from_slice(&page_of(vec![widget_json(json!({}))])).unwrap();
    body["_page"] = json!("3");
    let page = decode::widget_page(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!((page.page, page.items.len()), (3, 1));
    assert_eq!(page.next_page(), Some(4));
    // Still not a page number: text, a fraction, nothing, an array.
    for bad in [json!("x"), json!("3.5"), json!(""), json!([3])] {
        body["_page"] = bad;
        assert!(decode::widget_page(&serde_json::to_vec(&body).unwrap()).is_err());
    }
}

/// PHP writes a link it has none of as `[]` (its empty map): the page's widgets are kept,
/// and `"next": []` is no next page. A page without `self` keeps its widgets too.
#[test]
fn a_link_written_as_php_empty_array_is_no_link() {
    let mut body: Value = serde_json::from_slice(&page_of(vec![widget_json(json!({}))])).unwrap();
    body["_links"]["next"] = json!([]);
    let page = decode::widget_page(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!((page.items.len(), page.links.next.clone()), (1, None));
    assert_eq!(page.next_page(), None);
    assert!(page.links.this.is_some());

    body["_links"]["self"] = json!([]);
    body["_links"]["next"] = json!({"href": "https://example.amocrm.ru/api/v4/widgets?page=4"});
    let page = decode::widget_page(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!((page.items.len(), page.links.this.clone()), (1, None));
    assert_eq!(page.next_page(), Some(4));

    body["_links"].as_object_mut().unwrap().remove("self");
    let page = decode::widget_page(&serde_json::to_vec(&body).unwrap()).unwrap();
    assert_eq!((page.items.len(), page.next_page()), (1, Some(4)));

    // A non-empty array is still not a link.
    body["_links"]["next"] = json!([{"href": "x"}]);
    assert!(decode::widget_page(&serde_json::to_vec(&body).unwrap()).is_err());
}

/// Memory for the widgets is not reserved by the count of entries: a hostile page of
/// undecodable two-byte entries (`0,`) must not reserve room for as many widgets (232
/// bytes each, over 100 times the body) on top of the failures. (Past 250 failures the
/// page fails as a whole: `bad_entries.rs`.)
#[test]
fn undecodable_entries_reserve_no_room_for_widgets() {
    let entries = vec!["0"; 250].join(",");
    let body = format!(r#"{{"_page":1,"_links":[],"_embedded":{{"widgets":[{entries}]}}}}"#);
    let page = decode::widget_page(body.as_bytes()).unwrap();
    assert_eq!(page.failed.len(), 250);
    assert!(page.items.is_empty());
    assert!(
        page.items.capacity() <= <Widget as amocrm::pagination::Listed>::MAX_LIMIT as usize,
        "{} widgets reserved",
        page.items.capacity()
    );
}

/// What a page that is not one says it expected, read entry by entry (no value quoted);
/// and a negative `_page` (no usable number) is page 0 there, the caller's page later.
#[test]
fn page_level_faults_name_what_was_expected() {
    let expected = |body: &[u8]| match decode::widget_page(body) {
        Err(Error::Decode { source, .. }) => source.expected().map(str::to_owned),
        other => panic!("{other:?}"),
    };
    let widgets = br#"{"_page": 1, "_links": [], "_embedded": {"widgets": 5}}"#;
    assert_eq!(
        expected(widgets).as_deref(),
        Some("a sequence, or a non-empty object keyed by index")
    );
    let page = br#"{"_page": "x", "_links": [], "_embedded": {"widgets": [0]}}"#;
    assert_eq!(
        expected(page).as_deref(),
        Some("a page number: an integer or its decimal text")
    );
    let negative = br#"{"_page": -5, "_links": [], "_embedded": {"widgets": [0]}}"#;
    let page = decode::widget_page(negative).unwrap();
    assert_eq!((page.page, page.failed[0].page), (0, 0));
}
