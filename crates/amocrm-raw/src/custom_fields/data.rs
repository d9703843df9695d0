//! The typed reading of a custom field's values, by the field's type.

use std::borrow::Cow;
use std::time::SystemTime;

use super::item::CustomFieldValueItem;
use super::structured::{FileValue, InvoiceItem, LegalEntity, LinkedEntity, Payer, Supplier};
use super::value::CustomFieldValue;
use crate::{CustomFieldType, unix_time};

/// A custom field's values read by the field's type ([`CustomFieldValue::data`]): one arm
/// per kind of value amoCRM documents, and [`Unknown`](Self::Unknown) with the raw JSON of
/// `values` for a type this crate does not know or values whose shape does not fit their
/// type. Scalars borrow from the field; the object-valued types are read into structs.
///
/// | `field_type` | arm |
/// |---|---|
/// | text, textarea, url, streetaddress, tracking_data, org_legal_name | [`Text`](Self::Text) (a number reads as its decimal text) |
/// | numeric, monetary, price | [`Number`](Self::Number) (from a number or a numeric string: `"29277913"`, `"1,5"`) |
/// | checkbox | [`Bool`](Self::Bool) (`true`, `1`, `"1"`, `"true"` …) |
/// | date, date_time, birthday | [`Time`](Self::Time) (Unix seconds, from an integer or a date string) |
/// | select, radiobutton, category | [`Enum`](Self::Enum) (the first value) |
/// | multiselect | [`Enums`](Self::Enums) |
/// | multitext | [`Multitext`](Self::Multitext) (phones, e-mails with their codes) |
/// | smart_address | [`SmartAddress`](Self::SmartAddress) |
/// | legal_entity, items, linked_entity, file, payer, supplier | the struct of each value |
/// | chained_list | [`ChainedList`](Self::ChainedList) |
///
/// A field with no values (`values` null or `[]`) is [`Empty`](Self::Empty), whatever its
/// type.
///
/// ```
/// use amocrm_raw::{CustomFieldData, CustomFieldValue};
///
/// let field: CustomFieldValue = serde_json::from_str(
///     r#"{"field_id": 271311, "field_type": "numeric", "values": [{"value": "29277913"}]}"#,
/// ).unwrap();
/// match field.data() {
///     CustomFieldData::Number(number) => assert_eq!(number, 29_277_913.0),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CustomFieldData<'a> {
    /// No values.
    Empty,
    /// A text (the first value).
    Text(Cow<'a, str>),
    /// A number (the first value).
    Number(f64),
    /// A flag (the first value).
    Bool(bool),
    /// A moment, in Unix seconds (the first value); see [`CustomFieldData::time`].
    Time(i64),
    /// The selected option (the first value).
    Enum(EnumValue<'a>),
    /// The selected options.
    Enums(Vec<EnumValue<'a>>),
    /// Texts with their codes: phones (`WORK`, `WORKDD`, `MOB`, `FAX`, `HOME`, `OTHER`),
    /// e-mails (`WORK`, `PRIV`, `OTHER`).
    Multitext(Vec<EnumValue<'a>>),
    /// An address by parts.
    SmartAddress(SmartAddress<'a>),
    /// Legal entities' requisites.
    LegalEntity(Vec<LegalEntity>),
    /// Invoice items.
    Items(Vec<InvoiceItem>),
    /// Linked elements, contacts or companies.
    LinkedEntity(Vec<LinkedEntity>),
    /// Elements of chained catalogs (up to five).
    ChainedList(Vec<ChainedListValue>),
    /// Files.
    File(Vec<FileValue>),
    /// Payers of an invoice.
    Payer(Vec<Payer>),
    /// Suppliers of an invoice.
    Supplier(Vec<Supplier>),
    /// A type this crate does not know, or values whose shape does not fit the type: the
    /// raw JSON of `values`.
    Unknown(serde_json::Value),
}

impl CustomFieldData<'_> {
    /// The moment of a [`Time`](Self::Time) as a [`SystemTime`].
    pub fn time(&self) -> Option<SystemTime> {
        match self {
            CustomFieldData::Time(unix) => unix_time::system_time(*unix),
            _ => None,
        }
    }
}

/// A value with an option: a selected option (`value` its text), or a phone or e-mail of a
/// multitext (`value` the number or address, `code` its kind: `WORK`, `MOB`…).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnumValue<'a> {
    /// The option's ID (`enum_id`).
    pub id: Option<i64>,
    /// The option's code (`enum_code`).
    pub code: Option<&'a str>,
    /// The text (`value`).
    pub value: Option<Cow<'a, str>>,
}

impl<'a> EnumValue<'a> {
    /// The option of a value.
    pub fn of(item: &'a CustomFieldValueItem) -> Self {
        EnumValue {
            id: item.enum_id,
            code: item.enum_code.as_deref(),
            value: item.text(),
        }
    }

    /// Whether this value carries anything of an option (an ID, a code or a text).
    fn is_some(&self) -> bool {
        self.id.is_some() || self.code.is_some() || self.value.is_some()
    }
}

/// An address by parts (a `smart_address` field): each part is one value, told by its
/// `enum_code` (or, without one, its `enum_id` 1–6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SmartAddress<'a> {
    /// `address_line_1` (`enum_id` 1).
    pub address_line_1: Option<Cow<'a, str>>,
    /// `address_line_2` (`enum_id` 2).
    pub address_line_2: Option<Cow<'a, str>>,
    /// `city` (`enum_id` 3).
    pub city: Option<Cow<'a, str>>,
    /// `state` (`enum_id` 4).
    pub state: Option<Cow<'a, str>>,
    /// `zip` (`enum_id` 5).
    pub zip: Option<Cow<'a, str>>,
    /// `country` (`enum_id` 6).
    pub country: Option<Cow<'a, str>>,
}

/// An element of a chained catalog (a `chained_list` value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChainedListValue {
    /// ID of the catalog.
    pub catalog_id: i64,
    /// ID of the element.
    pub catalog_element_id: i64,
}

