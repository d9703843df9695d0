//! The account's dictionaries: users, roles and groups, tags, loss reasons, sources and
//! catalogs.

use crate::model::crm::records::{Catalog, Group, Kind, LossReason, Role, Source, Tag, User};
use crate::model::rng::SplitMix64;

use super::names::{FIRST_NAMES, LAST_NAMES, LATIN_FIRST};
use super::{Ids, T0};

/// Lead tag colours (amoCRM's palette).
const TAG_COLORS: &[&str] = &[
    "EBEBEB", "D0D0D0", "F2DDF7", "D1A4DC", "FF8F92", "FFC8C8", "C7DB8C", "DDEBB5", "8699DA",
    "AABDFF", "FFCE5A", "FFE193", "90CDB0", "C6F4DE", "A9A5D7", "D8D5FF", "86C0FC",
];

const TAG_NAMES: &[&str] = &[
    "VIP",
    "Заявка с сайта",
    "Техническая поддержка",
    "Опт",
    "Розница",
    "Партнёр",
    "Повторная",
    "Тендер",
    "Холодный",
    "Горячий",
    "Москва",
    "Регионы",
    "Выставка",
    "Реклама",
    "Рекомендация",
    "Срочно",
    "Скидка",
    "Новый",
    "Старый",
    "Сервис",
];

pub(super) fn groups(ids: &Ids) -> Vec<Group> {
    vec![
        Group {
            id: ids.group(1),
            name: "Отдел продаж",
        },
        Group {
            id: ids.group(2),
            name: "Поддержка",
        },
    ]
}

pub(super) fn roles(ids: &Ids) -> Vec<Role> {
    vec![
        Role {
            id: ids.role(1),
            name: "Менеджер",
            rights: 1,
        },
        Role {
            id: ids.role(2),
            name: "Старший менеджер",
            rights: 0,
        },
        Role {
            id: ids.role(3),
            name: "Стажёр",
            rights: 2,
        },
    ]
}

/// `count` users; the first is the account's administrator.
pub(super) fn users(ids: &Ids, count: usize, rng: &mut SplitMix64) -> Vec<User> {
    let groups = groups(ids);
    let roles = roles(ids);
    (0..count.max(1))
        .map(|n| {
            let first = n % FIRST_NAMES.len();
            let last = (n * 7 + 3) % LAST_NAMES.len();
            let admin = n == 0;
            let role = (!admin && n % 4 != 3).then(|| &roles[n % roles.len()]);
            let group = (n % 3 != 0).then(|| groups[n % groups.len()].id);
            User {
                id: ids.user(n),
                name: format!("{} {}", FIRST_NAMES[first], LAST_NAMES[last]),
                email: format!("{}.{}{}@example.com", LATIN_FIRST[first], n, ids.account),
                lang: ["ru", "en", "ru", "es"][n % 4],
                is_admin: admin,
                is_free: n % 7 == 6,
                is_active: n % 9 != 8,
                group_id: group,
                role_id: role.map(|r| r.id),
                rights: if admin {
                    0
                } else {
                    role.map_or(1 + n % 2, |r| r.rights)
                },
                uuid: (n % 5 != 4).then(|| uuid(rng)),
                amojo_id: (n % 3 != 2).then(|| uuid(rng)),
                rank: ["master", "candidate", "newbie"][n % 3],
                phone: (n % 2 == 0)
                    .then(|| format!("+7999{:07}", 1_000_000 + n * 7919 % 9_000_000)),
            }
        })
        .collect()
}

/// A version-4 UUID from the generator.
pub(super) fn uuid(rng: &mut SplitMix64) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
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

/// Each entity type's tag dictionary; only leads' tags have colours.
pub(super) fn tags(ids: &Ids, kind: Kind, real_world: bool) -> Vec<Tag> {
    let count = match kind {
        Kind::Leads => 20,
        Kind::Contacts => 10,
        Kind::Companies => 6,
        Kind::Customers => 3,
    };
    (0..count)
        .map(|n| Tag {
            id: ids.tag(kind, n),
            name: TAG_NAMES[n % TAG_NAMES.len()].to_owned(),
            color: match kind {
                // A colour outside the palette: amoCRM adds colours.
                Kind::Leads if real_world && n == 7 => Some("5B2C6F"),
                Kind::Leads if n % 4 != 3 => Some(TAG_COLORS[n % TAG_COLORS.len()]),
                _ => None,
            },
        })
        .collect()
}

pub(super) fn loss_reasons(ids: &Ids) -> Vec<LossReason> {
    [
        "Пропала потребность",
        "Дорого",
        "Выбрали конкурента",
        "Не дозвонились",
        "Спам",
    ]
    .into_iter()
    .enumerate()
    .map(|(n, name)| LossReason {
        id: ids.loss_reason(n),
        name,
        sort: n as i64,
        created_at: T0,
        updated_at: T0 + 86_400 * n as i64,
    })
    .collect()
}

pub(super) fn sources(ids: &Ids) -> Vec<Source> {
    ["API", "Сайт", "Телефония"]
        .into_iter()
        .enumerate()
        .map(|(n, name)| Source {
            id: ids.source(n),
            name,
        })
        .collect()
}

/// The catalogs: products, invoices and a plain list (their elements come later).
pub(super) fn catalogs(ids: &Ids, admin: i64) -> Vec<Catalog> {
    let catalog = |n: usize, name, kind, widget| Catalog {
        id: ids.catalog(n),
        name,
        kind,
        sort: 10 * (n as i64 + 1),
        created_by: admin,
        created_at: T0 + n as i64 * 3_600,
        updated_at: T0 + 86_400,
        can_add_elements: kind != "invoices",
        can_link_multiple: true,
        can_be_deleted: kind != "products",
        sdk_widget_code: widget,
        elements: Vec::new(),
    };
    vec![
        catalog(0, "Товары", "products", None),
        catalog(1, "Счета", "invoices", Some("amo_invoices")),
        catalog(2, "Просто список", "regular", None),
    ]
}
