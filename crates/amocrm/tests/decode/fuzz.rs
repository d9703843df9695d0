//! Fuzzing of every response body the client decodes: the raw types through serde_json,
//! the conversion into the ergonomic model, and the error path (problem+json, HTML,
//! garbage, any status, any `Retry-After`).
//!
//! The properties below run a modest number of cases with `cargo test`. The long run is
//! the ignored test at the end:
//!
//! ```text
//! AMOCRM_FUZZ_CASES=1000000 cargo test -p amocrm --release --test decode -- --ignored --nocapture
//! ```

use amocrm::__bench as decode;
use amocrm::widgets::Widget;
use amocrm::{Error, Page};
use amocrm_raw::types as raw;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};

// ---------------------------------------------------------------------------------------
// Seeds: the example bodies of the API documentation (and of amoCRM's error answers).

const SEED_LIST: &str = r#"{"_page":1,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets?limit=2&page=1"},"next":{"href":"https://example.amocrm.ru/api/v4/widgets?limit=2&page=2"}},"_embedded":{"widgets":[{"id":742,"code":"amo_dropbox","version":"0.0.13","rating":"2,8","settings_template":[{"key":"conf","name":"custom","type":"custom","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_dropbox"}}},{"id":796,"code":"amo_mailchimp","version":"1.1.12","rating":"3,4","settings_template":[{"key":"api","name":"custom","type":"custom","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_mailchimp"}}}]}}"#;

const SEED_WIDGET: &str = r#"{"id":742,"code":"amo_dropbox","version":"0.0.13","rating":"2,8","settings_template":[{"key":"conf","name":"custom","type":"custom","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_dropbox"}}}"#;

const SEED_INSTALLED: &str = r#"{"id":972,"code":"amo_asterisk","version":"1.1.6","rating":"2,7","settings_template":[{"key":"login","name":"Логин","type":"text","is_required":true},{"key":"password","name":"Пароль","type":"pass","is_required":true},{"key":"phones","name":"Список телефонов","type":"users","is_required":true},{"key":"script_path","name":"Путь к скрипту","type":"text","is_required":true},{"key":"sip","name":"SIP","type":"users_lp","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":true,"pipeline_id":null,"settings":{"login":"example","password":"eXaMp1E","phones":{"504141":"1039"},"script_path":"https://example.com/","sip":{"504141":{"login":"op","password":"s3cret"}}},"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_asterisk"}}}"#;

/// What amoCRM really sends, looser than its documentation: an integer version, `null`
/// rating and flags, `null` template, a new field type, PHP's `[]` for empty maps,
/// JSON-encoded settings, a numeric users extension, and one entry no client can read.
const SEED_LOOSE_LIST: &str = r#"{"_page":2,"_links":[],"_embedded":{"widgets":[{"id":1,"code":"a","version":7,"rating":null,"settings_template":null,"is_lead_source":null,"is_work_with_dp":null,"is_crm_template":null,"client_uuid":null,"is_active_in_account":null,"pipeline_id":null,"settings":[],"_links":[]},{"id":2,"code":"b","version":null,"rating":4.5,"settings_template":[{"key":"d","name":"D","type":"date_range","is_required":true},{"key":"phones","name":"P","type":"users","is_required":false}],"is_lead_source":true,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":true,"pipeline_id":3,"settings":"{\"debug\":true,\"phones\":{\"504141\":1039}}"},{"id":"x","code":"bad","version":"1"}]}}"#;

const SEED_EMPTY_PAGE: &str = r#"{"_page":9,"_links":[],"_embedded":[]}"#;

const SEED_PROBLEM_400: &str = r#"{"validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"login","detail":"The value you selected is not a valid choice."}]}],"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed"}"#;

const SEED_PROBLEM_401: &str = r#"{"title":"Unauthorized","type":"https://httpstatus.es/401","status":401,"detail":"Unauthorized"}"#;

const SEED_PROBLEM_404: &str = r#"{"title":"Not Found","type":"https://httpstatus.es/404","status":404,"detail":"Widget not found"}"#;

const SEED_429: &str = r#"{"title":"Too Many Requests","type":"https://httpstatus.es/429","status":429,"detail":"Too many requests","retry_after":1}"#;

