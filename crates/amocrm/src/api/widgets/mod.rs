//! The widget calls: list (one page or a stream of all), get, install, uninstall.

use std::num::NonZeroU32;
use std::sync::Arc;

use amocrm_raw::types as raw;
use futures::stream::Stream;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::invalid::{self, Invalid};
use crate::page::{self, FetchPage, ListStream, Listed, Page, UndecodableEntry};
use crate::settings::Settings;
use crate::widget::Widget;

/// The largest `limit` the list call takes.
pub const MAX_LIMIT: u32 = 250;

impl Client {
    /// Widgets: list, get, install, uninstall.
    pub fn widgets(&self) -> Widgets<'_> {
        Widgets::new(self)
    }
}

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
    /// println!("page {} has {} widgets", first.page, first.items.len());
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
pub type WidgetPage = Page<Widget>;

/// An entry of the widget list that could not be decoded.
pub type UndecodableWidget = UndecodableEntry;

/// Every widget of the account, page after page (see [`ListStream`]).
pub type WidgetStream = ListStream<Widget>;

impl Listed for Widget {
    const NOUN: &'static str = "widget";
    const EMBEDDED: &'static str = "widgets";
    const KEY: &'static str = "code";
    type Raw = raw::Widget;
    fn from_raw(raw: raw::Widget) -> Self {
        Widget::from(raw)
    }
}

impl From<raw::WidgetList> for WidgetPage {
    fn from(list: raw::WidgetList) -> Self {
        let widgets = match list.embedded.into_option() {
            Some(embedded) => embedded.widgets.into_iter().map(Widget::from).collect(),
            None => Vec::new(),
        };
        Page::new(list.page, list.links, widgets)
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

    fn fetcher(&self) -> FetchPage<Widget> {
        let client = self.client.clone();
        let limit = self
            .limit
            .and_then(|l| std::num::NonZeroU64::new(u64::from(l)));
        Arc::new(move |page| {
            let client = client.clone();
            Box::pin(async move {
                let page = Some(std::num::NonZeroU64::from(page));
                let list = client.call(client.raw().list_widgets(limit, page)).await?;
                Ok(WidgetPage::from(list.into_inner()))
            })
        })
    }

    /// Fetches one page. A page past the end (`204`) is an empty page without links.
    pub async fn send(self) -> Result<WidgetPage> {
        let start = self.start()?;
        page::fetch(&self.fetcher(), start).await
    }

    fn start(&self) -> Result<NonZeroU32, Invalid> {
        let (page, _) = self.checked()?;
        NonZeroU32::new(page.unwrap_or(1)).ok_or(Invalid::Page)
    }

    /// Every page from the first (or the one set with [`ListWidgets::page`]) on,
    /// following `_links.next`; ends after a page without a next link, an empty page or a
    /// `204`. A failed page is yielded once as [`Error::Page`] and ends the stream.
    pub fn pages(self) -> impl Stream<Item = Result<WidgetPage>> + Send + 'static {
        page::pages(self.start().map_err(Error::from), self.fetcher())
    }

    /// Every widget across pages (see [`ListWidgets::pages`]). An entry that cannot be
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
    pub fn stream(self) -> WidgetStream {
        page::items(self.pages())
    }
}
