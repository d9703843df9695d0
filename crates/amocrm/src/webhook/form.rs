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

/// At most this many keys (maps and values, at every depth) are made from one body: a
/// key nested 64 deep makes 64 maps, so a body of such keys would take far more memory
/// than its size; amoCRM's deliveries make a few per field.
pub const MAX_NODES: usize = 250_000;

/// Decodes `body` into its top-level map, reading at most `max_fields` pairs and making at
/// most [`MAX_NODES`] keys, in time linear in the body (an append `[]` finds its index at
/// once, however many came before it).
pub(crate) fn decode(body: &[u8], max_fields: usize) -> Result<FormMap, WebhookError> {
    let mut root = Node::default();
    let mut budget = MAX_NODES;
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
        root.insert(name, &path, value.into_owned(), &mut budget)?;
    }
    Ok(root.into_map())
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

/// A map being decoded, with the index its next `[]` takes (one more than its largest
/// numeric key; `None` past the largest index, where PHP drops an append).
#[derive(Debug)]
struct Node {
    map: BTreeMap<String, Slot>,
    next: Option<u64>,
}

impl Default for Node {
    fn default() -> Self {
        Node {
            map: BTreeMap::new(),
            next: Some(0),
        }
    }
}

#[derive(Debug)]
enum Slot {
    Text(String),
    Map(Node),
}

impl Node {
    /// Sets `name[path…]` to `value`: a leaf replaces what was there, a map is made where
    /// a leaf stood (PHP's last-one-wins), `[]` appends after the largest numeric key.
    fn insert(
        &mut self,
        name: &str,
        path: &[&str],
        value: String,
        budget: &mut usize,
    ) -> Result<(), WebhookError> {
        let mut node = self;
        let mut key = name.to_owned();
        for segment in path {
            node.saw(&key);
            let slot = match node.map.entry(key) {
                std::collections::btree_map::Entry::Occupied(slot) => slot.into_mut(),
                std::collections::btree_map::Entry::Vacant(slot) => {
                    spend(budget)?;
                    slot.insert(Slot::Map(Node::default()))
                }
            };
            if let Slot::Text(_) = slot {
                spend(budget)?;
                *slot = Slot::Map(Node::default());
            }
            let Slot::Map(inner) = slot else {
                return Ok(());
            };
            node = inner;
            key = if segment.is_empty() {
                // Past the largest index there is no next one: PHP drops the element too.
                let Some(next) = node.next else {
                    return Ok(());
                };
                next.to_string()
            } else {
                (*segment).to_owned()
            };
        }
        node.saw(&key);
        if !node.map.contains_key(&key) {
            spend(budget)?;
        }
        node.map.insert(key, Slot::Text(value));
        Ok(())
    }

    /// A key set in this map: a numeric one moves the next append past it.
    fn saw(&mut self, key: &str) {
        if let Ok(n) = key.parse::<u64>() {
            self.next = self.next.and_then(|next| Some(next.max(n.checked_add(1)?)));
        }
    }

    fn into_map(self) -> FormMap {
        self.map
            .into_iter()
            .map(|(key, slot)| {
                let value = match slot {
                    Slot::Text(text) => FormValue::Text(text),
                    Slot::Map(node) => FormValue::Map(node.into_map()),
                };
                (key, value)
            })
            .collect()
    }
}

/// Takes one key from the budget.
fn spend(budget: &mut usize) -> Result<(), WebhookError> {
    *budget = budget
        .checked_sub(1)
        .ok_or(WebhookError::TooComplex { limit: MAX_NODES })?;
    Ok(())
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
    fn appends_are_linear_and_keys_are_bounded() {
        // 100,000 appends to one map: one pass, not one scan of the map per append.
        let body = "t[]=x&".repeat(100_000);
        let started = std::time::Instant::now();
        let form = decode(body.as_bytes(), 100_000).unwrap();
        assert_eq!(form["t"].as_map().unwrap().len(), 100_000);
        assert_eq!(text(&form, &["t", "99999"]), Some("x"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // An append after explicit keys and after a key made a map again.
        let form = decode(b"u[5]=a&u[]=b&v=1&v[]=c&v[]=d", 100).unwrap();
        assert_eq!(text(&form, &["u", "6"]), Some("b"));
        assert_eq!(text(&form, &["v", "1"]), Some("d"));
        // Keys 64 deep, many times: refused once they would make too many maps.
        let deep = format!("x{}=1&", "[]".repeat(MAX_DEPTH));
        let body = deep.repeat(MAX_NODES / MAX_DEPTH + 1);
        assert_eq!(
            decode(body.as_bytes(), 100_000),
            Err(WebhookError::TooComplex { limit: MAX_NODES })
        );
    }

    #[test]
    fn entries_are_in_numeric_order() {
        let form = decode(b"l[10]=c&l[2]=b&l[0]=a&l[x]=d", 100).unwrap();
        let keys: Vec<&str> = form["l"].entries().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["0", "2", "10", "x"]);
    }
}
