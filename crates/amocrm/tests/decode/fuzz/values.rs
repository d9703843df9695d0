//! Generators of JSON values: numbers, strings, keys, widgets, pages, problems.

use super::*;

pub(super) fn arb_number() -> impl Strategy<Value = Value> {
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

pub(super) fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(STRINGS).prop_map(str::to_owned),
        prop::sample::select(KEYS).prop_map(str::to_owned),
        any::<String>(),
        "[0-9]{1,25}",
        "[0-9]{1,3}[,.][0-9]{0,3}",
    ]
}

pub(super) fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => arb_string(),
    ]
}

pub(super) fn arb_json() -> impl Strategy<Value = Value> {
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
pub(super) fn field(valid: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        200 => valid.prop_map(Some),
        1 => arb_json().prop_map(Some),
        1 => Just(None),
    ]
    .boxed()
}

pub(super) fn valid_field_type() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec!["text", "pass", "custom", "users", "users_lp"])
            .prop_map(Value::from),
        arb_string().prop_map(Value::String),
    ]
}

pub(super) fn template_entry() -> impl Strategy<Value = Value> {
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

pub(super) fn setting_value() -> impl Strategy<Value = Value> {
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

pub(super) fn link(href: impl Strategy<Value = String> + 'static) -> impl Strategy<Value = Value> {
    href.prop_map(|href| json!({ "href": href }))
}

pub(super) fn page_href() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..20, 1u32..300).prop_map(|(page, limit)| format!(
            "https://example.amocrm.ru/api/v4/widgets?limit={limit}&page={page}"
        )),
        arb_string(),
    ]
}

pub(super) fn widget_value() -> impl Strategy<Value = Value> {
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

pub(super) fn page_value() -> impl Strategy<Value = Value> {
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

pub(super) fn problem_value() -> impl Strategy<Value = Value> {
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

pub(super) fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        fields
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect::<Map<_, _>>(),
    )
}
