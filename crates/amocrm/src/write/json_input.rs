//! Entities given as JSON objects (`from_json`, the CLI's input): the keys the typed
//! setters check are checked the same way here, so JSON never sends what a setter would
//! refuse (a budget above 2^31−1, an ID of 0, a patch without its ID, a custom field
//! without values).

use serde_json::{Map, Value};

use crate::error::Invalid;

/// What a setter key holds, by the name of its setter kind in `entities.rs`.
pub(super) type Keys = &'static [(&'static str, &'static str)];

/// The first problem of `body`'s known keys, its custom field values and its tags.
pub(super) fn problem(body: &Map<String, Value>, keys: Keys) -> Option<Invalid> {
    for (key, kind) in keys {
        if let Some(value) = body.get(*key)
            && let Some(reason) = value_problem(kind, value)
        {
            return Some(refusal(key.to_string(), reason));
        }
    }
    if let Some(values) = body.get("custom_fields_values") {
        let Value::Array(values) = values else {
            return Some(refusal("custom_fields_values".into(), "an array"));
        };
        for (at, value) in values.iter().enumerate() {
            if let Some((what, reason)) = field_problem(value) {
                return Some(refusal(format!("custom_fields_values.{at}{what}"), reason));
            }
        }
    }
    for key in ["tags_to_add", "tags_to_delete"] {
        if let Some(tags) = body.get(key) {
            let Value::Array(tags) = tags else {
                return Some(refusal(key.into(), "an array of tags"));
            };
            for (at, tag) in tags.iter().enumerate() {
                if let Some(reason) = tag_problem(tag) {
                    return Some(refusal(format!("{key}.{at}"), reason));
                }
            }
        }
    }
    if let Some(embedded) = body.get("_embedded") {
        let Value::Object(embedded) = embedded else {
            return Some(refusal("_embedded".into(), "an object"));
        };
        for (key, list) in embedded {
            if !list.is_array() {
                return Some(refusal(format!("_embedded.{key}"), "an array"));
            }
        }
    }
    None
}

fn refusal(field: String, reason: &'static str) -> Invalid {
    Invalid::Field { field, reason }
}

/// Why a setter of `kind` would refuse `value`, if it would.
fn value_problem(kind: &str, value: &Value) -> Option<&'static str> {
    if kind == "text" {
        return (!value.is_string()).then_some("a string");
    }
    let Some(number) = value.as_i64() else {
        return Some("an integer");
    };
    range_problem(kind, number)
}

/// Why a setter of `kind` would refuse `number`: the checks every setter runs.
pub(super) fn range_problem(kind: &str, number: i64) -> Option<&'static str> {
    match kind {
        "id" if number <= 0 => Some("an ID is above 0"),
        "user" if number < 0 => Some("a user ID is 0 (the integration) or above"),
        "time" if number < 0 => Some("a time is Unix seconds, 0 or above"),
        "price" if !(0..=super::parts::MAX_PRICE).contains(&number) => {
            Some("a budget is 0 to 2147483647")
        }
        _ => None,
    }
}

/// An element of `custom_fields_values`: a field ID above 0 or a code not blank, and
/// values (an array of at least one object) or `null` to clear.
fn field_problem(value: &Value) -> Option<(&'static str, &'static str)> {
    let Value::Object(field) = value else {
        return Some(("", "an object with field_id or field_code, and values"));
    };
    match (field.get("field_id"), field.get("field_code")) {
        (Some(id), _) if id.as_i64().is_none_or(|id| id <= 0) => {
            return Some((".field_id", "a field ID is above 0"));
        }
        (None, Some(code)) if code.as_str().is_none_or(|c| c.trim().is_empty()) => {
            return Some((".field_code", "a field code is not blank"));
        }
        (None, None) => return Some((".field_id", "a field is named by field_id or field_code")),
        _ => {}
    }
    match field.get("values") {
        Some(Value::Null) => None,
        Some(Value::Array(values)) if values.is_empty() => {
            Some((".values", "no value given (null empties a field)"))
        }
        Some(Value::Array(values)) if values.iter().any(|v| !v.is_object()) => {
            Some((".values", "each value is an object"))
        }
        Some(Value::Array(_)) => None,
        _ => Some((".values", "an array of values, or null to empty the field")),
    }
}

