//! The custom fields of each entity type and catalog, every documented type with amoCRM's
//! options, and the values an entity gets for them.

use serde_json::json;

use crate::model::crm::fields::{
    FieldDef, FieldEnum, FieldGroup, FieldOwner, FieldType, Fields, Nested,
};
use crate::model::crm::values::Val;
use crate::model::rng::SplitMix64;

use super::names::{CITIES, PHRASES, STREETS, UTM_SOURCES};
use super::{DAY, Ids, T0, dictionaries::uuid};

use FieldType as T;

/// Phone codes of a multitext PHONE field, in amoCRM's order: the options' values.
const PHONE_CODES: &[&str] = &["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"];
const EMAIL_CODES: &[&str] = &["WORK", "PRIV", "OTHER"];
/// smart_address parts; their enum ids are 1 to 6.
const ADDRESS_PARTS: &[&str] = &[
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "zip",
    "country",
];

/// Builds one owner's definitions.
struct Defs<'a> {
    ids: &'a Ids,
    owner: FieldOwner,
    defs: Vec<FieldDef>,
}

impl Defs<'_> {
    fn add(&mut self, kind: FieldType, name: &'static str) -> &mut FieldDef {
        let n = self.defs.len();
        let id = self.ids.field(self.owner, n);
        self.defs.push(FieldDef::new(
            id,
            self.owner,
            kind,
            name,
            500 + 2 * n as i64,
        ));
        let def = self.defs.last_mut().expect("just pushed");
        if self.owner == FieldOwner::Leads {
            def.hidden_statuses = Vec::new();
        }
        def
    }

    fn options(
        &mut self,
        kind: FieldType,
        name: &'static str,
        values: &[&'static str],
    ) -> &mut FieldDef {
        let def = self.add(kind, name);
        def.enums = options(def.id, values);
        def
    }
}