const SEED_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

const SEEDS: &[&str] = &[
    SEED_LIST,
    SEED_LOOSE_LIST,
    SEED_EMPTY_PAGE,
    SEED_WIDGET,
    SEED_INSTALLED,
    SEED_PROBLEM_400,
    SEED_PROBLEM_401,
    SEED_PROBLEM_404,
    SEED_429,
];

/// Keys the decoders look at, so that random objects hit them often.
const KEYS: &[&str] = &[
    "id",
    "code",
    "version",
    "rating",
    "settings_template",
    "key",
    "name",
    "type",
    "is_required",
    "is_lead_source",
    "is_work_with_dp",
    "is_crm_template",
    "client_uuid",
    "is_active_in_account",
    "pipeline_id",
    "settings",
    "_links",
    "self",
    "href",
    "next",
    "prev",
    "_page",
    "_embedded",
    "widgets",
    "title",
    "status",
    "detail",
    "validation-errors",
    "request_id",
    "errors",
    "path",
    "retry_after",
    "login",
    "password",
    "phones",
    "sip",
];

const STRINGS: &[&str] = &[
    "",
    "2,8",
    "2.8",
    "3",
    ",",
    "1,2,3",
    "NaN",
    "inf",
    "-0",
    "1e999",
    "text",
    "pass",
    "custom",
    "users",
    "users_lp",
    "https://example.amocrm.ru/api/v4/widgets?limit=2&page=2",
    "https://example.amocrm.ru/api/v4/widgets?page=0",
    "https://example.amocrm.ru/api/v4/widgets?page=-1",
    "https://example.amocrm.ru/api/v4/widgets?page=99999999999",
    "https://example.amocrm.ru/api/v4/widgets?page=1&page=2",
    "https://example.amocrm.ru/api/v4/widgets",
    "/relative?page=2",
    "http://[::1",
    "504141",
    "-1",
    "18446744073709551616",
    "\u{0}",
    "\u{FEFF}",
    "ѐ\u{10FFFF}",
    "\\",
    "\"",
    "date_range",
    "[]",
    "{}",
    "{\"debug\":true}",
    "{\"phones\":{\"504141\":1039}}",
    "{\"a\":1} x",
    "[1]",
];

// ---------------------------------------------------------------------------------------
// Generators.

fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            json!(0),
            json!(-1),
            json!(1),
            json!(i32::MAX),
            json!(i32::MIN),
            json!(i64::from(i32::MAX) + 1),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5),
            json!(-0.0),
            json!(1e308),
            json!(2.8),
            json!(9_007_199_254_740_993u64),
        ]),
    ]
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(STRINGS).prop_map(str::to_owned),
        prop::sample::select(KEYS).prop_map(str::to_owned),
        any::<String>(),
        "[0-9]{1,25}",
        "[0-9]{1,3}[,.][0-9]{0,3}",
    ]
}

fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => arb_string(),
    ]
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        arb_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((arb_key(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A field: mostly a valid value, sometimes anything, sometimes missing (so that whole
/// objects still decode often enough to reach the conversions behind serde).
fn field(valid: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        200 => valid.prop_map(Some),
        1 => arb_json().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

fn valid_field_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec!["text", "pass", "custom", "users", "users_lp"])
            .prop_map(Value::from),
        arb_string().prop_map(Value::String),
    ]
}

fn template_entry() -> impl Strategy<Value = Value> {
    (
        field(arb_key().prop_map(Value::String)),
        field(arb_string().prop_map(Value::String)),
        field(valid_field_type()),
        field(any::<bool>().prop_map(Value::Bool)),
    )
        .prop_map(|(key, name, kind, required)| {
            object([
                ("key", key),
                ("name", name),
                ("type", kind),
                ("is_required", required),
            ])
        })
}

fn setting_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        arb_string().prop_map(Value::String),
        prop::collection::btree_map("[0-9]{1,7}", arb_string(), 0..3).prop_map(|m| json!(m)),
        prop::collection::btree_map(
            "[0-9]{1,7}",
            (arb_string(), arb_string()).prop_map(|(l, p)| json!({"login": l, "password": p})),
            0..3
        )
        .prop_map(|m| json!(m)),
        arb_json(),
    ]
}