impl CustomFieldValue {
    /// The values read by the field's type (see [`CustomFieldData`]). Never fails: a type
    /// this crate does not know, or values that do not fit their type, read as
    /// [`CustomFieldData::Unknown`].
    pub fn data(&self) -> CustomFieldData<'_> {
        let Some(items) = self.values.as_deref() else {
            return match self.extra.get("values") {
                Some(raw) => CustomFieldData::Unknown(raw.clone()),
                None => CustomFieldData::Empty,
            };
        };
        let Some(first) = items.first() else {
            return CustomFieldData::Empty;
        };
        let Some(field_type) = &self.field_type else {
            return self.unknown();
        };
        use CustomFieldType as T;
        let data = match field_type {
            T::Text
            | T::Textarea
            | T::Url
            | T::Streetaddress
            | T::TrackingData
            | T::OrgLegalName => first.text().map(CustomFieldData::Text),
            T::Numeric | T::Monetary | T::Price => first.number().map(CustomFieldData::Number),
            T::Checkbox => first.bool().map(CustomFieldData::Bool),
            T::Date | T::DateTime | T::Birthday => first.unix_time().map(CustomFieldData::Time),
            T::Select | T::Radiobutton | T::Category => Some(EnumValue::of(first))
                .filter(EnumValue::is_some)
                .map(CustomFieldData::Enum),
            T::Multiselect => enums(items).map(CustomFieldData::Enums),
            T::Multitext => enums(items).map(CustomFieldData::Multitext),
            T::SmartAddress => smart_address(items).map(CustomFieldData::SmartAddress),
            T::LegalEntity => objects(items).map(CustomFieldData::LegalEntity),
            T::Items => objects(items).map(CustomFieldData::Items),
            T::LinkedEntity => objects(items).map(CustomFieldData::LinkedEntity),
            T::File => objects(items).map(CustomFieldData::File),
            T::Payer => objects(items).map(CustomFieldData::Payer),
            T::Supplier => objects(items).map(CustomFieldData::Supplier),
            T::ChainedList => chained_list(items).map(CustomFieldData::ChainedList),
            T::Unknown(_) => None,
        };
        data.unwrap_or_else(|| self.unknown())
    }

    /// The options of a multiselect, or the phones or e-mails of a multitext: every value
    /// with its `enum_id` and `enum_code`.
    pub fn enum_values(&self) -> impl Iterator<Item = EnumValue<'_>> {
        self.items().iter().map(EnumValue::of)
    }

    fn unknown(&self) -> CustomFieldData<'_> {
        CustomFieldData::Unknown(self.values_json())
    }
}

