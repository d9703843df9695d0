//! Webhooks: which URLs amoCRM posts the account's changes to, and for which events
//! (list, subscribe, unsubscribe). What amoCRM then posts is read by [`webhook`](crate::webhook).

use amocrm_raw::PhpQuery;
use amocrm_raw::types as raw;

use crate::client::Client;
use crate::error::{Invalid, Result};

pub use amocrm_raw::WebhookEvent;
pub use amocrm_raw::types::Webhook;

/// At most this many webhooks per account (amoCRM's limit).
pub const MAX_WEBHOOKS: usize = 100;

impl Client {
    /// The account's webhooks: `client.webhooks().list()`, `.subscribe(url, events)`,
    /// `.unsubscribe(url)`; every call needs an administrator.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::webhooks::WebhookEvent;
    ///
    /// let url = "https://example.com/amocrm/hooks/s3cr3t";
    /// client
    ///     .webhooks()
    ///     .subscribe(url, [WebhookEvent::AddLead, WebhookEvent::StatusLead])
    ///     .send()
    ///     .await?;
    /// for hook in client.webhooks().list().send().await? {
    ///     println!("{} {:?}", hook.destination, hook.settings);
    /// }
    /// client.webhooks().unsubscribe(url).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn webhooks(&self) -> WebhookCalls<'_> {
        WebhookCalls { client: self }
    }
}

/// The webhook calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct WebhookCalls<'c> {
    client: &'c Client,
}

impl<'c> WebhookCalls<'c> {
    /// `GET /api/v4/webhooks`: every webhook (amoCRM does not page them).
    pub fn list(&self) -> ListWebhooks<'c> {
        ListWebhooks {
            client: self.client,
            destination: None,
        }
    }

    /// `POST /api/v4/webhooks`: `destination` receives `events` (a destination already
    /// subscribed has its events replaced).
    pub fn subscribe(
        &self,
        destination: impl Into<String>,
        events: impl IntoIterator<Item = WebhookEvent>,
    ) -> Subscribe<'c> {
        Subscribe {
            client: self.client,
            destination: destination.into(),
            events: events.into_iter().collect(),
            sort: None,
        }
    }

    /// `DELETE /api/v4/webhooks`: `destination` receives nothing more.
    pub fn unsubscribe(&self, destination: impl Into<String>) -> Unsubscribe<'c> {
        Unsubscribe {
            client: self.client,
            destination: destination.into(),
        }
    }
}

/// The list call ([`WebhookCalls::list`]).
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct ListWebhooks<'c> {
    client: &'c Client,
    destination: Option<String>,
}

impl ListWebhooks<'_> {
    /// Only the webhook of this exact destination (`filter[destination]`).
    pub fn destination(mut self, url: impl Into<String>) -> Self {
        self.destination = Some(url.into());
        self
    }

    /// The webhooks, in amoCRM's order (none: an empty list).
    pub async fn send(self) -> Result<Vec<Webhook>> {
        let mut filter = PhpQuery::new();
        if let Some(url) = &self.destination {
            check_destination(url)?;
            filter.push_path("filter", &["destination"], url);
        }
        let filter = (!filter.is_empty()).then_some(&filter);
        let call = self.client.raw().list_webhooks(filter);
        match self.client.call(call).await {
            Ok(list) => Ok(list
                .embedded
                .into_option()
                .map(|e| e.webhooks)
                .unwrap_or_default()),
            // amoCRM's empty list: 204, no body.
            Err(crate::Error::UnexpectedStatus { status: 204, .. }) => Ok(Vec::new()),
            Err(other) => Err(other),
        }
    }
}

/// The subscribe call ([`WebhookCalls::subscribe`]).
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct Subscribe<'c> {
    client: &'c Client,
    destination: String,
    events: Vec<WebhookEvent>,
    sort: Option<i64>,
}

impl Subscribe<'_> {
    /// The webhook's place among the account's webhooks.
    pub fn sort(mut self, sort: i64) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Checks the destination (an absolute `https://` or `http://` URL) and the events
    /// (at least one, none blank), then subscribes.
    pub async fn send(self) -> Result<Webhook> {
        check_destination(&self.destination)?;
        let mut events: Vec<WebhookEvent> = Vec::with_capacity(self.events.len());
        for event in self.events {
            let code = event.as_str();
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(param("settings", "an event code is letters, digits and _").into());
            }
            // One code named twice is one.
            let event = WebhookEvent::from(code);
            if !events.contains(&event) {
                events.push(event);
            }
        }
        if events.is_empty() {
            return Err(param("settings", "at least one event").into());
        }
        let body = raw::WebhookSubscription {
            destination: destination(&self.destination)?,
            settings: events,
            sort: self.sort,
        };
        let call = self.client.raw().subscribe_webhook(&body);
        self.client.call(call).await
    }
}

/// The unsubscribe call ([`WebhookCalls::unsubscribe`]).
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct Unsubscribe<'c> {
    client: &'c Client,
    destination: String,
}

impl Unsubscribe<'_> {
    /// Checks the destination, then unsubscribes it (no such webhook:
    /// [`Error::NotFound`](crate::Error::NotFound); but a retry answered 404 after an
    /// attempt whose answer was lost is the unsubscribe done, see
    /// [`RetryPolicy`](crate::RetryPolicy)).
    pub async fn send(self) -> Result<()> {
        check_destination(&self.destination)?;
        let body = raw::WebhookDestination {
            destination: destination(&self.destination)?,
        };
        let call = self.client.raw().unsubscribe_webhook(&body);
        self.client.call(call).await
    }
}

fn param(param: &'static str, reason: &str) -> Invalid {
    Invalid::Param {
        param,
        reason: reason.to_owned(),
    }
}

fn destination<T: TryFrom<String>>(url: &str) -> Result<T, Invalid> {
    T::try_from(url.to_owned()).map_err(|_| param("destination", "not a URL amoCRM takes"))
}

/// A destination amoCRM can post to: an absolute `https://` or `http://` URL with a
/// host, no user info and no fragment, at most 2048 bytes.
pub(crate) fn check_destination(url: &str) -> Result<(), Invalid> {
    const WHAT: &str = "an absolute https:// or http:// URL with a host";
    if url.len() > 2048 {
        return Err(param("destination", "longer than 2048 bytes"));
    }
    let parsed = url::Url::parse(url).map_err(|_| param("destination", WHAT))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(param("destination", WHAT));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(param("destination", "a URL without user info"));
    }
    if parsed.fragment().is_some() {
        return Err(param("destination", "a URL without a fragment"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_destination;

    #[test]
    fn destinations_are_absolute_http_urls() {
        for good in [
            "https://example.com/hooks/s3cr3t",
            "http://127.0.0.1:8080/hooks?token=x",
        ] {
            assert!(check_destination(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/hooks",
            "example.com/hooks",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://example.com/#x",
            "mailto:a@example.com",
        ] {
            assert!(check_destination(bad).is_err(), "{bad}");
        }
        assert!(check_destination(&format!("https://e.com/{}", "a".repeat(2100))).is_err());
    }
}
