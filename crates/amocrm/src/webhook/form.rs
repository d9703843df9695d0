//! amoCRM's webhook body as PHP reads it: `application/x-www-form-urlencoded` pairs whose
//! keys nest with brackets (`leads[status][0][id]=7`), decoded into a tree of
//! [`FormValue`]s. Every value is a string; nothing is dropped but what PHP drops too (a
//! key nested deeper than [`MAX_DEPTH`]).

use std::collections::BTreeMap;

use crate::error::WebhookError;

/// Keys nested deeper than this are dropped, as PHP drops them (its default nesting level).
pub const MAX_DEPTH: usize = 64;

/// A map of a decoded form, by key. Numeric keys are strings too (`"0"`, `"17"`):
/// [`FormValue::entries`] reads them in numeric order.
pub type FormMap = BTreeMap<String, FormValue>;

/// One value of a decoded form: a string, or a map of nested keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormValue {
    /// A leaf: what the pair carried, percent-decoded.
    Text(String),
    /// A key with brackets below it.
    Map(FormMap),
}

impl FormValue {
    /// The text of a leaf.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FormValue::Text(text) => Some(text),
            FormValue::Map(_) => None,
        }
    }

    /// The map of a nested key.
    pub fn as_map(&self) -> Option<&FormMap> {
        match self {
            FormValue::Map(map) => Some(map),
            FormValue::Text(_) => None,
        }
    }

    /// A map's entries, numeric keys first in numeric order (`2` before `10`), then the
    /// others by name; a leaf is no entries.
    pub fn entries(&self) -> Vec<(&str, &FormValue)> {
        let Some(map) = self.as_map() else {
            return Vec::new();
        };
        let mut entries: Vec<(&str, &FormValue)> =
            map.iter().map(|(k, v)| (k.as_str(), v)).collect();
        entries.sort_by_key(|(k, _)| (k.parse::<u64>().map_or((1, u64::MAX), |n| (0, n)), *k));
        entries
    }
}

/// Decodes `body` into its top-level map, reading at most `max_fields` pairs.
pub(crate) fn decode(body: &[u8], max_fields: usize) -> Result<FormMap, WebhookError> {
    let mut root = FormMap::new();
    for (n, (key, value)) in url::form_urlencoded::parse(body).enumerate() {
        if n >= max_fields {
            return Err(WebhookError::TooManyFields { limit: max_fields });
        }
        let Some((name, path)) = split_key(&key) else {
            continue;
        };
        if path.len() > MAX_DEPTH {
            continue;
        }
        insert(&mut root, name, &path, value.into_owned());
    }
    Ok(root)
}

/// `a[b][][c]` → (`a`, [`b`, ``, `c`]). A key whose brackets do not close is a plain name
/// (PHP keeps it too); text after the last `]` is ignored, as PHP ignores it. An empty
/// name is no key.
fn split_key(key: &str) -> Option<(&str, Vec<&str>)> {
    let Some(open) = key.find('[') else {
        return (!key.is_empty()).then_some((key, Vec::new()));
    };
    let name = &key[..open];
    if name.is_empty() {
        return None;
    }
    let mut path = Vec::new();
    let mut rest = &key[open..];
    while let Some(after) = rest.strip_prefix('[') {
        let Some(close) = after.find(']') else {
            if path.is_empty() {
                return Some((key, Vec::new()));
            }
            break;
        };
        path.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Some((name, path))
}

/// Sets `name[path…]` to `value`: a leaf replaces what was there, a map is made where a
/// leaf stood (PHP's last-one-wins), `[]` appends after the largest numeric key.
fn insert(map: &mut FormMap, name: &str, path: &[&str], value: String) {
    let Some((segment, rest)) = path.split_first() else {
        map.insert(name.to_owned(), FormValue::Text(value));
        return;
    };
    let slot = map
        .entry(name.to_owned())
        .or_insert_with(|| FormValue::Map(FormMap::new()));
    if let FormValue::Text(_) = slot {
        *slot = FormValue::Map(FormMap::new());
    }
    let FormValue::Map(inner) = slot else {
        return;
    };
    let key = if segment.is_empty() {
        let next = inner
            .keys()
            .filter_map(|k| k.parse::<u64>().ok())
            .max()
            .map_or(Some(0), |n| n.checked_add(1));
        // Past the largest index there is no next one: PHP drops the element too.
        let Some(next) = next else {
            return;
        };
        next.to_string()
    } else {
        (*segment).to_owned()
    };
    insert(inner, &key, rest, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<'a>(map: &'a FormMap, path: &[&str]) -> Option<&'a str> {
        let (first, rest) = path.split_first()?;
        let mut at = map.get(*first)?;
        for key in rest {
            at = at.as_map()?.get(*key)?;
        }
        at.as_text()
    }

    #[test]
    fn bracket_keys_nest_and_values_are_decoded() {
        let body = b"leads%5Bstatus%5D%5B0%5D%5Bid%5D=25399013&leads[status][0][name]=A+b%26c\
            &leads[status][1][id]=7&account[subdomain]=test&plain=1&tags[]=x&tags[]=y";
        let form = decode(body, 100).unwrap();
        assert_eq!(
            text(&form, &["leads", "status", "0", "id"]),
            Some("25399013")
        );
        assert_eq!(
            text(&form, &["leads", "status", "0", "name"]),
            Some("A b&c")
        );
        assert_eq!(text(&form, &["leads", "status", "1", "id"]), Some("7"));
        assert_eq!(text(&form, &["account", "subdomain"]), Some("test"));
        assert_eq!(text(&form, &["plain"]), Some("1"));
        assert_eq!(text(&form, &["tags", "0"]), Some("x"));
        assert_eq!(text(&form, &["tags", "1"]), Some("y"));
    }

    #[test]
    fn an_append_after_the_largest_index_is_dropped_not_wrapped() {
        let form = decode(
            b"leads[add][18446744073709551615][id]=1&leads[add][][id]=2&t[]=a&t[]=b",
            100,
        )
        .unwrap();
        let add = form["leads"].as_map().unwrap()["add"].as_map().unwrap();
        assert_eq!(add.len(), 1);
        assert_eq!(
            text(&form, &["leads", "add", "18446744073709551615", "id"]),
            Some("1")
        );
        assert_eq!(text(&form, &["t", "1"]), Some("b"));
    }

    #[test]
    fn php_edge_cases() {
        let form = decode(b"a[b=1&[x]=2&c[d]e=3&f=1&f[g]=2&h[i]=1&h=2", 100).unwrap();
        assert_eq!(text(&form, &["a[b"]), Some("1"));
        assert!(!form.contains_key(""));
        assert_eq!(text(&form, &["c", "d"]), Some("3"));
        assert_eq!(text(&form, &["f", "g"]), Some("2"));
        assert_eq!(text(&form, &["h"]), Some("2"));
        let deep = format!("x{}=1", "[a]".repeat(MAX_DEPTH + 1));
        assert!(decode(deep.as_bytes(), 10).unwrap().is_empty());
        assert_eq!(
            decode(b"a=1&b=2&c=3", 2),
            Err(WebhookError::TooManyFields { limit: 2 })
        );
    }

    #[test]
    fn entries_are_in_numeric_order() {
        let form = decode(b"l[10]=c&l[2]=b&l[0]=a&l[x]=d", 100).unwrap();
        let keys: Vec<&str> = form["l"].entries().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["0", "2", "10", "x"]);
    }
}
