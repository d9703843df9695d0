//! The one diagnosis of a body (or a list entry) that did not decode: where (the field's
//! path), what was expected (in words written by the types) and what was found (a JSON
//! type in words), read from serde_json's error and the text, never quoting a value.
//!
//! It works from the error's position alone, so it serves every decode: a whole body the
//! generated client decoded (any type, found out after the fact), a page, one entry.

use crate::error::decode::{DecodeCategory, DecodeDetails, Found, NOTHING};

/// Tells what may be told of serde_json's `error` on `body`, in the words of
/// [`DecodeError`](crate::error::DecodeError).
pub(crate) fn diagnose(body: &[u8], error: &serde_json::Error) -> DecodeDetails {
    diagnose_as(body, error, false)
}

/// [`diagnose`] for one entry of a list, which is valid JSON (the page was): whatever
/// serde_json calls the fault (a sequence longer than the type reads is "trailing
/// characters"), it is about the entry's shape, so what was found is told too.
pub(crate) fn diagnose_entry(entry: &[u8], error: &serde_json::Error) -> DecodeDetails {
    diagnose_as(entry, error, true)
}

fn diagnose_as(body: &[u8], error: &serde_json::Error, valid_json: bool) -> DecodeDetails {
    use serde_json::error::Category;
    let category = match error.classify() {
        Category::Syntax => DecodeCategory::Syntax,
        Category::Eof | Category::Io => DecodeCategory::Eof,
        Category::Data => DecodeCategory::Data,
    };
    let (line, column) = (error.line(), error.column());
    let message = error.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = message.strip_suffix(&suffix).unwrap_or(&message);
    let offset = offset_of(body, line, column);
    let walk = Walk::to(body, offset);
    let (path, expected, found) = match category {
        // serde_json's own fixed texts ("expected `,` or `}`", "EOF while parsing a
        // string"): they name no value.
        DecodeCategory::Syntax | DecodeCategory::Eof if valid_json => {
            let at = walk.last_value().unwrap_or(offset);
            let found = found_at(body, at).or_else(|| found_at(body, offset));
            (walk.path(walk.stack.len(), false), None, found)
        }
        DecodeCategory::Syntax | DecodeCategory::Eof => (
            walk.path(walk.stack.len(), false),
            Some(message.to_owned()),
            None,
        ),
        DecodeCategory::Data => data_fault(body, offset, &walk, message),
    };
    DecodeDetails {
        category,
        path,
        expected,
        found,
        line,
        column,
    }
}

/// Path, expected and found of a value of the wrong shape (or a missing one).
fn data_fault(
    body: &[u8],
    offset: usize,
    walk: &Walk,
    message: &str,
) -> (String, Option<String>, Option<Found>) {
    let depth = walk.stack.len();
    // Field names come from the type. serde reports a missing field at the end of the
    // object that lacks it: the object is the innermost one still open.
    if let Some(field) = field_of(message, "missing field `") {
        let path = join(walk.path(depth, false), field);
        return (path, Some("a value".to_owned()), Some(NOTHING));
    }
    // A duplicate is reported once its key is read: the path ends at it already, and its
    // value follows the colon (found_at skips the whitespace around it).
    if field_of(message, "duplicate field `").is_some() {
        let colon = body
            .get(offset..)
            .and_then(|rest| rest.iter().position(|b| *b == b':'));
        let found = colon.and_then(|colon| found_at(body, offset + colon + 1));
        return (
            walk.path(depth, false),
            Some("the field once".to_owned()),
            found,
        );
    }
    let expected = expected_of(message);
    // A container the type does not take: serde reports it either before reading it (the
    // error sits at its bracket) or after reading some of it (the error sits inside it: the
    // innermost open container of that kind is the one).
    if let Some(object) = container_of(message) {
        // A wrong length (PHP's `[]` for an object) is reported once the container is
        // read, its closing bracket included: it is the value just closed.
        let closed = body[..offset]
            .iter()
            .rposition(|b| !b" \t\r\n".contains(b))
            .is_some_and(|at| matches!(body[at], b']' | b'}'));
        if let (None, true, Some(at)) = (object, closed, walk.last_value()) {
            return (walk.path(depth, false), expected, found_at(body, at));
        }
        // serde_json reports a container it peeked at at its bracket (whitespace read).
        let next = body.get(offset).filter(|b| matches!(b, b'[' | b'{'));
        if next.is_some_and(|b| object.is_none_or(|object| object == (*b == b'{'))) {
            return (walk.path(depth, true), expected, found_at(body, offset));
        }
        let open = walk
            .stack
            .iter()
            .rposition(|frame| object.is_none_or(|object| frame.object == object));
        if let Some(at) = open {
            let found = found_at(body, walk.stack[at].start);
            return (walk.path(at, false), expected, found);
        }
    }
    let found = walk.last_value().and_then(|at| found_at(body, at));
    (walk.path(depth, false), expected, found)
}

