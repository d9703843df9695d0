//! The terms of a list request, read from its PHP query tree: one value or several, a
//! `from`/`to` range, `order[field]=asc|desc`, `with`, `query`. Each bad term is a
//! validation error naming its bracket path; a term the request does not use is ignored,
//! as amoCRM ignores it.

use crate::model::crm::query::Php;
use crate::model::crm::table::SortKey;
use crate::model::problem::FieldError;

/// The errors found in one request.
pub(crate) type Errors = Vec<FieldError>;

/// `filter[...]`: the filter tree, or `None` when the request has none; a `filter` that is
/// a plain string is an error.
pub(crate) fn filter<'a>(query: &'a Php, errors: &mut Errors) -> Option<&'a Php> {
    match query.get("filter") {
        Some(Php::Str(_)) => {
            errors.push(FieldError::new(
                "InvalidType",
                "filter",
                "The filter must be an array of bracket keys.",
            ));
            None
        }
        other => other,
    }
}

fn invalid(path: &str, what: &str) -> FieldError {
    FieldError::new("InvalidType", path, format!("This value should be {what}."))
}

/// An integer as PHP reads one from a query: optional sign, digits.
pub(crate) fn int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// One integer or several (`filter[id]=1`, `filter[id][]=1&filter[id][]=2`); `commas`
/// also splits `1,2` (the events' form). `None` when absent; an error when a value is not
/// an integer or the list is empty.
pub(crate) fn ints(
    node: Option<&Php>,
    path: &str,
    commas: bool,
    errors: &mut Errors,
) -> Option<Vec<i64>> {
    let texts = strings(node, path, commas, errors)?;
    let ids: Option<Vec<i64>> = texts.iter().map(|t| int(t.trim())).collect();
    match ids {
        Some(ids) => Some(ids),
        None => {
            errors.push(invalid(path, "an integer or a list of integers"));
            None
        }
    }
}

/// One string or several; `commas` also splits `a,b`. An error for an empty list or a
/// nested array.
pub(crate) fn strings(
    node: Option<&Php>,
    path: &str,
    commas: bool,
    errors: &mut Errors,
) -> Option<Vec<String>> {
    let node = node?;
    let Some(texts) = node.strings().filter(|t| !t.is_empty()) else {
        errors.push(invalid(path, "a value or a list of values"));
        return None;
    };
    Some(if commas {
        texts
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::to_owned)
            .collect()
    } else {
        texts.into_iter().map(str::to_owned).collect()
    })
}

/// A range of Unix seconds (or amounts): `[from]` and/or `[to]`, both bounds included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Range {
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl Range {
    /// Whether `value` is in the range; a missing value is in no range.
    pub fn contains(self, value: Option<i64>) -> bool {
        value.is_some_and(|v| self.from.is_none_or(|f| v >= f) && self.to.is_none_or(|t| v <= t))
    }

    /// Whether a number is in the range.
    pub fn holds(self, value: f64) -> bool {
        self.from.is_none_or(|f| value >= f as f64) && self.to.is_none_or(|t| value <= t as f64)
    }
}

/// `[from]`/`[to]` (either may be left out, not both), or one number, read as `from`
/// (the documented "changed after" of tasks, notes and events).
pub(crate) fn range(node: Option<&Php>, path: &str, errors: &mut Errors) -> Option<Range> {
    let node = node?;
    if let Some(text) = node.as_str() {
        return match int(text) {
            Some(from) => Some(Range {
                from: Some(from),
                to: None,
            }),
            None => {
                errors.push(invalid(path, "a Unix time or a range [from]/[to]"));
                None
            }
        };
    }
    let mut bound = |key: &str| -> Result<Option<i64>, ()> {
        match node.get(key) {
            None => Ok(None),
            Some(value) => match value.as_str().and_then(int) {
                Some(v) => Ok(Some(v)),
                None => {
                    errors.push(invalid(&format!("{path}[{key}]"), "an integer"));
                    Err(())
                }
            },
        }
    };
    let (from, to) = (bound("from"), bound("to"));
    match (from, to) {
        (Ok(None), Ok(None)) => {
            errors.push(invalid(path, "a range with [from] and/or [to]"));
            None
        }
        (Ok(from), Ok(to)) => Some(Range { from, to }),
        _ => None,
    }
}

