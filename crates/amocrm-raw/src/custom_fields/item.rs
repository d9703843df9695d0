//! One value of a custom field (an element of `values`): read key by key so that no
//! value's shape can fail it, and written back in amoCRM's shape.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

use super::scalar::ScalarOrJson;

type JsonMap = super::extra::ExtraKeys;

/// One value of a custom field (an element of `values`). Which keys it carries depends on
/// the field's type:
///
/// * text, textarea, url, streetaddress, tracking_data, monetary, price: `value` a string;
/// * numeric: `value` a number, usually sent as a string (`"29277913"`, `"1.5"`);
/// * checkbox: `value` a boolean;
/// * date, date_time, birthday: `value` Unix seconds (older answers: a date string);
/// * select, multiselect, radiobutton, category: `value` the option's text, `enum_id`,
///   `enum_code`;
/// * multitext (phones, e-mails): `value`, `enum_id`, `enum_code` (`WORK`, `WORKDD`, `MOB`,
///   `FAX`, `HOME`, `OTHER` for phones; `WORK`, `PRIV`, `OTHER` for e-mails);
/// * smart_address: `value`, `enum_id` 1–6, `enum_code` `address_line_1`,
///   `address_line_2`, `city`, `state`, `zip`, `country`;
/// * legal_entity, items, linked_entity, file, payer, supplier: `value` an object;
/// * chained_list: `catalog_id` and `catalog_element_id`, no `value`.
///
/// An ID sent as a numeric string is read as the integer; a key of any other unexpected
/// JSON type, and any key not listed (the documentation's own example says `enum`), is
/// kept in [`extra`](Self::extra) and written back as sent. `null` IDs and codes read as
/// `None` and are not written back: amoCRM refuses a `null` `enum_code` on a write.
///
/// ```
/// use amocrm_raw::CustomFieldValueItem;
///
/// let work_phone = CustomFieldValueItem::new("+79991234567").with_enum_code("WORK");
/// assert_eq!(
///     serde_json::to_string(&work_phone).unwrap(),
///     r#"{"value":"+79991234567","enum_code":"WORK"}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomFieldValueItem {
    /// The value as sent; `None` when there is no `value` key (chained_list).
    pub value: Option<ScalarOrJson>,
    /// ID of the selected option (select, multiselect, radiobutton, category, multitext,
    /// smart_address).
    pub enum_id: Option<i64>,
    /// Symbolic code of the selected option (`WORK`, `MOB`, `city`…).
    pub enum_code: Option<String>,
    /// ID of the catalog (chained_list).
    pub catalog_id: Option<i64>,
    /// ID of the catalog element (chained_list).
    pub catalog_element_id: Option<i64>,
    /// Keys this type does not read, and known keys of an unexpected JSON type, as sent.
    pub extra: JsonMap,
}

impl CustomFieldValueItem {
    /// A value with this `value`.
    pub fn new(value: impl Into<ScalarOrJson>) -> Self {
        CustomFieldValueItem {
            value: Some(value.into()),
            ..Self::default()
        }
    }

    /// The option `enum_id` (select, multiselect, radiobutton), without a `value`.
    pub fn option(enum_id: i64) -> Self {
        CustomFieldValueItem {
            enum_id: Some(enum_id),
            ..Self::default()
        }
    }

    /// An element of a chained catalog (chained_list): no `value`.
    pub fn catalog_element(catalog_id: i64, catalog_element_id: i64) -> Self {
        CustomFieldValueItem {
            catalog_id: Some(catalog_id),
            catalog_element_id: Some(catalog_element_id),
            ..Self::default()
        }
    }

    /// This value with the option code `code` (`WORK` for a work phone).
    pub fn with_enum_code(mut self, code: impl Into<String>) -> Self {
        self.enum_code = Some(code.into());
        self
    }

    /// This value with the option ID `id`.
    pub fn with_enum_id(mut self, id: i64) -> Self {
        self.enum_id = Some(id);
        self
    }

    /// The value as text ([`ScalarOrJson::text`]).
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.value.as_ref()?.text()
    }

    /// The value as a number, from a number or a numeric string ([`ScalarOrJson::number`]).
    pub fn number(&self) -> Option<f64> {
        self.value.as_ref()?.number()
    }

    /// The value as an integer ([`ScalarOrJson::integer`]).
    pub fn integer(&self) -> Option<i64> {
        self.value.as_ref()?.integer()
    }

    /// The value as a flag ([`ScalarOrJson::bool`]).
    pub fn bool(&self) -> Option<bool> {
        self.value.as_ref()?.bool()
    }

    /// The value as Unix seconds, from an integer or a date string
    /// ([`ScalarOrJson::unix_time`]).
    pub fn unix_time(&self) -> Option<i64> {
        self.value.as_ref()?.unix_time()
    }

    /// The value as a [`SystemTime`] ([`ScalarOrJson::time`]).
    pub fn time(&self) -> Option<SystemTime> {
        self.value.as_ref()?.time()
    }
}