/// Options without a `code`, as amoCRM describes them (a phone's and an email's too: the
/// value, `WORK`, is the `enum_code` its values carry).
fn options(field_id: i64, values: &[&'static str]) -> Vec<FieldEnum> {
    values
        .iter()
        .enumerate()
        .map(|(k, value)| FieldEnum {
            id: field_id * 10 + k as i64 + 1,
            value,
            sort: 2 * (k as i64 + 1),
            code: None,
        })
        .collect()
}

fn predefined(def: &mut FieldDef, code: &'static str) {
    def.code = Some(code);
    def.is_predefined = true;
    def.is_deletable = false;
}

/// The fields of leads, contacts, companies and customers, and of each catalog
/// (`catalogs`: products, invoices, plain list); `stages` are the account's
/// (status, pipeline) pairs.
pub(super) fn owner_fields(
    ids: &Ids,
    owner: FieldOwner,
    stages: &[(i64, i64)],
    products: i64,
    real_world: bool,
) -> Fields {
    let mut d = Defs {
        ids,
        owner,
        defs: Vec::new(),
    };
    match owner {
        FieldOwner::Leads => {
            d.add(T::Text, "Комментарий");
            d.add(T::Numeric, "Номер договора");
            d.add(T::Checkbox, "Согласовано");
            d.options(
                T::Select,
                "Канал",
                &["Сайт", "Звонок", "Рекомендация", "Выставка"],
            );
            d.options(
                T::Multiselect,
                "Интересы",
                &["Доставка", "Монтаж", "Обучение", "Сервис"],
            );
            d.add(T::Date, "Дата подписания").required_statuses =
                stages.iter().take(1).copied().collect();
            d.add(T::Url, "Сайт клиента");
            d.add(T::DateTime, "Встреча");
            d.add(T::Textarea, "Описание");
            d.options(
                T::Radiobutton,
                "Приоритет",
                &["Низкий", "Средний", "Высокий"],
            );
            d.add(T::StreetAddress, "Адрес доставки");
            address(d.add(T::SmartAddress, "Адрес"));
            d.add(T::Birthday, "День рождения клиента").remind = Some("day");
            d.add(T::LegalEntity, "Реквизиты");
            tracking(d.add(T::TrackingData, "utm_source"), "UTM_SOURCE");
            tracking(d.add(T::TrackingData, "utm_medium"), "UTM_MEDIUM");
            d.add(T::ChainedList, "Товары из каталога").chained_lists =
                vec![(Some("Товары"), products, None)];
            d.add(T::Monetary, "Сумма в валюте").currency = Some("USD");
            d.add(T::File, "Договор");
            let last = d.add(T::Numeric, "Вероятность, %");
            last.hidden_statuses = stages.iter().filter(|(s, _)| *s == 143).copied().collect();
            if real_world {
                // A type the documentation does not know yet.
                d.add(T::Unknown("ai_score"), "Оценка ИИ").is_api_only = true;
            }
        }
        FieldOwner::Contacts | FieldOwner::Companies => {
            let phone = d.add(T::Multitext, "Телефон");
            predefined(phone, "PHONE");
            phone.enums = options(phone.id, PHONE_CODES);
            let email = d.add(T::Multitext, "Email");
            predefined(email, "EMAIL");
            email.enums = options(email.id, EMAIL_CODES);
            if owner == FieldOwner::Contacts {
                predefined(d.add(T::Text, "Должность"), "POSITION");
                d.add(T::Birthday, "День рождения").remind = Some("week");
                d.options(T::Select, "Источник", &["Сайт", "Звонок", "Соцсети"]);
                d.add(T::Checkbox, "Согласие на рассылку");
                if real_world {
                    d.add(T::OrgLegalName, "Юридическое название");
                }
            } else {
                predefined(d.add(T::Url, "Web"), "WEB");
                predefined(d.add(T::Textarea, "Адрес"), "ADDRESS");
                d.add(T::Numeric, "ИНН");
                d.options(
                    T::Select,
                    "Отрасль",
                    &["Торговля", "Производство", "Услуги"],
                );
            }
            d.add(T::LegalEntity, "Реквизиты");
            d.add(T::Monetary, "Оборот").currency = Some("RUB");
            d.add(T::File, "Документ");
        }
        FieldOwner::Customers => {
            d.add(T::Text, "Комментарий");
            d.add(T::Numeric, "Средний чек");
            d.options(T::Select, "Сегмент", &["A", "B", "C"]);
            d.add(T::ChainedList, "Каталог").chained_lists = vec![(None, products, None)];
        }
        FieldOwner::Catalog(_) => catalog_fields(&mut d, products, real_world),
    }
    let defs = d.defs;
    let groups = groups(ids, owner, &defs);
    let mut defs = defs;
    for group in &groups {
        for def in defs.iter_mut().filter(|def| group.fields.contains(&def.id)) {
            def.group_id = Some(group.id.clone());
        }
    }
    Fields { defs, groups }
}

fn address(def: &mut FieldDef) {
    def.enums = ADDRESS_PARTS
        .iter()
        .enumerate()
        .map(|(k, part)| FieldEnum {
            id: k as i64 + 1,
            value: part,
            sort: k as i64,
            code: Some(part),
        })
        .collect();
}

fn tracking(def: &mut FieldDef, code: &'static str) {
    predefined(def, code);
    def.is_api_only = true;
    def.tracking_callback = Some("function(data) { return data; }");
}

/// A catalog's fields, by the catalog's position (`ids.catalog_position`).
fn catalog_fields(d: &mut Defs<'_>, products: i64, real_world: bool) {
    let FieldOwner::Catalog(catalog) = d.owner else {
        return;
    };
    match d.ids.catalog_position(catalog) {
        0 => {
            predefined(d.add(T::Text, "Артикул"), "SKU");
            predefined(d.add(T::Price, "Цена"), "PRICE");
            predefined(d.add(T::Textarea, "Описание"), "DESCRIPTION");
            let group = d.add(T::Category, "Группа");
            predefined(group, "GROUP");
            let base = group.id * 10;
            group.nested = vec![
                Nested {
                    id: base + 1,
                    parent_id: None,
                    value: "Телефоны",
                    sort: 0,
                },
                Nested {
                    id: base + 2,
                    parent_id: Some(base + 1),
                    value: "Смартфоны",
                    sort: 1,
                },
                Nested {
                    id: base + 3,
                    parent_id: None,
                    value: "Аксессуары",
                    sort: 2,
                },
            ];
            d.add(T::File, "Фото");
            d.add(T::LinkedEntity, "Производитель").search_in = Some("companies".to_owned());
        }
        1 => {
            let status = d.options(T::Select, "Статус", &["Создан", "Оплачен", "Отменён"]);
            predefined(status, "BILL_STATUS");
            predefined(d.add(T::Payer, "Плательщик"), "PAYER");
            predefined(d.add(T::Items, "Товары"), "ITEMS");
            predefined(d.add(T::Supplier, "Поставщик"), "SUPPLIER");
            predefined(d.add(T::Numeric, "Сумма"), "BILL_PRICE");
        }
        _ => {
            d.add(T::Text, "Название");
            d.add(T::Numeric, "Количество");
            d.add(T::Date, "Срок");
            d.add(T::LinkedEntity, "Связанный товар").search_in = Some(products.to_string());
        }
    }
    for def in &mut d.defs {
        def.is_required = def.code == Some("SKU");
    }
    if real_world && d.defs.len() > 1 {
        d.defs[1].remind = None;
    }
}

fn groups(ids: &Ids, owner: FieldOwner, defs: &[FieldDef]) -> Vec<FieldGroup> {
    if let FieldOwner::Catalog(catalog) = owner {
        // One group of the catalog's own, holding its first field (a catalog has no
        // predefined tabs).
        return vec![FieldGroup {
            id: format!("catalogs_{catalog}_{}", 1_700_000_000 + ids.account),
            name: "Характеристики",
            sort: 0,
            is_predefined: false,
            kind: "custom_field_group",
            fields: defs.iter().take(1).map(|d| d.id).collect(),
        }];
    };
    let entity = owner.entity_type();
    let mut groups = vec![FieldGroup {
        id: "default".to_owned(),
        name: "Основное",
        sort: 0,
        is_predefined: true,
        kind: "custom_field_group",
        fields: Vec::new(),
    }];
    if owner == FieldOwner::Leads {
        groups.push(FieldGroup {
            id: ids.catalog(0).to_string(),
            name: "Товары",
            sort: 1,
            is_predefined: true,
            kind: "linked_group",
            fields: Vec::new(),
        });
        groups.push(FieldGroup {
            id: "statistic".to_owned(),
            name: "Статистика",
            sort: 2,
            is_predefined: true,
            kind: "linked_group",
            fields: defs
                .iter()
                .filter(|d| d.kind == T::TrackingData)
                .map(|d| d.id)
                .collect(),
        });
    }
    groups.push(FieldGroup {
        id: format!(
            "{entity}_{}",
            29_741_591_099_841_i64 + ids.account * 1_000 + groups.len() as i64
        ),
        name: "Группа полей",
        sort: groups.len() as i64,
        is_predefined: false,
        kind: "custom_field_group",
        fields: defs
            .iter()
            .filter(|d| matches!(d.kind, T::Date | T::DateTime | T::Birthday))
            .map(|d| d.id)
            .collect(),
    });
    groups
}

/// Values for one field of an entity named `name`; `element` is a products element for
/// chained lists and linked entities.
pub(super) fn values_for(
    def: &FieldDef,
    rng: &mut SplitMix64,
    name: &str,
    element: i64,
    n: usize,
) -> Vec<Val> {
    let text = |s: String| Val::Text(s.into_boxed_str());
    let day = T0 / DAY * DAY + rng.range(0, 900) * DAY;
    match def.kind {
        T::Text | T::Textarea => vec![text(rng.pick(PHRASES).to_string())],
        T::Numeric if def.name.ends_with('%') => vec![Val::Number(rng.range(0, 100) as f64)],
        T::Numeric if rng.chance(12) => vec![Val::Number(rng.range(1, 99_999) as f64 + 0.5)],
        T::Numeric => vec![Val::Number(rng.range(1_000, 99_999_999) as f64)],
        T::Checkbox => vec![Val::Flag(rng.chance(50))],
        T::Select | T::Radiobutton => vec![Val::Choice(rng.pick(&def.enums).id)],
        T::Multiselect => {
            let first = rng.below(def.enums.len() as u64) as usize;
            let mut ids = vec![Val::Choice(def.enums[first].id)];
            if rng.chance(40) {
                ids.push(Val::Choice(def.enums[(first + 1) % def.enums.len()].id));
            }
            ids
        }
        T::Date | T::Birthday => vec![Val::Time(day)],
        T::DateTime => vec![Val::Time(day + rng.range(9, 18) * 3_600)],
        T::Url => vec![text(format!("https://client-{n}.example.com"))],
        T::StreetAddress => vec![text(format!(
            "{}, д. {}",
            rng.pick(STREETS),
            rng.range(1, 120)
        ))],
        T::SmartAddress => vec![
            Val::Coded(
                format!("{}, д. {}", rng.pick(STREETS), rng.range(1, 120)).into(),
                1,
            ),
            Val::Coded(rng.pick(CITIES).to_string().into(), 3),
            Val::Coded(format!("{}", rng.range(101_000, 199_999)).into(), 5),
            Val::Coded("Россия".into(), 6),
        ],
        T::Multitext if def.code == Some("EMAIL") => {
            vec![Val::Coded(
                format!("client{n}@example.{}", ["ru", "com"][n % 2]).into(),
                def.enums[n % 2].id,
            )]
        }
        T::Multitext => {
            let mut phones = vec![Val::Coded(
                format!("+7916{:07}", (n * 7_919 + 1_234_567) % 10_000_000).into(),
                def.enums[2].id,
            )];
            if n.is_multiple_of(3) {
                phones.push(Val::Coded(
                    format!("+7495{:07}", (n * 104_729) % 10_000_000).into(),
                    def.enums[0].id,
                ));
            }
            phones
        }
        T::LegalEntity => vec![Val::Object(Box::new(json!({
            "name": format!("ООО «{name}»"), "entity_type": 1, "vat_id": format!("77{:08}", n), "kpp": "770101001",
            "address": format!("Москва, {}", rng.pick(STREETS)), "real_address": null, "bank_account_number": null,
            "director": null, "tax_registration_reason_code": null, "bank_code": "044525225", "external_uid": null,
        })))],
        T::TrackingData => vec![text(if def.code == Some("UTM_SOURCE") {
            rng.pick(UTM_SOURCES).to_string()
        } else {
            "cpc".to_owned()
        })],
        T::ChainedList => vec![Val::Chained(
            def.chained_lists.first().map_or(0, |c| c.1),
            element,
        )],
        T::Monetary => vec![text(format!(
            "{}.{:02}",
            rng.range(100, 50_000),
            rng.below(100)
        ))],
        T::File => vec![Val::Object(Box::new(json!({
            "file_uuid": uuid(rng), "version_uuid": uuid(rng), "file_name": format!("dogovor_{n}.pdf"), "file_size": rng.range(10_000, 900_000),
        })))],
        T::Price => vec![text(format!("{}", rng.range(100, 90_000)))],
        T::Category => vec![Val::Choice(rng.pick(&def.nested).id)],
        T::Items => vec![Val::Object(Box::new(json!({
            "sku": format!("SKU-{n}"), "description": "Товар", "unit_price": 10, "quantity": 2, "unit_type": "шт.",
            "discount": {"type": "amount", "value": 5}, "vat_rate_id": 0, "external_uid": null,
            "is_discount_recalculated": false, "is_total_sum_recalculated": false, "total_sum": 15,
        })))],
        T::LinkedEntity => vec![Val::Object(Box::new(json!({
            "name": name, "entity_id": element, "entity_type": "catalog_elements", "catalog_id": def.search_in.as_deref().and_then(|s| s.parse::<i64>().ok()),
        })))],
        T::Payer => vec![Val::Object(Box::new(
            json!({"name": name, "entity_type": "contacts", "entity_id": element, "type": "individual"}),
        ))],
        T::Supplier => vec![Val::Object(Box::new(json!({"entity_id": element})))],
        T::OrgLegalName => Vec::new(),
        T::Unknown(_) => vec![Val::Raw(Box::new(
            json!({"value": {"score": rng.range(0, 100), "model": "v2"}}),
        ))],
    }
}
