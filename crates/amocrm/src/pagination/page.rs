//! One page of a list: its entries, the ones that could not be decoded, its links.

use crate::error::{Error, Result, UndecodableEntry};

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

    /// A page of a CRM list as the generated client decoded it: `_page` and `_links` are
    /// optional there (a missing or unusable `_page` is numbered by the request that
    /// fetched it), and PHP's `[]` for `_embedded` is no entries.
    pub(crate) fn listed(
        page: Option<i64>,
        links: Option<amocrm_raw::PhpObject<amocrm_raw::types::ListLinks>>,
        items: Option<Vec<T>>,
    ) -> Self {
        let mut listed = Page::whole(links, items.unwrap_or_default());
        listed.page = page.and_then(|page| u32::try_from(page).ok()).unwrap_or(0);
        listed
    }

    /// The one page of a list amoCRM sends whole: its entries and links, numbered by
    /// the request that fetched it.
    pub(crate) fn whole(
        links: Option<amocrm_raw::PhpObject<amocrm_raw::types::ListLinks>>,
        items: Vec<T>,
    ) -> Self {
        let links = links.map(PageLinks::from).unwrap_or_default();
        let (page, failed) = (0, Vec::new());
        Page {
            page,
            items,
            failed,
            links,
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
        self.into_items()
    }

    /// [`Page::into_results`] as its named iterator (what a [`super::ListStream`] holds).
    pub(crate) fn into_items(self) -> PageItems<T> {
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

    pub(crate) fn empty(page: u32) -> Self {
        Page {
            page,
            items: Vec::new(),
            failed: Vec::new(),
            links: PageLinks::default(),
        }
    }
}

/// The items of a page in page order: entries and undecodable entries.
pub(crate) struct PageItems<T> {
    items: std::vec::IntoIter<T>,
    failed: std::iter::Peekable<std::vec::IntoIter<UndecodableEntry>>,
    position: usize,
}

impl<T> Iterator for PageItems<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        // A page whose entries all decoded (nearly every page): nothing to interleave.
        if self.failed.len() == 0 {
            return self.items.next().map(Ok);
        }
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