/// The known keys of a value, each read without failing on its type.
enum ItemKey {
    Value,
    EnumId,
    EnumCode,
    CatalogId,
    CatalogElementId,
    Other(String),
}

impl<'de> serde::Deserialize<'de> for ItemKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = ItemKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<ItemKey, E> {
                Ok(match key {
                    "value" => ItemKey::Value,
                    "enum_id" => ItemKey::EnumId,
                    "enum_code" => ItemKey::EnumCode,
                    "catalog_id" => ItemKey::CatalogId,
                    "catalog_element_id" => ItemKey::CatalogElementId,
                    other => ItemKey::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

/// Sets `slot` from an ID as sent: an integer (or a string holding one) is the ID, `null`
/// is none, anything else is kept in `extra` under `key`.
fn read_id(sent: ScalarOrJson, key: &str, slot: &mut Option<i64>, extra: &mut JsonMap) {
    match sent {
        ScalarOrJson::Null => *slot = None,
        ScalarOrJson::Number(ref number) if number.is_i64() => *slot = number.as_i64(),
        ScalarOrJson::String(ref text) if text.trim().parse::<i64>().is_ok() => {
            *slot = text.trim().parse().ok();
        }
        other => {
            extra.insert(key.to_owned(), other.to_json());
        }
    }
}

/// Sets `slot` from a string as sent: a string is kept, `null` is none, anything else is
/// kept in `extra` under `key`.
pub(super) fn read_text(
    sent: ScalarOrJson,
    key: &str,
    slot: &mut Option<String>,
    extra: &mut JsonMap,
) {
    match sent {
        ScalarOrJson::Null => *slot = None,
        ScalarOrJson::String(text) => *slot = Some(text),
        other => {
            extra.insert(key.to_owned(), other.to_json());
        }
    }
}

pub(super) fn read_item<'de, A: MapAccess<'de>>(
    mut map: A,
) -> Result<CustomFieldValueItem, A::Error> {
    let mut item = CustomFieldValueItem::default();
    while let Some(key) = map.next_key::<ItemKey>()? {
        match key {
            ItemKey::Value => item.value = Some(map.next_value::<ScalarOrJson>()?),
            ItemKey::EnumId => read_id(
                map.next_value()?,
                "enum_id",
                &mut item.enum_id,
                &mut item.extra,
            ),
            ItemKey::EnumCode => read_text(
                map.next_value()?,
                "enum_code",
                &mut item.enum_code,
                &mut item.extra,
            ),
            ItemKey::CatalogId => read_id(
                map.next_value()?,
                "catalog_id",
                &mut item.catalog_id,
                &mut item.extra,
            ),
            ItemKey::CatalogElementId => read_id(
                map.next_value()?,
                "catalog_element_id",
                &mut item.catalog_element_id,
                &mut item.extra,
            ),
            ItemKey::Other(key) => {
                item.extra.insert(key, map.next_value()?);
            }
        }
    }
    Ok(item)
}

impl<'de> serde::Deserialize<'de> for CustomFieldValueItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = CustomFieldValueItem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a custom field value (an object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                read_item(map)
            }
        }
        deserializer.deserialize_map(ItemVisitor)
    }
}

impl serde::Serialize for CustomFieldValueItem {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(value) = &self.value {
            map.serialize_entry("value", value)?;
        }
        if let Some(id) = self.enum_id {
            map.serialize_entry("enum_id", &id)?;
        }
        if let Some(code) = &self.enum_code {
            map.serialize_entry("enum_code", code)?;
        }
        if let Some(id) = self.catalog_id {
            map.serialize_entry("catalog_id", &id)?;
        }
        if let Some(id) = self.catalog_element_id {
            map.serialize_entry("catalog_element_id", &id)?;
        }
        let written = |key: &str| match key {
            "value" => self.value.is_some(),
            "enum_id" => self.enum_id.is_some(),
            "enum_code" => self.enum_code.is_some(),
            "catalog_id" => self.catalog_id.is_some(),
            "catalog_element_id" => self.catalog_element_id.is_some(),
            _ => false,
        };
        for (key, value) in self.extra.iter().filter(|(key, _)| !written(key)) {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
