//! The account's custom field definitions as a writer checks values against them
//! ([`FieldDefs`]): amoCRM refuses a whole batch for one value that does not fit its
//! field, so a writer given the definitions finds such a value before anything is sent
//! and reports that item alone.

use std::collections::HashMap;

use futures::TryStreamExt;
use serde_json::{Map, Value};

use crate::client::Client;
use crate::custom_fields::{CustomFieldDefinition, CustomFieldType};
use crate::error::{Invalid, Result};
use crate::query::EntityKind;

/// The custom field definitions of one entity type, to check the values a writer sends
/// ([`Writer::fields`](crate::write::Writer::fields)): a select, multiselect or
/// radiobutton takes one of its options (by `enum_id`, `enum_code` or its text), a
/// multitext a text with a code the field knows, a numeric a number, a checkbox a
/// boolean, a date Unix seconds or RFC 3339, and a field the definitions do not have is
/// refused. Without definitions a writer sends values unchecked, as amoCRM takes them.
///
/// ```no_run
/// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
/// use amocrm::query::EntityKind;
/// use amocrm::write::{FieldDefs, FieldValue, NewLead};
///
/// let defs = FieldDefs::load(&client, EntityKind::Leads).await?;
/// let lead = NewLead::default().custom_field(FieldValue::id(271313).enum_id(432101));
/// defs.check(&lead)?;                                  // one item, now
/// let writer = client.leads().add([lead]).fields(defs)?; // every item of a batch write
/// # let _ = writer;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct FieldDefs {
    kind: EntityKind,
    by_id: HashMap<i64, CustomFieldDefinition>,
    /// Codes to IDs.
    by_code: HashMap<String, i64>,
}

impl FieldDefs {
    /// The definitions of `kind`'s fields, as read from the account (every page).
    pub fn new(kind: EntityKind, defs: impl IntoIterator<Item = CustomFieldDefinition>) -> Self {
        let mut by_id = HashMap::new();
        let mut by_code = HashMap::new();
        for def in defs {
            if let Some(code) = def.code.as_ref().filter(|c| !c.is_empty()) {
                by_code.insert(code.clone(), def.id);
            }
            by_id.insert(def.id, def);
        }
        FieldDefs {
            kind,
            by_id,
            by_code,
        }
    }

    /// Reads every definition of `kind`'s fields (`GET /api/v4/{kind}/custom_fields`, all
    /// pages).
    pub async fn load(client: &Client, kind: EntityKind) -> Result<Self> {
        let defs: Vec<_> = client
            .custom_fields(kind)
            .list()
            .stream()
            .try_collect()
            .await?;
        Ok(FieldDefs::new(kind, defs))
    }

    /// The entity type whose fields these are.
    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    /// Checks the custom field values of one item to write, as a writer given these
    /// definitions does. An item that is itself invalid is its own error.
    pub fn check<T: crate::write::Item + Clone>(&self, item: &T) -> Result<(), Invalid> {
        self.check_body(&item.clone().into_body()?)
    }

    /// Checks `custom_fields_values` of a body to send.
    pub(crate) fn check_body(&self, body: &Map<String, Value>) -> Result<(), Invalid> {
        let Some(list) = body.get("custom_fields_values") else {
            return Ok(());
        };
        let Some(list) = list.as_array() else {
            return Err(refuse("?", "custom_fields_values", "it is a JSON array"));
        };
        list.iter()
            .enumerate()
            .try_for_each(|(at, one)| self.check_field(at, one))
    }

