//! The widget calls: list (one page or a stream of all), get, install, uninstall.

use std::pin::Pin;
use std::task::{Context, Poll};

use amocrm_raw::types as raw;
use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::invalid::{self, Invalid};
use crate::settings::Settings;
use crate::widget::Widget;

/// The largest `limit` the list call takes.
pub const MAX_LIMIT: u32 = 250;

/// The widget calls of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct Widgets<'c> {
    client: &'c Client,
}

impl<'c> Widgets<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Widgets { client }
    }

    /// The list call: `.send()` for one page, `.stream()` for every widget.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let first = client.widgets().list().limit(250).send().await?;
    /// println!("page {} has {} widgets", first.page, first.widgets.len());
    ///
    /// let all: Vec<amocrm::Widget> = client.widgets().list().limit(250).stream().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListWidgets {
        ListWidgets {
            client: self.client.clone(),
            page: None,
            limit: None,
        }
    }

    /// One widget by its code (`404` is [`Error::NotFound`]).
    pub async fn get(&self, code: &str) -> Result<Widget> {
        invalid::identifier("widget code", code)?;
        let code = raw::GetWidgetWidgetCode::try_from(code)
            .map_err(|e| Invalid::Request(e.to_string()))?;
        let widget = self
            .client
            .call(self.client.raw().get_widget(&code))
            .await?;
        Ok(widget.into_inner().into())
    }

    /// Installs a widget with `settings`, as they are. See
    /// [`Widgets::install_checked`] to check them against the widget's template first.
    pub async fn install(&self, code: &str, settings: &Settings) -> Result<Widget> {
        invalid::identifier("widget code", code)?;
        let code = raw::InstallWidgetWidgetCode::try_from(code)
            .map_err(|e| Invalid::Request(e.to_string()))?;
        let body = settings.to_raw()?;
        let widget = self
            .client
            .call(self.client.raw().install_widget(&code, &body))
            .await?;
        Ok(widget.into_inner().into())
    }

    /// Fetches the widget, checks `settings` against its `settings_template` (required
    /// keys, value shapes, unknown keys) and installs it only when they fit; otherwise
    /// returns [`Invalid::Settings`] listing every problem, and sends no install request.
    pub async fn install_checked(&self, code: &str, settings: &Settings) -> Result<Widget> {
        let widget = self.get(code).await?;
        self.install_for(&widget, settings).await
    }

    /// Installs `widget` (fetched before) when `settings` fit its `settings_template`;
    /// otherwise returns [`Invalid::Settings`] and sends nothing.
    pub async fn install_for(&self, widget: &Widget, settings: &Settings) -> Result<Widget> {
        settings.check(&widget.settings_template)?;
        self.install(&widget.code, settings).await
    }

    /// Uninstalls a widget (`204`).
    pub async fn uninstall(&self, code: &str) -> Result<()> {
        invalid::identifier("widget code", code)?;
        let code = raw::UninstallWidgetWidgetCode::try_from(code)
            .map_err(|e| Invalid::Request(e.to_string()))?;
        self.client
            .call(self.client.raw().uninstall_widget(&code))
            .await?;
        Ok(())
    }
}

/// One page of the widget list.
///
/// A widget that cannot be decoded does not cost the page: the others are in `widgets`,
/// and each one that failed is in `failed`, saying which it was and why. Check `failed`
/// (or use [`WidgetPage::into_results`]) to see every entry of the page.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WidgetPage {
    /// Number of this page (`_page`).
    pub page: u32,
    /// The widgets of this page that could be decoded, in page order.
    pub widgets: Vec<Widget>,
    /// The entries of this page that could not be decoded, in page order.
    pub failed: Vec<UndecodableWidget>,
    /// The page's HAL links.
    pub links: PageLinks,
}

/// An entry of a list page that is not a widget this crate can read. It names the entry
/// (its code when one can be read, and its index in the page) and what was wrong (the
/// field's path, the type expected and the JSON type found), never a value from the body:
/// a widget may carry secrets in its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UndecodableWidget {
    /// The page it was on.
    pub page: u32,
    /// Its index in the page's `_embedded.widgets`, from 0.
    pub index: usize,
    /// Its `code`, when that is a string.
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

