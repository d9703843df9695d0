//! One element of `custom_fields_values` and its `values`, read so that no value's shape
//! can fail the entity, and written back in amoCRM's shape.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

use super::item::{CustomFieldValueItem, read_item, read_text};
use super::scalar::{ScalarOrJson, ScalarVisitor};
use crate::CustomFieldType;

type JsonMap = super::extra::ExtraKeys;

/// The values of one custom field of an entity: an element of `custom_fields_values`.
///
/// Reading never fails because of a value's shape: `field_id` (an integer, or a string
/// holding one) is the only requirement. The values are kept as sent
/// ([`CustomFieldValueItem`], whose `value` is a [`ScalarOrJson`]); a `values` that is not
/// an array of objects, and any key of an unexpected JSON type, is kept in
/// [`extra`](Self::extra) as raw JSON, so the field reads back as it came. The typed
/// reading is [`data`](Self::data) (by `field_type`, with an `Unknown` arm), with shortcuts
/// for the first value ([`text`](Self::text), [`number`](Self::number),
/// [`bool`](Self::bool), [`unix_time`](Self::unix_time), [`enum_id`](Self::enum_id), …).
///
/// Written back with amoCRM's names. `null`s of `field_name`, `field_code` and
/// `field_type` are not written (they read as `None`); `values: None` is written as
/// `"values": null`, which is how amoCRM clears a field on a write.
///
/// ```
/// use amocrm_raw::{CustomFieldType, CustomFieldValue};
///
/// let phone: CustomFieldValue = serde_json::from_str(r#"{
///     "field_id": 3, "field_name": "Телефон", "field_code": "PHONE", "field_type": "multitext",
///     "values": [{"value": "+79123", "enum_id": 1, "enum_code": "WORK"}]
/// }"#).unwrap();
/// assert_eq!(phone.field_type, Some(CustomFieldType::Multitext));
/// assert_eq!(phone.text().as_deref(), Some("+79123"));
/// assert_eq!(phone.enum_code(), Some("WORK"));
///
/// // What the write side sends: a field ID and its values.
/// let budget = CustomFieldValue::new(271311, ["29277913"]);
/// assert_eq!(
///     serde_json::to_string(&budget).unwrap(),
///     r#"{"field_id":271311,"values":[{"value":"29277913"}]}"#
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CustomFieldValue {
    /// ID of the field.
    pub field_id: i64,
    /// Name of the field.
    pub field_name: Option<String>,
    /// Symbolic code of the field (`PHONE`, `EMAIL`, `POSITION`…), if it has one.
    pub field_code: Option<String>,
    /// Type of the field (an open set).
    pub field_type: Option<CustomFieldType>,
    /// The values: one for most types, one per option of a multiselect, one per phone or
    /// e-mail of a multitext, one per part of a smart address. `None` for `null` (an
    /// emptied field), for a missing key and for a `values` that is not an array of
    /// objects (then kept in [`extra`](Self::extra)).
    pub values: Option<Vec<CustomFieldValueItem>>,
    /// Keys this type does not read, and known keys of an unexpected JSON type, as sent.
    pub extra: JsonMap,
}

impl CustomFieldValue {
    /// The field `field_id` with these values (each a value's `value`), for a write.
    pub fn new<V: Into<ScalarOrJson>>(field_id: i64, values: impl IntoIterator<Item = V>) -> Self {
        Self::with_items(
            field_id,
            values.into_iter().map(CustomFieldValueItem::new).collect(),
        )
    }

    /// The field `field_id` with these values, for a write.
    pub fn with_items(field_id: i64, items: Vec<CustomFieldValueItem>) -> Self {
        CustomFieldValue {
            field_id,
            values: Some(items),
            ..Self::default()
        }
    }

    /// The field `field_id` emptied (`"values": null`), for a write.
    pub fn cleared(field_id: i64) -> Self {
        CustomFieldValue {
            field_id,
            ..Self::default()
        }
    }