    fn check_field(&self, at: usize, one: &Value) -> Result<(), Invalid> {
        let path = format!("custom_fields_values.{at}");
        let Some(one) = one.as_object() else {
            return Err(refuse("?", &path, "a field's values are a JSON object"));
        };
        // `"field_id": null` beside a `field_code` names the field by its code (the JSON
        // input takes it so), as amoCRM reads it.
        let id = one.get("field_id").filter(|id| !id.is_null());
        let (name, def) = match (id, one.get("field_code")) {
            (Some(id), _) => {
                let name = id.to_string();
                let def = id.as_i64().and_then(|id| self.by_id.get(&id));
                let path = format!("{path}.field_id");
                (
                    name.clone(),
                    def.ok_or_else(|| refuse(&name, &path, NO_FIELD))?,
                )
            }
            (None, Some(Value::String(code))) => {
                let def = self.by_code.get(code).and_then(|id| self.by_id.get(id));
                let path = format!("{path}.field_code");
                (
                    code.clone(),
                    def.ok_or_else(|| refuse(code, &path, NO_FIELD))?,
                )
            }
            _ => {
                return Err(refuse(
                    "?",
                    &path,
                    "a field is named by field_id or field_code",
                ));
            }
        };
        match one.get("values") {
            // `null` clears the field, whatever its type.
            Some(Value::Null) => Ok(()),
            Some(Value::Array(values)) => values.iter().enumerate().try_for_each(|(j, v)| {
                check_value(def, v, &format!("{path}.values.{j}"))
                    .map_err(|(path, reason)| refuse(&name, &path, reason))
            }),
            _ => Err(refuse(
                &name,
                &format!("{path}.values"),
                "values are a JSON array, or null to clear",
            )),
        }
    }
}

const NO_FIELD: &str = "the definitions of this entity type have no such field";

fn refuse(field: &str, path: &str, reason: &'static str) -> Invalid {
    Invalid::CustomField {
        field: field.to_owned(),
        path: path.to_owned(),
        reason,
    }
}

type Wrong = (String, &'static str);

/// The keys a value of each type takes (amoCRM answers any other `FieldNotExpected`).
fn takes(kind: &CustomFieldType) -> Option<&'static [&'static str]> {
    use CustomFieldType as T;
    Some(match kind {
        T::Select
        | T::Multiselect
        | T::Radiobutton
        | T::Category
        | T::Multitext
        | T::SmartAddress => &["value", "enum_id", "enum_code"],
        T::ChainedList => &["catalog_id", "catalog_element_id"],
        // A type this crate does not know: its keys are not known either.
        T::Unknown(_) => return None,
        _ => &["value"],
    })
}

/// Checks one element of a field's `values`: `Err` with the path at fault and why.
fn check_value(def: &CustomFieldDefinition, v: &Value, at: &str) -> Result<(), Wrong> {
    use CustomFieldType as T;
    let wrong = |key: &str, reason| Err((format!("{at}.{key}"), reason));
    let Some(v) = v.as_object() else {
        return Err((at.to_owned(), "a value is a JSON object"));
    };
    let Some(kind) = def.type_.as_ref() else {
        return Ok(());
    };
    if let Some(key) = takes(kind).and_then(|takes| v.keys().find(|k| !takes.contains(&k.as_str())))
    {
        return wrong(key, "the field's type does not take this key");
    }
    let value = v.get("value");
    let enums = def.enums.as_deref().unwrap_or_default();
    match kind {
        T::Select | T::Multiselect | T::Radiobutton | T::Category => {
            if let Some(id) = v.get("enum_id") {
                let nested = def.nested.as_deref().unwrap_or_default();
                let known = id.as_i64().is_some_and(|id| {
                    enums.iter().any(|e| e.id == id) || nested.iter().any(|n| n.id == id)
                });
                return if known {
                    Ok(())
                } else {
                    wrong("enum_id", "not an option of the field")
                };
            }
            if let Some(code) = v.get("enum_code") {
                return known_code(enums, code, false)
                    .or_else(|()| wrong("enum_code", "not an option code of the field"));
            }
            match value.and_then(Value::as_str) {
                Some(text) if enums.iter().any(|e| e.value.as_deref() == Some(text)) => Ok(()),
                Some(_) => wrong("value", "not an option of the field"),
                None => wrong(
                    "value",
                    "an option is given by enum_id, enum_code or its text",
                ),
            }
        }
        T::Multitext | T::SmartAddress => {
            if !value.is_some_and(Value::is_string) {
                return wrong("value", "a text with a code is given as a string");
            }
            match (v.get("enum_id"), v.get("enum_code")) {
                (Some(id), _) => match id.as_i64() {
                    Some(id) if enums.iter().any(|e| e.id == id) => Ok(()),
                    _ => wrong("enum_id", "not a code of the field"),
                },
                (None, Some(code)) => known_code(enums, code, true)
                    .or_else(|()| wrong("enum_code", "not a code of the field")),
                (None, None) => wrong(
                    "enum_code",
                    "a text of this field takes a code (enum_code or enum_id)",
                ),
            }
        }
        T::Numeric => match value {
            Some(Value::Number(_)) => Ok(()),
            Some(Value::String(s)) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => Ok(()),
            _ => wrong("value", "a numeric field takes a number"),
        },
        T::Checkbox => match value {
            Some(Value::Bool(_)) => Ok(()),
            _ => wrong("value", "a checkbox takes true or false"),
        },
        T::Date | T::DateTime | T::Birthday => match value {
            Some(Value::Number(n)) if n.is_i64() => Ok(()),
            Some(Value::String(s)) if is_rfc3339(s) => Ok(()),
            _ => wrong(
                "value",
                "a date takes Unix seconds or an RFC 3339 date-time",
            ),
        },
        T::Text
        | T::Textarea
        | T::Url
        | T::Streetaddress
        | T::Price
        | T::Monetary
        | T::TrackingData => match value {
            Some(Value::String(_) | Value::Number(_)) => Ok(()),
            _ => wrong("value", "this field takes a text"),
        },
        T::ChainedList => {
            let id = |key| v.get(key).is_some_and(Value::is_i64);
            if id("catalog_id") && id("catalog_element_id") {
                Ok(())
            } else {
                wrong(
                    "catalog_element_id",
                    "a chained list takes catalog_id and catalog_element_id",
                )
            }
        }
        // Structured values (legal_entity, items, file, …): their shape is amoCRM's to check.
        _ => Ok(()),
    }
}

