//! One list request for every list of amoCRM: `page`/`limit` checked before anything is
//! sent, one page (`send`), every page (`pages`) or every entry (`stream`), following
//! `_links.next` from the client's own account.

use std::fmt;
use std::num::{NonZeroU32, NonZeroU64};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::Stream;

use super::entries::page_per_entry;
use super::listed::{Listed, Paged, Paging};
use super::page::Page;
use super::stream::{ListStream, items};
use crate::client::Client;
use crate::error::{Error, Invalid, Result};

/// The page and limit one list call is made with (`None`: not sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageQuery {
    pub(crate) page: Option<NonZeroU64>,
    pub(crate) limit: Option<NonZeroU64>,
}

/// A section's list call: the generated call made with `PageQuery` and the section's own
/// query `Q`, its answer made a [`Page`]. A function, not a closure: it captures nothing.
pub(crate) type FetchPage<T, Q> =
    fn(Client, PageQuery, Arc<Q>) -> BoxFuture<'static, Result<Page<T>>>;

/// A list call: `.send()` for one page, `.pages()` for every page, `.stream()` for every
/// entry. Paged lists ([`Paged`]) also take `.page(n)` and `.limit(n)`, checked before
/// anything is sent; `Q` holds a section's own filters.
///
/// ```no_run
/// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
/// use futures::TryStreamExt;
/// use amocrm::widgets::Widget;
///
/// let first = client.widgets().list().limit(250).send().await?;
/// println!("page {} has {} widgets", first.page, first.items.len());
///
/// let all: Vec<Widget> = client.widgets().list().limit(250).stream().try_collect().await?;
/// # Ok(()) }
/// ```
#[must_use = "call .send(), .pages() or .stream()"]
pub struct ListRequest<T: Listed, Q = ()> {
    client: Client,
    query: Q,
    page: Option<u32>,
    limit: Option<u32>,
    fetch: FetchPage<T, Q>,
    check: fn(&Q) -> Result<(), Invalid>,
}

impl<T: Listed, Q: Clone> Clone for ListRequest<T, Q> {
    fn clone(&self) -> Self {
        ListRequest {
            client: self.client.clone(),
            query: self.query.clone(),
            page: self.page,
            limit: self.limit,
            fetch: self.fetch,
            check: self.check,
        }
    }
}

impl<T: Listed, Q: fmt::Debug> fmt::Debug for ListRequest<T, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListRequest")
            .field("list", &T::EMBEDDED)
            .field("query", &self.query)
            .field("page", &self.page)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<T: Listed, Q> ListRequest<T, Q> {
    /// The list of `client` fetched by `fetch`, with the section's `query`.
    pub(crate) fn new(client: &Client, query: Q, fetch: FetchPage<T, Q>) -> Self {
        ListRequest {
            client: client.clone(),
            query,
            page: None,
            limit: None,
            fetch,
            check: |_| Ok(()),
        }
    }

    /// The same list, its query checked by `check` before anything is sent.
    pub(crate) fn checked_by(mut self, check: fn(&Q) -> Result<(), Invalid>) -> Self {
        self.check = check;
        self
    }

    /// The section's own query, for its filter setters.
    pub(crate) fn query_mut(&mut self) -> &mut Q {
        &mut self.query
    }
}

impl<T: Listed<Paging = Paged>, Q> ListRequest<T, Q> {
    /// The page to fetch (or to start streaming at); pages start at 1.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Entries per page, 1 to the list's largest ([`Listed::MAX_LIMIT`], 250 for most);
    /// amoCRM's default is 50.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
}

