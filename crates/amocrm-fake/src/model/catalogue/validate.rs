//! Install bodies checked against a widget's `settings_template`.

use serde_json::{Map, Value};

use crate::model::catalogue::widget::{SettingField, SettingType};
use crate::model::problem::FieldError;

const BLANK: &str = "This value should not be blank.";

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
        None | Some(Value::Null) => errors.push(FieldError::missing(path)),
        Some(Value::String(_)) => {}
        Some(other) => errors.push(FieldError::invalid_type(path, "string", other)),
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
                errors.push(FieldError::invalid_type(
                    key,
                    "a setting value, not null",
                    &Value::Null,
                ));
                continue;
            }
            None => {
                if field.is_required {
                    errors.push(FieldError::missing(key));
                }
                continue;
            }
            Some(v) => v,
        };
        let before = errors.len();
        match field.kind {
            SettingType::Text | SettingType::Pass => {
                if !value.is_string() {
                    errors.push(FieldError::invalid_type(key, "string", value));
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
                            errors.push(FieldError::invalid_type(
                                format!("{key}.{user_id}"),
                                "string or number",
                                ext,
                            ));
                        }
                    }
                }
                other => errors.push(FieldError::invalid_type(key, "object", other)),
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
                            other => errors.push(FieldError::invalid_type(path, "object", other)),
                        }
                    }
                }
                other => errors.push(FieldError::invalid_type(key, "object", other)),
            },
        }
        if errors.len() == before && field.is_required && is_blank(value) {
            errors.push(FieldError::new("NotBlank", key, BLANK));
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