/// `order[field]=asc|desc`: the first field of `allowed` (`(name, key)`) the request
/// orders by and whether it is descending; unknown fields are ignored, a known one with
/// another direction (or an `order` that is a plain string) is an error.
pub(crate) fn order(
    query: &Php,
    allowed: &[(&str, SortKey)],
    errors: &mut Errors,
) -> Option<(SortKey, bool)> {
    let entries = match query.get("order")? {
        Php::Str(_) => {
            errors.push(FieldError::new(
                "InvalidType",
                "order",
                "The order must be order[field]=asc|desc.",
            ));
            return None;
        }
        Php::Map(entries) => entries,
    };
    for (field, direction) in entries {
        let Some(&(_, key)) = allowed.iter().find(|(name, _)| name == field) else {
            continue;
        };
        let desc = match direction.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("asc") => false,
            Some("desc") => true,
            _ => {
                errors.push(FieldError::new(
                    "NotSupportedChoice",
                    format!("order[{field}]"),
                    "This value should be asc or desc.",
                ));
                return None;
            }
        };
        return Some((key, desc));
    }
    None
}

/// The parts `with` asks for (`with=a,b`), trimmed; unknown ones are the caller's to ignore.
pub(crate) fn with(query: &Php) -> Vec<String> {
    query
        .get("with")
        .and_then(Php::strings)
        .unwrap_or_default()
        .iter()
        .flat_map(|w| w.split(','))
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

/// A full-text search (`query`): case-insensitive text, and the digits of a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needle {
    text: String,
    digits: Option<String>,
}

impl Needle {
    /// `query` of the request; `None` when absent or blank.
    pub fn parse(query: &Php) -> Option<Needle> {
        let raw = query.get("query")?.as_str()?.trim();
        if raw.is_empty() {
            return None;
        }
        let phone_like = raw
            .bytes()
            .all(|b| b.is_ascii_digit() || b" +-()".contains(&b));
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        Some(Needle {
            text: raw.to_lowercase(),
            digits: (phone_like && digits.len() >= 5).then_some(digits),
        })
    }

