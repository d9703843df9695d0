//! Custom field values to write ([`FieldValue`]) and tags to attach or detach
//! ([`TagRef`]), as amoCRM's bodies take them.

use serde_json::{Map, Value, json};

use crate::error::Invalid;

/// The values to write to one custom field, the field named by its ID or its code
/// (`PHONE`, `EMAIL`). Only the values given are sent; [`FieldValue::clear`] empties the
/// field.
///
/// ```
/// use amocrm::write::FieldValue;
///
/// let budget_source = FieldValue::id(271313).enum_id(432101);  // a select's option
/// let phone = FieldValue::code("PHONE").coded("+79990001122", "WORK");
/// let note = FieldValue::id(271311).value("29277913");
/// let gone = FieldValue::id(271315).clear();                    // "values": null
/// # let _ = (budget_source, phone, note, gone);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FieldValue {
    key: FieldKey,
    /// `None`: clear the field.
    values: Option<Vec<Value>>,
}

#[derive(Clone, Debug, PartialEq)]
enum FieldKey {
    Id(i64),
    Code(String),
}

impl FieldValue {
    /// The field with this ID.
    pub fn id(field_id: i64) -> Self {
        FieldValue {
            key: FieldKey::Id(field_id),
            values: Some(Vec::new()),
        }
    }

    /// The field with this code (`PHONE`, `EMAIL`, `POSITION`, …).
    pub fn code(field_code: impl Into<String>) -> Self {
        FieldValue {
            key: FieldKey::Code(field_code.into()),
            values: Some(Vec::new()),
        }
    }

    fn push(mut self, value: Value) -> Self {
        self.values.get_or_insert_with(Vec::new).push(value);
        self
    }

    /// A value: a text, a number, a checkbox's boolean, a date's Unix seconds, a select's
    /// option text.
    pub fn value(self, value: impl Into<Value>) -> Self {
        self.push(json!({ "value": value.into() }))
    }

    /// A select's, multiselect's or radiobutton's option by its ID.
    pub fn enum_id(self, enum_id: i64) -> Self {
        self.push(json!({ "enum_id": enum_id }))
    }

    /// A multitext value with its code (`WORK`, `MOB`, … for phones; `WORK`, `PRIV`,
    /// `OTHER` for e-mails).
    pub fn coded(self, value: impl Into<Value>, enum_code: impl Into<String>) -> Self {
        self.push(json!({ "value": value.into(), "enum_code": enum_code.into() }))
    }

    /// Empties the field (`"values": null`), dropping values given before.
    pub fn clear(mut self) -> Self {
        self.values = None;
        self
    }

    /// The element of `custom_fields_values`, checked: a field ID above 0, a code not
    /// blank, at least one value unless cleared. `at` is its position, for the path.
    pub(super) fn to_json(&self, at: usize) -> Result<Value, Invalid> {
        let mut m = Map::new();
        let path = |what: &str| format!("custom_fields_values.{at}.{what}");
        match &self.key {
            FieldKey::Id(id) if *id <= 0 => {
                return Err(Invalid::Field {
                    field: path("field_id"),
                    reason: "a field ID is above 0",
                });
            }
            FieldKey::Id(id) => m.insert("field_id".into(), (*id).into()),
            FieldKey::Code(code) if code.trim().is_empty() => {
                return Err(Invalid::Field {
                    field: path("field_code"),
                    reason: "a field code is not blank",
                });
            }
            FieldKey::Code(code) => m.insert("field_code".into(), code.clone().into()),
        };
        match &self.values {
            Some(values) if values.is_empty() => {
                return Err(Invalid::Field {
                    field: path("values"),
                    reason: "no value given (clear() empties a field)",
                });
            }
            Some(values) => {
                if let Some((i, what, reason)) = values.iter().enumerate().find_map(value_problem) {
                    return Err(Invalid::Field {
                        field: path(&format!("values.{i}.{what}")),
                        reason,
                    });
                }
                m.insert("values".into(), Value::Array(values.clone()))
            }
            None => m.insert("values".into(), Value::Null),
        };
        Ok(Value::Object(m))
    }
}

/// What amoCRM cannot take in one value: an option ID of 0 or below, a null or blank
/// `enum_code`, a `null` value (what a NaN or an infinite number becomes in JSON).
pub(super) fn value_problem(
    (at, value): (usize, &Value),
) -> Option<(usize, &'static str, &'static str)> {
    if value
        .get("enum_id")
        .is_some_and(|id| id.as_i64().is_none_or(|id| id <= 0))
    {
        return Some((at, "enum_id", "an option ID is above 0"));
    }
    // amoCRM refuses a null enum_code (FieldNotExpected); a blank one names no code.
    if value
        .get("enum_code")
        .is_some_and(|code| code.as_str().is_none_or(|c| c.trim().is_empty()))
    {
        return Some((
            at,
            "enum_code",
            "a value's code is a code (WORK, MOB, …), not blank",
        ));
    }
    if value.get("value").is_some_and(Value::is_null) {
        return Some((
            at,
            "value",
            "a value is not null (nor a NaN or infinite number)",
        ));
    }
    None
}

/// A tag by its ID or its name (a new name creates the tag).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagRef {
    /// An existing tag's ID.
    Id(i64),
    /// A tag's name.
    Name(String),
}

impl From<i64> for TagRef {
    fn from(id: i64) -> Self {
        TagRef::Id(id)
    }
}

impl From<&str> for TagRef {
    fn from(name: &str) -> Self {
        TagRef::Name(name.to_owned())
    }
}

impl From<String> for TagRef {
    fn from(name: String) -> Self {
        TagRef::Name(name)
    }
}

impl TagRef {
    /// The element of `tags_to_add`, `tags_to_delete` or `_embedded.tags`, checked: an ID
    /// above 0, a name not blank. `at` is its path.
    pub(super) fn checked(&self, at: &str) -> Result<Value, Invalid> {
        match self {
            TagRef::Id(id) if *id <= 0 => Err(Invalid::Field {
                field: format!("{at}.id"),
                reason: "a tag ID is above 0",
            }),
            TagRef::Name(name) if name.trim().is_empty() => Err(Invalid::Field {
                field: format!("{at}.name"),
                reason: "a tag name is not blank",
            }),
            _ => Ok(self.to_json()),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            TagRef::Id(id) => json!({ "id": id }),
            TagRef::Name(name) => json!({ "name": name }),
        }
    }
}
