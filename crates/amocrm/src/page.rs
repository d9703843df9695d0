//! One pager for every HAL list of amoCRM (`_page`, `_links.next`, `_embedded.<name>`): a
//! list plugs in with a [`Listed`] impl and a function that fetches page `n`.

use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};
use serde::de::DeserializeOwned;

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

/// An entry of a list page that is not one this crate can read. It names the entry (its
/// key, e.g. a widget's code, when one can be read, and its index in the page) and what
/// was wrong (the field's path, the type expected and the JSON type found), never a value
/// from the body: an entry may carry secrets.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct UndecodableEntry {
    /// What the entry is, e.g. `widget`.
    pub noun: &'static str,
    /// The page it was on.
    pub page: u32,
    /// Its index in the page's `_embedded` list, from 0.
    pub index: usize,
    /// Its key (a widget's `code`), when that is a string.
    pub code: Option<String>,
    /// Path of the field that could not be read, e.g. `settings_template[0].is_required`
    /// (empty for the entry itself).
    pub path: String,
    /// What was expected there, e.g. `a boolean`.
    pub expected: String,
    /// The JSON type found there (`null`, `boolean`, `number`, `string`, `array`,
    /// `object`), `nothing` for a missing field, or `unknown` for an entry nested too
    /// deeply to inspect.
    pub found: &'static str,
}

impl std::fmt::Display for UndecodableEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} {code:?} (entry {}", self.noun, self.index)?,
            None => write!(f, "{} entry {}", self.noun, self.index)?,
        }
        write!(f, " of page {}) could not be decoded: ", self.page)?;
        if self.path.is_empty() {
            f.write_str("the entry")?;
        } else {
            write!(f, "`{}`", self.path)?;
        }
        write!(f, " is {}, expected {}", self.found, self.expected)
    }
}

impl From<UndecodableEntry> for Error {
    fn from(entry: UndecodableEntry) -> Self {
        Error::UndecodableEntry(Box::new(entry))
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
        }) => crate::decode::page_per_entry::<T>(body.expose_raw())?,
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
            format!(
                "page {page}'s next link {:?} names no page",
                fetched.links.next.as_deref().unwrap_or_default()
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
