//! The catalogue's own widgets: the API description's three examples, and the generated
//! widgets — each a pure function of its number, so a million cost nothing until listed.

use std::borrow::Cow;

use crate::model::catalogue::entry::{Rating, Version, Widget};
use crate::model::catalogue::widget::SettingField;
use crate::model::catalogue::widget::SettingType::{self, Custom, Pass, Text, Users, UsersLp};

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

const DROPBOX_TEMPLATE: &[SettingField] = &[field("conf", "custom", Custom, false)];
const MAILCHIMP_TEMPLATE: &[SettingField] = &[field("api", "custom", Custom, false)];
const ASTERISK_TEMPLATE: &[SettingField] = &[
    field("login", "Логин", Text, true),
    field("password", "Пароль", Pass, true),
    field("phones", "Список телефонов", Users, true),
    field("script_path", "Путь к скрипту", Text, true),
];

/// Number of example widgets from the API description that every catalogue holds.
pub const SEED_WIDGET_COUNT: usize = 3;

/// Codes of the seed widgets, by position.
pub(crate) const SEED_CODES: [&str; SEED_WIDGET_COUNT] =
    ["amo_dropbox", "amo_mailchimp", "amo_asterisk"];

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

pub(crate) fn seed_widget(pos: usize) -> Option<Widget> {
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

use crate::model::rng::mix;

pub(crate) fn generated_uuid(i: usize) -> String {
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

pub(crate) fn generated_widget(i: usize) -> Widget {
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
