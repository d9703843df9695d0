//! A page read entry by entry, when it does not decode whole: one bad entry costs only
//! itself. Entries are borrowed from the body as raw JSON text, never copied.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::listed::{Listed, Paging};
use super::page::{Page, PageLinks};
use crate::decode::{body_error, missing_field, undecodable_entry};
use crate::error::{Error, Result, UndecodableEntry};

/// A list page read entry by entry: every entry that decodes is kept, and each one that
/// does not becomes an [`UndecodableEntry`] in `failed`. Fails as a whole only when the
/// page itself (`_page`, `_links`, `_embedded.<name>`, a list of entries) is not what
/// amoCRM sends.
pub(crate) fn page_per_entry<T: Listed>(body: &[u8]) -> Result<Page<T>> {
    let page = serde_json::from_slice::<EntryPage<'_, T>>(body)
        .map_err(|source| body_error(200, Bytes::copy_from_slice(body), &source))?;
    // A list amoCRM pages always says which page and where the next one is.
    let missing = |field: &str| missing_field(200, Bytes::copy_from_slice(body), field.into());
    if T::Paging::PAGED {
        if page.page.is_none() {
            return Err(missing("_page"));
        }
        if page.links.is_none() {
            return Err(missing("_links"));
        }
    }
    let entries = match page.embedded.into_option() {
        None => Vec::new(),
        Some(Embedded(Some(entries), _)) => entries,
        Some(Embedded(None, _)) => {
            let path = format!("_embedded.{}", T::EMBEDDED);
            return Err(missing(&path));
        }
    };
    // Room for a full page at most: the entries may all be undecodable (a hostile page of
    // `0,0,...` would otherwise reserve 232 bytes per two bytes of body).
    let room = entries.len().min(MAX_RESERVED);
    let mut decoded = Page {
        page: u32::try_from(page.page.unwrap_or(0)).unwrap_or(0),
        items: Vec::with_capacity(room),
        failed: Vec::new(),
        links: page.links.map(PageLinks::from).unwrap_or_default(),
    };
    for (index, entry) in entries.into_iter().enumerate() {
        match entry_of::<T>(entry.get()) {
            Ok(item) => decoded.items.push(item),
            // Each kept error costs a few hundred bytes: a hostile page of `0,0,...` must not
            // turn 2 bytes of body into that many.
            Err(_) if decoded.failed.len() == MAX_FAILED => {
                // The page is refused, and these entries did not decode: counted too.
                crate::observe::undecodable_entries(T::NOUN, MAX_FAILED + 1);
                return Err(Error::Protocol(format!(
                    "page {}: more than {MAX_FAILED} {} entries do not decode (more than a page \
                     of amoCRM holds); the page is not read further",
                    decoded.page,
                    T::NOUN
                )));
            }
            Err(mut undecodable) => {
                undecodable.page = decoded.page;
                undecodable.index = index;
                decoded.failed.push(undecodable);
            }
        }
    }
    if !decoded.failed.is_empty() {
        crate::observe::undecodable_entries(T::NOUN, decoded.failed.len());
    }
    Ok(decoded)
}

/// The most entries a page is given room for up front: amoCRM's largest page.
const MAX_RESERVED: usize = 250;

/// The most undecodable entries a page may have (amoCRM's largest page); one more fails
/// the page as a whole.
const MAX_FAILED: usize = 250;

/// The most entries a page may hold at all (forty of amoCRM's largest pages, room for a
/// list it does not page): each is kept as a reference into the body until decoded, so a
/// body of a million tiny entries is refused rather than indexed.
const MAX_ENTRIES: usize = 10_000;

/// What a list of too many entries was expected to be.
const TOO_MANY: &str = "at most 10000 entries";

/// A page with its entries kept as raw JSON text (borrowed from the body, not copied).
#[derive(Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
struct EntryPage<'a, T: Listed> {
    /// Not sent by a list amoCRM does not page (0 when it is not a usable number: the
    /// page asked for).
    #[serde(rename = "_page", default, deserialize_with = "page_number")]
    page: Option<i64>,
    /// Optional in a list amoCRM does not page.
    #[serde(rename = "_links", default)]
    links: Option<amocrm_raw::PhpObject<EntryLinks>>,
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
fn page_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
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
    deserializer.deserialize_any(Visitor).map(Some)
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
                if entries.len() == MAX_ENTRIES {
                    return Err(serde::de::Error::invalid_length(MAX_ENTRIES + 1, &TOO_MANY));
                }
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
                if entries.len() == MAX_ENTRIES {
                    return Err(serde::de::Error::invalid_length(MAX_ENTRIES + 1, &TOO_MANY));
                }
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
pub(crate) fn entry_of<T: Listed>(json: &str) -> Result<T, UndecodableEntry> {
    match serde_json::from_str::<T::Raw>(json) {
        Ok(raw) => Ok(T::from_raw(raw)),
        Err(error) => Err(undecodable_entry(T::NOUN, T::KEY, json, &error)),
    }
}