    /// Whether `haystack` contains the text, or (a phone) its digits.
    pub fn found_in(&self, haystack: &str) -> bool {
        if let Some(digits) = &self.digits {
            let hay: String = haystack.chars().filter(char::is_ascii_digit).collect();
            if hay.contains(digits.as_str()) {
                return true;
            }
        }
        haystack.to_lowercase().contains(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::crm::query::parse;

    fn paths(errors: &Errors) -> Vec<&str> {
        errors.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn one_or_several_integers() {
        let q = parse(
            "filter[id][]=1&filter[id][]=2&filter[one]=7&filter[events]=3,4&filter[bad][]=x&filter[empty]=",
        );
        let f = q.get("filter");
        let mut errors = Errors::new();
        let get = |k| f.and_then(|f| f.get(k));
        assert_eq!(
            ints(get("id"), "filter[id]", false, &mut errors),
            Some(vec![1, 2])
        );
        assert_eq!(
            ints(get("one"), "filter[one]", false, &mut errors),
            Some(vec![7])
        );
        assert_eq!(
            ints(get("events"), "filter[events]", true, &mut errors),
            Some(vec![3, 4])
        );
        assert!(errors.is_empty());
        assert_eq!(
            ints(get("events"), "filter[events]", false, &mut errors),
            None
        );
        assert_eq!(ints(get("bad"), "filter[bad]", false, &mut errors), None);
        assert_eq!(
            ints(get("empty"), "filter[empty]", false, &mut errors),
            None
        );
        assert_eq!(
            ints(get("absent"), "filter[absent]", false, &mut errors),
            None
        );
        assert_eq!(
            paths(&errors),
            ["filter[events]", "filter[bad]", "filter[empty]"]
        );
        let nested = parse("f[a][0][b]=1&f[c][]=");
        assert_eq!(
            strings(
                nested.get("f").and_then(|f| f.get("a")),
                "a",
                false,
                &mut errors
            ),
            None
        );
        assert_eq!(
            strings(
                nested.get("f").and_then(|f| f.get("c")),
                "c",
                false,
                &mut errors
            ),
            Some(vec![String::new()])
        );
        assert_eq!(int("-5"), Some(-5));
        assert_eq!(int("5 "), None);
        assert_eq!(int("-"), None);
        assert_eq!(int("+5"), None);
    }

    #[test]
    fn ranges() {
        let q =
            parse("a[from]=5&a[to]=9&b[from]=5&c[to]=9&d=7&e[from]=x&g[other]=1&h[from]=1&h[to]=y");
        let mut errors = Errors::new();
        let r = |k: &str, errors: &mut Errors| range(q.get(k), k, errors);
        assert_eq!(
            r("a", &mut errors),
            Some(Range {
                from: Some(5),
                to: Some(9)
            })
        );
        assert_eq!(
            r("b", &mut errors),
            Some(Range {
                from: Some(5),
                to: None
            })
        );
        assert_eq!(
            r("c", &mut errors),
            Some(Range {
                from: None,
                to: Some(9)
            })
        );
        assert_eq!(
            r("d", &mut errors),
            Some(Range {
                from: Some(7),
                to: None
            })
        );
        assert!(errors.is_empty());
        assert_eq!(r("e", &mut errors), None);
        assert_eq!(r("g", &mut errors), None);
        assert_eq!(r("h", &mut errors), None);
        assert_eq!(r("z", &mut errors), None);
        assert_eq!(paths(&errors), ["e[from]", "g", "h[to]"]);
        let range = Range {
            from: Some(5),
            to: Some(9),
        };
        assert!(range.contains(Some(5)) && range.contains(Some(9)) && range.contains(Some(7)));
        assert!(!range.contains(Some(4)) && !range.contains(Some(10)) && !range.contains(None));
        assert!(range.holds(5.0) && range.holds(9.0) && !range.holds(9.5) && !range.holds(4.9));
        assert!(Range::default().contains(Some(-1)));
    }

    #[test]
    fn orders_and_with() {
        let allowed = [("id", SortKey::Id), ("updated_at", SortKey::UpdatedAt)];
        let mut errors = Errors::new();
        let o = |q: &str, errors: &mut Errors| order(&parse(q), &allowed, errors);
        assert_eq!(
            o("order[updated_at]=asc", &mut errors),
            Some((SortKey::UpdatedAt, false))
        );
        assert_eq!(o("order[id]=DESC", &mut errors), Some((SortKey::Id, true)));
        assert_eq!(
            o("order[name]=asc&order[id]=desc", &mut errors),
            Some((SortKey::Id, true))
        );
        assert_eq!(o("order[name]=asc", &mut errors), None);
        assert_eq!(o("", &mut errors), None);
        assert!(errors.is_empty());
        assert_eq!(o("order[id]=up", &mut errors), None);
        assert_eq!(o("order=id", &mut errors), None);
        assert_eq!(paths(&errors), ["order[id]", "order"]);
        assert_eq!(
            with(&parse("with=contacts,%20loss_reason,,")),
            ["contacts", "loss_reason"]
        );
        assert!(with(&parse("")).is_empty());
        let mut errors = Errors::new();
        assert!(filter(&parse("filter=1"), &mut errors).is_none());
        assert_eq!(paths(&errors), ["filter"]);
        assert!(filter(&parse("filter[id]=1"), &mut errors).is_some());
    }

    #[test]
    fn needles() {
        let phone = Needle::parse(&parse("query=%2B7%20(916)%20123")).unwrap();
        assert!(phone.found_in("+79161234567"));
        assert!(!phone.found_in("+79171234567"));
        let text = Needle::parse(&parse("query=ИВАН")).unwrap();
        assert!(text.found_in("Иван Петров"));
        assert!(!text.found_in("Пётр"));
        let short = Needle::parse(&parse("query=123")).unwrap();
        assert!(short.found_in("a123") && !short.found_in("1-2-3"));
        assert!(Needle::parse(&parse("query=%20")).is_none());
        assert!(Needle::parse(&parse("x=1")).is_none());
    }
}
