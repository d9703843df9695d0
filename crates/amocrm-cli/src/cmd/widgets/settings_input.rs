//! `--set KEY=VALUE` and `--set-json KEY=JSON` turned into [`Settings`], typed by the
//! widget's `settings_template`:
//!
//! | field type | `--set` | `--set-json` |
//! | --- | --- | --- |
//! | `text` | the string | a JSON string |
//! | `pass` | the string, kept secret | a JSON string, kept secret |
//! | `users` | rejected | `{"504141":"1039"}` (user ID → extension; a number is taken as its digits) |
//! | `users_lp` | rejected | `{"504141":{"login":"l","password":"p"}}` |
//! | `custom`, other types, keys not in the template | the string | the JSON value |
//!
//! Error messages name keys, never values: a value may be a password.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::sdk::{Credentials, SettingValue, Settings, SettingsField, SettingsFieldType};
use crate::util::key_value::{parse_json, split_pair};

/// Builds the settings of `--set` and `--set-json` for a widget whose template is
/// `template`. Every problem is reported, not just the first.
pub fn build(
    template: &[SettingsField],
    set: &[String],
    set_json: &[String],
) -> Result<Settings, Vec<String>> {
    let mut values: Vec<(String, Result<SettingValue, String>)> = Vec::new();
    let mut problems = Vec::new();
    for arg in set {
        match split_pair("--set", arg) {
            Ok((key, text)) => {
                values.push((
                    key.to_owned(),
                    from_text(field_kind(template, key), key, text),
                ));
            }
            Err(problem) => problems.push(problem),
        }
    }
    for arg in set_json {
        match split_pair("--set-json", arg) {
            Ok((key, text)) => {
                let value = parse_json("--set-json", key, text)
                    .and_then(|json| from_json(field_kind(template, key), key, json));
                values.push((key.to_owned(), value));
            }
            Err(problem) => problems.push(problem),
        }
    }
    let mut settings = Settings::new();
    let mut seen = BTreeSet::new();
    for (key, value) in values {
        if !seen.insert(key.clone()) {
            problems.push(format!("setting {key:?} is given more than once"));
            continue;
        }
        match value {
            Ok(value) => settings = settings.set(key, value),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(settings)
    } else {
        Err(problems)
    }
}

fn field_kind<'t>(template: &'t [SettingsField], key: &str) -> Option<&'t SettingsFieldType> {
    template.iter().find(|f| f.key == key).map(|f| &f.kind)
}

fn from_text(
    kind: Option<&SettingsFieldType>,
    key: &str,
    text: &str,
) -> Result<SettingValue, String> {
    let example = match kind {
        Some(SettingsFieldType::Pass) => {
            return Ok(SettingValue::Pass(secrecy::SecretString::from(
                text.to_owned(),
            )));
        }
        Some(SettingsFieldType::Users) => r#"'{"504141":"1039"}'"#,
        Some(SettingsFieldType::UsersLp) => r#"'{"504141":{"login":"l","password":"p"}}'"#,
        _ => return Ok(SettingValue::Text(text.to_owned())),
    };
    let kind = kind.map(SettingsFieldType::as_str).unwrap_or_default();
    Err(format!(
        "setting {key:?} is a {kind} field: give it as JSON with --set-json {key}={example}"
    ))
}

fn from_json(
    kind: Option<&SettingsFieldType>,
    key: &str,
    json: Value,
) -> Result<SettingValue, String> {
    match kind {
        Some(SettingsFieldType::Text) => match json {
            Value::String(text) => Ok(SettingValue::Text(text)),
            _ => Err(format!(
                "setting {key:?} is a text field: give a JSON string or use --set"
            )),
        },
        Some(SettingsFieldType::Pass) => match json {
            Value::String(text) => Ok(SettingValue::Pass(secrecy::SecretString::from(text))),
            _ => Err(format!(
                "setting {key:?} is a pass field: give a JSON string or use --set"
            )),
        },
        Some(SettingsFieldType::Users) => users(key, json).map(SettingValue::Users),
        Some(SettingsFieldType::UsersLp) => users_lp(key, json).map(SettingValue::UsersLp),
        // custom, a type added later, or a key the template does not have (reported by
        // the template check).
        _ => Ok(match json {
            Value::String(text) => SettingValue::Text(text),
            other => SettingValue::Other(other),
        }),
    }
}

