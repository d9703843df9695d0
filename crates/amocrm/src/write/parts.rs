//! What every entity to write is made of: the fields set, in amoCRM's names, and the
//! first value amoCRM documents as invalid (reported when the item is sent, nothing of
//! it is).

use serde_json::{Map, Value};

use crate::error::Invalid;
use crate::write::field::{FieldValue, TagRef};
use crate::write::json_input::{self, Keys, range_problem};

pub use crate::write::json_input::MAX_PRICE;

/// The most custom field values one entity of a complex add takes.
pub const MAX_COMPLEX_FIELDS: usize = 40;

/// The fields of an entity set so far: only these are sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Parts {
    body: Map<String, Value>,
    /// `custom_fields_values` given as JSON (checked), sent before `fields`.
    raw_fields: Vec<Value>,
    fields: Vec<FieldValue>,
    embedded: Map<String, Value>,
    problem: Option<Invalid>,
}

impl Parts {
    /// An entity given as JSON: its known `keys` checked as their setters check them,
    /// its custom field values and `_embedded` kept apart so that setters called after
    /// add to them; a patch (`needs_id`) without an `id` is refused.
    pub(super) fn from_json(mut body: Map<String, Value>, keys: Keys, needs_id: bool) -> Self {
        let mut parts = Parts {
            problem: json_input::problem(&body, keys, needs_id),
            ..Parts::default()
        };
        if needs_id && !body.contains_key("id") {
            parts.refuse("id", "a patch names the entity's ID");
        }
        if parts.problem.is_none() {
            // An empty list or `null` stays as given (sent so), until a setter adds values.
            if let Some(Value::Array(values)) = body.get_mut("custom_fields_values")
                && !values.is_empty()
            {
                parts.raw_fields = std::mem::take(values);
                body.remove("custom_fields_values");
            }
            if let Some(Value::Object(embedded)) = body.remove("_embedded") {
                parts.embedded = embedded;
            }
        }
        parts.body = body;
        parts
    }

    /// Refuses `number` for a setter of `kind` (`id`, `user`, `time`, `price`) when
    /// amoCRM documents it as invalid, and sets it.
    pub(super) fn number(&mut self, kind: &str, key: &str, number: i64) {
        if let Some(reason) = range_problem(kind, number) {
            self.refuse(key, reason);
        }
        self.body.insert(key.to_owned(), number.into());
    }

    pub(super) fn refuse(&mut self, field: &str, reason: &'static str) {
        self.problem.get_or_insert(Invalid::Field {
            field: field.to_owned(),
            reason,
        });
    }

    /// Sets `key` to `value` as it is (a flag, an object).
    pub(super) fn set(&mut self, key: &str, value: Value) {
        self.body.insert(key.to_owned(), value);
    }

    pub(super) fn text(&mut self, key: &str, value: String) {
        self.body.insert(key.to_owned(), value.into());
    }

    /// An entity's ID: above 0.
    pub(super) fn id(&mut self, key: &str, id: i64) {
        self.number("id", key, id);
    }

    /// A user's ID: 0 is the integration itself (`created_by`, `updated_by`).
    pub(super) fn user(&mut self, key: &str, id: i64) {
        self.number("user", key, id);
    }

    /// Unix seconds.
    pub(super) fn time(&mut self, key: &str, at: i64) {
        self.number("time", key, at);
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
        // An empty set is sent as `null`, amoCRM's documented "detach them all" (what an
        // empty list does is not documented).
        let value = match tags {
            Some(tags) if !tags.is_empty() => Value::Array(list),
            _ => Value::Null,
        };
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

    /// Takes `_embedded.<key>` out (to be sent otherwise).
    pub(super) fn take_embedded(&mut self, key: &str) -> Option<Value> {
        self.embedded.remove(key)
    }

    pub(super) fn field_count(&self) -> usize {
        self.raw_fields.len() + self.fields.len()
    }

    /// The body to send, or the first invalid value set.
    pub(super) fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let any_fields = self.field_count() > 0;
        let mut body = self.body;
        if any_fields {
            let given = self.raw_fields.len();
            let mut values = self.raw_fields;
            for (at, field) in self.fields.iter().enumerate() {
                values.push(field.to_json(given + at)?);
            }
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
