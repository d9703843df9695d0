//! [`ExtraKeys`]: the keys of a custom field value that its type does not read, kept as
//! sent. Nearly always empty, so it holds nothing until a key arrives: an empty
//! `serde_json::Map` costs its drop on each of the ~12 values of every lead, about 1% of
//! decoding a page of leads.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Keys of a custom field (or of one of its values) that its type does not read, and known
/// keys sent with an unexpected JSON type, as sent: a map from key to JSON value, in key
/// order (as `serde_json::Map`), that allocates nothing while it is empty.
///
/// ```
/// use amocrm_raw::CustomFieldValueItem;
/// use serde_json::json;
///
/// let item: CustomFieldValueItem =
///     serde_json::from_value(json!({"value": "x", "enum": "X"})).unwrap();
/// assert_eq!(item.extra.get("enum"), Some(&json!("X")));
/// assert_eq!(item.extra.len(), 1);
/// assert_eq!(item.extra.keys().collect::<Vec<_>>(), ["enum"]);
/// ```
#[derive(Clone, Default)]
pub struct ExtraKeys(Option<Box<Map<String, Value>>>);

impl ExtraKeys {
    /// No keys.
    pub fn new() -> Self {
        ExtraKeys(None)
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.as_ref()?.get(key)
    }

    /// Whether `key` is there.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`, returning the value it had.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        self.0.get_or_insert_with(Box::default).insert(key, value)
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.as_mut()?.remove(key)
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |map| map.len())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys and their values, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter().flat_map(|map| map.iter())
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.iter().map(|(key, _)| key)
    }

    /// The keys as a `serde_json::Map`.
    pub fn into_map(self) -> Map<String, Value> {
        self.0.map(|map| *map).unwrap_or_default()
    }
}

impl From<Map<String, Value>> for ExtraKeys {
    fn from(map: Map<String, Value>) -> Self {
        ExtraKeys((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl From<ExtraKeys> for Map<String, Value> {
    fn from(extra: ExtraKeys) -> Self {
        extra.into_map()
    }
}

/// Equal when they hold the same keys and values (no keys at all equals an emptied map).
impl PartialEq for ExtraKeys {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl fmt::Debug for ExtraKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Written as a JSON object.
impl Serialize for ExtraKeys {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Read from a JSON object.
impl<'de> Deserialize<'de> for ExtraKeys {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(ExtraKeys::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn it_is_a_map_that_holds_nothing_while_empty() {
        let mut extra = ExtraKeys::new();
        assert!(extra.is_empty() && extra.0.is_none());
        assert_eq!(extra.get("a"), None);
        assert_eq!(extra.remove("a"), None);
        assert_eq!(extra.insert("b".into(), json!(2)), None);
        assert_eq!(extra.insert("a".into(), json!(1)), None);
        assert_eq!(extra.insert("a".into(), json!(3)), Some(json!(1)));
        assert!(extra.contains_key("a") && !extra.contains_key("c"));
        assert_eq!((extra.len(), extra.is_empty()), (2, false));
        assert_eq!(extra.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(format!("{extra:?}"), r#"{"a": Number(3), "b": Number(2)}"#);
        assert_eq!(
            serde_json::to_value(&extra).unwrap(),
            json!({"a": 3, "b": 2})
        );
        let read: ExtraKeys = serde_json::from_value(json!({"a": 3, "b": 2})).unwrap();
        assert_eq!(read, extra);
        assert_eq!(extra.remove("a"), Some(json!(3)));
        assert_eq!(extra.remove("b"), Some(json!(2)));
        // Emptied equals never filled, and both read back as an empty object.
        assert_eq!(extra, ExtraKeys::new());
        assert_eq!(ExtraKeys::from(Map::new()).0, None);
        assert_eq!(serde_json::to_string(&ExtraKeys::new()).unwrap(), "{}");
        let map: Map<String, Value> =
            ExtraKeys::from(json!({"x": 1}).as_object().unwrap().clone()).into();
        assert_eq!(Value::Object(map), json!({"x": 1}));
        assert_ne!(
            ExtraKeys::from(json!({"x": 1}).as_object().unwrap().clone()),
            ExtraKeys::new()
        );
    }
}
