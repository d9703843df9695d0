//! Query parameters the way amoCRM takes them: PHP's bracket keys.
//!
//! amoCRM parses a query string as PHP does, so nested and repeated values are spelled
//! with brackets: `filter[id][]=1&filter[id][]=2`, `filter[updated_at][from]=1700000000`,
//! `filter[statuses][0][pipeline_id]=3177727`, `order[updated_at]=desc`. OpenAPI's
//! `deepObject` style describes only the first level of that, and progenitor 0.15 sends
//! only `form` parameters, so such a parameter reaches the generated client as a
//! [`PhpQuery`]: the spec declares it `style: deepObject` with a schema marked
//! `x-amocrm-rust-type: crate::PhpQuery`, and the xtask turns it into a `form` parameter
//! of this type (see `xtask/src/adapt.rs`). The generated call hands the value to
//! progenitor-client's `QueryParam`, which sends a value that serializes as a map as the
//! map's own pairs; a [`PhpQuery`] serializes as its pairs with their full bracket keys,
//! in order, repeated keys kept. The keys and values are percent-encoded on the way
//! (`filter%5Bid%5D%5B%5D=1`), which PHP reads as the brackets.

use std::fmt;

/// Ordered query pairs with full PHP bracket keys (`filter[id][]` → `1`), sent as they
/// are by the generated client (see the module docs). Repeated keys are kept: PHP reads
/// `filter[id][]=1&filter[id][]=2` as a list.
///
/// ```
/// use amocrm_raw::PhpQuery;
///
/// let mut filter = PhpQuery::new();
/// filter
///     .push_path("filter", &["id", ""], 1)
///     .push_path("filter", &["id", ""], 2)
///     .push_path("filter", &["updated_at", "from"], 1_700_000_000)
///     .push("filter[statuses][0][pipeline_id]", 3_177_727);
/// let keys: Vec<&str> = filter.pairs().map(|(key, _)| key).collect();
/// assert_eq!(
///     keys,
///     ["filter[id][]", "filter[id][]", "filter[updated_at][from]", "filter[statuses][0][pipeline_id]"]
/// );
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct PhpQuery {
    pairs: Vec<(String, String)>,
}

impl PhpQuery {
    /// No pairs: a parameter that sends nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `key=value`; `key` is the full bracket key (`order[updated_at]`).
    pub fn push(&mut self, key: impl Into<String>, value: impl fmt::Display) -> &mut Self {
        self.pairs.push((key.into(), value.to_string()));
        self
    }

    /// Appends `value` under `root` and `path`, one bracket per segment:
    /// (`filter`, `["id", ""]`) is `filter[id][]`, (`filter`, `["updated_at", "from"]`) is
    /// `filter[updated_at][from]`.
    pub fn push_path(&mut self, root: &str, path: &[&str], value: impl fmt::Display) -> &mut Self {
        self.push(Self::key(root, path), value)
    }

    /// The bracket key of `root` and `path`: `filter[statuses][0][pipeline_id]`.
    pub fn key(root: &str, path: &[&str]) -> String {
        let mut key =
            String::with_capacity(root.len() + path.iter().map(|s| s.len() + 2).sum::<usize>());
        key.push_str(root);
        for segment in path {
            key.push('[');
            key.push_str(segment);
            key.push(']');
        }
        key
    }

    /// The pairs, in the order they are sent.
    pub fn pairs(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }
}

impl fmt::Debug for PhpQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.pairs()).finish()
    }
}

impl<K: Into<String>, V: fmt::Display> FromIterator<(K, V)> for PhpQuery {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut query = PhpQuery::new();
        query.extend(pairs);
        query
    }
}

impl<K: Into<String>, V: fmt::Display> Extend<(K, V)> for PhpQuery {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.push(key, value);
        }
    }
}

/// A map of the pairs, in order, repeated keys kept: what progenitor-client's `QueryParam`
/// sends as the map's own pairs.
impl serde::Serialize for PhpQuery {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.pairs.len()))?;
        for (key, value) in &self.pairs {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use progenitor_client::QueryParam;

    /// The URL a generated call builds for an optional `filter` and `order` of this type
    /// next to a plain `with` (the same calls progenitor 0.15 generates for
    /// `Option<&PhpQuery>` parameters).
    fn url(filter: Option<&PhpQuery>, order: Option<&PhpQuery>, with: Option<&str>) -> String {
        let request = reqwest::Client::new()
            .get("https://example.amocrm.ru/api/v4/leads")
            .query(&QueryParam::new("filter", &filter))
            .query(&QueryParam::new("order", &order))
            .query(&QueryParam::new("with", &with))
            .build()
            .expect("a request");
        request.url().to_string()
    }

    #[test]
    fn the_generated_call_sends_php_bracket_keys() {
        let mut filter = PhpQuery::new();
        filter
            .push_path("filter", &["id", ""], 1)
            .push_path("filter", &["id", ""], 2)
            .push_path("filter", &["updated_at", "from"], 1_700_000_000)
            .push_path("filter", &["updated_at", "to"], 1_700_086_400)
            .push_path("filter", &["statuses", "0", "pipeline_id"], 3_177_727)
            .push_path("filter", &["statuses", "0", "status_id"], 142)
            .push("filter[name]", "Ёлки & палки=1");
        let order: PhpQuery = [("order[updated_at]", "desc")].into_iter().collect();
        assert_eq!(
            url(Some(&filter), Some(&order), Some("contacts,loss_reason")),
            "https://example.amocrm.ru/api/v4/leads?\
             filter%5Bid%5D%5B%5D=1&filter%5Bid%5D%5B%5D=2\
             &filter%5Bupdated_at%5D%5Bfrom%5D=1700000000\
             &filter%5Bupdated_at%5D%5Bto%5D=1700086400\
             &filter%5Bstatuses%5D%5B0%5D%5Bpipeline_id%5D=3177727\
             &filter%5Bstatuses%5D%5B0%5D%5Bstatus_id%5D=142\
             &filter%5Bname%5D=%D0%81%D0%BB%D0%BA%D0%B8+%26+%D0%BF%D0%B0%D0%BB%D0%BA%D0%B8%3D1\
             &order%5Bupdated_at%5D=desc\
             &with=contacts%2Closs_reason"
        );
    }

    #[test]
    fn an_absent_or_empty_query_sends_nothing() {
        let bare = "https://example.amocrm.ru/api/v4/leads";
        assert_eq!(url(None, None, None), bare);
        assert_eq!(
            url(Some(&PhpQuery::new()), Some(&PhpQuery::new()), None),
            bare
        );
    }

    #[test]
    fn keys_are_built_one_bracket_per_segment() {
        assert_eq!(PhpQuery::key("order", &["id"]), "order[id]");
        assert_eq!(PhpQuery::key("filter", &["id", ""]), "filter[id][]");
        assert_eq!(PhpQuery::key("with", &[]), "with");
        let query: PhpQuery = [("a[]", 1), ("a[]", 1)].into_iter().collect();
        assert_eq!(query.len(), 2, "repeated pairs are kept");
        assert!(!query.is_empty());
        assert_eq!(format!("{query:?}"), r#"[("a[]", "1"), ("a[]", "1")]"#);
    }
}