    /// The values, `[]` when there are none.
    pub fn items(&self) -> &[CustomFieldValueItem] {
        self.values.as_deref().unwrap_or_default()
    }

    /// The first value.
    pub fn first(&self) -> Option<&CustomFieldValueItem> {
        self.items().first()
    }

    /// The first value as text ([`CustomFieldValueItem::text`]).
    pub fn text(&self) -> Option<Cow<'_, str>> {
        self.first()?.text()
    }

    /// The first value as a number ([`CustomFieldValueItem::number`]).
    pub fn number(&self) -> Option<f64> {
        self.first()?.number()
    }

    /// The first value as an integer ([`CustomFieldValueItem::integer`]).
    pub fn integer(&self) -> Option<i64> {
        self.first()?.integer()
    }

    /// The first value as a flag ([`CustomFieldValueItem::bool`]).
    pub fn bool(&self) -> Option<bool> {
        self.first()?.bool()
    }

    /// The first value as Unix seconds ([`CustomFieldValueItem::unix_time`]).
    pub fn unix_time(&self) -> Option<i64> {
        self.first()?.unix_time()
    }

    /// The first value as a [`SystemTime`] ([`CustomFieldValueItem::time`]).
    pub fn time(&self) -> Option<SystemTime> {
        self.first()?.time()
    }

    /// The option ID of the first value.
    pub fn enum_id(&self) -> Option<i64> {
        self.first()?.enum_id
    }

    /// The option code of the first value.
    pub fn enum_code(&self) -> Option<&str> {
        self.first()?.enum_code.as_deref()
    }

    /// Whether the field's code is `code`, ignoring ASCII case (`PHONE`, `phone`).
    pub fn has_code(&self, code: &str) -> bool {
        self.field_code
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(code))
    }

    /// The raw JSON of `values` as sent (`null` when there were none).
    pub fn values_json(&self) -> serde_json::Value {
        match (&self.values, self.extra.get("values")) {
            (None, Some(raw)) => raw.clone(),
            (values, _) => serde_json::to_value(values).unwrap_or_default(),
        }
    }
}

/// `values` as sent: the values (every element an object), `null`, or anything else.
enum Values {
    Items(Vec<CustomFieldValueItem>),
    Null,
    Raw(serde_json::Value),
}

/// Reads one element of `values` into `items`, or, once an element is not an object, every
/// element into `raw` (the values are then kept as JSON).
struct ElementSeed<'a> {
    items: &'a mut Vec<CustomFieldValueItem>,
    raw: &'a mut Option<Vec<serde_json::Value>>,
}

impl ElementSeed<'_> {
    fn push_raw(self, json: serde_json::Value) {
        let items = self.items;
        self.raw
            .get_or_insert_with(|| items.drain(..).map(|item| to_json(&item)).collect())
            .push(json);
    }
}

impl<'de> de::DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let item = read_item(map)?;
        match self.raw {
            None => self.items.push(item),
            Some(raw) => raw.push(to_json(&item)),
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let json = ScalarVisitor.visit_seq(seq)?.to_json();
        self.push_raw(json);
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.push_raw(v.into());
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.push_raw(v.into());
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.push_raw(v.into());
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let json = ScalarVisitor.visit_f64::<E>(v)?.to_json();
        self.push_raw(json);
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.push_raw(v.into());
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.push_raw(serde_json::Value::Null);
        Ok(())
    }
}

