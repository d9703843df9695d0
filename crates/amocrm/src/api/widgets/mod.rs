//! Widgets: list (one page, every page or every widget), get, install (checked against
//! the widget's `settings_template` when asked) and uninstall; the [`Widget`] model and its
//! [`Settings`].

pub(crate) mod model;
mod settings;
mod template;

use amocrm_raw::types as raw;

use crate::api::path_segment;
use crate::client::Client;
use crate::error::Result;
use crate::pagination::{ListRequest, Listed, Page, Paged};

pub use amocrm_raw::Rating;
pub use model::Widget;
pub use settings::{Credentials, ExposedSettings, MASK, SettingValue, Settings};
pub use template::{SettingsField, SettingsFieldType};

impl Client {
    /// Widgets: list, get, install, uninstall.
    pub fn widgets(&self) -> WidgetCalls<'_> {
        WidgetCalls { client: self }
    }
}

/// The widget calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct WidgetCalls<'c> {
    client: &'c Client,
}

impl<'c> WidgetCalls<'c> {
    /// `GET /api/v4/widgets`: `.send()` for one page, `.pages()` for every page,
    /// `.stream()` for every widget (see [`ListRequest`]).
    pub fn list(&self) -> ListRequest<Widget> {
        ListRequest::new(self.client, (), |client, at, _| {
            Box::pin(async move {
                let list = client.call(client.raw().list_widgets(at.limit, at.page));
                Ok(Page::from(list.await?))
            })
        })
    }

    /// `GET /api/v4/widgets/{code}`: one widget (`404` is [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get<'a>(&self, code: &'a str) -> GetWidget<'a>
    where
        'c: 'a,
    {
        GetWidget {
            client: self.client,
            code,
        }
    }

    /// `POST /api/v4/widgets/{code}`: installs a widget with `settings`, as they are;
    /// [`InstallWidget::checked`] checks them against the widget's template first.
    pub fn install<'a>(&self, code: &'a str, settings: &'a Settings) -> InstallWidget<'a>
    where
        'c: 'a,
    {
        InstallWidget {
            client: self.client,
            code,
            settings,
            check: Check::None,
        }
    }

    /// `DELETE /api/v4/widgets/{code}`: uninstalls a widget (`204`).
    pub fn uninstall<'a>(&self, code: &'a str) -> UninstallWidget<'a>
    where
        'c: 'a,
    {
        UninstallWidget {
            client: self.client,
            code,
        }
    }
}

impl Listed for Widget {
    const NOUN: &'static str = "widget";
    const EMBEDDED: &'static str = "widgets";
    const KEY: &'static str = "code";
    type Paging = Paged;
    type Raw = raw::Widget;
    fn from_raw(raw: raw::Widget) -> Self {
        Widget::from(raw)
    }
}

impl From<raw::WidgetList> for Page<Widget> {
    fn from(list: raw::WidgetList) -> Self {
        let widgets = match list.embedded.into_option() {
            Some(embedded) => embedded.widgets.into_iter().map(Widget::from).collect(),
            None => Vec::new(),
        };
        Page::new(list.page, list.links, widgets)
    }
}

/// The get call, built with [`WidgetCalls::get`]; send it with `.send()`.
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct GetWidget<'a> {
    client: &'a Client,
    code: &'a str,
}

impl GetWidget<'_> {
    /// Fetches the widget.
    pub async fn send(self) -> Result<Widget> {
        let code: raw::GetWidgetWidgetCode = path_segment("widget code", self.code)?;
        let widget = self
            .client
            .call(self.client.raw().get_widget(&code))
            .await?;
        Ok(widget.into())
    }
}

/// What an install checks its settings against before it is sent.
#[derive(Clone, Debug)]
enum Check<'a> {
    None,
    /// The widget as fetched now.
    Fetched,
    /// The widget as the caller fetched it.
    Against(&'a Widget),
}

/// The install call, built with [`WidgetCalls::install`]; send it with `.send()`.
///
/// ```no_run
/// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
/// use amocrm::widgets::Settings;
///
/// let settings = Settings::new().text("login", "example").pass("password", "eXaMp1E");
/// // Fetches the widget, checks the settings against its template, then installs.
/// let installed = client.widgets().install("amo_asterisk", &settings).checked().send().await?;
/// assert!(installed.is_installed());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct InstallWidget<'a> {
    client: &'a Client,
    code: &'a str,
    settings: &'a Settings,
    check: Check<'a>,
}

impl<'a> InstallWidget<'a> {
    /// Fetches the widget first and checks the settings against its
    /// `settings_template` (required keys, value shapes, unknown keys): when they do not
    /// fit, `.send()` returns [`Invalid::Settings`](crate::error::Invalid::Settings) listing every problem and
    /// sends no install request.
    pub fn checked(mut self) -> Self {
        self.check = Check::Fetched;
        self
    }

    /// Checks the settings against the template of `widget` (fetched before) instead of
    /// fetching it again, and installs that widget (its code) when they fit.
    pub fn checked_against(mut self, widget: &'a Widget) -> Self {
        self.code = &widget.code;
        self.check = Check::Against(widget);
        self
    }

    /// Checks what was asked, then installs the widget.
    pub async fn send(self) -> Result<Widget> {
        let fetched;
        let widget = match self.check {
            Check::None => None,
            Check::Against(widget) => Some(widget),
            Check::Fetched => {
                fetched = self.client.widgets().get(self.code).send().await?;
                Some(&fetched)
            }
        };
        if let Some(widget) = widget {
            self.settings.check(&widget.settings_template)?;
        }
        let code: raw::InstallWidgetWidgetCode = path_segment("widget code", self.code)?;
        let body = self.settings.to_raw()?;
        let call = self.client.raw().install_widget(&code, &body);
        Ok(self.client.call(call).await?.into())
    }
}

/// The uninstall call, built with [`WidgetCalls::uninstall`]; send it with `.send()`.
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct UninstallWidget<'a> {
    client: &'a Client,
    code: &'a str,
}

impl UninstallWidget<'_> {
    /// Uninstalls the widget.
    pub async fn send(self) -> Result<()> {
        let code: raw::UninstallWidgetWidgetCode = path_segment("widget code", self.code)?;
        self.client
            .call(self.client.raw().uninstall_widget(&code))
            .await?;
        Ok(())
    }
}
