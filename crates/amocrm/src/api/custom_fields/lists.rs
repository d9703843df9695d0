//! The lists inside a definition, checked as amoCRM's documentation describes them: a
//! list field's options (`enums`), a category's tree (`nested`) and the stages a field is
//! required or hidden at.

use serde_json::Value;

use crate::error::Invalid;

fn refuse(what: impl Into<String>, reason: impl Into<String>) -> Invalid {
    Invalid::Definition {
        what: what.into(),
        reason: reason.into(),
    }
}

/// `enums`: each a `value` (not blank) and a `sort`, optionally a `code` (and an `id`
/// when changing one).
pub(super) fn options(value: &Value, at: &str) -> Result<(), Invalid> {
    let Some(list) = value.as_array() else {
        return Err(refuse(at, "options are a JSON array"));
    };
    for (i, option) in list.iter().enumerate() {
        let at = format!("{at}.{i}");
        let Some(option) = option.as_object() else {
            return Err(refuse(at, "an option is a JSON object"));
        };
        if option
            .get("value")
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            return Err(refuse(
                format!("{at}.value"),
                "an option has a text, not blank",
            ));
        }
        if !option.get("sort").is_some_and(Value::is_i64) {
            return Err(refuse(
                format!("{at}.sort"),
                "an option has an integer sort",
            ));
        }
        for (key, v) in option {
            let ok = match key.as_str() {
                "value" | "sort" => true,
                "code" => v.is_string(),
                "id" => v.as_i64().is_some_and(|id| id > 0),
                _ => false,
            };
            if !ok {
                return Err(refuse(
                    format!("{at}.{key}"),
                    "an option takes value, sort, code (and id)",
                ));
            }
        }
    }
    Ok(())
}

/// A category's `nested` values: each a `value` (not blank), optionally its `sort`,
/// `parent_id` (or null, at the top) and `id` (when changing one).
pub(super) fn nested(value: &Value, at: &str) -> Result<(), Invalid> {
    let Some(list) = value.as_array() else {
        return Err(refuse(at, "nested values are a JSON array"));
    };
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{at}.{i}");
        let Some(entry) = entry.as_object() else {
            return Err(refuse(at, "a nested value is a JSON object"));
        };
        if entry
            .get("value")
            .and_then(Value::as_str)
            .is_none_or(|v| v.trim().is_empty())
        {
            return Err(refuse(
                format!("{at}.value"),
                "a nested value has a text, not blank",
            ));
        }
        for (key, v) in entry {
            let ok = match key.as_str() {
                "value" => true,
                "sort" => v.is_i64(),
                "parent_id" => v.is_null() || v.as_i64().is_some_and(|id| id > 0),
                "id" => v.as_i64().is_some_and(|id| id > 0),
                _ => false,
            };
            if !ok {
                return Err(refuse(
                    format!("{at}.{key}"),
                    "a nested value takes value, sort, parent_id (and id)",
                ));
            }
        }
    }
    Ok(())
}

/// `[{status_id, pipeline_id}]`.
pub(super) fn stages(value: &Value) -> bool {
    value.as_array().is_some_and(|list| {
        list.iter().all(|s| {
            s.as_object().is_some_and(|s| {
                s.len() == 2
                    && s.get("status_id").is_some_and(Value::is_i64)
                    && s.get("pipeline_id").is_some_and(Value::is_i64)
            })
        })
    })
}
