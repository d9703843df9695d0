//! A query string read the way PHP reads it (amoCRM's backend is PHP): bracket keys build
//! a tree. `filter[id][]=1&filter[id][]=2` and `filter[id][0]=1&filter[id][1]=2` are both
//! the list `[1, 2]`; `filter[updated_at][from]=…` a map; `filter[statuses][0][pipeline_id]`
//! a list of maps. Brackets may be percent-encoded (`%5B`, `%5D`).
//!
//! Written here rather than taken from `serde_qs`: the fake needs the untyped tree (to
//! name the bad key in a 400, to ignore unknown keys, to take a value or a list in the same
//! place) with PHP's exact rules for mixed `[]`/indexed keys, a later key replacing an
//! earlier one and unmatched brackets; `serde_qs` deserializes into typed structs and
//! differs from PHP on those. `url::form_urlencoded` does the decoding.

/// A value of a PHP query: a string, or an array (PHP's ordered map; a list is a map with
/// keys `0`, `1`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Php {
    Str(String),
    Map(Vec<(String, Php)>),
}

/// How deep PHP nests brackets (`max_input_nesting_level`); deeper keys are dropped.
const MAX_DEPTH: usize = 64;

impl Php {
    /// The entry `key` of a map; `None` for a string or a missing key.
    pub fn get(&self, key: &str) -> Option<&Php> {
        match self {
            Php::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Php::Str(_) => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Php::Str(s) => Some(s),
            Php::Map(_) => None,
        }
    }

    /// One value or several: a string is one, an array its entries' strings in order;
    /// `None` when an entry is itself an array.
    pub fn strings(&self) -> Option<Vec<&str>> {
        match self {
            Php::Str(s) => Some(vec![s.as_str()]),
            Php::Map(entries) => entries.iter().map(|(_, v)| v.as_str()).collect(),
        }
    }
}

/// The whole query as PHP's `$_GET`: its top-level names in order of first appearance.
pub(crate) fn parse(query: &str) -> Php {
    let mut root = Php::Map(Vec::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if let Some(path) = key_path(&key) {
            insert(&mut root, &path, value.into_owned(), 0);
        }
    }
    root
}

/// A key's path: its name, then each bracket's index (`None` for `[]`). PHP trims leading
/// spaces, turns ` ` and `.` in the name into `_`, and a `[` without its `]` into `_`
/// (the rest of the key is then part of the name); anything after the last `]` that does
/// not open another bracket is dropped. An empty name is no variable.
fn key_path(key: &str) -> Option<Vec<Option<String>>> {
    let key = key.trim_start_matches(' ');
    let (name, mut rest) = match key.find('[') {
        Some(open) if key[open..].contains(']') => (&key[..open], &key[open..]),
        _ => (key, ""),
    };
    let mut opened = false;
    let name: String = name
        .chars()
        .map(|c| match c {
            ' ' | '.' => '_',
            '[' if !opened => {
                opened = true;
                '_'
            }
            c => c,
        })
        .collect();
    if name.is_empty() {
        return None;
    }
    let mut path = vec![Some(name)];
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            break;
        };
        let index = &inner[..close];
        path.push((!index.is_empty()).then(|| index.to_owned()));
        rest = &inner[close + 1..];
    }
    Some(path)
}

/// Sets `value` at `path` under `node` (an array), creating arrays on the way and
/// replacing a string that stood where an array is needed. `None` appends with the next
/// integer key, as PHP does.
fn insert(node: &mut Php, path: &[Option<String>], value: String, depth: usize) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if depth > MAX_DEPTH {
        return;
    }
    if let Php::Str(_) = node {
        *node = Php::Map(Vec::new());
    }
    let Php::Map(entries) = node else {
        return;
    };
    let key = first
        .clone()
        .unwrap_or_else(|| next_index(entries).to_string());
    let at = match entries.iter().position(|(k, _)| *k == key) {
        Some(at) => at,
        None => {
            entries.push((key, Php::Map(Vec::new())));
            entries.len() - 1
        }
    };
    let slot = &mut entries[at].1;
    if rest.is_empty() {
        *slot = Php::Str(value);
    } else {
        insert(slot, rest, value, depth + 1);
    }
}

/// One more than the largest integer key, 0 when there is none (PHP's next free element).
fn next_index(entries: &[(String, Php)]) -> i64 {
    entries
        .iter()
        .filter_map(|(k, _)| int_key(k))
        .max()
        .map_or(0, |max| max.saturating_add(1))
}

