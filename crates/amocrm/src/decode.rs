//! Decoding of response bodies into this crate's types, exactly as the client does it after
//! a response has been read. Public only for fuzzing and tests; not part of the API.

use amocrm_raw::types as raw;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::page::{Listed, Page, UndecodableEntry};
use crate::widget::Widget;
use crate::widgets::WidgetPage;

/// A `200` body of the widget list call: the whole page at once (the fast path, as the
/// generated client decodes it) and, when that fails, entry by entry
/// ([`page_per_entry`]), as the client does.
pub fn widget_page(body: &[u8]) -> Result<WidgetPage> {
    match serde_json::from_slice::<raw::WidgetList>(body) {
        Ok(list) => Ok(WidgetPage::from(list)),
        Err(_) => page_per_entry::<Widget>(body),
    }
}

/// A widget list page read entry by entry (see [`page_per_entry`]).
pub fn widget_page_per_entry(body: &[u8]) -> Result<WidgetPage> {
    page_per_entry::<Widget>(body)
}

/// A list page read entry by entry: every entry that decodes is kept, and each one that
/// does not becomes an [`UndecodableEntry`] in `failed`. Fails as a whole only when the
/// page itself (`_page`, `_links`, `_embedded.<name>`, a list of entries) is not what
/// amoCRM sends.
pub fn page_per_entry<T: Listed>(body: &[u8]) -> Result<Page<T>> {
    let page = serde_json::from_slice::<EntryPage<'_>>(body)
        .map_err(|source| decode_error(body, source))?;
    let entries: Vec<&RawValue> = match page.embedded.into_option() {
        None => Vec::new(),
        Some(mut embedded) => match embedded.remove(T::EMBEDDED) {
            Some(list) => serde_json::from_str(list.get())
                .map_err(|source| decode_error(body, in_field(T::EMBEDDED, &source)))?,
            None => {
                return Err(decode_error(
                    body,
                    <serde_json::Error as serde::de::Error>::missing_field(T::EMBEDDED),
                ));
            }
        },
    };
    let mut decoded = Page::new(page.page, page.links, Vec::with_capacity(entries.len()));
    for (index, entry) in entries.into_iter().enumerate() {
        match entry_of::<T>(entry.get()) {
            Ok(item) => decoded.items.push(item),
            Err(mut undecodable) => {
                undecodable.page = decoded.page;
                undecodable.index = index;
                decoded.failed.push(undecodable);
            }
        }
    }
    Ok(decoded)
}

/// `_embedded.<name>` that is not a list of entries, said so.
fn in_field(field: &str, source: &serde_json::Error) -> serde_json::Error {
    <serde_json::Error as serde::de::Error>::custom(format_args!(
        "`_embedded.{field}`: {}",
        source
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
    ))
}

/// A page with its entries kept as raw JSON text (borrowed from the body, not copied).
#[derive(Deserialize)]
struct EntryPage<'a> {
    #[serde(rename = "_page")]
    page: i64,
    #[serde(rename = "_links")]
    links: amocrm_raw::PhpObject<raw::ListLinks>,
    #[serde(rename = "_embedded", borrow)]
    embedded: amocrm_raw::PhpObject<std::collections::HashMap<String, &'a RawValue>>,
}

/// One entry of the widget list: a widget, or what is wrong with it (its `page` and
/// `index` left for the caller to fill in).
pub fn widget_entry(json: &str) -> Result<Widget, UndecodableEntry> {
    entry_of::<Widget>(json)
}

/// One entry of a list: the item, or what is wrong with it (its `page` and `index` left
/// for the caller to fill in).
pub fn entry_of<T: Listed>(json: &str) -> Result<T, UndecodableEntry> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, T::Raw>(&mut deserializer) {
        Ok(raw) => Ok(T::from_raw(raw)),
        Err(error) => Err(undecodable(T::NOUN, T::KEY, json, &error)),
    }
}

/// Describes a failed entry by path and types only: serde's message quotes the value it
/// found, which may be a secret, so only its "expected" part (written by the types, not
/// taken from the body) is kept.
fn undecodable(
    noun: &'static str,
    key: &str,
    json: &str,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> UndecodableEntry {
    let entry: Option<serde_json::Value> = serde_json::from_str(json).ok();
    let code = entry
        .as_ref()
        .and_then(|e| e.get(key))
        .and_then(|c| c.as_str())
        .map(str::to_owned);
    let message = error.inner().to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message[..],
    };
    let mut segments: Vec<Segment> = error
        .path()
        .iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect();
    let expected = match missing_field(message) {
        Some(field) => {
            segments.push(Segment::Key(field.to_owned()));
            "a value".to_owned()
        }
        None => match message.rfind(", expected ") {
            Some(at) => plain_expected(&message[at + ", expected ".len()..]).to_owned(),
            None => "a valid value".to_owned(),
        },
    };
    let found = match &entry {
        Some(entry) => value_at(entry, &segments).map_or("nothing", json_type),
        // Valid JSON (the page was), but nested deeper than serde_json reads.
        None => "unknown",
    };
    UndecodableEntry {
        noun,
        page: 0,
        index: 0,
        code,
        path: path_text(&segments),
        expected,
        found,
    }
}

/// serde's names of Rust types in words: `i64` is "an integer", `struct Widget` "an
/// object"; anything else (already words, e.g. "a boolean") as it is.
fn plain_expected(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "u8" | "u16" | "u32" | "u64" | "u128" => {
            "an integer"
        }
        other if other.starts_with("struct ") => "an object",
        other => other,
    }
}

enum Segment {
    Index(usize),
    Key(String),
}

/// The field of serde's "missing field `x`" (a name from the type, not from the body).
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.strip_suffix('`')
}

fn value_at<'v>(value: &'v serde_json::Value, path: &[Segment]) -> Option<&'v serde_json::Value> {
    path.iter().try_fold(value, |value, segment| match segment {
        Segment::Index(index) => value.get(*index),
        Segment::Key(key) => value.get(key),
    })
}

fn path_text(path: &[Segment]) -> String {
    let mut text = String::new();
    for segment in path {
        match segment {
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
            Segment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
        }
    }
    text
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// A `200` body of the get or install call.
pub fn widget(body: &[u8]) -> Result<Widget> {
    serde_json::from_slice::<raw::Widget>(body)
        .map(Widget::from)
        .map_err(|source| decode_error(body, source))
}

/// The error of a response whose status the call does not treat as success (any status,
/// any body: problem+json, an HTML page, nothing, garbage).
pub fn error(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
    crate::client::error_response(status, headers, bytes::Bytes::copy_from_slice(body))
}

fn decode_error(body: &[u8], source: serde_json::Error) -> Error {
    Error::Decode {
        status: 200,
        source: crate::error::DecodeError::new(body, &source),
        body: crate::error::RawBody::new(bytes::Bytes::copy_from_slice(body)),
    }
}
