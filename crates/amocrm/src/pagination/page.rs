//! One pager for every HAL list of amoCRM (`_page`, `_links.next`, `_embedded.<name>`): a
//! list plugs in with a [`Listed`] impl and a function that fetches page `n`.

use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

pub use crate::error::UndecodableEntry;
use crate::error::{Error, Result};

/// An entry type of a HAL list: what it is called, where its entries are, how one reads.
pub trait Listed: Sized + Send + 'static {
    /// What one entry is called in messages, e.g. `widget`.
    const NOUN: &'static str;
    /// The key of the entries under `_embedded`, e.g. `widgets`.
    const EMBEDDED: &'static str;
    /// The field that names an entry in messages about it, e.g. `code`.
    const KEY: &'static str;
    /// The generated type of one entry.
    type Raw: DeserializeOwned;
    /// The entry as this crate shows it.
    fn from_raw(raw: Self::Raw) -> Self;
}

/// One page of a list.
///
/// An entry that cannot be decoded does not cost the page: the others are in `items`, and
/// each one that failed is in `failed`, saying which it was and why. Check `failed` (or use
/// [`Page::into_results`]) to see every entry of the page.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// Number of this page (`_page`).
    pub page: u32,
    /// The entries of this page that could be decoded, in page order.
    pub items: Vec<T>,
    /// The entries of this page that could not be decoded, in page order.
    pub failed: Vec<UndecodableEntry>,
    /// The page's HAL links.
    pub links: PageLinks,
}

/// HAL links of a list page.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct PageLinks {
    /// This page.
    pub this: Option<String>,
    /// The next page, while there is one.
    pub next: Option<String>,
    /// The previous page.
    pub prev: Option<String>,
}

impl From<amocrm_raw::PhpObject<amocrm_raw::types::ListLinks>> for PageLinks {
    fn from(links: amocrm_raw::PhpObject<amocrm_raw::types::ListLinks>) -> Self {
        match links.into_option() {
            Some(links) => PageLinks {
                this: Some(links.self_.href),
                next: links.next.map(|l| l.href),
                prev: links.prev.map(|l| l.href),
            },
            None => PageLinks::default(),
        }
    }
}

impl<T> Page<T> {
    /// A page from its parts as the generated client decoded them.
    pub(crate) fn new(
        page: i64,
        links: amocrm_raw::PhpObject<amocrm_raw::types::ListLinks>,
        items: Vec<T>,
    ) -> Self {
        Page {
            page: u32::try_from(page).unwrap_or(0),
            items,
            failed: Vec::new(),
            links: PageLinks::from(links),
        }
    }

    /// The page number `_links.next` points at, if there is a next page. Only the `page`
    /// parameter of the link is used, never its host or path: the next page is fetched
    /// from the client's own account like every request. A link without a `page`
    /// parameter means the page after this one.
    pub fn next_page(&self) -> Option<u32> {
        let next = self.links.next.as_deref()?;
        // Absolute as amoCRM sends it, or relative to this page.
        let base = url::Url::parse("https://example.invalid/api/v4/").ok()?;
        let url = base.join(next).ok()?;
        let page = url
            .query_pairs()
            .find(|(key, _)| key == "page")
            .map(|(_, value)| value.parse::<u32>().ok());
        match page {
            Some(parsed) => parsed,
            None => self.page.checked_add(1),
        }
    }

    /// Every entry of the page in page order: `Ok` for an entry,
    /// [`Error::UndecodableEntry`] for one that could not be decoded.
    pub fn into_results(self) -> impl ExactSizeIterator<Item = Result<T>> {
        PageItems {
            items: self.items.into_iter(),
            failed: self.failed.into_iter().peekable(),
            position: 0,
        }
    }

    /// Whether the page has no entry at all (decoded or not).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.failed.is_empty()
    }

    fn empty(page: u32) -> Self {
        Page {
            page,
            items: Vec::new(),
            failed: Vec::new(),
            links: PageLinks::default(),
        }
    }
}

/// The items of a page in page order: entries and undecodable entries.
struct PageItems<T> {
    items: std::vec::IntoIter<T>,
    failed: std::iter::Peekable<std::vec::IntoIter<UndecodableEntry>>,
    position: usize,
}

