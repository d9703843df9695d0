//! Decoding of response bodies into this crate's types, exactly as the client does it after
//! a response has been read. Public only for fuzzing and tests; not part of the API.

use amocrm_raw::types as raw;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, Result};
use crate::widget::Widget;
use crate::widgets::{PageLinks, UndecodableWidget, WidgetPage};

/// A `200` body of the list call: the whole page at once (the fast path, as the generated
/// client decodes it) and, when that fails, entry by entry
/// ([`widget_page_per_entry`]), as the client does.
pub fn widget_page(body: &[u8]) -> Result<WidgetPage> {
    match serde_json::from_slice::<raw::WidgetList>(body) {
        Ok(list) => Ok(WidgetPage::from(list)),
        Err(_) => widget_page_per_entry(body),
    }
}

/// A list page read entry by entry: every widget that decodes is kept, and each one that
/// does not becomes an [`UndecodableWidget`] in `failed`. Fails as a whole only when the
/// page itself (`_page`, `_links`, `_embedded`, a list of entries) is not what amoCRM
/// sends.
pub fn widget_page_per_entry(body: &[u8]) -> Result<WidgetPage> {
    let page = serde_json::from_slice::<EntryPage<'_>>(body)
        .map_err(|source| decode_error(body, source))?;
    let number = u32::try_from(page.page).unwrap_or(0);
    let entries = page
        .embedded
        .into_option()
        .map(|e| e.widgets)
        .unwrap_or_default();
    // Room for a full page at most: the entries may all be undecodable (a hostile page of
    // `0,0,...` would otherwise reserve 232 bytes per two bytes of body).
    let mut widgets = Vec::with_capacity(entries.len().min(crate::widgets::MAX_LIMIT as usize));
    let mut failed = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        match widget_entry(entry.get()) {
            Ok(widget) => widgets.push(widget),
            Err(mut undecodable) => {
                undecodable.page = number;
                undecodable.index = index;
                failed.push(undecodable);
            }
        }
    }
    Ok(WidgetPage {
        page: number,
        widgets,
        failed,
        links: PageLinks::from(page.links),
    })
}

/// A page with its entries kept as raw JSON text (borrowed from the body, not copied).
#[derive(Deserialize)]
struct EntryPage<'a> {
    #[serde(rename = "_page", deserialize_with = "page_number")]
    page: i64,
    #[serde(rename = "_links")]
    links: amocrm_raw::PhpObject<EntryLinks>,
    #[serde(rename = "_embedded", borrow)]
    embedded: amocrm_raw::PhpObject<Entries<'a>>,
}

/// `_page` as an integer, or as the decimal text PHP echoes from the query string.
fn page_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = i64;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a page number: an integer or its decimal text")
        }
        fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<i64, E> {
            Ok(value)
        }
        fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<i64, E> {
            // Out of range reads as no usable number (0), as a negative one does.
            Ok(i64::try_from(value).unwrap_or(0))
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<i64, E> {
            text.parse::<u64>()
                .map(|value| i64::try_from(value).unwrap_or(0))
                .map_err(|_| E::invalid_value(serde::de::Unexpected::Other("other text"), &self))
        }
    }
    deserializer.deserialize_any(Visitor)
}

/// A page's links, each one optional and each one `[]` (PHP's empty map) for none: only
/// `next` matters, and a link PHP left empty must not cost the page's widgets.
#[derive(Deserialize)]
struct EntryLinks {
    #[serde(rename = "self", default)]
    this: Option<amocrm_raw::PhpObject<raw::Link>>,
    #[serde(default)]
    next: Option<amocrm_raw::PhpObject<raw::Link>>,
    #[serde(default)]
    prev: Option<amocrm_raw::PhpObject<raw::Link>>,
}

impl From<amocrm_raw::PhpObject<EntryLinks>> for PageLinks {
    fn from(links: amocrm_raw::PhpObject<EntryLinks>) -> Self {
        let href = |link: Option<amocrm_raw::PhpObject<raw::Link>>| {
            link.and_then(amocrm_raw::PhpObject::into_option)
                .map(|link| link.href)
        };
        match links.into_option() {
            Some(links) => PageLinks {
                this: href(links.this),
                next: href(links.next),
                prev: href(links.prev),
            },
            None => PageLinks::default(),
        }
    }
}

#[derive(Deserialize)]
struct Entries<'a> {
    #[serde(borrow, deserialize_with = "entry_list")]
    widgets: Vec<&'a RawValue>,
}

/// The entries as an array, or as PHP writes an array whose keys are not `0..n` (an entry
/// filtered out): an object keyed by index, read in the order sent. PHP never writes an
/// empty array as `{}`, so an empty object is not a list.
fn entry_list<'de: 'a, 'a, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<&'a RawValue>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<&'de RawValue>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence, or a non-empty object keyed by index")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(entry) = seq.next_element()? {
                entries.push(entry);
            }
            Ok(entries)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some((_, entry)) = map.next_entry::<serde::de::IgnoredAny, &RawValue>()? {
                entries.push(entry);
            }
            if entries.is_empty() {
                return Err(serde::de::Error::invalid_length(0, &self));
            }
            Ok(entries)
        }
    }
    deserializer.deserialize_any(Visitor)
}

/// One entry of a list page: a widget, or what is wrong with it (its `page` and `index`
/// left for the caller to fill in).
pub fn widget_entry(json: &str) -> Result<Widget, UndecodableWidget> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, raw::Widget>(&mut deserializer) {
        Ok(widget) => Ok(Widget::from(widget)),
        Err(error) => Err(undecodable(json, &error)),
    }
}

/// Describes a failed entry by path and types only: serde's message quotes the value it
/// found, which may be a secret, so only its "expected" part (written by the types, not
/// taken from the body) is kept.
fn undecodable(
    json: &str,
    error: &serde_path_to_error::Error<serde_json::Error>,
) -> UndecodableWidget {
    let entry: Option<serde_json::Value> = serde_json::from_str(json).ok();
    let code = entry
        .as_ref()
        .and_then(|e| e.get("code"))
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
    UndecodableWidget {
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