fn link(href: impl Strategy<Value = String> + 'static) -> impl Strategy<Value = Value> {
    href.prop_map(|href| json!({ "href": href }))
}

fn page_href() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..20, 1u32..300).prop_map(|(page, limit)| format!(
            "https://example.amocrm.ru/api/v4/widgets?limit={limit}&page={page}"
        )),
        arb_string(),
    ]
}

fn widget_value() -> impl Strategy<Value = Value> {
    let head = (
        field(any::<i64>().prop_map(Value::from)),
        field(arb_string().prop_map(Value::String)),
        field(arb_string().prop_map(Value::String)),
        field(prop_oneof![
            arb_string().prop_map(Value::String),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from)
        ]),
        field(prop::collection::vec(template_entry(), 0..5).prop_map(Value::Array)),
    );
    let flags = (
        field(any::<bool>().prop_map(Value::Bool)),
        field(any::<bool>().prop_map(Value::Bool)),
        field(any::<bool>().prop_map(Value::Bool)),
        field(prop_oneof![
            Just(Value::Null),
            arb_string().prop_map(Value::String)
        ]),
        field(any::<bool>().prop_map(Value::Bool)),
        field(prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from)
        ]),
    );
    let tail = (
        prop_oneof![
            4 => Just(None),
            12 => prop::collection::vec((arb_key(), setting_value()), 0..5)
                .prop_map(|pairs| Some(Value::Object(pairs.into_iter().collect()))),
            1 => arb_json().prop_map(Some),
        ],
        field(link(page_href()).prop_map(|l| json!({ "self": l }))),
    );
    (head, flags, tail).prop_map(
        |(
            (id, code, version, rating, template),
            (a, b, c, uuid, active, pipeline),
            (settings, links),
        )| {
            object([
                ("id", id),
                ("code", code),
                ("version", version),
                ("rating", rating),
                ("settings_template", template),
                ("is_lead_source", a),
                ("is_work_with_dp", b),
                ("is_crm_template", c),
                ("client_uuid", uuid),
                ("is_active_in_account", active),
                ("pipeline_id", pipeline),
                ("settings", settings),
                ("_links", links),
            ])
        },
    )
}

fn page_value() -> impl Strategy<Value = Value> {
    (
        field(prop_oneof![
            8 => (0i64..30).prop_map(Value::from),
            1 => any::<i32>().prop_map(Value::from),
            1 => any::<i64>().prop_map(Value::from),
        ]),
        field(link(page_href())),
        prop::option::of(link(page_href())),
        prop::option::of(link(page_href())),
        field(prop::collection::vec(widget_value(), 0..6).prop_map(Value::Array)),
    )
        .prop_map(|(page, this, next, prev, widgets)| {
            let links = object([("self", this), ("next", next), ("prev", prev)]);
            let embedded = object([("widgets", widgets)]);
            object([
                ("_page", page),
                ("_links", Some(links)),
                ("_embedded", Some(embedded)),
            ])
        })
}

fn problem_value() -> impl Strategy<Value = Value> {
    let error = (
        field(arb_string().prop_map(Value::String)),
        field(arb_string().prop_map(Value::String)),
        field(arb_string().prop_map(Value::String)),
    )
        .prop_map(|(code, path, detail)| {
            object([("code", code), ("path", path), ("detail", detail)])
        });
    let group = (
        prop::option::of(arb_string().prop_map(Value::String)),
        field(prop::collection::vec(error, 0..3).prop_map(Value::Array)),
    )
        .prop_map(|(request_id, errors)| object([("request_id", request_id), ("errors", errors)]));
    (
        field(arb_string().prop_map(Value::String)),
        field(prop_oneof![
            (100i64..600).prop_map(Value::from),
            arb_number()
        ]),
        prop::option::of(arb_string().prop_map(Value::String)),
        prop::option::of(arb_string().prop_map(Value::String)),
        prop::option::of(prop::collection::vec(group, 0..3).prop_map(Value::Array)),
        prop::option::of(prop_oneof![
            arb_number(),
            arb_string().prop_map(Value::String)
        ]),
    )
        .prop_map(|(title, status, kind, detail, groups, retry_after)| {
            object([
                ("title", title),
                ("status", status),
                ("type", kind),
                ("detail", detail),
                ("validation-errors", groups),
                ("retry_after", retry_after),
            ])
        })
}

fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect::<Map<_, _>>(),
    )
}

/// A structural edit of a JSON tree, at the node `at` (pre-order, modulo the node count).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    Duplicate(usize),
    WrapInArray(usize),
    Nest(usize, u8),
}

fn arb_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), arb_json()).prop_map(|(at, v)| Edit::Replace(at, v)),
        3 => any::<usize>().prop_map(Edit::Remove),
        2 => (any::<usize>(), arb_key(), arb_json()).prop_map(|(at, k, v)| Edit::Insert(at, k, v)),
        1 => any::<usize>().prop_map(Edit::Duplicate),
        1 => any::<usize>().prop_map(Edit::WrapInArray),
        1 => (any::<usize>(), 100u8..140).prop_map(|(at, depth)| Edit::Nest(at, depth)),
    ]
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(map) => map.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The `n`-th node in pre-order.
fn node_mut(value: &mut Value, n: usize) -> Option<&mut Value> {
    fn walk<'a>(value: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
        if *n == 0 {
            return Some(value);
        }
        *n -= 1;
        match value {
            Value::Array(items) => items.iter_mut().find_map(|item| walk(item, n)),
            Value::Object(map) => map.values_mut().find_map(|item| walk(item, n)),
            _ => None,
        }
    }
    let mut n = n;
    walk(value, &mut n)
}

fn apply(value: &mut Value, edit: &Edit) {
    let nodes = count_nodes(value);
    let pick = |at: &usize| at % nodes;
    match edit {
        Edit::Replace(at, new) => {
            if let Some(node) = node_mut(value, pick(at)) {
                *node = new.clone();
            }
        }
        Edit::Remove(at) => {
            if let Some(node) = node_mut(value, pick(at)) {
                match node {
                    Value::Array(items) if !items.is_empty() => {
                        let i = at % items.len();
                        items.remove(i);
                    }
                    Value::Object(map) if !map.is_empty() => {
                        let key = map.keys().nth(at % map.len()).cloned().unwrap_or_default();
                        map.remove(&key);
                    }
                    _ => *node = Value::Null,
                }
            }
        }
        Edit::Insert(at, key, new) => {
            if let Some(node) = node_mut(value, pick(at)) {
                match node {
                    Value::Array(items) => items.push(new.clone()),
                    Value::Object(map) => {
                        map.insert(key.clone(), new.clone());
                    }
                    _ => *node = new.clone(),
                }
            }
        }
        Edit::Duplicate(at) => {
            if let Some(Value::Array(items)) = node_mut(value, pick(at)) {
                let copy = items.clone();
                items.extend(copy);
            }
        }
        Edit::WrapInArray(at) => {
            if let Some(node) = node_mut(value, pick(at)) {
                *node = Value::Array(vec![node.take()]);
            }
        }
        Edit::Nest(at, depth) => {
            if let Some(node) = node_mut(value, pick(at)) {
                let mut nested = node.take();
                for _ in 0..*depth {
                    nested = Value::Array(vec![nested]);
                }
                *node = nested;
            }
        }
    }
}

/// A byte-level edit of a serialized body.
#[derive(Clone, Debug)]
enum ByteEdit {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn arb_byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        any::<usize>().prop_map(ByteEdit::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(at, x)| ByteEdit::Flip(at, x)),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..8),
                prop::sample::select(vec![
                    b"{".to_vec(),
                    b"}".to_vec(),
                    b"[".to_vec(),
                    b"\"".to_vec(),
                    b"\\u".to_vec(),
                    b"\\ud800".to_vec(),
                    b",".to_vec(),
                    b":".to_vec(),
                    b"null".to_vec(),
                    b"1e999".to_vec(),
                    b"-".to_vec(),
                    b"\xff\xfe".to_vec(),
                    b"\xe2\x82".to_vec(),
                ]),
            ]
        )
            .prop_map(|(at, bytes)| ByteEdit::Insert(at, bytes)),
        (any::<usize>(), 1usize..16).prop_map(|(at, n)| ByteEdit::Delete(at, n)),
    ]
}

