//! Receiving amoCRM's webhooks: what amoCRM POSTs to a destination subscribed with
//! [`webhooks`](crate::webhooks).
//!
//! amoCRM posts `application/x-www-form-urlencoded` bodies with PHP bracket keys
//! (`leads[status][0][id]=25399013&…&account[subdomain]=example`), entities in the old v2
//! shape, every value a string. It signs nothing: put a secret in the destination's path
//! (`https://example.com/amocrm/hooks/{secret}`) and let [`WebhookReceiver`] compare it in
//! constant time. amoCRM waits 2 s for a 2xx and delivers again later otherwise, so answer
//! first and work after; the receiver recognises a delivery seen before through a
//! [`ReplayGuard`](crate::widget_request::ReplayGuard) (Redis in a fleet).
//!
//! ```
//! # async fn run() -> Result<(), amocrm::Error> {
//! use amocrm::webhook::{Event, Received, WebhookReceiver};
//!
//! let receiver = WebhookReceiver::new("k3iM2bT9xQ0fLw7Z")?;
//! let body = b"leads[status][0][id]=7&leads[status][0][status_id]=142\
//!     &account[id]=1231414&account[subdomain]=example";
//! let Received::New(delivery) = receiver.receive("k3iM2bT9xQ0fLw7Z", body).await? else {
//!     return Ok(()); // a duplicate: answer 200, do nothing
//! };
//! assert_eq!(delivery.account.subdomain.as_deref(), Some("example"));
//! for event in delivery.events {
//!     match event {
//!         Ok(Event::Lead { action, lead }) => println!("lead {} {action}", lead.id),
//!         Ok(_) => {}
//!         Err(malformed) => eprintln!("{malformed}"), // the others still count
//!     }
//! }
//! # Ok(()) }
//! ```

mod event;
mod form;
mod read;
mod receiver;

#[cfg(feature = "axum")]
pub mod axum;

pub use event::{
    Action, CustomField, CustomFieldValue, Event, Lead, Note, NoteParent, Party, Tag, Task,
    Unsorted,
};
pub use form::{FormMap, FormValue, MAX_DEPTH, MAX_NODES};
pub use read::MalformedEvent;
pub use receiver::{Dedupe, Received, WebhookReceiver};

use crate::error::WebhookError;

/// The account a delivery is for (`account[id]`, `account[subdomain]`,
/// `account[_links][self]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookAccount {
    /// The account's ID.
    pub id: Option<i64>,
    /// Its subdomain (`example` of `example.amocrm.ru`).
    pub subdomain: Option<String>,
    /// Its URL.
    pub url: Option<String>,
}

/// One delivery: its account and its events, each read on its own.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Delivery {
    /// The account it is for.
    pub account: WebhookAccount,
    /// Its events, in the body's order of entities, actions and entries; one that cannot
    /// be read is an `Err` and the others are still there.
    pub events: Vec<Result<Event, MalformedEvent>>,
    /// The whole body as a tree, keys this crate does not read included.
    pub form: FormMap,
}

/// At most this many form fields are read from one delivery.
pub const MAX_FIELDS: usize = 100_000;

impl Delivery {
    /// Reads a body. Fails only for a body over [`MAX_FIELDS`] fields or [`MAX_NODES`]
    /// keys; anything else is read as far as it goes.
    pub fn parse(body: &[u8]) -> Result<Delivery, WebhookError> {
        let form = form::decode(body, MAX_FIELDS)?;
        let account = form.get("account").and_then(FormValue::as_map);
        let account = account.map_or_else(WebhookAccount::default, |a| WebhookAccount {
            id: read::int(a, "id"),
            subdomain: read::text(a, "subdomain").map(str::to_owned),
            url: a
                .get("_links")
                .and_then(FormValue::as_map)
                .and_then(|l| read::text(l, "self"))
                .map(str::to_owned),
        });
        Ok(Delivery {
            account,
            events: read::events(&form),
            form,
        })
    }

    /// The events that could be read.
    pub fn valid_events(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter_map(|e| e.as_ref().ok())
    }
}