fn user_id(key: &str, id: &str) -> Result<u64, String> {
    id.trim().parse::<u64>().map_err(|_| {
        format!(
            "setting {key:?}: {:?} is not an amoCRM user ID (a positive integer)",
            id
        )
    })
}

fn users(key: &str, json: Value) -> Result<BTreeMap<u64, String>, String> {
    let Value::Object(map) = json else {
        return Err(format!(
            r#"setting {key:?} is a users field: give an object of user ID to extension, e.g. {{"504141":"1039"}}"#
        ));
    };
    map.into_iter()
        .map(|(id, ext)| {
            let id = user_id(key, &id)?;
            let ext = match ext {
                Value::String(ext) => ext,
                Value::Number(n) if n.is_u64() => n.to_string(),
                _ => {
                    return Err(format!(
                        "setting {key:?}: the extension of user {id} must be a string"
                    ));
                }
            };
            Ok((id, ext))
        })
        .collect()
}

fn users_lp(key: &str, json: Value) -> Result<BTreeMap<u64, Credentials>, String> {
    let shape = || {
        format!(
            r#"setting {key:?} is a users_lp field: give an object of user ID to login and password, e.g. {{"504141":{{"login":"l","password":"p"}}}}"#
        )
    };
    let Value::Object(map) = json else {
        return Err(shape());
    };
    map.into_iter()
        .map(|(id, pair)| {
            let id = user_id(key, &id)?;
            let login = pair.get("login").and_then(Value::as_str);
            let password = pair.get("password").and_then(Value::as_str);
            match (login, password) {
                (Some(login), Some(password)) => Ok((id, Credentials::new(login, password))),
                _ => Err(format!(
                    "setting {key:?}: user {id} needs a string \"login\" and a string \"password\""
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn template() -> Vec<SettingsField> {
        vec![
            SettingsField::new("login", "Login", SettingsFieldType::Text, true),
            SettingsField::new("password", "Password", SettingsFieldType::Pass, true),
            SettingsField::new("phones", "Phones", SettingsFieldType::Users, true),
            SettingsField::new("sip", "SIP", SettingsFieldType::UsersLp, false),
            SettingsField::new("conf", "custom", SettingsFieldType::Custom, false),
        ]
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn values_take_the_type_of_their_field() {
        let settings = build(
            &template(),
            &strings(&["login=ex=ample", "password=s3cret", "conf=x"]),
            &strings(&[
                r#"phones={"504141":"1039","7":12}"#,
                r#"sip={"504141":{"login":"l","password":"p"}}"#,
            ]),
        )
        .map_err(|p| p.join("; "));
        let Ok(settings) = settings else {
            panic!("{settings:?}");
        };
        assert_eq!(
            settings.get("login"),
            Some(&SettingValue::Text("ex=ample".into()))
        );
        assert!(
            matches!(settings.get("password"), Some(SettingValue::Pass(p)) if p.expose_secret() == "s3cret")
        );
        let phones = BTreeMap::from([(504141, "1039".to_owned()), (7, "12".to_owned())]);
        assert_eq!(settings.get("phones"), Some(&SettingValue::Users(phones)));
        assert!(matches!(settings.get("sip"), Some(SettingValue::UsersLp(u)) if u.len() == 1));
        assert!(settings.check(&template()).is_ok());
    }

    #[test]
    fn problems_name_keys_but_never_values() {
        let problems = build(
            &template(),
            &strings(&["phones=1039", "login=a", "login=b", "=x", "nothing"]),
            &strings(&[
                "password=not json s3cret",
                r#"sip={"abc":{"login":"l","password":"hunter2"}}"#,
            ]),
        )
        .err()
        .unwrap_or_default();
        assert_eq!(problems.len(), 6, "{problems:?}");
        let all = problems.join("\n");
        assert!(all.contains("--set-json phones="));
        assert!(all.contains("\"login\" is given more than once"));
        assert!(!all.contains("s3cret") && !all.contains("hunter2"), "{all}");
    }
}
