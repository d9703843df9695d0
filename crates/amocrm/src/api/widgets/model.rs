//! The widget model, as the list and get calls return it.

use amocrm_raw::Rating;
use amocrm_raw::types as raw;

use super::settings::Settings;
use super::template::SettingsField;

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
        // The generated type decodes straight into the public `SettingsField`: no copy.
        let settings_template: Vec<SettingsField> = raw.settings_template.unwrap_or_default();
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

/// A widget as data: the API's fields in the API's order, `rating` as a number when it is
/// one (the text as sent otherwise), `settings` with every secret as [`MASK`](super::MASK)
/// (read them with [`Settings::exposed`]), and `_links.self.href` as `link`. What amoCRM
/// sent as `null` stays `null`.
impl serde::Serialize for Widget {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum RatingData<'a> {
            Number(f64),
            Text(&'a str),
        }
        #[derive(serde::Serialize)]
        struct Data<'a> {
            id: i64,
            code: &'a str,
            version: Option<&'a str>,
            rating: Option<RatingData<'a>>,
            settings_template: &'a [SettingsField],
            is_lead_source: Option<bool>,
            is_work_with_dp: Option<bool>,
            is_crm_template: Option<bool>,
            client_uuid: Option<&'a str>,
            is_active_in_account: Option<bool>,
            pipeline_id: Option<i64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            settings: Option<&'a Settings>,
            #[serde(skip_serializing_if = "Option::is_none")]
            link: Option<&'a str>,
        }
        Data {
            id: self.id,
            code: &self.code,
            version: self.version.as_deref(),
            rating: self.rating.as_ref().map(|r| match r.value() {
                Some(value) => RatingData::Number(value),
                None => RatingData::Text(r.as_str()),
            }),
            settings_template: &self.settings_template,
            is_lead_source: self.is_lead_source,
            is_work_with_dp: self.is_work_with_dp,
            is_crm_template: self.is_crm_template,
            client_uuid: self.client_uuid.as_deref(),
            is_active_in_account: self.is_active_in_account,
            pipeline_id: self.pipeline_id,
            settings: self.settings.as_ref(),
            link: self.self_link.as_deref(),
        }
        .serialize(serializer)
    }
}
