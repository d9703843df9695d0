//! Your own widgets in the catalogue: [`FakeWidget`] from code, or a catalogue file (JSON
//! or YAML) for the binary and for tests that share one with other tools.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Type of a widget setting, as in `settings_template[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingType {
    /// `text`: a string.
    Text,
    /// `pass`: a string shown masked.
    Pass,
    /// `custom`: any JSON value, stored as sent.
    Custom,
    /// `users`: an object of user id → extension (string or number).
    Users,
    /// `users_lp`: an object of user id → `{"login", "password"}`.
    UsersLp,
}

/// One entry of a widget's `settings_template`; install bodies are validated against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingField {
    /// The key of the setting in the install body.
    pub key: Cow<'static, str>,
    /// The label shown to the user (the key when empty).
    #[serde(default)]
    pub name: Cow<'static, str>,
    /// The value's type.
    #[serde(rename = "type")]
    pub kind: SettingType,
    /// Whether install needs it (missing or blank: 400).
    #[serde(default)]
    pub is_required: bool,
}

impl SettingField {
    /// A setting; `name` (the label) defaults to the key when empty.
    pub fn new(
        key: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
        kind: SettingType,
        is_required: bool,
    ) -> Self {
        let key = key.into();
        let name = name.into();
        let name = if name.is_empty() { key.clone() } else { name };
        SettingField {
            key,
            name,
            kind,
            is_required,
        }
    }

    /// A required setting of this type, labelled with its key.
    pub fn required(key: impl Into<Cow<'static, str>>, kind: SettingType) -> Self {
        SettingField::new(key, "", kind, true)
    }

    /// An optional setting of this type, labelled with its key.
    pub fn optional(key: impl Into<Cow<'static, str>>, kind: SettingType) -> Self {
        SettingField::new(key, "", kind, false)
    }
}

/// A widget of your own in the fake's catalogue (after the three seed examples, before raw
/// and generated widgets); see [`crate::FakeBuilder::widget`].
///
/// Typed fields, with `version` and `rating` any JSON value, so loose shapes amoCRM sends
/// (an integer version, a rating as `"4,5"` or `4.5`) can be served too. The fake renders it
/// like its own widgets: `is_active_in_account`, `settings` and `_links` are added.
///
/// ```
/// use amocrm_fake::{FakeWidget, SettingType};
///
/// let widget = FakeWidget::new("my_widget")
///     .version("2.0.1")
///     .rating(4.5)
///     .required_setting("api_key", SettingType::Text)
///     .optional_setting("mapping", SettingType::Custom)
///     .lead_source(true);
/// assert_eq!(widget.code, "my_widget");
/// assert_eq!(widget.settings_template.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FakeWidget {
    /// `id`; `None` assigns one above every seed and generated id.
    #[serde(default)]
    pub id: Option<i64>,
    /// `code`, unique in the catalogue: the path segment of get/install/uninstall.
    pub code: String,
    /// `version`: usually a string such as `"1.0.0"`, any JSON value allowed.
    #[serde(default = "default_version")]
    pub version: Value,
    /// `rating`: amoCRM sends `"4,5"` or `4.5`; any JSON value allowed.
    #[serde(default = "default_rating")]
    pub rating: Value,
    /// `settings_template`, which install bodies are validated against.
    #[serde(default)]
    pub settings_template: Vec<SettingField>,
    /// `is_lead_source`.
    #[serde(default)]
    pub is_lead_source: bool,
    /// `is_work_with_dp`.
    #[serde(default)]
    pub is_work_with_dp: bool,
    /// `is_crm_template`.
    #[serde(default)]
    pub is_crm_template: bool,
    /// `client_uuid` (the integration's id), `null` when `None`.
    #[serde(default)]
    pub client_uuid: Option<String>,
    /// `pipeline_id`, `null` when `None`.
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

fn default_version() -> Value {
    Value::from("1.0.0")
}

fn default_rating() -> Value {
    Value::from("0")
}

impl FakeWidget {
    /// A widget with this code, version `"1.0.0"`, rating `"0"`, no settings, all flags off.
    pub fn new(code: impl Into<String>) -> Self {
        FakeWidget {
            id: None,
            code: code.into(),
            version: default_version(),
            rating: default_rating(),
            settings_template: Vec::new(),
            is_lead_source: false,
            is_work_with_dp: false,
            is_crm_template: false,
            client_uuid: None,
            pipeline_id: None,
        }
    }

    /// Sets `id`.
    pub fn id(mut self, id: i64) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets `version` (a string, or any JSON value for loose shapes).
    pub fn version(mut self, version: impl Into<Value>) -> Self {
        self.version = version.into();
        self
    }

    /// Sets `rating` (`"4,5"`, `4.5`, or any JSON value).
    pub fn rating(mut self, rating: impl Into<Value>) -> Self {
        self.rating = rating.into();
        self
    }

    /// Replaces `settings_template`.
    pub fn settings_template(mut self, template: impl IntoIterator<Item = SettingField>) -> Self {
        self.settings_template = template.into_iter().collect();
        self
    }

    /// Appends a setting to `settings_template`.
    pub fn setting(mut self, field: SettingField) -> Self {
        self.settings_template.push(field);
        self
    }

    /// Appends a required setting labelled with its key.
    pub fn required_setting(self, key: impl Into<Cow<'static, str>>, kind: SettingType) -> Self {
        self.setting(SettingField::required(key, kind))
    }

