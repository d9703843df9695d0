//! The widget model, as the list and get calls return it.

use amocrm_raw::types as raw;

use crate::settings::Settings;

pub use amocrm_raw::SettingsFieldType;

/// A widget: public, installed in the account, or uploaded by the current user.
///
/// Fields amoCRM may send as `null` (its own PHP client types them so) are `Option`s:
/// `None` is amoCRM's `null`, kept apart from `false` / an empty value, so nothing the
/// server said is lost or made up.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Widget {
    /// ID of the widget.
    pub id: i64,
    /// Code of the widget, e.g. `amo_dropbox`; the key of the get/install/uninstall calls.
    pub code: String,
    /// Version of the widget; an integer version (`1`) reads as its text (`"1"`), and
    /// `None` is `null` (or no version at all).
    pub version: Option<String>,
    /// Rating, parsed from amoCRM's `"2,8"` or `2.8`; `None` is `null`.
    pub rating: Option<Rating>,
    /// Fields available for configuration (`null` reads as none).
    pub settings_template: Vec<SettingsField>,
    /// Whether the widget is available as a lead source (`None`: `null`).
    pub is_lead_source: Option<bool>,
    /// Whether the widget is available in the Digital Pipeline (`None`: `null`).
    pub is_work_with_dp: Option<bool>,
    /// Whether the widget is an industry solution (`None`: `null`).
    pub is_crm_template: Option<bool>,
    /// UUID of the OAuth integration linked with the widget.
    pub client_uuid: Option<String>,
    /// Whether the widget is installed in the account (`None`: `null`); see
    /// [`Widget::is_installed`].
    pub is_active_in_account: Option<bool>,
    /// ID of the pipeline in which the widget is installed as a lead source.
    pub pipeline_id: Option<i64>,
    /// The widget's settings: present only for the integration's own key and after an
    /// install (amoCRM's `[]` reads as empty settings, JSON-encoded text as the settings
    /// it encodes). Secret values are redacted in `Debug`.
    pub settings: Option<Settings>,
    /// The widget's own URL (`_links.self.href`).
    pub self_link: Option<String>,
}

impl Widget {
    /// Whether amoCRM says the widget is installed in the account (`null` is not).
    pub fn is_installed(&self) -> bool {
        self.is_active_in_account == Some(true)
    }
}

impl From<raw::Widget> for Widget {
    fn from(raw: raw::Widget) -> Self {
        let settings_template: Vec<SettingsField> = raw
            .settings_template
            .unwrap_or_default()
            .into_iter()
            .map(SettingsField::from)
            .collect();
        let settings = raw
            .settings
            .map(|s| Settings::from_response(s.0, &settings_template));
        Widget {
            id: raw.id,
            code: raw.code,
            version: raw.version.map(|v| v.0),
            rating: raw.rating,
            settings_template,
            is_lead_source: raw.is_lead_source,
            is_work_with_dp: raw.is_work_with_dp,
            is_crm_template: raw.is_crm_template,
            client_uuid: raw.client_uuid,
            is_active_in_account: raw.is_active_in_account,
            pipeline_id: raw.pipeline_id,
            settings,
            self_link: raw.links.and_then(|l| l.0).map(|l| l.self_.href),
        }
    }
}

/// One field of a widget's settings form.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SettingsField {
    /// Key of the value in the widget's settings.
    pub key: String,
    /// Name of the field shown to users.
    pub name: String,
    /// Data type of the value.
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

impl From<raw::SettingsField> for SettingsField {
    fn from(raw: raw::SettingsField) -> Self {
        SettingsField {
            key: raw.key,
            name: raw.name,
            kind: raw.type_,
            is_required: raw.is_required,
        }
    }
}

/// A widget's rating: the generated client's own type (one `Rating` for both crates).
pub use amocrm_raw::Rating;
