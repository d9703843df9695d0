//! The widget catalogue: the seed's example widgets, raw JSON widgets given by the
//! caller, then lazily generated ones.
//!
//! Generated widgets are never materialised up front: widget number `i`
//! (1-based) is a pure function of `i`, so a catalogue of 100 000 widgets costs
//! nothing at start-up and a list page only renders its own slice.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde_json::Value;

use crate::widget::FakeWidget;

pub(crate) use crate::widget::{SettingField, SettingType};

const fn field(
    key: &'static str,
    name: &'static str,
    kind: SettingType,
    is_required: bool,
) -> SettingField {
    SettingField {
        key: Cow::Borrowed(key),
        name: Cow::Borrowed(name),
        kind,
        is_required,
    }
}

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

use SettingType::{Custom, Pass, Text, Users, UsersLp};

const DROPBOX_TEMPLATE: &[SettingField] = &[field("conf", "custom", Custom, false)];
const MAILCHIMP_TEMPLATE: &[SettingField] = &[field("api", "custom", Custom, false)];
const ASTERISK_TEMPLATE: &[SettingField] = &[
    field("login", "Логин", Text, true),
    field("password", "Пароль", Pass, true),
    field("phones", "Список телефонов", Users, true),
    field("script_path", "Путь к скрипту", Text, true),
];

/// Number of seed example widgets (amo_dropbox, amo_mailchimp, amo_asterisk).
pub(crate) const SEED_COUNT: usize = 3;

/// Codes of the seed widgets, by position.
const SEED_CODES: [&str; SEED_COUNT] = ["amo_dropbox", "amo_mailchimp", "amo_asterisk"];

/// Generated widget `i` gets id `GENERATED_ID_BASE + i`, above every seed id.
pub(crate) const GENERATED_ID_BASE: i64 = 1000;

/// Settings templates cycled through by generated widgets; together they cover
/// all five types, required and optional fields, and the empty template.
const GENERATED_TEMPLATES: &[&[SettingField]] = &[
    &[],
    &[field("api_key", "API key", Text, true)],
    &[
        field("login", "Login", Text, true),
        field("password", "Password", Pass, true),
    ],
    &[
        field("phones", "Phone extensions", Users, true),
        field("conf", "Configuration", Custom, false),
    ],
    &[
        field("accounts", "User accounts", UsersLp, true),
        field("domain", "Domain", Text, false),
    ],
    &[
        field("conf", "custom", Custom, false),
        field("secret", "Secret", Pass, false),
        field("operators", "Operators", Users, false),
    ],
    &[
        field("endpoint", "Endpoint", Text, true),
        field("token", "Token", Pass, false),
        field("mapping", "Mapping", Custom, true),
        field("agents", "Agents", UsersLp, false),
    ],
];

fn seed_widget(pos: usize) -> Option<Widget> {
    let (id, code, version, rating, template) = match pos {
        0 => (742, "amo_dropbox", "0.0.13", "2,8", DROPBOX_TEMPLATE),
        1 => (796, "amo_mailchimp", "1.1.12", "3,4", MAILCHIMP_TEMPLATE),
        2 => (972, "amo_asterisk", "1.1.6", "2,7", ASTERISK_TEMPLATE),
        _ => return None,
    };
    Some(Widget {
        id,
        code: Cow::Borrowed(code),
        version: Version::Text(Cow::Borrowed(version)),
        rating: Rating::Text(Cow::Borrowed(rating)),
        settings_template: Cow::Borrowed(template),
        is_lead_source: false,
        is_work_with_dp: false,
        is_crm_template: false,
        client_uuid: None,
        pipeline_id: None,
    })
}

/// SplitMix64: a tiny deterministic mixer for generated UUIDs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn generated_uuid(i: usize) -> String {
    let a = mix(i as u64);
    let b = mix(a ^ 0xA5A5_A5A5);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + ((b >> 62) & 0x3),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// Code of generated widget `i` (1-based): `widget_00001`, ...
pub(crate) fn generated_code(i: usize) -> String {
    format!("widget_{i:05}")
}

