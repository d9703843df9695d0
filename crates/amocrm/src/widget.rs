//! The widget model, as the list and get calls return it.

use std::fmt;
use std::sync::OnceLock;

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
            rating: raw.rating.map(Rating::from),
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

/// A widget's rating. amoCRM sends it as a string with a decimal comma (`"2,8"`) or as a
/// number; [`Rating::value`] is the number, [`Rating::as_str`] the text as sent.
#[derive(Clone, Debug)]
pub struct Rating {
    value: Option<f64>,
    /// The text as sent; for a number, formatted when first asked for.
    text: OnceLock<String>,
}

impl Rating {
    /// The rating as a number, or `None` when the server sent text that is not one.
    pub fn value(&self) -> Option<f64> {
        self.value
    }

    /// The rating as the server sent it (`"2,8"`), or the number formatted (`"2.8"`).
    pub fn as_str(&self) -> &str {
        self.text
            .get_or_init(|| self.value.map(|v| v.to_string()).unwrap_or_default())
    }

    /// Parses amoCRM's rating text: `"2,8"`, `"2.8"` or `"3"`.
    pub fn parse(text: impl Into<String>) -> Self {
        let text = text.into();
        Rating {
            value: parse_decimal(&text),
            text: OnceLock::from(text),
        }
    }
}

/// A decimal with a comma or a point, without allocating for the usual short text.
fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = if text.contains(',') {
        let mut buffer = [0u8; 32];
        let bytes = text.as_bytes();
        if bytes.len() > buffer.len() {
            text.replace(',', ".").parse::<f64>().ok()?
        } else {
            for (slot, byte) in buffer.iter_mut().zip(bytes) {
                *slot = if *byte == b',' { b'.' } else { *byte };
            }
            std::str::from_utf8(&buffer[..bytes.len()])
                .ok()?
                .parse::<f64>()
                .ok()?
        }
    } else {
        text.parse::<f64>().ok()?
    };
    value.is_finite().then_some(value)
}

impl PartialEq for Rating {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.as_str() == other.as_str()
    }
}

impl From<f64> for Rating {
    fn from(value: f64) -> Self {
        Rating {
            value: value.is_finite().then_some(value),
            text: if value.is_finite() {
                OnceLock::new()
            } else {
                OnceLock::from(value.to_string())
            },
        }
    }
}

impl From<amocrm_raw::Rating> for Rating {
    fn from(raw: amocrm_raw::Rating) -> Self {
        match raw {
            amocrm_raw::Rating::String(text) => Rating::parse(text),
            amocrm_raw::Rating::Double(value) => Rating::from(value),
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
