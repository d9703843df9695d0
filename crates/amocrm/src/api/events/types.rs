//! The event types (`GET /api/v4/events/types`): every type amoCRM records, with its
//! name in a language, in one answer.

use crate::client::Client;
use crate::pagination::{ListRequest, Listed, Page, Unpaged};
use crate::query::{CrmList, CrmQuery, NotTaken, crm_list};

use super::{EventType, EventTypesLanguage};

/// The event type calls of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct EventTypeCalls<'c> {
    pub(super) client: &'c Client,
}

impl EventTypeCalls<'_> {
    /// `GET /api/v4/events/types`: every event type, in one answer.
    pub fn list(&self) -> ListRequest<EventType, CrmQuery<EventType>> {
        crm_list(self.client, |client, _, q| {
            Box::pin(async move {
                let call = client.raw().list_event_types(q.scope.language);
                let list = client.call(call).await?;
                let types = list.embedded.into_option().map(|e| e.events_types);
                Ok(Page::listed(None, list.links, types))
            })
        })
    }
}

/// The parameter of the event types.
impl ListRequest<EventType, CrmQuery<EventType>> {
    /// The language of the types' names (`language_code`; amoCRM's default is the
    /// account's).
    pub fn language(mut self, language: EventTypesLanguage) -> Self {
        self.query_mut().scope.language = Some(language);
        self
    }
}

impl Listed for EventType {
    const NOUN: &'static str = "event type";
    const EMBEDDED: &'static str = "events_types";
    const KEY: &'static str = "key";
    type Paging = Unpaged;
    type Raw = EventType;
    fn from_raw(raw: EventType) -> Self {
        raw
    }
}

impl CrmList for EventType {
    type With = NotTaken;
    type OrderBy = NotTaken;
    const FILTER: bool = false;
    const QUERY: bool = false;
}