fn generated_widget(i: usize) -> Widget {
    // Tenths in 1.0..=5.0.
    let tenths = 10 + (i * 7) % 41;
    let rating = if i % 2 == 1 {
        Rating::Text(Cow::Owned(format!("{},{}", tenths / 10, tenths % 10)))
    } else {
        Rating::Number(tenths as f64 / 10.0)
    };
    let is_lead_source = i.is_multiple_of(4);
    Widget {
        id: GENERATED_ID_BASE + i as i64,
        code: Cow::Owned(generated_code(i)),
        version: Version::Text(Cow::Owned(format!("{}.{}.{}", i % 3, (i / 3) % 10, i % 25))),
        rating,
        settings_template: Cow::Borrowed(GENERATED_TEMPLATES[i % GENERATED_TEMPLATES.len()]),
        is_lead_source,
        is_work_with_dp: i.is_multiple_of(3),
        is_crm_template: i % 10 == 7,
        client_uuid: i.is_multiple_of(5).then(|| generated_uuid(i)),
        pipeline_id: (is_lead_source && i.is_multiple_of(8)).then(|| 3_000_000 + (i % 13) as i64),
    }
}

/// Ids of the caller's widgets without one: above every seed and generated id.
pub(crate) const CUSTOM_ID_BASE: i64 = 2_000_000_000;

/// The immutable catalogue: seed widgets first, then the caller's own ones, then the raw
/// ones, then generated.
#[derive(Debug, Clone)]
pub(crate) struct Catalogue {
    generated: usize,
    custom: Arc<[Widget]>,
    raw: Arc<[Value]>,
    /// Code -> position, for the caller's and the raw widgets.
    codes: Arc<HashMap<String, usize>>,
}

/// One entry of the catalogue.
#[derive(Debug, Clone)]
pub(crate) enum Entry {
    /// A widget the fake renders.
    Widget(Widget),
    /// A widget served exactly as given.
    Raw(Value),
}

/// The fake's own shape of a caller's widget.
fn custom_widget(i: usize, w: &FakeWidget) -> Widget {
    let template = w
        .settings_template
        .iter()
        .map(|f| SettingField::new(f.key.clone(), f.name.clone(), f.kind, f.is_required))
        .collect::<Vec<_>>();
    let version = match &w.version {
        Value::String(s) => Version::Text(Cow::Owned(s.clone())),
        other => Version::Json(other.clone()),
    };
    Widget {
        id: w.id.unwrap_or(CUSTOM_ID_BASE + i as i64 + 1),
        code: Cow::Owned(w.code.clone()),
        version,
        rating: Rating::Json(w.rating.clone()),
        settings_template: Cow::Owned(template),
        is_lead_source: w.is_lead_source,
        is_work_with_dp: w.is_work_with_dp,
        is_crm_template: w.is_crm_template,
        client_uuid: w.client_uuid.clone(),
        pipeline_id: w.pipeline_id,
    }
}

impl Catalogue {
    /// A catalogue; `Err` names a widget code given twice (or one of the seed's).
    pub fn new(generated: usize, custom: &[FakeWidget], raw: Vec<Value>) -> Result<Self, String> {
        let mut codes = HashMap::new();
        for (i, w) in custom.iter().enumerate() {
            if SEED_CODES.contains(&w.code.as_str())
                || codes.insert(w.code.clone(), SEED_COUNT + i).is_some()
            {
                return Err(format!(
                    "widget code {:?} is in the catalogue twice",
                    w.code
                ));
            }
        }
        for (i, raw) in raw.iter().enumerate() {
            // The first raw widget with a code wins, as before; a custom one wins over it.
            if let Some(code) = raw.get("code").and_then(Value::as_str) {
                codes
                    .entry(code.to_owned())
                    .or_insert(SEED_COUNT + custom.len() + i);
            }
        }
        Ok(Self {
            generated: generated.min(crate::MAX_GENERATED_WIDGETS),
            custom: custom
                .iter()
                .enumerate()
                .map(|(i, w)| custom_widget(i, w))
                .collect(),
            raw: raw.into(),
            codes: Arc::new(codes),
        })
    }

    /// Total number of widgets.
    pub fn len(&self) -> usize {
        SEED_COUNT + self.custom.len() + self.raw.len() + self.generated
    }