/// A key PHP stores as an integer: a canonical decimal (`0`, `12`, `-3`; not `012`, `-0`,
/// `+1`).
fn int_key(key: &str) -> Option<i64> {
    let digits = key.strip_prefix('-').unwrap_or(key);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" && digits.len() == key.len() || !digits.starts_with('0'));
    canonical.then(|| key.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Php {
        Php::Str(v.to_owned())
    }

    fn map(entries: &[(&str, Php)]) -> Php {
        Php::Map(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn lists_appended_and_indexed_are_the_same() {
        let appended = parse("filter[id][]=1&filter[id][]=2");
        let indexed = parse("filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2");
        let expected = map(&[(
            "filter",
            map(&[("id", map(&[("0", s("1")), ("1", s("2"))]))]),
        )]);
        assert_eq!(appended, expected);
        assert_eq!(indexed, expected);
        let ids = appended.get("filter").and_then(|f| f.get("id"));
        assert_eq!(ids.and_then(Php::strings), Some(vec!["1", "2"]));
    }

    #[test]
    fn ranges_pairs_and_orders() {
        let q = parse(
            "filter[updated_at][from]=5&filter[updated_at][to]=9\
             &filter[statuses][0][pipeline_id]=7&filter[statuses][0][status_id]=142\
             &order[updated_at]=asc&page=2",
        );
        let filter = q.get("filter").unwrap();
        let range = filter.get("updated_at").unwrap();
        assert_eq!(range.get("from").and_then(Php::as_str), Some("5"));
        assert_eq!(range.get("to").and_then(Php::as_str), Some("9"));
        let pair = filter.get("statuses").and_then(|s| s.get("0")).unwrap();
        assert_eq!(pair.get("status_id").and_then(Php::as_str), Some("142"));
        assert_eq!(
            q.get("order").and_then(|o| o.get("updated_at")),
            Some(&s("asc"))
        );
        assert_eq!(q.get("page"), Some(&s("2")));
        // A range is not a list of strings.
        assert_eq!(filter.strings(), None);
    }

    #[test]
    fn php_rules_for_names_and_brackets() {
        // The last value wins; a string is replaced by an array and back.
        assert_eq!(parse("a=1&a=2"), map(&[("a", s("2"))]));
        assert_eq!(parse("a=1&a[]=2"), map(&[("a", map(&[("0", s("2"))]))]));
        assert_eq!(parse("a[]=1&a=2"), map(&[("a", s("2"))]));
        // Appending continues after the largest integer key, not after the count.
        let q = parse("a[5]=x&a[]=y&a[k]=z&a[]=w");
        let keys: Vec<&str> = match q.get("a") {
            Some(Php::Map(e)) => e.iter().map(|(k, _)| k.as_str()).collect(),
            _ => Vec::new(),
        };
        assert_eq!(keys, ["5", "6", "k", "7"]);
        assert_eq!(
            parse("a[-3]=x&a[]=y").get("a").and_then(|a| a.get("0")),
            None
        );
        assert_eq!(
            parse("a[-3]=x&a[]=y").get("a").and_then(|a| a.get("-2")),
            Some(&s("y"))
        );
        assert_eq!(
            parse("a[07]=x&a[]=y").get("a").and_then(|a| a.get("0")),
            Some(&s("y"))
        );
        // Spaces and dots in the name, an unclosed bracket, text after the brackets.
        assert_eq!(parse("a.b c=1"), map(&[("a_b_c", s("1"))]));
        assert_eq!(parse("a[b=1"), map(&[("a_b", s("1"))]));
        assert_eq!(parse("a[b[c=1"), map(&[("a_b[c", s("1"))]));
        assert_eq!(parse("a[b]x[c]=1"), map(&[("a", map(&[("b", s("1"))]))]));
        assert_eq!(parse("a[b][c=1"), map(&[("a", map(&[("b", s("1"))]))]));
        assert_eq!(parse("  x=1"), map(&[("x", s("1"))]));
        // No name, no variable; `+` and escapes decoded.
        assert_eq!(parse("[a]=1&=2"), map(&[]));
        assert_eq!(parse("q=a+b%2Bc"), map(&[("q", s("a b+c"))]));
        assert_eq!(parse(""), map(&[]));
    }

    #[test]
    fn integer_keys_are_canonical_decimals() {
        assert_eq!(int_key("0"), Some(0));
        assert_eq!(int_key("12"), Some(12));
        assert_eq!(int_key("-3"), Some(-3));
        for not in ["", "-", "-0", "012", "+1", "1a", "99999999999999999999"] {
            assert_eq!(int_key(not), None, "{not}");
        }
        assert_eq!(next_index(&[]), 0);
        assert_eq!(next_index(&[("k".into(), s("1"))]), 0);
    }

    #[test]
    fn nesting_stops_at_php_depth() {
        // The value at the end of `a[x][x]…`, if it was stored.
        fn leaf(query: &Php) -> Option<Php> {
            let mut node = query.get("a")?;
            while let Some(next) = node.get("x") {
                node = next;
            }
            node.as_str().map(|s| Php::Str(s.to_owned()))
        }
        let deepest = format!("a{}=1", "[x]".repeat(MAX_DEPTH));
        assert_eq!(leaf(&parse(&deepest)), Some(s("1")));
        let too_deep = format!("a{}=1", "[x]".repeat(MAX_DEPTH + 1));
        assert_eq!(leaf(&parse(&too_deep)), None);
    }
}
