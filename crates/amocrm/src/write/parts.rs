//! What every entity to write is made of: the fields set, in amoCRM's names, and the
//! first value amoCRM documents as invalid (reported when the item is sent, nothing of
//! it is).

use serde_json::{Map, Value};

use crate::error::Invalid;
use crate::write::field::{FieldValue, TagRef};

/// The largest lead budget amoCRM takes (a signed 32-bit integer).
pub const MAX_PRICE: i64 = i32::MAX as i64;

/// The most custom field values one entity of a complex add takes.
pub const MAX_COMPLEX_FIELDS: usize = 40;

/// The fields of an entity set so far: only these are sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Parts {
    body: Map<String, Value>,
    fields: Vec<FieldValue>,
    embedded: Map<String, Value>,
    problem: Option<Invalid>,
}

impl Parts {
    pub(super) fn from_json(body: Map<String, Value>) -> Self {
        Parts {
            body,
            ..Parts::default()
        }
    }

    pub(super) fn refuse(&mut self, field: &str, reason: &'static str) {
        self.problem.get_or_insert(Invalid::Field {
            field: field.to_owned(),
            reason,
        });
    }

    pub(super) fn text(&mut self, key: &str, value: String) {
        self.body.insert(key.to_owned(), value.into());
    }

    /// An entity's ID: above 0.
    pub(super) fn id(&mut self, key: &str, id: i64) {
        if id <= 0 {
            self.refuse(key, "an ID is above 0");
        }
        self.body.insert(key.to_owned(), id.into());
    }

    /// A user's ID: 0 is the integration itself (`created_by`, `updated_by`).
    pub(super) fn user(&mut self, key: &str, id: i64) {
        if id < 0 {
            self.refuse(key, "a user ID is 0 (the integration) or above");
        }
        self.body.insert(key.to_owned(), id.into());
    }

    /// Unix seconds.
    pub(super) fn time(&mut self, key: &str, at: i64) {
        if at < 0 {
            self.refuse(key, "a time is Unix seconds, 0 or above");
        }
        self.body.insert(key.to_owned(), at.into());
    }

    pub(super) fn price(&mut self, key: &str, price: i64) {
        if !(0..=MAX_PRICE).contains(&price) {
            self.refuse(key, "a budget is 0 to 2147483647");
        }
        self.body.insert(key.to_owned(), price.into());
    }

    pub(super) fn field(&mut self, value: FieldValue) {
        self.fields.push(value);
    }

    pub(super) fn tags(&mut self, key: &str, tags: impl IntoIterator<Item = TagRef>) {
        let list = self
            .body
            .entry(key.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(list) = list else { return };
        let mut problem = None;
        for tag in tags {
            match tag.checked(&format!("{key}.{}", list.len())) {
                Ok(tag) => list.push(tag),
                Err(invalid) => {
                    problem.get_or_insert(invalid);
                }
            }
        }
        if let Some(invalid) = problem {
            self.problem.get_or_insert(invalid);
        }
    }

    /// `_embedded.tags`: the whole set of the entity's tags (`None`: detach them all).
    pub(super) fn tag_set(&mut self, tags: Option<Vec<TagRef>>) {
        let mut list = Vec::new();
        for (at, tag) in tags.iter().flatten().enumerate() {
            match tag.checked(&format!("_embedded.tags.{at}")) {
                Ok(tag) => list.push(tag),
                Err(invalid) => {
                    self.problem.get_or_insert(invalid);
                }
            }
        }
        let value = tags.map_or(Value::Null, |_| Value::Array(list));
        self.embedded.insert("tags".into(), value);
    }

    /// Appends `value` to `_embedded.<key>`.
    pub(super) fn embed(&mut self, key: &str, value: Value) {
        let list = self
            .embedded
            .entry(key.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(value);
        }
    }

    /// Replaces `_embedded.<key>` with one element.
    pub(super) fn embed_one(&mut self, key: &str, value: Value) {
        self.embedded
            .insert(key.to_owned(), Value::Array(vec![value]));
    }

    pub(super) fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// The body to send, or the first invalid value set.
    pub(super) fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let mut body = self.body;
        if !self.fields.is_empty() {
            let values = self
                .fields
                .iter()
                .enumerate()
                .map(|(at, f)| f.to_json(at))
                .collect::<Result<Vec<_>, _>>()?;
            body.insert("custom_fields_values".into(), Value::Array(values));
        }
        if !self.embedded.is_empty() {
            let embedded = body
                .entry("_embedded")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(embedded) = embedded {
                embedded.extend(self.embedded);
            }
        }
        Ok(body)
    }
}
