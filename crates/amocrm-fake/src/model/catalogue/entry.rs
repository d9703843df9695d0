//! A widget as the catalogue holds it: rendered by the fake (the seed's, the generated
//! ones, yours) or raw JSON served as given.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::model::catalogue::widget::SettingField;

/// `rating` is either a string with a decimal comma (`"2,8"`) or a JSON float.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Rating {
    Text(Cow<'static, str>),
    Number(f64),
    /// A widget of the caller's: as given.
    Json(Value),
}

/// `version`: a string, or any JSON value for the caller's widgets.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Version {
    Text(Cow<'static, str>),
    Json(Value),
}

/// A catalogue entry (everything but the install state).
#[derive(Debug, Clone)]
pub(crate) struct Widget {
    pub id: i64,
    pub code: Cow<'static, str>,
    pub version: Version,
    pub rating: Rating,
    pub settings_template: Cow<'static, [SettingField]>,
    pub is_lead_source: bool,
    pub is_work_with_dp: bool,
    pub is_crm_template: bool,
    pub client_uuid: Option<String>,
    pub pipeline_id: Option<i64>,
}

/// One entry of the catalogue.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// A widget the fake renders.
    Widget(Widget),
    /// A widget served exactly as given.
    Raw(Value),
}