fn apply_bytes(bytes: &mut Vec<u8>, edit: &ByteEdit) {
    let len = bytes.len();
    match edit {
        ByteEdit::Truncate(at) => bytes.truncate(at % (len + 1)),
        ByteEdit::Flip(at, x) if len > 0 => bytes[at % len] ^= x,
        ByteEdit::Flip(..) => {}
        ByteEdit::Insert(at, new) => {
            let at = at % (len + 1);
            bytes.splice(at..at, new.iter().copied());
        }
        ByteEdit::Delete(at, n) if len > 0 => {
            let at = at % len;
            let end = (at + n).min(len);
            bytes.drain(at..end);
        }
        ByteEdit::Delete(..) => {}
    }
}

fn mutated_seed() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(SEEDS),
        prop::collection::vec(arb_edit(), 0..4),
        prop::collection::vec(arb_byte_edit(), 0..3),
    )
        .prop_map(|(seed, edits, byte_edits)| {
            let mut value: Value = serde_json::from_str(seed).expect("seed is JSON");
            for edit in &edits {
                apply(&mut value, edit);
            }
            let mut bytes = serde_json::to_vec(&value).expect("serializable");
            for edit in &byte_edits {
                apply_bytes(&mut bytes, edit);
            }
            bytes
        })
}

fn html_or_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(SEED_HTML.as_bytes().to_vec()),
        (100u16..600).prop_map(|s| format!("<html><body><h1>{s}</h1></body></html>").into_bytes()),
        any::<String>().prop_map(String::into_bytes),
        Just(Vec::new()),
        Just(b"null".to_vec()),
    ]
}

/// A generated object with up to two structural edits (none in a third of the cases).
fn corrupted(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Vec<u8>> {
    (value, prop::collection::vec(arb_edit(), 0..3)).prop_map(|(mut value, edits)| {
        for edit in &edits {
            apply(&mut value, edit);
        }
        serde_json::to_vec(&value).expect("serializable")
    })
}

/// Any body the client may read.
fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => mutated_seed(),
        2 => corrupted(page_value()),
        2 => corrupted(widget_value()),
        2 => corrupted(problem_value()),
        1 => arb_json().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => html_or_text(),
    ]
}

fn any_status() -> impl Strategy<Value = u16> {
    prop_oneof![
        4 => prop::sample::select(vec![200u16, 201, 202, 204, 400, 401, 403, 404, 429, 500, 502, 503, 504]),
        2 => 100u16..1000,
        1 => any::<u16>(),
    ]
}

fn any_retry_after() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![
        (0u64..100).prop_map(|s| s.to_string()),
        any::<u64>().prop_map(|s| s.to_string()),
        "[ -~]{0,24}",
        Just("Wed, 21 Oct 2015 07:28:00 GMT".to_owned()),
        Just("1.5".to_owned()),
        Just("-1".to_owned()),
    ])
}

// ---------------------------------------------------------------------------------------
// What every decoder must do with a body.

/// Feeds `body` to every decoder and checks what each returns. Never panics (a panic is
/// the bug being looked for).
fn check_success_decoders(body: &[u8]) -> Result<(), TestCaseError> {
    // Raw types, as the generated client decodes them.
    let raw_page = serde_json::from_slice::<raw::WidgetList>(body);
    let raw_widget = serde_json::from_slice::<raw::Widget>(body);
    let _ = serde_json::from_slice::<raw::Problem>(body);

    // The ergonomic model.
    match decode::widget_page(body) {
        Ok(page) => {
            match raw_page {
                // The whole page decodes: every entry is a widget.
                Ok(raw_page) => {
                    let entries = raw_page.embedded.0.map_or(0, |e| e.widgets.len());
                    prop_assert_eq!(page.items.len(), entries);
                    prop_assert!(page.failed.is_empty());
                }
                // Entry by entry: every entry is a widget or one failure, in order.
                Err(_) => check_per_entry(&page, body)?,
            }
            exercise_page(&page);
        }
        Err(error) => {
            prop_assert!(raw_page.is_err());
            check_decode_error(&error, body)?;
        }
    }
    match decode::widget(body) {
        Ok(widget) => {
            let raw_widget = raw_widget.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&widget.code, &raw_widget.code);
            prop_assert_eq!(widget.id, raw_widget.id);
            exercise_widget(&widget);
        }
        Err(error) => {
            prop_assert!(raw_widget.is_err());
            check_decode_error(&error, body)?;
        }
    }
    Ok(())
}

