//! Entities given as JSON objects (`from_json`, the CLI's input): the keys the typed
//! setters check are checked the same way here, so JSON never sends what a setter would
//! refuse (a budget above 2^31−1, an ID of 0, a patch without its ID, a custom field
//! without values).

use serde_json::{Map, Value};

use crate::error::Invalid;

/// The largest lead budget amoCRM takes (a signed 32-bit integer).
pub const MAX_PRICE: i64 = i32::MAX as i64;

/// What a setter key holds, by the name of its setter kind in `entities.rs`.
pub(super) type Keys = &'static [(&'static str, &'static str)];

/// Keys amoCRM takes `null` for (a lead reopened: no closing time, no loss reason).
const NULLABLE: [&str; 2] = ["closed_at", "loss_reason_id"];

/// The first problem of `body`'s known keys, its custom field values, its tags and its
/// `_embedded`; `patch`: the entity is changed, not added (`tags_to_delete` is a patch's).
pub(super) fn problem(body: &Map<String, Value>, keys: Keys, patch: bool) -> Option<Invalid> {
    for (key, kind) in keys {
        match body.get(*key) {
            Some(Value::Null) if NULLABLE.contains(key) => {}
            Some(value) => {
                if let Some(reason) = value_problem(kind, value) {
                    return Some(refusal(key.to_string(), reason));
                }
            }
            None => {}
        }
    }
    match body.get("custom_fields_values") {
        None | Some(Value::Null) => {}
        Some(Value::Array(values)) => {
            for (at, value) in values.iter().enumerate() {
                if let Some((what, reason)) = field_problem(value) {
                    return Some(refusal(format!("custom_fields_values.{at}{what}"), reason));
                }
            }
        }
        Some(_) => return Some(refusal("custom_fields_values".into(), "an array")),
    }
    if !patch && body.contains_key("tags_to_delete") {
        return Some(refusal(
            "tags_to_delete".into(),
            "only a patch detaches tags",
        ));
    }
    for key in ["tags_to_add", "tags_to_delete"] {
        if let Some(tags) = body.get(key)
            && let Some((what, reason)) = tags_problem(tags, false)
        {
            return Some(refusal(format!("{key}{what}"), reason));
        }
    }
    match body.get("_embedded") {
        None => None,
        Some(Value::Object(embedded)) => embedded_problem(embedded, patch),
        Some(_) => Some(refusal("_embedded".into(), "an object")),
    }
}

/// `_embedded` as amoCRM takes it: `contacts` and `companies` lists of entities by ID (one
/// company), `tags` a list of tags (`null` on a patch detaches every tag), `source` and
/// `metadata` objects; other keys are sent as they are.
fn embedded_problem(embedded: &Map<String, Value>, patch: bool) -> Option<Invalid> {
    for (key, value) in embedded {
        let at = |what: String| format!("_embedded.{key}{what}");
        match (key.as_str(), value) {
            ("tags", Value::Null) if patch => {}
            ("tags", tags) => {
                if let Some((what, reason)) = tags_problem(tags, true) {
                    return Some(refusal(at(what), reason));
                }
            }
            ("contacts" | "companies", Value::Array(list)) => {
                if key == "companies" && list.len() > 1 {
                    return Some(refusal(at(String::new()), "a lead has one company"));
                }
                for (i, entity) in list.iter().enumerate() {
                    if let Some(reason) = entity.get("id").and_then(|id| id_problem(id)) {
                        return Some(refusal(at(format!(".{i}.id")), reason));
                    }
                    if !entity.is_object() {
                        return Some(refusal(at(format!(".{i}")), "an object"));
                    }
                }
            }
            ("contacts" | "companies", _) => return Some(refusal(at(String::new()), "an array")),
            ("source" | "metadata", value) if !value.is_object() => {
                return Some(refusal(at(String::new()), "an object"));
            }
            _ => {}
        }
    }
    None
}

fn refusal(field: String, reason: &'static str) -> Invalid {
    Invalid::Field { field, reason }
}

/// Why a setter of `kind` would refuse `value`, if it would. A number with no fraction
/// (`1500.0`, as many serializers write integers) is taken as that integer.
fn value_problem(kind: &str, value: &Value) -> Option<&'static str> {
    match kind {
        "text" => return (!value.is_string()).then_some("a string"),
        "bool" => return (!value.is_boolean()).then_some("true or false"),
        "object" => return (!value.is_object()).then_some("an object"),
        _ => {}
    }
    let Some(number) = integer(value) else {
        return Some("an integer");
    };
    range_problem(kind, number)
}