impl<T> Iterator for PageItems<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        let position = self.position;
        self.position += 1;
        match self.failed.next_if(|failed| failed.index == position) {
            Some(failed) => Some(Err(Error::UndecodableEntry(Box::new(failed)))),
            None => match self.items.next() {
                Some(item) => Some(Ok(item)),
                // Entries past the last item (an index the page did not have).
                None => self
                    .failed
                    .next()
                    .map(|f| Err(Error::UndecodableEntry(Box::new(f)))),
            },
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.items.len() + self.failed.len();
        (n, Some(n))
    }
}

impl<T> ExactSizeIterator for PageItems<T> {}

/// Fetches page `n` of one list (its filters already bound): the generated call, its
/// answer made a [`Page`] with [`Page::new`].
pub(crate) type FetchPage<T> =
    Arc<dyn Fn(NonZeroU32) -> BoxFuture<'static, Result<Page<T>>> + Send + Sync>;

/// Page `page` as the list call returns it: a `204` (a page past the end) is an empty
/// page without links, and a page that does not decode whole is read entry by entry, so
/// one bad entry costs only itself.
pub(crate) async fn fetch<T: Listed>(fetch: &FetchPage<T>, page: NonZeroU32) -> Result<Page<T>> {
    let mut fetched = match fetch(page).await {
        Ok(fetched) => fetched,
        Err(Error::UnexpectedStatus { status: 204, .. }) => return Ok(Page::empty(page.get())),
        // The fast path above is the usual one.
        Err(Error::Decode {
            status: 200, body, ..
        }) => page_per_entry::<T>(body.expose_raw())?,
        Err(error) => return Err(error),
    };
    if fetched.page == 0 {
        // No usable `_page`: it is the page that was asked for.
        fetched.page = page.get();
    }
    for failed in &mut fetched.failed {
        failed.page = fetched.page;
    }
    Ok(fetched)
}

/// Every page from `start` on, following `_links.next`; ends after a page without a next
/// link, an empty page or a `204`. A failed page is yielded once as [`Error::Page`] and
/// ends the stream; so does a next link that names no page or goes back.
pub(crate) fn pages<T: Listed>(
    start: Result<NonZeroU32>,
    fetcher: FetchPage<T>,
) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
    futures::stream::try_unfold(Some(start), move |state| {
        let fetcher = fetcher.clone();
        async move {
            let page = match state {
                None => return Ok(None),
                Some(Err(error)) => return Err(error),
                Some(Ok(page)) => page,
            };
            let fetched = fetch(&fetcher, page).await.map_err(|source| Error::Page {
                page: page.get(),
                source: Box::new(source),
            })?;
            if fetched.is_empty() {
                return Ok(None);
            }
            let next = next_of(&fetched, page.get());
            Ok(Some((fetched, next)))
        }
    })
}

/// Where the stream goes after `page`: nowhere, the next page, or an error naming it.
fn next_of<T>(fetched: &Page<T>, page: u32) -> Option<Result<NonZeroU32>> {
    let protocol = |at: u32, message: String| Error::Page {
        page: at,
        source: Box::new(Error::Protocol(message)),
    };
    match fetched.next_page() {
        // A next link that names no page would end the list early, silently.
        None if fetched.links.next.is_some() => Some(Err(protocol(
            page.saturating_add(1),
            // By its length only: the link is a value from the body.
            format!(
                "page {page}'s next link ({} chars) names no page",
                fetched
                    .links
                    .next
                    .as_deref()
                    .unwrap_or_default()
                    .chars()
                    .count()
            ),
        ))),
        None => None,
        Some(next) if next > page => NonZeroU32::new(next).map(Ok),
        Some(next) => Some(Err(protocol(
            next,
            format!("page {page}'s next link points back at page {next}"),
        ))),
    }
}

/// Every entry of a list across pages, as [`ListStream`].
pub(crate) fn items<T: Listed>(
    pages: impl Stream<Item = Result<Page<T>>> + Send + 'static,
) -> ListStream<T> {
    let items = pages
        .map_ok(|page| futures::stream::iter(page.into_results()))
        .try_flatten();
    ListStream {
        inner: items.boxed(),
    }
}