/// A code one of `enums` has (`null` is never one: amoCRM refuses it). With `by_value`
/// (a multitext or smart_address field) an option without a `code` is known by its
/// `value`: amoCRM describes a phone's or an email's options as `{"id":1,"value":"WORK"}`
/// with no code (or `"code": null`), and their value is the `enum_code` it takes.
fn known_code(
    enums: &[crate::custom_fields::CustomFieldEnum],
    code: &Value,
    by_value: bool,
) -> Result<(), ()> {
    let Some(code) = code.as_str() else {
        return Err(());
    };
    let has = |e: &crate::custom_fields::CustomFieldEnum| match e.code.as_deref() {
        Some(own) if !own.is_empty() => own == code,
        _ => by_value && e.value.as_deref() == Some(code),
    };
    if enums.iter().any(has) {
        Ok(())
    } else {
        Err(())
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, each part in its range.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |from: usize, len: usize, max: u32| -> bool {
        b.get(from..from + len).is_some_and(|d| {
            d.iter().all(u8::is_ascii_digit)
                && d.iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0')) <= max
        })
    };
    let shape = b.len() >= 20
        && num(0, 4, 9999)
        && b[4] == b'-'
        && num(5, 2, 12)
        && b[7] == b'-'
        && num(8, 2, 31)
        && matches!(b[10], b'T' | b't' | b' ')
        && num(11, 2, 23)
        && b[13] == b':'
        && num(14, 2, 59)
        && b[16] == b':'
        && num(17, 2, 60);
    if !shape || s[5..7] == *"00" || s[8..10] == *"00" {
        return false;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &frac[digits..];
    }
    match rest.as_bytes() {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if rest.len() == 6 => {
            let b = rest.as_bytes();
            b[3] == b':' && num_in(&rest[1..3], 23) && num_in(&rest[4..6], 59)
        }
        _ => false,
    }
}

fn num_in(s: &str, max: u32) -> bool {
    s.bytes().all(|c| c.is_ascii_digit()) && s.parse::<u32>().is_ok_and(|n| n <= max)
}

#[cfg(test)]
#[path = "defs_tests.rs"]
mod tests;