/// A page read entry by entry: the entries are the widgets plus the failures, the
/// failures are in page order, each names a JSON type found, and none prints a string
/// value of its entry (other than its code, an identifier).
fn check_per_entry(page: &Page<Widget>, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(page.failed.windows(2).all(|w| w[0].index < w[1].index));
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        // Nested deeper than `Value` reads (the entries were skipped, not read): the
        // order above is all there is to check.
        return Ok(());
    };
    let entries = match &value["_embedded"]["widgets"] {
        serde_json::Value::Array(entries) => entries.clone(),
        // PHP's object keyed by index: its values in the order sent (`Value` sorts keys
        // and drops duplicates, so read them from the body).
        serde_json::Value::Object(_) => ordered_entries(body),
        _ => Vec::new(),
    };
    prop_assert_eq!(page.items.len() + page.failed.len(), entries.len());
    prop_assert!(page.failed.windows(2).all(|w| w[0].index < w[1].index));
    for failed in &page.failed {
        prop_assert!(failed.index < entries.len());
        prop_assert_eq!(failed.page, page.page);
        prop_assert!(
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "an array",
                "an object",
                "nothing"
            ]
            .contains(&failed.found),
            "{:?}",
            failed
        );
        let entry = &entries[failed.index];
        prop_assert_eq!(
            failed.code.as_deref(),
            entry.get("code").and_then(|c| c.as_str())
        );
        let error = Error::UndecodableEntry(Box::new(failed.clone()));
        let printed = format!("{error} {error:?}");
        let mut values = Vec::new();
        strings(entry, &mut values);
        for text in values {
            if text.chars().count() >= 12
                // The code may print (an identifier), and so may any part of it.
                && !failed.code.as_deref().is_some_and(|code| code.contains(text.as_str()))
                && !failed.path.contains(text.as_str())
            {
                prop_assert!(!printed.contains(&text), "{} prints a value", printed);
            }
        }
    }
    // The stream's view of the page: the same entries, in page order.
    let items: Vec<Result<Widget, Error>> = page.clone().into_results().collect();
    prop_assert_eq!(items.len(), entries.len());
    for (index, item) in items.iter().enumerate() {
        let failed = page.failed.iter().any(|f| f.index == index);
        prop_assert_eq!(item.is_err(), failed);
    }
    Ok(())
}

/// The values of `_embedded.widgets`, an object, in the order the body has them.
fn ordered_entries(body: &[u8]) -> Vec<Value> {
    struct Values(Vec<Value>);
    impl<'de> serde::Deserialize<'de> for Values {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Values;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Values, A::Error> {
                    let mut values = Vec::new();
                    while let Some((_, v)) = map.next_entry::<serde::de::IgnoredAny, Value>()? {
                        values.push(v);
                    }
                    Ok(Values(values))
                }
            }
            d.deserialize_map(V)
        }
    }
    #[derive(serde::Deserialize)]
    struct Embedded {
        widgets: Values,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(rename = "_embedded")]
        embedded: Embedded,
    }
    serde_json::from_slice::<Page>(body).map_or_else(|_| Vec::new(), |p| p.embedded.widgets.0)
}

fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            out.push(text.clone());
            // A JSON-encoded settings string: its own values count too.
            if let Ok(inner) = serde_json::from_str::<serde_json::Value>(text) {
                strings(&inner, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn check_decode_error(error: &Error, body: &[u8]) -> Result<(), TestCaseError> {
    let Error::Decode {
        status, body: kept, ..
    } = error
    else {
        return Err(TestCaseError::fail(format!(
            "not a Decode error: {error:?}"
        )));
    };
    prop_assert_eq!(*status, 200);
    prop_assert_eq!(kept.expose_raw().as_ref(), body);
    let printed = format!("{error} {error:?} {error:#?}");
    let source = std::error::Error::source(error);
    prop_assert!(source.is_some());
    let printed = format!("{printed} {:?}", source.map(ToString::to_string));
    // No string value of the body shows in the error (keys may: they are the path).
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let mut values = Vec::new();
        string_values(&value, &mut values);
        for text in values {
            let quotable = text.chars().count() >= 12
                && !text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            prop_assert!(
                !quotable || !printed.contains(text.as_str()),
                "{:?} shows in {}",
                text,
                printed
            );
        }
    }
    Ok(())
}

fn string_values(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(text) => into.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| string_values(item, into)),
        Value::Object(members) => members.values().for_each(|item| string_values(item, into)),
        _ => {}
    }
}