impl std::fmt::Display for UndecodableWidget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.code {
            Some(code) => write!(f, "widget {code:?} (entry {}", self.index)?,
            None => write!(f, "widget entry {}", self.index)?,
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

impl From<UndecodableWidget> for Error {
    fn from(widget: UndecodableWidget) -> Self {
        Error::UndecodableWidget(widget)
    }
}

/// The items of a page in page order: widgets and undecodable entries.
struct PageItems {
    widgets: std::vec::IntoIter<Widget>,
    failed: std::iter::Peekable<std::vec::IntoIter<UndecodableWidget>>,
    position: usize,
}

impl Iterator for PageItems {
    type Item = Result<Widget>;

    fn next(&mut self) -> Option<Self::Item> {
        let position = self.position;
        self.position += 1;
        match self.failed.next_if(|failed| failed.index == position) {
            Some(failed) => Some(Err(Error::UndecodableWidget(failed))),
            None => match self.widgets.next() {
                Some(widget) => Some(Ok(widget)),
                // Entries past the last widget (an index the page did not have).
                None => self.failed.next().map(|f| Err(Error::UndecodableWidget(f))),
            },
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.widgets.len() + self.failed.len();
        (n, Some(n))
    }
}

/// HAL links of a list page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PageLinks {
    /// This page.
    pub this: Option<String>,
    /// The next page, while there is one.
    pub next: Option<String>,
    /// The previous page.
    pub prev: Option<String>,
}

impl WidgetPage {
    /// The page number `_links.next` points at, if there is a next page. A link without
    /// a `page` parameter means the page after this one.
    pub fn next_page(&self) -> Option<u32> {
        let next = self.links.next.as_deref()?;
        // Absolute as amoCRM sends it, or relative to this page.
        let base = url::Url::parse("https://example.invalid/api/v4/widgets").ok()?;
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

    /// Every entry of the page in page order: `Ok` for a widget,
    /// [`Error::UndecodableWidget`] for an entry that could not be decoded.
    pub fn into_results(self) -> impl ExactSizeIterator<Item = Result<Widget>> {
        PageItems {
            widgets: self.widgets.into_iter(),
            failed: self.failed.into_iter().peekable(),
            position: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.widgets.is_empty() && self.failed.is_empty()
    }

    fn empty(page: u32) -> Self {
        WidgetPage {
            page,
            widgets: Vec::new(),
            failed: Vec::new(),
            links: PageLinks::default(),
        }
    }
}

impl ExactSizeIterator for PageItems {}

impl From<raw::WidgetList> for WidgetPage {
    fn from(list: raw::WidgetList) -> Self {
        let widgets = match list.embedded.into_option() {
            Some(embedded) => embedded.widgets.into_iter().map(Widget::from).collect(),
            None => Vec::new(),
        };
        WidgetPage {
            page: u32::try_from(list.page).unwrap_or(0),
            widgets,
            failed: Vec::new(),
            links: PageLinks::from(list.links),
        }
    }
}

impl From<amocrm_raw::PhpObject<raw::ListLinks>> for PageLinks {
    fn from(links: amocrm_raw::PhpObject<raw::ListLinks>) -> Self {
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

/// The list call, built with [`Widgets::list`].
#[derive(Clone, Debug)]
#[must_use = "call .send() or .stream()"]
pub struct ListWidgets {
    client: Client,
    page: Option<u32>,
    limit: Option<u32>,
}

impl ListWidgets {
    /// The page to fetch (or to start streaming at); pages start at 1.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Widgets per page, 1..=250 ([`MAX_LIMIT`]); amoCRM's default is 50.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn checked(&self) -> Result<(Option<u32>, Option<u32>), Invalid> {
        if let Some(limit) = self.limit
            && !(1..=MAX_LIMIT).contains(&limit)
        {
            return Err(Invalid::Limit {
                limit,
                max: MAX_LIMIT,
            });
        }
        if self.page == Some(0) {
            return Err(Invalid::Page);
        }
        Ok((self.page, self.limit))
    }

    /// Fetches one page. A page past the end (`204`) is an empty page without links.
    pub async fn send(self) -> Result<WidgetPage> {
        let (page, limit) = self.checked()?;
        fetch_page(&self.client, page.unwrap_or(1), limit).await
    }

    /// Every page from the first (or the one set with [`ListWidgets::page`]) on,
    /// following `_links.next`; ends after a page without a next link, an empty page or a
    /// `204`. A failed page is yielded once as [`Error::Page`] and ends the stream.
    pub fn pages(self) -> impl Stream<Item = Result<WidgetPage>> + Send + 'static {
        let start = self.checked().map_err(Error::from);
        let client = self.client;
        futures::stream::try_unfold((client, Some(start)), |(client, state)| async move {
            let (page, limit) = match state {
                None => return Ok(None),
                Some(Err(error)) => return Err(error),
                Some(Ok((page, limit))) => (page.unwrap_or(1), limit),
            };
            let fetched = fetch_page(&client, page, limit)
                .await
                .map_err(|source| Error::Page {
                    page,
                    source: Box::new(source),
                })?;
            if fetched.is_empty() {
                return Ok(None);
            }
            let next = match fetched.next_page() {
                // A next link that names no page would end the list early, silently.
                None if fetched.links.next.is_some() => Some(Err(Error::Page {
                    page: page.saturating_add(1),
                    source: Box::new(Error::Protocol(format!(
                        "page {page}'s next link {:?} names no page",
                        fetched.links.next.as_deref().unwrap_or_default()
                    ))),
                })),
                None => None,
                Some(next) if next > page => Some(Ok((Some(next), limit))),
                Some(next) => Some(Err(Error::Page {
                    page: next,
                    source: Box::new(Error::Protocol(format!(
                        "page {page}'s next link points back at page {next}"
                    ))),
                })),
            };
            Ok(Some((fetched, (client, next))))
        })
    }

    /// Every widget across pages (see [`ListWidgets::pages`]). An entry that cannot be
    /// decoded is one [`Error::UndecodableWidget`] item, in its place, and the stream goes
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
    ///         Err(amocrm::Error::UndecodableWidget(entry)) => eprintln!("skipped: {entry}"),
    ///         Err(error) => eprintln!("stopped: {error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn stream(self) -> WidgetStream {
        let items = self
            .pages()
            .map_ok(|page| futures::stream::iter(page.into_results()))
            .try_flatten();
        WidgetStream {
            inner: items.boxed(),
        }
    }
}

async fn fetch_page(client: &Client, page: u32, limit: Option<u32>) -> Result<WidgetPage> {
    let page_param = std::num::NonZeroU32::new(page).ok_or(Invalid::Page)?;
    let page_param = std::num::NonZeroU64::from(page_param);
    let limit_param = limit.and_then(|l| std::num::NonZeroU64::new(u64::from(l)));
    let result = client
        .call(client.raw().list_widgets(limit_param, Some(page_param)))
        .await;
    match result {
        Ok(list) => {
            let mut fetched = WidgetPage::from(list.into_inner());
            if fetched.page == 0 {
                // No usable `_page`: it is the page that was asked for.
                fetched.page = page;
            }
            Ok(fetched)
        }
        Err(Error::UnexpectedStatus { status: 204, .. }) => Ok(WidgetPage::empty(page)),
        // The whole page did not decode: read it entry by entry, so one bad widget costs
        // only itself. The fast path above is the usual one.
        Err(Error::Decode {
            status: 200, body, ..
        }) => {
            let mut fetched = crate::decode::widget_page_per_entry(body.expose_raw())?;
            if fetched.page == 0 {
                fetched.page = page;
            }
            for failed in &mut fetched.failed {
                failed.page = fetched.page;
            }
            Ok(fetched)
        }
        Err(error) => Err(error),
    }
}

/// Every widget of the account, page after page. A `Stream` of `Result<Widget>`: an
/// [`Error::UndecodableWidget`] item stands for one entry and the stream goes on; after
/// any other `Err` it ends.
pub struct WidgetStream {
    inner: BoxStream<'static, Result<Widget>>,
}

impl std::fmt::Debug for WidgetStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WidgetStream")
    }
}

impl Stream for WidgetStream {
    type Item = Result<Widget>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}