    /// The rendered widget at position `pos` (0-based); `None` past the end and for a
    /// raw widget.
    #[cfg(test)]
    pub fn get(&self, pos: usize) -> Option<Widget> {
        match self.entry(pos)? {
            Entry::Widget(widget) => Some(widget),
            Entry::Raw(_) => None,
        }
    }

    /// The raw widget at position `pos`, if that is one.
    pub fn raw(&self, pos: usize) -> Option<&Value> {
        self.raw
            .get(pos.checked_sub(SEED_COUNT + self.custom.len())?)
    }

    /// The entry at position `pos` (0-based).
    pub fn entry(&self, pos: usize) -> Option<Entry> {
        let custom_end = SEED_COUNT + self.custom.len();
        let raw_end = custom_end + self.raw.len();
        if pos < SEED_COUNT {
            seed_widget(pos).map(Entry::Widget)
        } else if pos < custom_end {
            self.custom
                .get(pos - SEED_COUNT)
                .cloned()
                .map(Entry::Widget)
        } else if pos < raw_end {
            self.raw(pos).cloned().map(Entry::Raw)
        } else if pos < self.len() {
            Some(Entry::Widget(generated_widget(pos - raw_end + 1)))
        } else {
            None
        }
    }

    /// Position of the widget with this exact code (a raw widget's `code`, when it is a
    /// string).
    pub fn position(&self, code: &str) -> Option<usize> {
        if let Some(pos) = SEED_CODES.iter().position(|seed| *seed == code) {
            return Some(pos);
        }
        if let Some(&pos) = self.codes.get(code) {
            return Some(pos);
        }
        let digits = code.strip_prefix("widget_")?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let i: usize = digits.parse().ok()?;
        // Reject non-canonical spellings such as `widget_1` or `widget_000001`.
        if i == 0 || i > self.generated || generated_code(i) != code {
            return None;
        }
        Some(SEED_COUNT + self.custom.len() + self.raw.len() + i - 1)
    }
}

/// Characters escaped when a code is put into a URL path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

#[derive(Serialize)]
struct Href {
    href: String,
}

#[derive(Serialize)]
struct SelfLinks {
    #[serde(rename = "self")]
    self_: Href,
}

/// Wire shape of a widget; field order follows the seed.
#[derive(Serialize)]
pub(crate) struct WidgetView<'a> {
    id: i64,
    code: &'a str,
    version: &'a Version,
    rating: &'a Rating,
    settings_template: &'a [SettingField],
    is_lead_source: bool,
    is_work_with_dp: bool,
    is_crm_template: bool,
    client_uuid: Option<&'a str>,
    is_active_in_account: bool,
    pipeline_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<&'a Value>,
    #[serde(rename = "_links")]
    links: SelfLinks,
}

impl<'a> WidgetView<'a> {
    /// `origin` is `http://host:port` without a trailing slash.
    pub fn new(
        widget: &'a Widget,
        origin: &str,
        active: bool,
        settings: Option<&'a Value>,
    ) -> Self {
        let href = format!(
            "{origin}/api/v4/widgets/{}",
            utf8_percent_encode(&widget.code, SEGMENT)
        );
        WidgetView {
            id: widget.id,
            code: &widget.code,
            version: &widget.version,
            rating: &widget.rating,
            settings_template: &widget.settings_template,
            is_lead_source: widget.is_lead_source,
            is_work_with_dp: widget.is_work_with_dp,
            is_crm_template: widget.is_crm_template,
            client_uuid: widget.client_uuid.as_deref(),
            is_active_in_account: active,
            pipeline_id: widget.pipeline_id,
            settings,
            links: SelfLinks {
                self_: Href { href },
            },
        }
    }
}

#[derive(Serialize)]
struct PageLinks {
    #[serde(rename = "self")]
    self_: Href,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<Href>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<Href>,
}

/// One entry of a list page: a rendered widget or a raw one, written as given.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum ListEntry<'a> {
    View(WidgetView<'a>),
    Raw(&'a Value),
}

#[derive(Serialize)]
struct Embedded<'a> {
    widgets: Vec<ListEntry<'a>>,
}