/// Every value as an option, or `None` when one of them carries nothing of an option.
fn enums(items: &[CustomFieldValueItem]) -> Option<Vec<EnumValue<'_>>> {
    items
        .iter()
        .map(|item| Some(EnumValue::of(item)).filter(EnumValue::is_some))
        .collect()
}

/// The parts of an address, or `None` when a value is not a known part with a text.
fn smart_address(items: &[CustomFieldValueItem]) -> Option<SmartAddress<'_>> {
    let mut address = SmartAddress::default();
    for item in items {
        let part = match (item.enum_code.as_deref(), item.enum_id) {
            (Some("address_line_1"), _) | (None, Some(1)) => &mut address.address_line_1,
            (Some("address_line_2"), _) | (None, Some(2)) => &mut address.address_line_2,
            (Some("city"), _) | (None, Some(3)) => &mut address.city,
            (Some("state"), _) | (None, Some(4)) => &mut address.state,
            (Some("zip"), _) | (None, Some(5)) => &mut address.zip,
            (Some("country"), _) | (None, Some(6)) => &mut address.country,
            _ => return None,
        };
        *part = Some(item.text()?);
    }
    Some(address)
}

/// Every value's object read as `T`, or `None` when one is not an object of that shape.
fn objects<T: serde::de::DeserializeOwned>(items: &[CustomFieldValueItem]) -> Option<Vec<T>> {
    items
        .iter()
        .map(|item| {
            let object = item
                .value
                .as_ref()?
                .as_json()
                .filter(|json| json.is_object())?;
            T::deserialize(object).ok()
        })
        .collect()
}