/// `value` as an integer: an integer, or a number without a fraction that fits.
fn integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let float = value.as_f64()?;
        // 2^63 as f64 is the first value past i64::MAX.
        (float.fract() == 0.0 && float.abs() < 9.223_372_036_854_776e18).then_some(float as i64)
    })
}

/// An ID: an integer above 0.
fn id_problem(id: &Value) -> Option<&'static str> {
    match integer(id) {
        None => Some("an ID is an integer"),
        Some(id) => range_problem("id", id),
    }
}

/// Why a setter of `kind` would refuse `number`: the checks every setter runs.
pub(super) fn range_problem(kind: &str, number: i64) -> Option<&'static str> {
    match kind {
        "id" if number <= 0 => Some("an ID is above 0"),
        "user" if number < 0 => Some("a user ID is 0 (the integration) or above"),
        "time" if number < 0 => Some("a time is Unix seconds, 0 or above"),
        "seconds" if !(0..=i64::from(u32::MAX)).contains(&number) => {
            Some("a duration is seconds, 0 to 4294967295")
        }
        "price" if !(0..=MAX_PRICE).contains(&number) => Some("a budget is 0 to 2147483647"),
        _ => None,
    }
}

/// An element of `custom_fields_values`: a field ID above 0 or a code not blank, and
/// values (an array of at least one object, each as [`FieldValue`] checks its own) or
/// `null` to clear.
///
/// [`FieldValue`]: super::field::FieldValue
fn field_problem(value: &Value) -> Option<(String, &'static str)> {
    let Value::Object(field) = value else {
        return Some((
            String::new(),
            "an object with field_id or field_code, and values",
        ));
    };
    let id = field.get("field_id").filter(|id| !id.is_null());
    let code = field.get("field_code").filter(|code| !code.is_null());
    match (id, code) {
        (Some(id), _) if integer(id).is_none_or(|id| id <= 0) => {
            return Some((".field_id".into(), "a field ID is above 0"));
        }
        (None, Some(code)) if code.as_str().is_none_or(|c| c.trim().is_empty()) => {
            return Some((".field_code".into(), "a field code is not blank"));
        }
        (None, None) => {
            return Some((
                ".field_id".into(),
                "a field is named by field_id or field_code",
            ));
        }
        _ => {}
    }
    match field.get("values") {
        Some(Value::Null) => None,
        Some(Value::Array(values)) if values.is_empty() => {
            Some((".values".into(), "no value given (null empties a field)"))
        }
        Some(Value::Array(values)) => {
            if let Some(at) = values.iter().position(|v| !v.is_object()) {
                return Some((format!(".values.{at}"), "each value is an object"));
            }
            let (at, what, reason) = values
                .iter()
                .enumerate()
                .find_map(super::field::value_problem)?;
            Some((format!(".values.{at}.{what}"), reason))
        }
        _ => Some((
            ".values".into(),
            "an array of values, or null to empty the field",
        )),
    }
}

/// A list of tags (`embedded`: `_embedded.tags`): each an ID above 0 or a name.
fn tags_problem(tags: &Value, embedded: bool) -> Option<(String, &'static str)> {
    let Value::Array(tags) = tags else {
        let reason = if embedded {
            "an array of tags (null on a patch)"
        } else {
            "an array of tags"
        };
        return Some((String::new(), reason));
    };
    let (at, reason) = tags
        .iter()
        .enumerate()
        .find_map(|(at, tag)| tag_problem(tag).map(|reason| (at, reason)))?;
    Some((format!(".{at}"), reason))
}

/// A tag: an object with an ID above 0 or a name not blank.
pub(super) fn tag_problem(tag: &Value) -> Option<&'static str> {
    match (tag.get("id").filter(|id| !id.is_null()), tag.get("name")) {
        (Some(id), _) if integer(id).is_none_or(|id| id <= 0) => Some("a tag ID is above 0"),
        (None, Some(name)) if name.as_str().is_none_or(|n| n.trim().is_empty()) => {
            Some("a tag name is not blank")
        }
        (None, None) => Some("a tag is an object with id or name"),
        _ => None,
    }
}

/// The first of `required` keys `body` lacks, refused.
pub(super) fn missing(body: &Map<String, Value>, required: &[&str]) -> Option<Invalid> {
    let key = required.iter().find(|key| !body.contains_key(**key))?;
    Some(refusal(key.to_string(), "required"))
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
        problem(&body, KEYS, true).map(|p| match p {
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
        assert_eq!(
            cf(json!([{"field_id": 3, "values": [1]}])).as_deref(),
            Some("custom_fields_values.0.values.0")
        );
        for values in [json!([]), json!({}), json!("x")] {
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