/// A tag: an object with an ID above 0 or a name not blank.
pub(super) fn tag_problem(tag: &Value) -> Option<&'static str> {
    match (tag.get("id"), tag.get("name")) {
        (Some(id), _) if id.as_i64().is_none_or(|id| id <= 0) => Some("a tag ID is above 0"),
        (None, Some(name)) if name.as_str().is_none_or(|n| n.trim().is_empty()) => {
            Some("a tag name is not blank")
        }
        (None, None) => Some("a tag is an object with id or name"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KEYS: Keys = &[("name", "text"), ("price", "price"), ("status_id", "id")];

    fn field(body: Value) -> Option<String> {
        let Value::Object(body) = body else {
            unreachable!()
        };
        problem(&body, KEYS).map(|p| match p {
            Invalid::Field { field, .. } => field,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn json_input_is_checked_like_the_setters() {
        assert_eq!(field(json!({"name": "a", "price": 0, "other": [1]})), None);
        assert_eq!(field(json!({"price": 2_147_483_647})), None);
        assert_eq!(
            field(json!({"price": 2_147_483_648_i64})).as_deref(),
            Some("price")
        );
        assert_eq!(field(json!({"price": -1})).as_deref(), Some("price"));
        assert_eq!(field(json!({"price": "5"})).as_deref(), Some("price"));
        assert_eq!(field(json!({"price": 1.5})).as_deref(), Some("price"));
        assert_eq!(field(json!({"status_id": 0})).as_deref(), Some("status_id"));
        assert_eq!(field(json!({"status_id": 1})), None);
        assert_eq!(field(json!({"name": 7})).as_deref(), Some("name"));
        let cf = |v: Value| field(json!({ "custom_fields_values": v }));
        assert_eq!(cf(json!([{"field_id": 3, "values": [{"value": 1}]}])), None);
        assert_eq!(cf(json!([{"field_code": "PHONE", "values": null}])), None);
        assert_eq!(
            cf(json!([{"field_id": 3, "values": [{"value": 1}]}, {"field_id": 0, "values": null}]))
                .as_deref(),
            Some("custom_fields_values.1.field_id")
        );
        assert_eq!(
            cf(json!([{"field_code": " ", "values": null}])).as_deref(),
            Some("custom_fields_values.0.field_code")
        );
        assert_eq!(
            cf(json!([{"values": null}])).as_deref(),
            Some("custom_fields_values.0.field_id")
        );
        for values in [json!([]), json!([1]), json!({}), json!("x")] {
            assert_eq!(
                cf(json!([{"field_id": 3, "values": values}])).as_deref(),
                Some("custom_fields_values.0.values"),
                "{values}"
            );
        }
        assert_eq!(cf(json!({})).as_deref(), Some("custom_fields_values"));
        assert_eq!(cf(json!([7])).as_deref(), Some("custom_fields_values.0"));
        let tags = |v: Value| field(json!({ "tags_to_delete": v }));
        assert_eq!(tags(json!([{"id": 1}, {"name": "a"}])), None);
        for bad in [
            json!({"id": 0}),
            json!({"name": ""}),
            json!({}),
            json!({"id": "1"}),
        ] {
            assert_eq!(tags(json!([bad])).as_deref(), Some("tags_to_delete.0"));
        }
        assert_eq!(tags(json!("a")).as_deref(), Some("tags_to_delete"));
        assert_eq!(
            field(json!({"_embedded": []})).as_deref(),
            Some("_embedded")
        );
        assert_eq!(
            field(json!({"_embedded": {"contacts": {"id": 1}}})).as_deref(),
            Some("_embedded.contacts")
        );
        assert_eq!(field(json!({"_embedded": {"contacts": [{"id": 1}]}})), None);
    }
}
