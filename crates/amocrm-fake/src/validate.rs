//! Request body parsing and validation (install settings, bot continuations).

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::catalogue::{SettingField, SettingType};
use crate::problem::{ApiError, FieldError};

/// Maximum number of `execute_handlers` in a continue request.
pub(crate) const MAX_HANDLERS: usize = 10;
/// Maximum number of characters in a `show` handler's `value`.
pub(crate) const MAX_SHOW_VALUE_CHARS: usize = 80;
/// Maximum number of buttons in a `show` handler.
pub(crate) const MAX_BUTTONS: usize = 25;

const MISSING: &str = "This field is missing.";
const BLANK: &str = "This value should not be blank.";
const CHOICE: &str = "The value you selected is not a valid choice.";

/// Whether the request declares a JSON body (`application/json`, parameters allowed).
pub(crate) fn is_json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Parses a JSON object body, answering 400 problem+json on any failure.
pub(crate) fn json_object(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Map<String, Value>, ApiError> {
    if !is_json_content_type(headers) {
        return Err(ApiError::bad_request(
            "InvalidContentType",
            "Content-Type",
            "The request must have Content-Type: application/json.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "InvalidType",
            "body",
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::bad_request(
            "InvalidJson",
            "body",
            format!("The request body is not valid JSON: {e}."),
        )),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn invalid_type(path: String, expected: &str, got: &Value) -> FieldError {
    FieldError::new(
        "InvalidType",
        path,
        format!(
            "This value should be of type {expected}, {} given.",
            type_name(got)
        ),
    )
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

fn is_user_id(key: &str) -> bool {
    !key.is_empty() && key.len() <= 19 && key.bytes().all(|b| b.is_ascii_digit())
}

fn check_user_id(path: &str, key: &str, errors: &mut Vec<FieldError>) -> bool {
    if is_user_id(key) {
        true
    } else {
        errors.push(FieldError::new(
            "InvalidUserId",
            format!("{path}.{key}"),
            "The key must be a numeric amoCRM user ID.",
        ));
        false
    }
}

fn check_string(path: String, v: Option<&Value>, errors: &mut Vec<FieldError>) {
    match v {
        None | Some(Value::Null) => errors.push(FieldError::new("NotBlank", path, MISSING)),
        Some(Value::String(_)) => {}
        Some(other) => errors.push(invalid_type(path, "string", other)),
    }
}

/// Validates an install body against a widget's `settings_template`.
///
/// Keys that are not in the template, and `custom` fields, take any JSON value and are
/// stored as they are; a `users` extension is a string or a number.
pub(crate) fn settings(template: &[SettingField], body: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for field in template {
        let key: &str = &field.key;
        let value = match body.get(key) {
            Some(Value::Null) => {
                errors.push(invalid_type(
                    key.to_owned(),
                    "a setting value, not null",
                    &Value::Null,
                ));
                continue;
            }
            None => {
                if field.is_required {
                    errors.push(FieldError::new("NotBlank", key, MISSING));
                }
                continue;
            }
            Some(v) => v,
        };
        let before = errors.len();
        match field.kind {
            SettingType::Text | SettingType::Pass => {
                if !value.is_string() {
                    errors.push(invalid_type(key.to_owned(), "string", value));
                }
            }
            SettingType::Custom => {}
            SettingType::Users | SettingType::UsersLp
                if value.as_object().is_some_and(Map::is_empty) =>
            {
                errors.push(FieldError::new(
                    "NotBlank",
                    key,
                    "At least one user is required.",
                ));
            }
            SettingType::Users => match value {
                Value::Object(users) => {
                    for (user_id, ext) in users {
                        if check_user_id(key, user_id, &mut errors)
                            && !(ext.is_string() || ext.is_number())
                        {
                            errors.push(invalid_type(
                                format!("{key}.{user_id}"),
                                "string or number",
                                ext,
                            ));
                        }
                    }
                }
                other => errors.push(invalid_type(key.to_owned(), "object", other)),
            },
            SettingType::UsersLp => match value {
                Value::Object(users) => {
                    for (user_id, creds) in users {
                        if !check_user_id(key, user_id, &mut errors) {
                            continue;
                        }
                        let path = format!("{key}.{user_id}");
                        match creds {
                            Value::Object(creds) => {
                                check_string(
                                    format!("{path}.login"),
                                    creds.get("login"),
                                    &mut errors,
                                );
                                check_string(
                                    format!("{path}.password"),
                                    creds.get("password"),
                                    &mut errors,
                                );
                            }
                            other => errors.push(invalid_type(path, "object", other)),
                        }
                    }
                }
                other => errors.push(invalid_type(key.to_owned(), "object", other)),
            },
        }
        if errors.len() == before && field.is_required && is_blank(value) {
            errors.push(FieldError::new("NotBlank", key, BLANK));
        }
    }
    errors
}

fn choice(
    path: String,
    v: Option<&Value>,
    allowed: &[&str],
    errors: &mut Vec<FieldError>,
) -> Option<usize> {
    match v {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("NotBlank", path, MISSING));
            None
        }
        Some(Value::String(s)) => match allowed.iter().position(|a| a == s) {
            Some(i) => Some(i),
            None => {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    path,
                    format!("{CHOICE} Allowed: {}.", allowed.join(", ")),
                ));
                None
            }
        },
        Some(other) => {
            errors.push(invalid_type(path, "string", other));
            None
        }
    }
}

fn show_handler(base: &str, params: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    choice(
        format!("{base}.type"),
        params.get("type"),
        &["text", "buttons", "buttons_url"],
        errors,
    );
    let value_path = format!("{base}.value");
    match params.get("value") {
        None | Some(Value::Null) => errors.push(FieldError::new("NotBlank", value_path, MISSING)),
        Some(Value::String(s)) => {
            let chars = s.chars().count();
            if chars > MAX_SHOW_VALUE_CHARS {
                errors.push(FieldError::new(
                    "TooLong",
                    value_path,
                    format!(
                        "This value is too long ({chars} characters). It should have {MAX_SHOW_VALUE_CHARS} characters or less."
                    ),
                ));
            }
        }
        Some(other) => errors.push(invalid_type(value_path, "string", other)),
    }
    let buttons_path = format!("{base}.buttons");
    // The seed does not say `buttons` is required for the button kinds; a missing list is
    // taken as empty (the client refuses to send one, which is stricter).
    match params.get("buttons") {
        None => {}
        Some(Value::Array(buttons)) => {
            if buttons.len() > MAX_BUTTONS {
                errors.push(FieldError::new(
                    "TooMany",
                    buttons_path.clone(),
                    format!(
                        "This collection should contain {MAX_BUTTONS} elements or less, {} given.",
                        buttons.len()
                    ),
                ));
            }
            for (j, b) in buttons.iter().enumerate() {
                if !b.is_string() {
                    errors.push(invalid_type(format!("{buttons_path}[{j}]"), "string", b));
                }
            }
        }
        Some(other) => errors.push(invalid_type(buttons_path, "array", other)),
    }
}

fn goto_handler(base: &str, params: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    choice(
        format!("{base}.type"),
        params.get("type"),
        &["question", "answer", "finish"],
        errors,
    );
    let step_path = format!("{base}.step");
    match params.get("step") {
        None | Some(Value::Null) => errors.push(FieldError::new("NotBlank", step_path, MISSING)),
        // An int64 of at least 0 (the spec's `format: int64, minimum: 0`).
        Some(Value::Number(n)) if n.as_i64().is_some_and(|step| step >= 0) => {}
        Some(other) => errors.push(invalid_type(step_path, "int from 0", other)),
    }
}

/// Validates a `continue` body: optional `data` object, optional
/// `execute_handlers` array of at most 10 `show`/`goto` handlers.
pub(crate) fn continuation(body: &Map<String, Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match body.get("data") {
        // Absent is fine; `null` is not an object (the spec has no nullable here).
        None | Some(Value::Object(_)) => {}
        Some(other) => errors.push(invalid_type("data".into(), "object", other)),
    }
    let handlers = match body.get("execute_handlers") {
        None => return errors,
        Some(Value::Array(handlers)) => handlers,
        Some(other) => {
            errors.push(invalid_type("execute_handlers".into(), "array", other));
            return errors;
        }
    };
    if handlers.len() > MAX_HANDLERS {
        errors.push(FieldError::new(
            "TooMany",
            "execute_handlers",
            format!(
                "This collection should contain {MAX_HANDLERS} elements or less, {} given.",
                handlers.len()
            ),
        ));
    }
    for (i, handler) in handlers.iter().enumerate() {
        let base = format!("execute_handlers[{i}]");
        let Value::Object(handler) = handler else {
            errors.push(invalid_type(base, "object", handler));
            continue;
        };
        let kind = choice(
            format!("{base}.handler"),
            handler.get("handler"),
            &["show", "goto"],
            &mut errors,
        );
        let params_path = format!("{base}.params");
        let params = match handler.get("params") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("NotBlank", params_path, MISSING));
                continue;
            }
            Some(Value::Object(params)) => params,
            Some(other) => {
                errors.push(invalid_type(params_path, "object", other));
                continue;
            }
        };
        match kind {
            Some(0) => show_handler(&params_path, params, &mut errors),
            Some(_) => goto_handler(&params_path, params, &mut errors),
            None => {}
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn show_value_counts_chars_not_bytes() {
        let ok = "ж".repeat(80);
        let body = obj(json!({"execute_handlers": [
            {"handler": "show", "params": {"type": "text", "value": ok}}
        ]}));
        assert!(continuation(&body).is_empty());
        let long = "ж".repeat(81);
        let body = obj(json!({"execute_handlers": [
            {"handler": "show", "params": {"type": "text", "value": long}}
        ]}));
        let errs = continuation(&body);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].path, "execute_handlers[0].params.value");
    }

    #[test]
    fn goto_step_must_be_integer() {
        let body = obj(json!({"execute_handlers": [
            {"handler": "goto", "params": {"type": "finish", "step": 1.5}}
        ]}));
        assert_eq!(
            continuation(&body)[0].path,
            "execute_handlers[0].params.step"
        );
    }

    #[test]
    fn users_lp_shapes() {
        let template = [SettingField::new(
            "accounts",
            "a",
            SettingType::UsersLp,
            true,
        )];
        let good = obj(json!({"accounts": {"1": {"login": "l", "password": "p"}}}));
        assert!(settings(&template, &good).is_empty());
        let bad = obj(json!({"accounts": {"x": {}, "2": {"login": 1}}}));
        let mut paths: Vec<String> = settings(&template, &bad)
            .into_iter()
            .map(|e| e.path)
            .collect();
        paths.sort();
        assert_eq!(
            paths,
            ["accounts.2.login", "accounts.2.password", "accounts.x"]
        );
        let empty = obj(json!({"accounts": {}}));
        assert_eq!(settings(&template, &empty)[0].code, "NotBlank");
    }

    #[test]
    fn custom_takes_any_value_and_users_a_number() {
        let template = [
            SettingField::new("conf", "c", SettingType::Custom, false),
            SettingField::new("phones", "p", SettingType::Users, true),
        ];
        for conf in [
            json!(1),
            json!(true),
            json!([1, "a"]),
            json!({"a": {"b": null}}),
        ] {
            let body = obj(json!({"conf": conf, "phones": {"504141": 1039}, "other": [1]}));
            assert!(settings(&template, &body).is_empty(), "{body:?}");
        }
        let bad = obj(json!({"phones": {"504141": true}}));
        assert_eq!(settings(&template, &bad)[0].path, "phones.504141");
    }
}
