//! A widget's settings field, decoded straight into the type the ergonomic crate hands out
//! (`amocrm::widgets::SettingsField`), so a widget list is not copied field by field.

use crate::SettingsFieldType;

/// One field of a widget's settings form.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SettingsField {
    /// Key of the value in the widget's settings.
    pub key: String,
    /// Name of the field shown to users.
    pub name: String,
    /// Data type of the value.
    #[serde(rename = "type")]
    pub kind: SettingsFieldType,
    /// Whether the setting must be given to install the widget.
    pub is_required: bool,
}

impl SettingsField {
    /// A field of the given key, name, type and requiredness.
    pub fn new(
        key: impl Into<String>,
        name: impl Into<String>,
        kind: SettingsFieldType,
        is_required: bool,
    ) -> Self {
        SettingsField {
            key: key.into(),
            name: name.into(),
            kind,
            is_required,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_api_shape_and_writes_it_back() {
        let json = r#"{"key":"login","name":"Login","type":"pass","is_required":true}"#;
        let field: SettingsField = serde_json::from_str(json).unwrap();
        assert_eq!(
            field,
            SettingsField::new("login", "Login", SettingsFieldType::Pass, true)
        );
        assert_eq!(serde_json::to_string(&field).unwrap(), json);
    }

    #[test]
    fn a_missing_field_is_an_error() {
        let json = r#"{"key":"login","name":"Login","type":"pass"}"#;
        assert!(serde_json::from_str::<SettingsField>(json).is_err());
    }
}