impl<T: Listed, Q: Send + Sync + 'static> ListRequest<T, Q> {
    /// Fetches one page (the first, or the one set with `page`). A page past the end
    /// (`204`) is an empty page without links.
    pub async fn send(self) -> Result<Page<T>> {
        let start = self.start()?;
        self.fetcher().fetch(start).await
    }

    /// Every page from the first (or the one set with `page`) on, following
    /// `_links.next`; ends after a page without a next link, an empty page or a `204`. A
    /// failed page is yielded once as [`Error::Page`] and ends the stream; so does a next
    /// link that names no page or goes back. A list amoCRM does not page is one page.
    pub fn pages(self) -> impl Stream<Item = Result<Page<T>>> + Send + 'static {
        let start = self.start().map_err(Error::from);
        let fetcher = self.fetcher();
        futures::stream::try_unfold(Some(start), move |state| {
            let fetcher = fetcher.clone();
            async move {
                let page = match state {
                    None => return Ok(None),
                    Some(Err(error)) => return Err(error),
                    Some(Ok(page)) => page,
                };
                let fetched = fetcher.fetch(page).await.map_err(|source| Error::Page {
                    page: page.get(),
                    source: Box::new(source),
                })?;
                if fetched.is_empty() {
                    return Ok(None);
                }
                let next = if T::Paging::PAGED {
                    next_of(&fetched, page.get())
                } else {
                    None
                };
                Ok(Some((fetched, next)))
            }
        })
    }

    /// Every entry across pages (see [`ListRequest::pages`]). An entry that cannot be
    /// decoded is one [`Error::UndecodableEntry`] item, in its place, and the stream goes
    /// on; a page that fails as a whole is one [`Error::Page`] item and ends it.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) {
    /// use futures::StreamExt;
    ///
    /// let mut widgets = client.widgets().list().limit(250).stream();
    /// while let Some(widget) = widgets.next().await {
    ///     match widget {
    ///         Ok(widget) => println!("{} {:?}", widget.code, widget.version),
    ///         // One entry that could not be read; the stream goes on.
    ///         Err(amocrm::Error::UndecodableEntry(entry)) => eprintln!("skipped: {entry}"),
    ///         Err(error) => eprintln!("stopped: {error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn stream(self) -> ListStream<T> {
        items(self.pages())
    }

    /// The first page, once `page` and `limit` are checked.
    fn start(&self) -> Result<NonZeroU32, Invalid> {
        (self.check)(&self.query)?;
        if let Some(limit) = self.limit
            && !(1..=T::MAX_LIMIT).contains(&limit)
        {
            return Err(Invalid::Limit {
                limit,
                max: T::MAX_LIMIT,
            });
        }
        NonZeroU32::new(self.page.unwrap_or(1)).ok_or(Invalid::Page)
    }

    fn fetcher(self) -> Fetcher<T, Q> {
        Fetcher {
            client: self.client,
            query: Arc::new(self.query),
            limit: self.limit.and_then(|l| NonZeroU64::new(u64::from(l))),
            fetch: self.fetch,
        }
    }
}

/// What fetches any page of one list request (its limit and query bound).
struct Fetcher<T: Listed, Q> {
    client: Client,
    query: Arc<Q>,
    limit: Option<NonZeroU64>,
    fetch: FetchPage<T, Q>,
}

impl<T: Listed, Q> Clone for Fetcher<T, Q> {
    fn clone(&self) -> Self {
        Fetcher {
            client: self.client.clone(),
            query: self.query.clone(),
            limit: self.limit,
            fetch: self.fetch,
        }
    }
}