impl<'de> serde::Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Values, A::Error> {
                let mut items = Vec::new();
                let mut raw = None;
                while let Some(()) = seq.next_element_seed(ElementSeed {
                    items: &mut items,
                    raw: &mut raw,
                })? {}
                Ok(match raw {
                    None => Values::Items(items),
                    Some(raw) => Values::Raw(serde_json::Value::Array(raw)),
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Values, E> {
                Ok(Values::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Values, E> {
                Ok(Values::Null)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Values, A::Error> {
                ScalarVisitor
                    .visit_map(map)
                    .map(|v| Values::Raw(v.to_json()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Values, E> {
                Ok(Values::Raw(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Values, E> {
                Ok(Values::Raw(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Values, E> {
                Ok(Values::Raw(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Values, E> {
                ScalarVisitor.visit_f64(v).map(|v| Values::Raw(v.to_json()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Values, E> {
                Ok(Values::Raw(v.into()))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

fn to_json(item: &CustomFieldValueItem) -> serde_json::Value {
    serde_json::to_value(item).unwrap_or_default()
}

/// The known keys of a field.
enum FieldKey {
    FieldId,
    FieldName,
    FieldCode,
    FieldType,
    Values,
    Other(String),
}

impl<'de> serde::Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = FieldKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldKey, E> {
                Ok(match key {
                    "field_id" => FieldKey::FieldId,
                    "field_name" => FieldKey::FieldName,
                    "field_code" => FieldKey::FieldCode,
                    "field_type" => FieldKey::FieldType,
                    "values" => FieldKey::Values,
                    other => FieldKey::Other(other.to_owned()),
                })
            }
        }
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for CustomFieldValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = CustomFieldValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a custom field's values (an object with `field_id`)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut field = CustomFieldValue::default();
                let mut field_id = None;
                while let Some(key) = map.next_key::<FieldKey>()? {
                    match key {
                        FieldKey::FieldId => {
                            let sent = map.next_value::<ScalarOrJson>()?;
                            field_id =
                                Some(sent.integer().filter(|_| is_id(&sent)).ok_or_else(|| {
                                    de::Error::invalid_value(unexpected(&sent), &"an integer ID")
                                })?);
                        }
                        FieldKey::FieldName => read_text(
                            map.next_value()?,
                            "field_name",
                            &mut field.field_name,
                            &mut field.extra,
                        ),
                        FieldKey::FieldCode => read_text(
                            map.next_value()?,
                            "field_code",
                            &mut field.field_code,
                            &mut field.extra,
                        ),
                        FieldKey::FieldType => match map.next_value::<FieldTypeSent>()? {
                            FieldTypeSent::Type(kind) => field.field_type = Some(kind),
                            FieldTypeSent::Null => field.field_type = None,
                            FieldTypeSent::Raw(raw) => {
                                field.extra.insert("field_type".to_owned(), raw);
                            }
                        },
                        FieldKey::Values => match map.next_value::<Values>()? {
                            Values::Items(items) => {
                                field.values = Some(items);
                                field.extra.remove("values");
                            }
                            Values::Null => {
                                field.values = None;
                                field.extra.remove("values");
                            }
                            Values::Raw(raw) => {
                                field.values = None;
                                field.extra.insert("values".to_owned(), raw);
                            }
                        },
                        FieldKey::Other(key) => {
                            field.extra.insert(key, map.next_value()?);
                        }
                    }
                }
                field.field_id = field_id.ok_or_else(|| de::Error::missing_field("field_id"))?;
                Ok(field)
            }
        }
        deserializer.deserialize_map(FieldVisitor)
    }
}

/// `field_type` as sent: a type (read from the text without copying it), `null`, or
/// anything else.
enum FieldTypeSent {
    Type(CustomFieldType),
    Null,
    Raw(serde_json::Value),
}

impl<'de> serde::Deserialize<'de> for FieldTypeSent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TypeVisitor;
        impl<'de> Visitor<'de> for TypeVisitor {
            type Value = FieldTypeSent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FieldTypeSent, E> {
                Ok(FieldTypeSent::Type(CustomFieldType::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<FieldTypeSent, E> {
                Ok(FieldTypeSent::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<FieldTypeSent, E> {
                Ok(FieldTypeSent::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<FieldTypeSent, E> {
                Ok(FieldTypeSent::Raw(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FieldTypeSent, E> {
                Ok(FieldTypeSent::Raw(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FieldTypeSent, E> {
                Ok(FieldTypeSent::Raw(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FieldTypeSent, E> {
                ScalarVisitor
                    .visit_f64(v)
                    .map(|v| FieldTypeSent::Raw(v.to_json()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<FieldTypeSent, A::Error> {
                ScalarVisitor
                    .visit_seq(seq)
                    .map(|v| FieldTypeSent::Raw(v.to_json()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldTypeSent, A::Error> {
                ScalarVisitor
                    .visit_map(map)
                    .map(|v| FieldTypeSent::Raw(v.to_json()))
            }
        }
        deserializer.deserialize_any(TypeVisitor)
    }
}

/// Whether a `field_id` as sent is an ID: an integer, or a string holding one (not `1.0`).
fn is_id(sent: &ScalarOrJson) -> bool {
    match sent {
        ScalarOrJson::Number(number) => number.is_i64(),
        ScalarOrJson::String(text) => text.trim().parse::<i64>().is_ok(),
        _ => false,
    }
}

fn unexpected(sent: &ScalarOrJson) -> de::Unexpected<'_> {
    match sent {
        ScalarOrJson::Null => de::Unexpected::Unit,
        ScalarOrJson::Bool(flag) => de::Unexpected::Bool(*flag),
        ScalarOrJson::Number(_) => de::Unexpected::Other("a number that is not an integer ID"),
        ScalarOrJson::String(text) => de::Unexpected::Str(text),
        ScalarOrJson::Json(serde_json::Value::Array(_)) => de::Unexpected::Seq,
        ScalarOrJson::Json(_) => de::Unexpected::Map,
    }
}

impl serde::Serialize for CustomFieldValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("field_id", &self.field_id)?;
        if let Some(name) = &self.field_name {
            map.serialize_entry("field_name", name)?;
        }
        if let Some(code) = &self.field_code {
            map.serialize_entry("field_code", code)?;
        }
        if let Some(kind) = &self.field_type {
            map.serialize_entry("field_type", kind)?;
        }
        let raw_values = self.values.is_none() && self.extra.contains_key("values");
        if !raw_values {
            map.serialize_entry("values", &self.values)?;
        }
        let written = |key: &str| match key {
            "field_id" => true,
            "values" => !raw_values,
            "field_name" => self.field_name.is_some(),
            "field_code" => self.field_code.is_some(),
            "field_type" => self.field_type.is_some(),
            _ => false,
        };
        for (key, value) in self.extra.iter().filter(|(key, _)| !written(key)) {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(json: serde_json::Value) -> CustomFieldValue {
        serde_json::from_value(json).unwrap()
    }

    fn round_trip(json: serde_json::Value) -> CustomFieldValue {
        let read = field(json.clone());
        assert_eq!(
            serde_json::to_value(&read).unwrap(),
            json,
            "written back as read"
        );
        let text: CustomFieldValue = serde_json::from_str(&json.to_string()).unwrap();
        assert_eq!(text, read, "from text as from a value");
        read
    }

    #[test]
    fn a_field_reads_its_envelope_and_values() {
        let phone = round_trip(json!({
            "field_id": 3, "field_name": "Телефон", "field_code": "PHONE",
            "field_type": "multitext",
            "values": [
                {"value": "+79123", "enum_id": 1, "enum_code": "WORK"},
                {"value": "+79124", "enum_id": 2, "enum_code": "MOB"}
            ]
        }));
        assert_eq!(phone.field_id, 3);
        assert_eq!(phone.field_name.as_deref(), Some("Телефон"));
        assert_eq!(phone.field_code.as_deref(), Some("PHONE"));
        assert_eq!(phone.field_type, Some(CustomFieldType::Multitext));
        assert_eq!(phone.items().len(), 2);
        assert_eq!(phone.items()[1].enum_code.as_deref(), Some("MOB"));
        assert_eq!(phone.items()[1].enum_id, Some(2));
        assert_eq!(phone.text().as_deref(), Some("+79123"));
        assert_eq!(phone.enum_id(), Some(1));
        assert_eq!(phone.enum_code(), Some("WORK"));
        assert!(phone.has_code("phone") && phone.has_code("PHONE") && !phone.has_code("EMAIL"));
        assert!(phone.extra.is_empty());
    }

    #[test]
    fn nulls_read_as_none_and_are_not_written_back() {
        let select = field(json!({
            "field_id": 271313, "field_name": "Канал", "field_code": null, "field_type": null,
            "values": [{"value": "Сайт", "enum_id": 432101, "enum_code": null, "catalog_id": null}]
        }));
        assert_eq!(select.field_code, None);
        assert_eq!(select.field_type, None);
        assert_eq!(select.items()[0].enum_code, None);
        assert_eq!(select.enum_id(), Some(432101));
        assert_eq!(
            serde_json::to_value(&select).unwrap(),
            json!({"field_id": 271313, "field_name": "Канал",
                   "values": [{"value": "Сайт", "enum_id": 432101}]})
        );
        let emptied = round_trip(json!({"field_id": 5, "values": null}));
        assert_eq!(emptied.values, None);
        assert!(emptied.items().is_empty());
        assert_eq!(emptied.first(), None);
        assert_eq!(emptied.text(), None);
        assert_eq!(emptied.enum_code(), None);
        let bare = field(json!({"field_id": 5}));
        assert_eq!(bare, CustomFieldValue::cleared(5));
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            json!({"field_id": 5, "values": null})
        );
    }

    #[test]
    fn odd_keys_and_types_are_kept_as_sent() {
        // The documentation's own contact example says `enum`; a PHP backend may send
        // anything in any key.
        let odd = round_trip(json!({
            "field_id": 7, "field_name": 42, "field_code": ["x"], "field_type": 3,
            "is_computed": false,
            "values": [{"value": "a", "enum": "WORK", "enum_id": 1.5, "enum_code": 9,
                        "catalog_id": "x1", "catalog_element_id": true}]
        }));
        assert_eq!(odd.field_name, None);
        assert_eq!(odd.field_code, None);
        assert_eq!(odd.field_type, None);
        assert_eq!(odd.extra.get("is_computed"), Some(&json!(false)));
        let item = &odd.items()[0];
        assert_eq!(item.enum_id, None);
        assert_eq!(item.enum_code, None);
        assert_eq!(item.catalog_id, None);
        assert_eq!(item.catalog_element_id, None);
        assert_eq!(item.extra.len(), 5);
        assert_eq!(odd.text().as_deref(), Some("a"));
    }

    #[test]
    fn ids_sent_as_strings_read_as_integers() {
        let sent = field(json!({"field_id": "271311", "values": [
            {"value": "x", "enum_id": "12", "catalog_id": " 4521 ", "catalog_element_id": "-3"}
        ]}));
        assert_eq!(sent.field_id, 271311);
        let item = &sent.items()[0];
        assert_eq!(
            (item.enum_id, item.catalog_id, item.catalog_element_id),
            (Some(12), Some(4521), Some(-3))
        );
        assert!(item.extra.is_empty());
        assert_eq!(
            serde_json::to_value(&sent).unwrap(),
            json!({"field_id": 271311, "values": [
                {"value": "x", "enum_id": 12, "catalog_id": 4521, "catalog_element_id": -3}
            ]})
        );
    }

    #[test]
    fn values_that_are_not_objects_are_kept_raw() {
        for values in [
            json!(["+79123"]),
            json!([{"value": "a"}, 5]),
            json!([1, {"value": "a", "enum_code": null}]),
            json!([[1], null, true, 1.5, -2, 18446744073709551615u64]),
            json!({"1": {"value": "a"}}),
            json!("text"),
            json!(7),
            json!(-7),
            json!(1.5),
            json!(false),
        ] {
            let sent = json!({"field_id": 1, "field_type": "text", "values": values});
            let read = field(sent.clone());
            assert_eq!(read.values, None, "{values}");
            assert_eq!(read.text(), None);
            let expected = match &values {
                // The object element's null enum_code is dropped, like any null.
                serde_json::Value::Array(elements) => serde_json::Value::Array(
                    elements
                        .iter()
                        .map(|e| match e {
                            serde_json::Value::Object(o) => serde_json::Value::Object(
                                o.iter()
                                    .filter(|(_, v)| !v.is_null())
                                    .map(|(k, v)| (k.clone(), v.clone()))
                                    .collect(),
                            ),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                other => other.clone(),
            };
            assert_eq!(read.values_json(), expected, "{values}");
            assert_eq!(serde_json::to_value(&read).unwrap()["values"], expected);
            let again: CustomFieldValue =
                serde_json::from_value(serde_json::to_value(&read).unwrap()).unwrap();
            assert_eq!(again, read);
        }
        // A later `values` replaces an earlier raw one.
        let twice: CustomFieldValue =
            serde_json::from_str(r#"{"field_id": 1, "values": "x", "values": [{"value": "y"}]}"#)
                .unwrap();
        assert_eq!(twice.text().as_deref(), Some("y"));
        assert!(twice.extra.is_empty());
        let twice: CustomFieldValue =
            serde_json::from_str(r#"{"field_id": 1, "values": "x", "values": null}"#).unwrap();
        assert!(twice.extra.is_empty());
    }

    #[test]
    fn a_field_without_an_integer_id_is_refused() {
        for sent in [
            json!({"field_name": "no id", "values": []}),
            json!({"field_id": null}),
            json!({"field_id": "abc"}),
            json!({"field_id": 1.5}),
            json!({"field_id": 1.0}),
            json!({"field_id": true}),
            json!({"field_id": [1]}),
            json!({"field_id": {"id": 1}}),
            json!({"field_id": 18446744073709551615u64}),
            json!([1]),
            json!("field"),
        ] {
            let error = serde_json::from_value::<CustomFieldValue>(sent.clone());
            assert!(error.is_err(), "{sent}");
        }
        let message = serde_json::from_value::<CustomFieldValue>(json!({"values": []}))
            .unwrap_err()
            .to_string();
        assert!(message.contains("field_id"), "{message}");
        let refused = serde_json::from_value::<CustomFieldValueItem>(json!("x")).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("a custom field value (an object)"),
            "{refused}"
        );
        let refused = serde_json::from_value::<CustomFieldValue>(json!([1])).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("a custom field's values (an object with `field_id`)"),
            "{refused}"
        );
    }

    #[test]
    fn a_value_reads_on_its_own_too() {
        let item: CustomFieldValueItem =
            serde_json::from_value(json!({"value": "+7", "enum_id": 1, "enum_code": "WORK"}))
                .unwrap();
        assert_eq!(
            item,
            CustomFieldValueItem::new("+7")
                .with_enum_id(1)
                .with_enum_code("WORK")
        );
        let item: CustomFieldValueItem =
            serde_json::from_str(r#"{"catalog_id": 1, "catalog_element_id": 2}"#).unwrap();
        assert_eq!(item, CustomFieldValueItem::catalog_element(1, 2));
    }

    #[test]
    fn values_for_a_write_are_built_in_amocrms_shape() {
        assert_eq!(
            serde_json::to_value(CustomFieldValue::new(10, ["a", "b"])).unwrap(),
            json!({"field_id": 10, "values": [{"value": "a"}, {"value": "b"}]})
        );
        assert_eq!(
            serde_json::to_value(CustomFieldValue::new(11, [true])).unwrap(),
            json!({"field_id": 11, "values": [{"value": true}]})
        );
        assert_eq!(
            serde_json::to_value(CustomFieldValue::with_items(
                12,
                vec![
                    CustomFieldValueItem::option(432101),
                    CustomFieldValueItem::new("+7999")
                        .with_enum_code("MOB")
                        .with_enum_id(3),
                    CustomFieldValueItem::catalog_element(4521, 525439),
                ]
            ))
            .unwrap(),
            json!({"field_id": 12, "values": [
                {"enum_id": 432101},
                {"value": "+7999", "enum_id": 3, "enum_code": "MOB"},
                {"catalog_id": 4521, "catalog_element_id": 525439}
            ]})
        );
        assert_eq!(
            serde_json::to_value(CustomFieldValue::cleared(13)).unwrap(),
            json!({"field_id": 13, "values": null})
        );
        // Known keys set by hand in `extra` are not written twice: the field wins.
        let mut item = CustomFieldValueItem::new(1);
        item.extra.insert("value".into(), json!(2));
        item.extra.insert("enum_id".into(), json!(3));
        assert_eq!(
            serde_json::to_value(&item).unwrap(),
            json!({"value": 1, "enum_id": 3})
        );
        let mut item = CustomFieldValueItem::catalog_element(4, 5)
            .with_enum_id(6)
            .with_enum_code("C");
        for key in ["enum_id", "enum_code", "catalog_id", "catalog_element_id"] {
            item.extra.insert(key.into(), json!("from extra"));
        }
        let text = serde_json::to_string(&item).unwrap();
        assert!(!text.contains("from extra"), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            json!({"enum_id": 6, "enum_code": "C", "catalog_id": 4, "catalog_element_id": 5})
        );
        let mut both = CustomFieldValue::new(14, ["x"]);
        both.extra.insert("values".into(), json!("raw"));
        both.extra.insert("field_id".into(), json!(99));
        both.extra.insert("field_type".into(), json!("text"));
        assert_eq!(
            serde_json::to_value(&both).unwrap(),
            json!({"field_id": 14, "field_type": "text", "values": [{"value": "x"}]})
        );
        let mut named = CustomFieldValue::new(15, ["x"]);
        named.field_name = Some("N".into());
        named.field_code = Some("C".into());
        named.field_type = Some(CustomFieldType::Text);
        named.extra.insert("field_name".into(), json!(1));
        named.extra.insert("field_code".into(), json!(2));
        named.extra.insert("field_type".into(), json!(3));
        assert_eq!(
            serde_json::to_value(&named).unwrap(),
            json!({"field_id": 15, "field_name": "N", "field_code": "C", "field_type": "text",
                   "values": [{"value": "x"}]})
        );
    }

    #[test]
    fn shortcuts_read_the_first_value() {
        let numeric = field(
            json!({"field_id": 1, "field_type": "numeric", "values": [{"value": "29277913"}]}),
        );
        assert_eq!(numeric.number(), Some(29_277_913.0));
        assert_eq!(numeric.integer(), Some(29_277_913));
        let flag = field(json!({"field_id": 2, "values": [{"value": true}]}));
        assert_eq!(flag.bool(), Some(true));
        assert_eq!(flag.number(), None);
        let date = field(json!({"field_id": 3, "values": [{"value": 1590624000}]}));
        assert_eq!(date.unix_time(), Some(1_590_624_000));
        assert_eq!(
            date.time(),
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_590_624_000))
        );
        let chained =
            field(json!({"field_id": 4, "values": [{"catalog_id": 1, "catalog_element_id": 2}]}));
        assert_eq!(chained.text(), None);
        assert_eq!(chained.number(), None);
        assert_eq!(chained.integer(), None);
        assert_eq!(chained.bool(), None);
        assert_eq!(chained.unix_time(), None);
        assert_eq!(chained.time(), None);
        let empty = CustomFieldValue::new(5, Vec::<ScalarOrJson>::new());
        assert_eq!(
            (empty.number(), empty.integer(), empty.bool()),
            (None, None, None)
        );
        assert_eq!(
            (empty.unix_time(), empty.time(), empty.enum_id()),
            (None, None, None)
        );
        assert_eq!(empty.values_json(), json!([]));
        assert_eq!(CustomFieldValue::cleared(5).values_json(), json!(null));
    }
}