/// Wire shape of a `GET /api/v4/widgets` page.
#[derive(Serialize)]
pub(crate) struct ListPage<'a> {
    #[serde(rename = "_page")]
    page: u64,
    #[serde(rename = "_links")]
    links: PageLinks,
    #[serde(rename = "_embedded")]
    embedded: Embedded<'a>,
}

fn list_href(origin: &str, limit: u64, page: u64) -> Href {
    Href {
        href: format!("{origin}/api/v4/widgets?limit={limit}&page={page}"),
    }
}

impl<'a> ListPage<'a> {
    pub fn new(
        origin: &str,
        page: u64,
        limit: u64,
        has_next: bool,
        widgets: Vec<ListEntry<'a>>,
    ) -> Self {
        ListPage {
            page,
            links: PageLinks {
                self_: list_href(origin, limit, page),
                next: has_next.then(|| list_href(origin, limit, page + 1)),
                prev: (page > 1).then(|| list_href(origin, limit, page - 1)),
            },
            embedded: Embedded { widgets },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip() {
        let c = Catalogue::new(1234, &[], Vec::new()).unwrap();
        assert_eq!(c.len(), 1237);
        for pos in 0..c.len() {
            let w = c.get(pos).expect("widget");
            assert_eq!(c.position(&w.code), Some(pos));
        }
        assert!(c.get(c.len()).is_none());
        assert_eq!(c.position("widget_1"), None);
        assert_eq!(c.position("widget_000001"), None);
        assert_eq!(c.position("widget_01235"), None);
        assert_eq!(c.position("widget_00000"), None);
        assert_eq!(c.position("widget_+0001"), None);
        assert_eq!(c.position(""), None);
    }

    #[test]
    fn ids_strictly_increase() {
        let c = Catalogue::new(50, &[], Vec::new()).unwrap();
        let ids: Vec<i64> = (0..c.len())
            .map(|p| c.get(p).map(|w| w.id).unwrap_or(0))
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn raw_widgets_sit_between_seed_and_generated() {
        let raw = vec![
            serde_json::json!({"code": "odd_one", "version": 3}),
            serde_json::json!("not even an object"),
        ];
        let c = Catalogue::new(5, &[], raw).unwrap();
        assert_eq!(c.len(), 10);
        assert_eq!(c.position("odd_one"), Some(3));
        assert!(matches!(c.entry(3), Some(Entry::Raw(_))));
        assert!(c.get(4).is_none() && c.raw(4).is_some());
        assert_eq!(
            c.get(5).map(|w| w.code.into_owned()),
            Some(generated_code(1))
        );
        assert_eq!(c.position(&generated_code(1)), Some(5));
        assert_eq!(c.position(&generated_code(5)), Some(9));
        assert!(c.entry(10).is_none());
    }

    #[test]
    fn your_widgets_sit_between_seed_and_raw_and_win_over_raw_codes() {
        let custom = [
            FakeWidget::new("mine").version(7),
            FakeWidget::new("also_mine").id(9),
        ];
        let raw = vec![
            serde_json::json!({"code": "mine"}),
            serde_json::json!({"code": "r"}),
        ];
        let c = Catalogue::new(2, &custom, raw).unwrap();
        assert_eq!(c.len(), 3 + 2 + 2 + 2);
        assert_eq!(c.position("mine"), Some(3));
        assert_eq!(c.position("also_mine"), Some(4));
        assert_eq!(c.position("r"), Some(6));
        assert_eq!(c.position(&generated_code(1)), Some(7));
        assert_eq!(c.position(&generated_code(2)), Some(8));
        let mine = c.get(3).unwrap();
        assert_eq!(mine.id, CUSTOM_ID_BASE + 1);
        assert!(matches!(mine.version, Version::Json(ref v) if *v == 7));
        assert_eq!(c.get(4).unwrap().id, 9);
        assert!(matches!(c.entry(5), Some(Entry::Raw(_))));
        assert!(c.get(9).is_none());
        let twice = [FakeWidget::new("x"), FakeWidget::new("x")];
        assert!(Catalogue::new(0, &twice, Vec::new()).is_err());
        assert!(Catalogue::new(0, &[FakeWidget::new("amo_asterisk")], Vec::new()).is_err());
    }

    #[test]
    fn uuid_shape() {
        let u = generated_uuid(5);
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
    }
}