/// Every value's catalog and element, or `None` when one lacks either.
fn chained_list(items: &[CustomFieldValueItem]) -> Option<Vec<ChainedListValue>> {
    items
        .iter()
        .map(|item| {
            Some(ChainedListValue {
                catalog_id: item.catalog_id?,
                catalog_element_id: item.catalog_element_id?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data_of(field_type: &str, values: serde_json::Value) -> CustomFieldData<'static> {
        let field: CustomFieldValue = serde_json::from_value(
            json!({"field_id": 1, "field_type": field_type, "values": values}),
        )
        .unwrap();
        // The field lives as long as the test: leak it to return a borrowing view.
        Box::leak(Box::new(field)).data()
    }

    fn unknown(field_type: &str, values: serde_json::Value) {
        assert_eq!(
            data_of(field_type, values.clone()),
            CustomFieldData::Unknown(values.clone()),
            "{field_type} {values}"
        );
    }

    #[test]
    fn text_types_read_as_text() {
        for kind in [
            "text",
            "textarea",
            "url",
            "streetaddress",
            "tracking_data",
            "org_legal_name",
        ] {
            assert_eq!(
                data_of(kind, json!([{"value": "Москва"}])),
                CustomFieldData::Text("Москва".into()),
                "{kind}"
            );
            unknown(kind, json!([{"value": {"a": 1}}]));
        }
        assert_eq!(
            data_of("text", json!([{"value": 42}])),
            CustomFieldData::Text("42".into())
        );
    }

    #[test]
    fn numeric_types_read_numbers_and_numeric_strings() {
        for kind in ["numeric", "monetary", "price"] {
            assert_eq!(
                data_of(kind, json!([{"value": "29277913"}])),
                CustomFieldData::Number(29_277_913.0),
                "{kind}"
            );
            unknown(kind, json!([{"value": "twelve"}]));
        }
        assert_eq!(
            data_of("numeric", json!([{"value": "1.5"}])),
            CustomFieldData::Number(1.5)
        );
        assert_eq!(
            data_of("numeric", json!([{"value": 7}])),
            CustomFieldData::Number(7.0)
        );
    }

    #[test]
    fn flags_and_moments() {
        assert_eq!(
            data_of("checkbox", json!([{"value": true}])),
            CustomFieldData::Bool(true)
        );
        assert_eq!(
            data_of("checkbox", json!([{"value": "0"}])),
            CustomFieldData::Bool(false)
        );
        unknown("checkbox", json!([{"value": "maybe"}]));
        for kind in ["date", "date_time", "birthday"] {
            let data = data_of(kind, json!([{"value": 1590624000}]));
            assert_eq!(data, CustomFieldData::Time(1_590_624_000), "{kind}");
            assert_eq!(
                data.time(),
                Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_590_624_000))
            );
            unknown(kind, json!([{"value": "soon"}]));
        }
        assert_eq!(
            data_of("date", json!([{"value": "2020-05-28"}])),
            CustomFieldData::Time(1_590_624_000)
        );
        assert_eq!(CustomFieldData::Bool(true).time(), None);
    }

    #[test]
    fn options_read_with_their_ids_and_codes() {
        for kind in ["select", "radiobutton", "category"] {
            assert_eq!(
                data_of(
                    kind,
                    json!([{"value": "Сайт", "enum_id": 432101, "enum_code": null}])
                ),
                CustomFieldData::Enum(EnumValue {
                    id: Some(432101),
                    code: None,
                    value: Some("Сайт".into())
                }),
                "{kind}"
            );
            unknown(kind, json!([{"other": 1}]));
        }
        assert_eq!(
            data_of("select", json!([{"enum_code": "A"}])),
            CustomFieldData::Enum(EnumValue {
                id: None,
                code: Some("A"),
                value: None
            })
        );
        assert_eq!(
            data_of("select", json!([{"enum_id": 3}])),
            CustomFieldData::Enum(EnumValue {
                id: Some(3),
                code: None,
                value: None
            })
        );
        assert_eq!(
            data_of(
                "multiselect",
                json!([{"value": "a", "enum_id": 1}, {"value": "b", "enum_id": 2}])
            ),
            CustomFieldData::Enums(vec![
                EnumValue {
                    id: Some(1),
                    code: None,
                    value: Some("a".into())
                },
                EnumValue {
                    id: Some(2),
                    code: None,
                    value: Some("b".into())
                },
            ])
        );
        unknown(
            "multiselect",
            json!([{"value": "a", "enum_id": 1}, {"x": 2}]),
        );
        assert_eq!(
            data_of(
                "multitext",
                json!([
                    {"value": "+79123", "enum_id": 1, "enum_code": "WORK"},
                    {"value": "+79124", "enum_id": 2, "enum_code": "MOB"}
                ])
            ),
            CustomFieldData::Multitext(vec![
                EnumValue {
                    id: Some(1),
                    code: Some("WORK"),
                    value: Some("+79123".into())
                },
                EnumValue {
                    id: Some(2),
                    code: Some("MOB"),
                    value: Some("+79124".into())
                },
            ])
        );
    }

    #[test]
    fn a_smart_address_reads_by_code_or_by_id() {
        let address = data_of(
            "smart_address",
            json!([
                {"value": "ул. Ленина, 1", "enum_id": 1, "enum_code": "address_line_1"},
                {"value": "кв. 2", "enum_id": 2, "enum_code": "address_line_2"},
                {"value": "Москва", "enum_id": 3, "enum_code": "city"},
                {"value": "Московская обл.", "enum_code": "state"},
                {"value": "101000", "enum_id": 5},
                {"value": "RU", "enum_id": 6, "enum_code": "country"}
            ]),
        );
        assert_eq!(
            address,
            CustomFieldData::SmartAddress(SmartAddress {
                address_line_1: Some("ул. Ленина, 1".into()),
                address_line_2: Some("кв. 2".into()),
                city: Some("Москва".into()),
                state: Some("Московская обл.".into()),
                zip: Some("101000".into()),
                country: Some("RU".into()),
            })
        );
        unknown(
            "smart_address",
            json!([{"value": "x", "enum_code": "planet"}]),
        );
        unknown("smart_address", json!([{"value": "x", "enum_id": 7}]));
        unknown("smart_address", json!([{"value": "x"}]));
        unknown("smart_address", json!([{"enum_code": "city"}]));
    }

    #[test]
    fn object_values_read_as_structs() {
        let entities = data_of(
            "legal_entity",
            json!([{"value": {"name": "ООО", "vat_id": 7701}}]),
        );
        let CustomFieldData::LegalEntity(entities) = entities else {
            panic!("{entities:?}")
        };
        assert_eq!(entities[0].vat_id.as_deref(), Some("7701"));
        let items = data_of("items", json!([{"value": {"sku": "A", "quantity": "2"}}]));
        let CustomFieldData::Items(items) = items else {
            panic!("{items:?}")
        };
        assert_eq!(items[0].quantity.as_ref().and_then(|q| q.as_i64()), Some(2));
        assert!(matches!(
            data_of("linked_entity", json!([{"value": {"entity_id": 1, "entity_type": "contacts"}}])),
            CustomFieldData::LinkedEntity(linked) if linked[0].entity_id == Some(1)
        ));
        assert!(matches!(
            data_of("file", json!([{"value": {"file_uuid": "u", "file_name": "a.pdf"}}])),
            CustomFieldData::File(files) if files[0].file_name.as_deref() == Some("a.pdf")
        ));
        assert!(matches!(
            data_of("payer", json!([{"value": {"name": "ИП", "type": "individual"}}])),
            CustomFieldData::Payer(payers) if payers[0].kind.as_deref() == Some("individual")
        ));
        assert!(matches!(
            data_of("supplier", json!([{"value": {"entity_id": 12}}])),
            CustomFieldData::Supplier(suppliers) if suppliers[0].entity_id == Some(12)
        ));
        for kind in [
            "legal_entity",
            "items",
            "linked_entity",
            "file",
            "payer",
            "supplier",
        ] {
            unknown(kind, json!([{"value": "a string"}]));
            unknown(kind, json!([{"value": [1]}]));
            unknown(kind, json!([{"enum_id": 1}]));
        }
        unknown("linked_entity", json!([{"value": {"entity_id": "x"}}]));
    }

    #[test]
    fn a_chained_list_reads_catalog_and_element() {
        assert_eq!(
            data_of(
                "chained_list",
                json!([
                    {"catalog_id": 4521, "catalog_element_id": 525439},
                    {"catalog_id": 4523, "catalog_element_id": 525440}
                ])
            ),
            CustomFieldData::ChainedList(vec![
                ChainedListValue {
                    catalog_id: 4521,
                    catalog_element_id: 525439
                },
                ChainedListValue {
                    catalog_id: 4523,
                    catalog_element_id: 525440
                },
            ])
        );
        unknown("chained_list", json!([{"catalog_id": 4521}]));
        unknown("chained_list", json!([{"catalog_element_id": 4521}]));
    }

    #[test]
    fn no_values_are_empty_and_odd_values_unknown() {
        assert_eq!(data_of("text", json!([])), CustomFieldData::Empty);
        assert_eq!(data_of("text", json!(null)), CustomFieldData::Empty);
        unknown("text", json!("raw"));
        unknown("text", json!(["+79123"]));
        unknown("hologram", json!([{"value": "x"}]));
        let untyped: CustomFieldValue =
            serde_json::from_value(json!({"field_id": 1, "values": [{"value": "x"}]})).unwrap();
        assert_eq!(
            untyped.data(),
            CustomFieldData::Unknown(json!([{"value": "x"}]))
        );
    }

    #[test]
    fn every_value_reads_as_an_option() {
        let field: CustomFieldValue = serde_json::from_value(json!({"field_id": 1, "values": [
            {"value": "a", "enum_id": 1, "enum_code": "WORK"}, {"value": 5}
        ]}))
        .unwrap();
        let options: Vec<EnumValue<'_>> = field.enum_values().collect();
        assert_eq!(
            options,
            [
                EnumValue {
                    id: Some(1),
                    code: Some("WORK"),
                    value: Some("a".into())
                },
                EnumValue {
                    id: None,
                    code: None,
                    value: Some("5".into())
                },
            ]
        );
    }
}