/// The name in serde's `{prefix}name` message, when it is a plain one.
fn field_of<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let name = message.strip_prefix(prefix)?.strip_suffix('`')?;
    is_plain_name(name).then_some(name)
}

/// Whether serde's message is about a container: `Some(Some(true))` an object (a map),
/// `Some(Some(false))` an array (a sequence), `Some(None)` either (a wrong length).
fn container_of(message: &str) -> Option<Option<bool>> {
    if message.starts_with("invalid type: map,") {
        Some(Some(true))
    } else if message.starts_with("invalid type: sequence,") {
        Some(Some(false))
    } else if message.starts_with("invalid length ") {
        Some(None)
    } else {
        None
    }
}

/// `path.field`, or `field` at the top.
fn join(mut path: String, field: &str) -> String {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(field);
    path
}

/// The "expected" part of serde's data error message in words, when the message is one of
/// serde's own forms, whose expected part comes from the type and never from the body.
/// Anything else (a custom message) may quote the value: `None`.
fn expected_of(message: &str) -> Option<String> {
    const TYPED: [&str; 4] = [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant `",
    ];
    if !TYPED.iter().any(|prefix| message.starts_with(prefix)) {
        return None;
    }
    // The value comes first and may itself hold ", expected ": the last one is serde's.
    let (_, expected) = message.rsplit_once(", expected ")?;
    Some(in_words(expected).to_owned())
}

/// serde's names of Rust types in words: `i64` is "an integer", `f64` "a number",
/// `struct Widget` "an object"; anything else (already words, e.g. "a boolean") as it is.
fn in_words(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" | "isize"
        | "usize" => "an integer",
        "f32" | "f64" => "a number",
        other if other.starts_with("struct ") => "an object",
        other => other,
    }
}

/// A key shown in a path: letters, digits, `_`, `-` and `.`, at most 64 bytes.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The byte offset of serde_json's (1-based) line and (0-based within the line) column:
/// just after what it read.
fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match body[start..].iter().position(|b| *b == b'\n') {
            Some(newline) => start += newline + 1,
            None => return body.len(),
        }
    }
    (start + column).min(body.len())
}

/// One open container while walking a body.
struct Frame {
    object: bool,
    /// Where the container starts (its bracket).
    start: usize,
    /// The current member's key (objects), shown or `<key>`.
    key: Option<String>,
    /// The current item's index (arrays).
    index: usize,
    /// Whether the next string of an object is a key.
    wants_key: bool,
    /// Where the current member's or item's value starts.
    value: Option<usize>,
}

/// The containers open at an offset of a body, and where the top-level value starts. A
/// plain walk over the JSON text (strings, brackets, separators), tolerant of anything
/// after a fault.
struct Walk {
    stack: Vec<Frame>,
    root: Option<usize>,
}

impl Walk {
    fn to(body: &[u8], offset: usize) -> Walk {
        let mut walk = Walk {
            stack: Vec::new(),
            root: None,
        };
        let mut i = 0;
        // `offset` is within the body (`offset_of` caps it).
        while i < offset {
            match body[i] {
                b'{' | b'[' => {
                    walk.start_value(i);
                    walk.stack.push(Frame {
                        object: body[i] == b'{',
                        start: i,
                        key: None,
                        index: 0,
                        wants_key: body[i] == b'{',
                        value: None,
                    });
                    i += 1;
                }
                b'}' | b']' => {
                    walk.stack.pop();
                    i += 1;
                }
                b',' => {
                    if let Some(frame) = walk.stack.last_mut() {
                        if frame.object {
                            frame.wants_key = true;
                        } else {
                            frame.index += 1;
                        }
                        frame.value = None;
                    }
                    i += 1;
                }
                b'"' => {
                    let begin = i;
                    i += 1;
                    while i < body.len() && body[i] != b'"' {
                        i += if body[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                    match walk.stack.last_mut() {
                        Some(frame) if frame.object && frame.wants_key => {
                            let raw = body.get(begin + 1..i.saturating_sub(1)).unwrap_or_default();
                            frame.key = Some(match std::str::from_utf8(raw) {
                                Ok(name) if is_plain_name(name) => name.to_owned(),
                                _ => "<key>".to_owned(),
                            });
                            frame.wants_key = false;
                        }
                        _ => walk.start_value(begin),
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' | b':' => i += 1,
                _ => {
                    walk.start_value(i);
                    while i < body.len() && !b" \t\r\n,:]}[{\"".contains(&body[i]) {
                        i += 1;
                    }
                }
            }
        }
        walk
    }

    fn start_value(&mut self, at: usize) {
        match self.stack.last_mut() {
            Some(frame) => frame.value = Some(at),
            None => self.root = Some(at),
        }
    }

    /// Where the last value read started: in the innermost open container, or at the top.
    fn last_value(&self) -> Option<usize> {
        match self.stack.last() {
            Some(frame) => frame.value,
            None => self.root,
        }
    }

    /// The path through the first `depth` open containers: each one's current key or
    /// index (an outer container's value is the next one, always started). The innermost
    /// one's index counts once a value started in it, or when `started` says the value at
    /// hand is one not read yet.
    fn path(&self, depth: usize, started: bool) -> String {
        let mut path = String::new();
        for (at, frame) in self.stack[..depth].iter().enumerate() {
            if frame.object {
                if let Some(key) = &frame.key {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                }
            } else if frame.value.is_some() || frame.index > 0 || (started && at + 1 == depth) {
                path.push_str(&format!("[{}]", frame.index));
            }
        }
        path
    }
}

/// The type and size of the JSON value starting at `at`, if it is a whole one.
fn found_at(body: &[u8], at: usize) -> Option<Found> {
    let mut values =
        serde_json::Deserializer::from_slice(body.get(at..)?).into_iter::<serde_json::Value>();
    let found = match values.next()?.ok()? {
        serde_json::Value::Null => Found {
            kind: "null",
            size: None,
        },
        serde_json::Value::Bool(_) => Found {
            kind: "a boolean",
            size: None,
        },
        serde_json::Value::Number(_) => Found {
            kind: "a number",
            size: None,
        },
        serde_json::Value::String(text) => Found {
            kind: "a string",
            size: Some(text.chars().count()),
        },
        serde_json::Value::Array(items) => Found {
            kind: "an array",
            size: Some(items.len()),
        },
        serde_json::Value::Object(members) => Found {
            kind: "an object",
            size: Some(members.len()),
        },
    };
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Link {
        href: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Entry {
        id: i64,
        code: String,
        #[serde(rename = "self")]
        link: Option<Link>,
        tags: Option<Vec<i64>>,
        links: Option<Vec<Link>>,
        counts: Option<std::collections::HashMap<String, i64>>,
    }

    fn entry(json: &str) -> DecodeDetails {
        let error = serde_json::from_str::<Entry>(json).unwrap_err();
        diagnose_entry(json.as_bytes(), &error)
    }

    fn kind(details: &DecodeDetails) -> Option<&'static str> {
        details.found.map(|found| found.kind)
    }

    #[test]
    fn a_wrong_type_a_missing_and_a_duplicate_field_are_named_by_path() {
        let wrong = entry(r#"{"id": "7", "code": "c"}"#);
        assert_eq!(wrong.path, "id");
        assert_eq!(wrong.expected.as_deref(), Some("an integer"));
        assert_eq!(kind(&wrong), Some("a string"));
        let missing = entry(r#"{"id": 7}"#);
        assert_eq!(
            (
                missing.path.as_str(),
                missing.expected.as_deref(),
                kind(&missing)
            ),
            ("code", Some("a value"), Some("nothing"))
        );
        let nested = entry(r#"{"id": 7, "code": "c", "self": {}}"#);
        assert_eq!(nested.path, "self.href");
        // A duplicate is reported at its key: the path names it once, and its value is
        // what was found.
        for json in [
            r#"{"id": 7, "code": "c", "code": ["x"]}"#,
            r#"{"id":7,"code":"c","code":["x"]}"#,
            r#"{"id": 7, "code": "c", "code" :	["x"]}"#,
        ] {
            let twice = entry(json);
            assert_eq!(
                (twice.path.as_str(), twice.expected.as_deref(), kind(&twice)),
                ("code", Some("the field once"), Some("an array")),
                "{json}"
            );
        }
    }

    #[test]
    fn php_s_empty_array_for_an_object_is_named_by_path_and_found_an_array() {
        for json in [
            r#"{"id": 7, "code": "c", "self": []}"#,
            r#"{"id":7,"code":"c","self":[],"tags":null}"#,
            r#"{"id":7,"code":"c","self":[ ] }"#,
        ] {
            let php = entry(json);
            assert_eq!(
                (php.path.as_str(), php.expected.as_deref(), kind(&php)),
                ("self", Some("an object"), Some("an array")),
                "{json}: {:?}",
                serde_json::from_str::<Entry>(json).unwrap_err().to_string()
            );
        }
    }

    #[test]
    fn paths_go_through_arrays_and_keys() {
        let at = |json: &str| {
            let details = entry(json);
            let found = kind(&details);
            (details.path, found)
        };
        let path = |text: &str| text.to_owned();
        // An item of an array, the first and a later one.
        assert_eq!(
            at(r#"{"id": 7, "code": "c", "tags": ["x", 2]}"#),
            (path("tags[0]"), Some("a string"))
        );
        assert_eq!(
            at(r#"{"id": 7, "code": "c", "tags": [1, 2, true]}"#),
            (path("tags[2]"), Some("a boolean"))
        );
        // An array where a number is wanted, refused at its bracket, first and later.
        assert_eq!(
            at(r#"{"id": 7, "code": "c", "tags": [[1], 2]}"#),
            (path("tags[0]"), Some("an array"))
        );
        assert_eq!(
            at(r#"{"id": 7, "code": "c", "tags": [1, [2]]}"#),
            (path("tags[1]"), Some("an array"))
        );
        // Through an array of objects, and a missing field in one of them.
        assert_eq!(
            at(r#"{"id": 7, "code": "c", "links": [{"href": "a"}, {"href": 5}]}"#),
            (path("links[1].href"), Some("a number"))
        );
        assert_eq!(
            at(r#"{"id": 7, "code": "c", "links": [{}]}"#),
            (path("links[0].href"), Some("nothing"))
        );
        // Keys from the body show only when plain (at most 64 bytes of letters, digits,
        // `_`, `-`, `.`); others are `<key>`.
        let plain = "k".repeat(64);
        for (key, shown) in [
            ("a-b_c.d", "a-b_c.d"),
            (plain.as_str(), plain.as_str()),
            (&*"k".repeat(65), "<key>"),
            ("a b", "<key>"),
            ("", "<key>"),
            ("пароль", "<key>"),
        ] {
            let json = format!(r#"{{"id": 7, "code": "c", "counts": {{"{key}": "x"}}}}"#);
            assert_eq!(
                at(&json),
                (format!("counts.{shown}"), Some("a string")),
                "{key}"
            );
        }
    }

    #[test]
    fn a_body_of_many_lines_is_read_at_the_right_line() {
        let json = "{\n  \"id\": 7,\n  \"code\": \"c\",\n  \"tags\": [\n    1,\n    \"x\"\n  ]\n}";
        let details = entry(json);
        assert_eq!(
            (details.path.as_str(), kind(&details)),
            ("tags[1]", Some("a string"))
        );
        assert_eq!(details.line, 6);
        let json = "{\n\"id\": \"7\",\n\"code\": \"c\"}";
        let details = entry(json);
        assert_eq!(
            (details.path.as_str(), kind(&details)),
            ("id", Some("a string"))
        );
    }

    #[test]
    fn a_sequence_longer_than_the_type_reads_tells_what_was_found() {
        // serde_json calls it trailing characters; in an entry it is about the shape.
        let json = r#"{"id": 7, "code": "c", "self": ["https://a", "b"]}"#;
        let long = entry(json);
        assert!(long.path.starts_with("self"), "{long:?}");
        assert!(kind(&long).is_some(), "{long:?}");
        // A whole body that is not JSON keeps serde_json's words and finds nothing.
        let error = serde_json::from_str::<Entry>(r#"{"id": 7 x"#).unwrap_err();
        let body = diagnose(br#"{"id": 7 x"#, &error);
        assert_eq!(body.category, DecodeCategory::Syntax);
        assert!(body.expected.is_some() && body.found.is_none(), "{body:?}");
    }

    #[test]
    fn a_container_refused_whole_is_found_as_one() {
        // Refused before it is read (the error sits at its bracket): the field's path.
        let json = r#"{"id": [1, 2], "code": "c"}"#;
        let early = entry(json);
        assert_eq!(
            (early.path.as_str(), kind(&early)),
            ("id", Some("an array"))
        );
        // A struct given as a map where a string is wanted.
        let json = r#"{"id": 7, "code": {"a": 1}}"#;
        let map = entry(json);
        assert_eq!((map.path.as_str(), kind(&map)), ("code", Some("an object")));
    }
}