fn exercise_page(page: &Page<Widget>) {
    let _ = page.next_page();
    let _ = format!("{page:?}");
    for widget in &page.items {
        exercise_widget(widget);
    }
}

fn exercise_widget(widget: &Widget) {
    if let Some(rating) = &widget.rating {
        let _ = format!("{widget:?} {rating}");
        let _ = (rating.value(), rating.as_str());
    }
    if let Some(settings) = &widget.settings {
        let _ = settings.check(&widget.settings_template);
        let _ = settings.expose_json();
        for (key, value) in settings.iter() {
            let _ = format!("{key} {value:?} {}", value.kind());
        }
    }
    for field in &widget.settings_template {
        let _ = format!("{field:?} {}", field.kind);
    }
}

/// The error path: any status, any body, any `Retry-After`.
fn check_error_path(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let mut headers = http::HeaderMap::new();
    if let Some(value) = retry_after.and_then(|v| http::HeaderValue::from_str(v).ok()) {
        headers.insert(http::header::RETRY_AFTER, value);
    }
    let error = decode::error(status, &headers, body);
    let _ = (
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    );
    let problem = serde_json::from_slice::<raw::Problem>(body).ok();
    let is_problem = problem.is_some();
    prop_assert_eq!(error.status(), Some(status));
    match (status, &error) {
        (401, Error::Unauthorized(p)) | (403, Error::Forbidden(p)) | (404, Error::NotFound(p)) => {
            prop_assert_eq!(p.status, status);
            if let Some(raw) = &problem {
                prop_assert_eq!(&p.title, &raw.title);
            }
        }
        (429, Error::RateLimited { problem: p, .. }) => {
            prop_assert_eq!(p.is_some(), is_problem);
        }
        (400.., Error::Api { problem: p }) if is_problem => {
            prop_assert_eq!(p.status, status);
            prop_assert_eq!(
                p.validation_errors.len(),
                problem
                    .as_ref()
                    .map(|raw| raw
                        .validation_errors
                        .iter()
                        .map(|g| g.errors.len())
                        .sum::<usize>())
                    .unwrap_or(0)
            );
        }
        (
            _,
            Error::UnexpectedStatus {
                status: s,
                body: kept,
            },
        ) => {
            prop_assert_eq!(*s, status);
            prop_assert_eq!(kept.expose_raw().as_ref(), body);
            prop_assert!(!(is_problem && status >= 400) || matches!(status, 401 | 403 | 404 | 429));
            prop_assert!(!matches!(status, 401 | 403 | 404 | 429));
        }
        (_, other) => return Err(TestCaseError::fail(format!("{status}: {other:?}"))),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The properties, with `cargo test`.

fn quick() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(quick())]

    #[test]
    fn mutated_seeds_never_panic(body in mutated_seed()) {
        check_success_decoders(&body)?;
    }

    #[test]
    fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        check_success_decoders(&body)?;
    }

    #[test]
    fn random_json_never_panics(value in arb_json()) {
        check_success_decoders(&serde_json::to_vec(&value).unwrap())?;
    }

    #[test]
    fn structured_pages_and_widgets_never_panic(page in page_value(), widget in widget_value()) {
        check_success_decoders(&serde_json::to_vec(&page).unwrap())?;
        check_success_decoders(&serde_json::to_vec(&widget).unwrap())?;
    }

    #[test]
    fn error_path_is_total(status in any_status(), retry_after in any_retry_after(), body in any_body()) {
        check_error_path(status, retry_after.as_deref(), &body)?;
    }
}

