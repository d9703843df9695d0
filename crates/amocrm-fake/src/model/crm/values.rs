//! Custom field values as an entity holds them (compact: an option by its id, text only
//! where the entity has its own), and `custom_fields_values` as amoCRM writes it, the
//! field's name, code, type and option texts taken from its definition.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::model::crm::fields::{FieldDef, FieldType, Fields};

/// One value of a field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    /// text, textarea, url, streetaddress, tracking_data, monetary, price, org_legal_name.
    Text(Box<str>),
    /// numeric.
    Number(f64),
    /// checkbox.
    Flag(bool),
    /// date, date_time, birthday: Unix seconds.
    Time(i64),
    /// select, multiselect, radiobutton (an option's id), category (a nested value's id).
    Choice(i64),
    /// multitext (a phone, an e-mail) and smart_address (a part): text and option id.
    Coded(Box<str>, i64),
    /// legal_entity, items, linked_entity, file, payer, supplier.
    Object(Box<Value>),
    /// chained_list: catalog and element.
    Chained(i64, i64),
    /// A value of a type the documentation does not know, served as it is.
    Raw(Box<Value>),
}

/// The values of one field of an entity; `field` is the definition's position among its
/// owner's [`Fields::defs`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldValues {
    pub field: u16,
    pub values: Vec<Val>,
}

impl Val {
    /// The value as text, for search and filters: an option's text, a number's digits.
    pub fn text<'a>(&'a self, def: &'a FieldDef) -> Option<std::borrow::Cow<'a, str>> {
        use std::borrow::Cow;
        match self {
            Val::Text(s) | Val::Coded(s, _) => Some(Cow::Borrowed(s)),
            Val::Number(n) => Some(Cow::Owned(number_text(*n))),
            Val::Choice(id) => def
                .option(*id)
                .map(|o| o.value)
                .or_else(|| def.nested_value(*id).map(|n| n.value))
                .map(Cow::Borrowed),
            _ => None,
        }
    }
}

/// A number as amoCRM writes it in a string: `29277913`, `1.5`.
pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// How values are written: the documented shapes, or amoCRM's real ones (numbers as
/// strings; on `dates_as_text` entities, dates as `YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ValueShapes {
    pub numbers_as_text: bool,
    pub dates_as_text: bool,
}

/// `custom_fields_values` of an entity: `null` when it has none.
pub(crate) struct FieldValuesView<'a> {
    pub values: &'a [FieldValues],
    pub fields: &'a Fields,
    pub shapes: ValueShapes,
}

impl Serialize for FieldValuesView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.values.is_empty() {
            return s.serialize_none();
        }
        let mut seq = s.serialize_seq(Some(self.values.len()))?;
        for fv in self.values {
            if let Some(def) = self.fields.defs.get(usize::from(fv.field)) {
                seq.serialize_element(&OneField {
                    def,
                    values: &fv.values,
                    shapes: self.shapes,
                })?;
            }
        }
        seq.end()
    }
}

struct OneField<'a> {
    def: &'a FieldDef,
    values: &'a [Val],
    shapes: ValueShapes,
}

impl Serialize for OneField<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("field_id", &self.def.id)?;
        m.serialize_entry("field_name", self.def.name)?;
        m.serialize_entry("field_code", &self.def.code)?;
        m.serialize_entry("field_type", self.def.kind.as_str())?;
        let items: Vec<Item<'_>> = self
            .values
            .iter()
            .map(|val| Item {
                def: self.def,
                val,
                shapes: self.shapes,
            })
            .collect();
        m.serialize_entry("values", &items)?;
        m.end()
    }
}

struct Item<'a> {
    def: &'a FieldDef,
    val: &'a Val,
    shapes: ValueShapes,
}

