//! A widget's `settings_template`: its fields ([`SettingsField`]), settings checked against
//! it before an install, and settings a widget returns read by its field types.

use secrecy::SecretString;

use super::settings::{Credentials, SettingValue, Settings};
use crate::error::{Invalid, SettingsProblem};

pub use amocrm_raw::{SettingsField, SettingsFieldType};

impl Settings {
    /// Checks the settings against a widget's `settings_template`: every required key is
    /// present and not empty, every value has the shape of its field's type, and no key is
    /// missing from the template. Returns every problem found, not just the first.
    ///
    /// ```
    /// use amocrm::error::Invalid;
    /// use amocrm::widgets::{Settings, SettingsField, SettingsFieldType};
    ///
    /// let template = [
    ///     SettingsField::new("login", "Login", SettingsFieldType::Text, true),
    ///     SettingsField::new("phones", "Phones", SettingsFieldType::Users, true),
    /// ];
    /// let settings = Settings::new().text("phones", "1039");
    /// let Err(Invalid::Settings(problems)) = settings.check(&template) else { panic!() };
    /// assert_eq!(problems.len(), 2); // login missing, phones has the wrong shape
    /// ```
    pub fn check(&self, template: &[SettingsField]) -> Result<(), Invalid> {
        let mut problems = Vec::new();
        for field in template {
            match self.values.get(&field.key) {
                None => {
                    if field.is_required {
                        problems.push(SettingsProblem::Missing {
                            key: field.key.clone(),
                        });
                    }
                }
                Some(value) if !value.fits(&field.kind) => {
                    problems.push(SettingsProblem::WrongShape {
                        key: field.key.clone(),
                        expected: field.kind.to_string(),
                        given: value.kind(),
                    });
                }
                Some(value) if field.is_required && value.is_empty() => {
                    problems.push(SettingsProblem::Missing {
                        key: field.key.clone(),
                    });
                }
                Some(_) => {}
            }
        }
        for key in self.values.keys() {
            if !template.iter().any(|field| &field.key == key) {
                problems.push(SettingsProblem::Unknown { key: key.clone() });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Invalid::Settings(problems))
        }
    }

    /// Reads settings returned by the server, typed by the widget's template. Values that
    /// do not fit their field's type are kept as [`SettingValue::Other`], except under a
    /// secret field type, where they are kept secret as their JSON text.
    pub(crate) fn from_response(
        values: serde_json::Map<String, serde_json::Value>,
        template: &[SettingsField],
    ) -> Self {
        let values = values
            .into_iter()
            .map(|(key, value)| {
                let kind = template.iter().find(|f| f.key == key).map(|f| &f.kind);
                let value = typed_value(kind, value);
                (key, value)
            })
            .collect();
        Settings { values }
    }
}

fn typed_value(kind: Option<&SettingsFieldType>, value: serde_json::Value) -> SettingValue {
    use serde_json::Value;
    match (kind, value) {
        (Some(SettingsFieldType::Text), Value::String(text)) => SettingValue::Text(text),
        (Some(SettingsFieldType::Pass), Value::String(text)) => {
            SettingValue::Pass(SecretString::from(text))
        }
        (Some(SettingsFieldType::Users), Value::Object(map))
            if map
                .iter()
                .all(|(id, ext)| id.parse::<u64>().is_ok() && extension(ext).is_some()) =>
        {
            let users = map
                .iter()
                .filter_map(|(id, ext)| Some((id.parse().ok()?, extension(ext)?)))
                .collect();
            SettingValue::Users(users)
        }
        (Some(SettingsFieldType::UsersLp), Value::Object(map))
            if map
                .iter()
                .all(|(id, pair)| id.parse::<u64>().is_ok() && credentials(pair).is_some()) =>
        {
            let users = map
                .iter()
                .filter_map(|(id, pair)| Some((id.parse().ok()?, credentials(pair)?)))
                .collect();
            SettingValue::UsersLp(users)
        }
        (Some(SettingsFieldType::Pass | SettingsFieldType::UsersLp), other) => {
            SettingValue::Pass(SecretString::from(other.to_string()))
        }
        (_, other) => SettingValue::Other(other),
    }
}

/// A users extension: amoCRM documents a string and also sends a number (`1039`), read
/// as its text.
fn extension(ext: &serde_json::Value) -> Option<String> {
    match ext {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn credentials(pair: &serde_json::Value) -> Option<Credentials> {
    let login = pair.get("login")?.as_str()?;
    let password = pair.get("password")?.as_str()?;
    Some(Credentials::new(login, password))
}