    /// Appends an optional setting labelled with its key.
    pub fn optional_setting(self, key: impl Into<Cow<'static, str>>, kind: SettingType) -> Self {
        self.setting(SettingField::optional(key, kind))
    }

    /// Sets `is_lead_source`.
    pub fn lead_source(mut self, on: bool) -> Self {
        self.is_lead_source = on;
        self
    }

    /// Sets `is_work_with_dp`.
    pub fn work_with_dp(mut self, on: bool) -> Self {
        self.is_work_with_dp = on;
        self
    }

    /// Sets `is_crm_template`.
    pub fn crm_template(mut self, on: bool) -> Self {
        self.is_crm_template = on;
        self
    }

    /// Sets `client_uuid`.
    pub fn client_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.client_uuid = Some(uuid.into());
        self
    }

    /// Sets `pipeline_id`.
    pub fn pipeline_id(mut self, id: i64) -> Self {
        self.pipeline_id = Some(id);
        self
    }

    /// Reads a catalogue file: JSON (`.json`) or YAML (`.yaml`, `.yml`); with another
    /// extension, JSON when the text starts with `{` or `[`, else YAML. The file is either
    /// a list of widgets or `{"widgets": [...]}`; each widget has the fields of
    /// [`FakeWidget`] (only `code` is required) and each setting `key`, `name`, `type`
    /// and `is_required`.
    ///
    /// ```yaml
    /// widgets:
    ///   - code: my_widget
    ///     version: "2.0.1"
    ///     rating: "4,5"
    ///     settings_template:
    ///       - {key: api_key, name: API key, type: text, is_required: true}
    /// ```
    pub fn load_catalogue(path: impl AsRef<Path>) -> Result<Vec<FakeWidget>, CatalogueError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| CatalogueError {
            file: path.to_owned(),
            message: format!("cannot read it: {e}"),
        })?;
        let format = match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Format::Json,
            Some(ext) if ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml") => {
                Format::Yaml
            }
            _ if text.trim_start().starts_with(['{', '[']) => Format::Json,
            _ => Format::Yaml,
        };
        parse_catalogue(&text, format).map_err(|message| CatalogueError {
            file: path.to_owned(),
            message,
        })
    }
}

#[derive(Clone, Copy)]
enum Format {
    Json,
    Yaml,
}

/// The file's two shapes: a bare list or an object with `widgets`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    widgets: Vec<FakeWidget>,
}

fn parse_catalogue(text: &str, format: Format) -> Result<Vec<FakeWidget>, String> {
    // A bare list starts with `[` (JSON or YAML flow) or `-` (a YAML block sequence).
    let first = text
        .lines()
        .map(str::trim_start)
        .find(|line| !line.is_empty() && !line.starts_with('#') && *line != "---")
        .unwrap_or("");
    let list = first.starts_with('[') || first.starts_with("- ") || first == "-";
    match (format, list) {
        (Format::Json, true) => serde_json::from_str(text).map_err(|e| e.to_string()),
        (Format::Json, false) => serde_json::from_str::<CatalogueFile>(text)
            .map(|f| f.widgets)
            .map_err(|e| e.to_string()),
        (Format::Yaml, true) => serde_yaml::from_str(text).map_err(|e| e.to_string()),
        (Format::Yaml, false) => serde_yaml::from_str::<CatalogueFile>(text)
            .map(|f| f.widgets)
            .map_err(|e| e.to_string()),
    }
}

/// A catalogue file could not be read or parsed; says which file and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    file: PathBuf,
    message: String,
}

impl CatalogueError {
    /// The file.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "catalogue file {}: {}",
            self.file.display(),
            self.message
        )
    }
}

impl std::error::Error for CatalogueError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_in_both_formats() {
        let yaml = "widgets:\n  - code: a\n    settings_template:\n      - {key: k, name: K, type: users_lp, is_required: true}\n";
        let w = parse_catalogue(yaml, Format::Yaml).unwrap();
        assert_eq!(w[0].code, "a");
        assert_eq!(w[0].settings_template[0].kind, SettingType::UsersLp);
        assert_eq!(w[0].version, "1.0.0");
        let list = "# mine\n- code: b\n  version: 3\n";
        let w = parse_catalogue(list, Format::Yaml).unwrap();
        assert_eq!(w[0].version, 3);
        let json = r#"[{"code": "c", "rating": 4.5, "is_lead_source": true}]"#;
        let w = parse_catalogue(json, Format::Json).unwrap();
        assert!(w[0].is_lead_source);
        let json = r#"{"widgets": [{"code": "d"}]}"#;
        assert_eq!(parse_catalogue(json, Format::Json).unwrap()[0].code, "d");
    }

    #[test]
    fn errors_say_where() {
        let err = parse_catalogue("{\"widgets\": [{\"code\": 1}]}", Format::Json).unwrap_err();
        assert!(err.contains("line 1 column"), "{err}");
        let err =
            parse_catalogue("widgets:\n  - code: a\n    colour: red\n", Format::Yaml).unwrap_err();
        assert!(err.contains("colour") && err.contains("line 3"), "{err}");
        let err = parse_catalogue(
            "- code: a\n  settings_template: [{key: k, type: nope}]\n",
            Format::Yaml,
        )
        .unwrap_err();
        assert!(err.contains("nope") && err.contains("line 2"), "{err}");
    }
}