impl Serialize for Item<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let def = self.def;
        if let Val::Raw(raw) = self.val {
            return raw.serialize(s);
        }
        let mut m = s.serialize_map(None)?;
        match self.val {
            Val::Text(text) => m.serialize_entry("value", &**text)?,
            Val::Number(n) if self.shapes.numbers_as_text => {
                m.serialize_entry("value", &number_text(*n))?
            }
            Val::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                m.serialize_entry("value", &(*n as i64))?
            }
            Val::Number(n) => m.serialize_entry("value", n)?,
            Val::Flag(b) => m.serialize_entry("value", b)?,
            Val::Time(t) if self.shapes.dates_as_text => {
                m.serialize_entry("value", &civil_date(*t))?
            }
            Val::Time(t) => m.serialize_entry("value", t)?,
            Val::Choice(id) if def.kind == FieldType::Category => {
                m.serialize_entry("value", &def.nested_value(*id).map(|n| n.value))?;
                m.serialize_entry("enum_id", id)?;
            }
            Val::Choice(id) => {
                let option = def.option(*id);
                m.serialize_entry("value", &option.map(|o| o.value))?;
                m.serialize_entry("enum_id", id)?;
                m.serialize_entry("enum_code", &option.and_then(|o| o.code))?;
            }
            Val::Coded(text, id) => {
                m.serialize_entry("value", &**text)?;
                m.serialize_entry("enum_id", id)?;
                m.serialize_entry("enum_code", &def.option(*id).map(|o| o.enum_code()))?;
            }
            Val::Object(object) => m.serialize_entry("value", &**object)?,
            Val::Chained(catalog, element) => {
                m.serialize_entry("catalog_id", catalog)?;
                m.serialize_entry("catalog_element_id", element)?;
            }
            Val::Raw(_) => {}
        }
        m.end()
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC), as old amoCRM answers wrote dates.
pub(crate) fn civil_date(unix: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = unix.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::crm::fields::{FieldEnum, FieldOwner};

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(1_588_896_000), "2020-05-08");
        assert_eq!(civil_date(951_782_400), "2000-02-29");
        assert_eq!(civil_date(-86_400), "1969-12-31");
    }

    #[test]
    fn values_take_names_codes_and_options_from_the_definition() {
        let mut phone = FieldDef::new(3, FieldOwner::Contacts, FieldType::Multitext, "Телефон", 4);
        phone.code = Some("PHONE");
        phone.enums = vec![FieldEnum {
            id: 5,
            value: "MOB",
            sort: 6,
            code: Some("MOB"),
        }];
        let number = FieldDef::new(7, FieldOwner::Contacts, FieldType::Numeric, "N", 5);
        let fields = Fields {
            defs: vec![phone, number],
            groups: Vec::new(),
        };
        let values = vec![
            FieldValues {
                field: 0,
                values: vec![Val::Coded("+7999".into(), 5)],
            },
            FieldValues {
                field: 1,
                values: vec![Val::Number(29_277_913.0), Val::Number(1.5)],
            },
        ];
        let view = |shapes| {
            serde_json::to_value(FieldValuesView {
                values: &values,
                fields: &fields,
                shapes,
            })
            .unwrap()
        };
        let documented = view(ValueShapes::default());
        assert_eq!(
            documented[0],
            serde_json::json!({"field_id": 3, "field_name": "Телефон", "field_code": "PHONE",
                "field_type": "multitext",
                "values": [{"value": "+7999", "enum_id": 5, "enum_code": "MOB"}]})
        );
        assert_eq!(
            documented[1]["values"],
            serde_json::json!([{"value": 29277913}, {"value": 1.5}])
        );
        let real = view(ValueShapes {
            numbers_as_text: true,
            dates_as_text: true,
        });
        assert_eq!(
            real[1]["values"],
            serde_json::json!([{"value": "29277913"}, {"value": "1.5"}])
        );
        let none = FieldValuesView {
            values: &[],
            fields: &fields,
            shapes: ValueShapes::default(),
        };
        assert_eq!(serde_json::to_value(none).unwrap(), Value::Null);
    }
}
