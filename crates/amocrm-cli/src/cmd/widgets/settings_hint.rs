//! The template check's problems said with what to do next: a key the template lacks
//! with the nearest key (`--set logn=x`: did you mean "login"?) and the template's keys;
//! a missing required `users` or `users_lp` setting with its `--set-json` form. Keys only,
//! never values.

use crate::sdk::{SettingsField, SettingsFieldType, SettingsProblem};

/// The least similarity (Jaro-Winkler, 0 to 1) of a key to be suggested for another.
const NEAR: f64 = 0.7;

/// One message per problem.
pub fn explain(template: &[SettingsField], problems: &[SettingsProblem]) -> Vec<String> {
    problems
        .iter()
        .map(|problem| match problem {
            SettingsProblem::Unknown { key } => unknown(template, key),
            SettingsProblem::Missing { key } => missing(template, key),
            other => other.to_string(),
        })
        .collect()
}

/// The key of `template` nearest to `key`, if one is near enough.
pub fn nearest<'t>(template: &'t [SettingsField], key: &str) -> Option<&'t str> {
    let lower = key.to_lowercase();
    template
        .iter()
        .map(|field| {
            let score = strsim::jaro_winkler(&lower, &field.key.to_lowercase());
            (field.key.as_str(), score)
        })
        .filter(|(_, score)| *score >= NEAR)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(key, _)| key)
}

fn unknown(template: &[SettingsField], key: &str) -> String {
    let keys: Vec<&str> = template.iter().map(|field| field.key.as_str()).collect();
    let keys = if keys.is_empty() {
        "the template has no settings".to_owned()
    } else {
        format!("its keys: {}", keys.join(", "))
    };
    match nearest(template, key) {
        Some(near) => format!(
            "setting {key:?} is not in the widget's settings_template; did you mean {near:?}? ({keys})"
        ),
        None => format!("setting {key:?} is not in the widget's settings_template ({keys})"),
    }
}

fn missing(template: &[SettingsField], key: &str) -> String {
    let kind = template.iter().find(|f| f.key == key).map(|f| &f.kind);
    let how = match kind {
        Some(SettingsFieldType::Users) => {
            format!(r#"a users field: give it as JSON, --set-json {key}='{{"504141":"1039"}}'"#)
        }
        Some(SettingsFieldType::UsersLp) => format!(
            r#"a users_lp field: give it as JSON, --set-json {key}='{{"504141":{{"login":"l","password":"p"}}}}'"#
        ),
        Some(SettingsFieldType::Custom) => {
            format!("a custom field: --set {key}=TEXT or --set-json {key}=JSON")
        }
        _ => format!("give it with --set {key}=VALUE"),
    };
    format!("required setting {key:?} is missing: {how}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, kind: SettingsFieldType) -> SettingsField {
        serde_json::from_value(serde_json::json!({
            "key": key, "name": key, "type": kind.as_str(), "is_required": true
        }))
        .expect("a field")
    }

    fn template() -> Vec<SettingsField> {
        vec![
            field("login", SettingsFieldType::Text),
            field("password", SettingsFieldType::Pass),
            field("phones", SettingsFieldType::Users),
        ]
    }

    #[test]
    fn a_mistyped_key_gets_the_nearest_and_the_list() {
        let messages = explain(
            &template(),
            &[SettingsProblem::Unknown { key: "logn".into() }],
        );
        assert_eq!(
            messages,
            [
                r#"setting "logn" is not in the widget's settings_template; did you mean "login"? (its keys: login, password, phones)"#
            ]
        );
        let far = explain(
            &template(),
            &[SettingsProblem::Unknown { key: "zzzz".into() }],
        );
        assert!(!far[0].contains("did you mean"), "{far:?}");
        assert!(far[0].contains("login, password, phones"), "{far:?}");
    }

    #[test]
    fn a_missing_users_setting_gets_the_set_json_hint() {
        let messages = explain(
            &template(),
            &[
                SettingsProblem::Missing {
                    key: "phones".into(),
                },
                SettingsProblem::Missing {
                    key: "login".into(),
                },
            ],
        );
        assert!(
            messages[0].contains(r#"--set-json phones='{"504141":"1039"}'"#),
            "{messages:?}"
        );
        assert!(messages[1].contains("--set login=VALUE"), "{messages:?}");
    }
}