/// Valid pages decode to exactly what they hold.
fn valid_page() -> impl Strategy<Value = (u32, Option<u32>, Vec<(i64, String, f64)>)> {
    (
        1u32..1000,
        prop::option::of(1u32..2000),
        prop::collection::vec((any::<i64>(), "[a-z_0-9]{1,20}", 0.0f64..5.0), 0..20),
    )
}

proptest! {
    #![proptest_config(quick())]

    #[test]
    fn valid_pages_decode_exactly((page, next, widgets) in valid_page()) {
        let items: Vec<Value> = widgets
            .iter()
            .map(|(id, code, rating)| {
                let rating = format!("{rating:.1}").replace('.', ",");
                let mut widget: Value = serde_json::from_str(SEED_WIDGET).unwrap();
                widget["id"] = json!(id);
                widget["code"] = json!(code);
                widget["rating"] = json!(rating);
                widget
            })
            .collect();
        let mut links = json!({"self": {"href": format!("https://example.amocrm.ru/api/v4/widgets?page={page}")}});
        if let Some(next) = next {
            links["next"] = json!({"href": format!("https://example.amocrm.ru/api/v4/widgets?limit=5&page={next}")});
        }
        let body = json!({"_page": page, "_links": links, "_embedded": {"widgets": items}});
        let decoded = decode::widget_page(&serde_json::to_vec(&body).unwrap()).unwrap();
        prop_assert_eq!(decoded.page, page);
        prop_assert_eq!(decoded.next_page(), next);
        prop_assert_eq!(decoded.items.len(), widgets.len());
        for (widget, (id, code, rating)) in decoded.items.iter().zip(&widgets) {
            prop_assert_eq!(widget.id, *id);
            prop_assert_eq!(&widget.code, code);
            let parsed = widget.rating.as_ref().and_then(|r| r.value()).unwrap();
            prop_assert!((parsed - rating).abs() < 0.051, "{} vs {}", parsed, rating);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The long run.

/// Runs every decoder on `AMOCRM_FUZZ_CASES` inputs (default one million); each input goes
/// through the raw types, the ergonomic model and the error path with a random status.
#[test]
#[ignore = "long run: AMOCRM_FUZZ_CASES=1000000 cargo test -p amocrm --release --test decode -- --ignored --nocapture"]
fn fuzz_long() {
    let cases: u32 = std::env::var("AMOCRM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 10_000,
        ..Config::default()
    });
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let count = AtomicU64::new(0);
    // How many inputs each decoder accepted: the generators must reach the success paths.
    let [pages, widgets, problems] = [(); 3].map(|()| AtomicU64::new(0));
    // Pages kept entry by entry with at least one undecodable entry, and those entries.
    let [partial_pages, failed_entries] = [(); 2].map(|()| AtomicU64::new(0));
    let started = std::time::Instant::now();
    let result = runner.run(
        &(any_body(), any_status(), any_retry_after()),
        |(body, status, retry_after)| {
            count.fetch_add(1, Relaxed);
            let accepted = |ok: bool, counter: &AtomicU64| {
                counter.fetch_add(u64::from(ok), Relaxed);
            };
            let page = decode::widget_page(&body);
            accepted(page.is_ok(), &pages);
            if let Ok(page) = &page {
                accepted(!page.failed.is_empty(), &partial_pages);
                failed_entries.fetch_add(page.failed.len() as u64, Relaxed);
            }
            accepted(decode::widget(&body).is_ok(), &widgets);
            accepted(
                serde_json::from_slice::<raw::Problem>(&body).is_ok(),
                &problems,
            );
            check_success_decoders(&body)?;
            check_error_path(status, retry_after.as_deref(), &body)?;
            Ok(())
        },
    );
    let outcome = if result.is_ok() {
        "no failure"
    } else {
        "FAILED"
    };
    eprintln!(
        "fuzz_long: {} inputs (including shrinking) in {:?}, {outcome}; accepted as a page: \
         {} ({} of them with {} undecodable entries), as a widget: {}, as a problem: {}",
        count.into_inner(),
        started.elapsed(),
        pages.into_inner(),
        partial_pages.into_inner(),
        failed_entries.into_inner(),
        widgets.into_inner(),
        problems.into_inner(),
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