/// Every entry of a list, page after page. A `Stream` of `Result<T>`: an
/// [`Error::UndecodableEntry`] item stands for one entry and the stream goes on; after any
/// other `Err` it ends.
pub struct ListStream<T> {
    inner: BoxStream<'static, Result<T>>,
}

impl<T> std::fmt::Debug for ListStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListStream")
    }
}

impl<T> Stream for ListStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// A list page read entry by entry: every entry that decodes is kept, and each one that
/// does not becomes an [`UndecodableEntry`] in `failed`. Fails as a whole only when the
/// page itself (`_page`, `_links`, `_embedded.<name>`, a list of entries) is not what
/// amoCRM sends.
pub fn page_per_entry<T: Listed>(body: &[u8]) -> Result<Page<T>> {
    let page = serde_json::from_slice::<EntryPage<'_, T>>(body)
        .map_err(|source| decode_error(body, source))?;
    let entries = match page.embedded.into_option() {
        None => Vec::new(),
        Some(Embedded(Some(entries), _)) => entries,
        Some(Embedded(None, _)) => {
            return Err(decode_error(
                body,
                <serde_json::Error as serde::de::Error>::missing_field(T::EMBEDDED),
            ));
        }
    };
    // Room for a full page at most: the entries may all be undecodable (a hostile page of
    // `0,0,...` would otherwise reserve 232 bytes per two bytes of body).
    let room = entries.len().min(MAX_RESERVED);
    let mut decoded = Page {
        page: u32::try_from(page.page).unwrap_or(0),
        items: Vec::with_capacity(room),
        failed: Vec::new(),
        links: PageLinks::from(page.links),
    };
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

/// The most entries a page is given room for up front: amoCRM's largest page.
const MAX_RESERVED: usize = 250;

/// A page with its entries kept as raw JSON text (borrowed from the body, not copied).
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct EntryPage<'a, T: Listed> {
    #[serde(rename = "_page", deserialize_with = "page_number")]
    page: i64,
    #[serde(rename = "_links")]
    links: amocrm_raw::PhpObject<EntryLinks>,
    #[serde(rename = "_embedded", borrow)]
    embedded: amocrm_raw::PhpObject<Embedded<'a, T>>,
}

/// `_embedded`: the entries under `T::EMBEDDED` (`None` when the key is missing); other
/// keys are skipped.
struct Embedded<'a, T>(Option<Vec<&'a RawValue>>, std::marker::PhantomData<T>);

impl<'de: 'a, 'a, T: Listed> Deserialize<'de> for Embedded<'a, T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<'a, T>(std::marker::PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Listed> serde::de::Visitor<'de> for Visitor<'a, T> {
            type Value = Embedded<'a, T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "an object with `{}`", T::EMBEDDED)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut entries = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == T::EMBEDDED && entries.is_none() {
                        entries = Some(map.next_value::<Entries<'a>>()?.0);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(Embedded(entries, std::marker::PhantomData))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// The entries of `_embedded.<name>`.
#[derive(Deserialize)]
#[serde(transparent)]
struct Entries<'a>(#[serde(borrow, deserialize_with = "entry_list")] Vec<&'a RawValue>);

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
    this: Option<amocrm_raw::PhpObject<amocrm_raw::types::Link>>,
    #[serde(default)]
    next: Option<amocrm_raw::PhpObject<amocrm_raw::types::Link>>,
    #[serde(default)]
    prev: Option<amocrm_raw::PhpObject<amocrm_raw::types::Link>>,
}

impl From<amocrm_raw::PhpObject<EntryLinks>> for PageLinks {
    fn from(links: amocrm_raw::PhpObject<EntryLinks>) -> Self {
        let href = |link: Option<amocrm_raw::PhpObject<amocrm_raw::types::Link>>| {
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

pub(crate) fn decode_error(body: &[u8], source: serde_json::Error) -> Error {
    Error::Decode {
        status: 200,
        source: crate::error::DecodeError::new(body, &source),
        body: crate::error::RawBody::new(bytes::Bytes::copy_from_slice(body)),
    }
}