impl<T: Listed, Q> Fetcher<T, Q> {
    /// Page `page` as the list call returns it: a `204` (a page past the end) is an empty
    /// page without links, and a page that does not decode whole is read entry by entry,
    /// so one bad entry costs only itself.
    async fn fetch(&self, page: NonZeroU32) -> Result<Page<T>> {
        let query = PageQuery {
            page: T::Paging::PAGED.then(|| NonZeroU64::from(page)),
            limit: self.limit,
        };
        let fetched = (self.fetch)(self.client.clone(), query, self.query.clone()).await;
        let mut fetched = match fetched {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::AccountUrl;
    use crate::pagination::{PageLinks, Unpaged};

    /// An entry of a list the tests make up; `LIMITED` has a smaller `MAX_LIMIT`.
    #[derive(Debug, PartialEq)]
    struct Entry(u32);

    impl Listed for Entry {
        const NOUN: &'static str = "entry";
        const EMBEDDED: &'static str = "entries";
        const KEY: &'static str = "id";
        const MAX_LIMIT: u32 = 100;
        type Paging = Paged;
        type Raw = u32;
        fn from_raw(raw: u32) -> Self {
            Entry(raw)
        }
    }

    /// The same entries from a list amoCRM sends whole.
    #[derive(Debug, PartialEq)]
    struct Whole(u32);

    impl Listed for Whole {
        const NOUN: &'static str = "entry";
        const EMBEDDED: &'static str = "entries";
        const KEY: &'static str = "id";
        type Paging = Unpaged;
        type Raw = u32;
        fn from_raw(raw: u32) -> Self {
            Whole(raw)
        }
    }

    /// A client nothing is sent to: the lists below fetch without it.
    fn client() -> Client {
        Client::builder()
            .account(AccountUrl::base_url("http://127.0.0.1:9"))
            .token("t")
            .build()
            .unwrap()
    }

    /// Page `n` (of 3) as a list answers it: its number, one entry `n * 10 + query`, a
    /// next link while there is one. An unpaged call (no page) is page 1 without `_page`.
    fn page<T>(at: PageQuery, query: u32, entry: fn(u32) -> T) -> Page<T> {
        let n = at.page.map_or(1, |page| page.get() as u32);
        let next = (n < 3).then(|| format!("https://example.amocrm.ru/api/v4/x?page={}", n + 1));
        Page {
            page: if at.page.is_some() { n } else { 0 },
            items: vec![entry(n * 10 + query)],
            failed: Vec::new(),
            links: PageLinks {
                this: None,
                next,
                prev: None,
            },
        }
    }

    #[tokio::test]
    async fn a_paged_list_checks_its_own_limit_and_follows_next_links() {
        let list = |client: &Client| {
            ListRequest::<Entry, u32>::new(client, 1, |_, at, query| {
                Box::pin(async move {
                    assert_eq!(at.limit, NonZeroU64::new(100));
                    Ok(page(at, *query, Entry))
                })
            })
        };
        let client = client();
        let mut request = list(&client).limit(100);
        *request.query_mut() = 2;
        let all: Vec<Result<Entry>> = futures::StreamExt::collect(request.stream()).await;
        let all: Vec<Entry> = all.into_iter().map(Result::unwrap).collect();
        assert_eq!(all, [Entry(12), Entry(22), Entry(32)]);
        let second = list(&client).limit(100).page(2).send().await.unwrap();
        assert_eq!((second.page, second.items), (2, vec![Entry(21)]));
        // The list's own largest limit, and page 0, are refused before anything is sent.
        let error = list(&client).limit(101).send().await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Invalid(Invalid::Limit {
                    limit: 101,
                    max: 100
                })
            ),
            "{error:?}"
        );
        let error = list(&client).page(0).send().await.unwrap_err();
        assert!(matches!(error, Error::Invalid(Invalid::Page)), "{error:?}");
    }

    #[tokio::test]
    async fn an_unpaged_list_is_one_call_without_page_or_limit() {
        let client = client();
        let list = || {
            ListRequest::<Whole>::new(&client, (), |_, at, _| {
                Box::pin(async move {
                    assert_eq!(
                        at,
                        PageQuery {
                            page: None,
                            limit: None
                        }
                    );
                    Ok(page(at, 0, Whole))
                })
            })
        };
        // Its next link (a server's mistake) is not followed: the list is one answer.
        let all: Vec<Result<Whole>> = futures::StreamExt::collect(list().stream()).await;
        let all: Vec<Whole> = all.into_iter().map(Result::unwrap).collect();
        assert_eq!(all, [Whole(10)]);
        let one = list().send().await.unwrap();
        assert_eq!((one.page, one.items), (1, vec![Whole(10)]));
    }
}
