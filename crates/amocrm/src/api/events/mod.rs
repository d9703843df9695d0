//! Events (the account's activity feed, at most 100 a page) and the event types. Event
//! type codes are an open set ([`EventTypeCode`], with `custom_field_{ID}_value_changed`).

mod get;
mod types;

use std::fmt;

use crate::client::Client;
use crate::error::Invalid;
use crate::pagination::{ListRequest, Listed, Page, Paged};
use crate::query::{
    BAD_ID, CrmList, CrmQuery, NotTaken, crm_list, filters, is_id, open_param, word,
};

pub use amocrm_raw::EventTypeCode;
pub use amocrm_raw::types::{Event, EventType, EventTypesLanguage};
pub use get::GetEvent;
pub use types::EventTypeCalls;

/// The most entity IDs or users one events request may name.
pub const MAX_EVENT_IDS: usize = 10;

open_param! {
    /// An event's optional parts (`with`): the names of the entities it is about.
    pub enum With {
        /// `contact_name`
        ContactName = "contact_name",
        /// `lead_name`
        LeadName = "lead_name",
        /// `company_name`
        CompanyName = "company_name",
        /// `catalog_element_name`
        CatalogElementName = "catalog_element_name",
        /// `customer_name`
        CustomerName = "customer_name",
        /// `catalog_name`
        CatalogName = "catalog_name",
    }
}

/// What an event is about (`filter[entity]`: amoCRM's singular names; an open set).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventEntity {
    /// `lead`
    Lead,
    /// `contact` (chat messages found this way may be about a lead or a customer)
    Contact,
    /// `company`
    Company,
    /// `customer`
    Customer,
    /// `task`
    Task,
    /// `catalog_{ID}`: the elements of one catalog.
    Catalog(i64),
    /// A kind this crate does not know, sent as it is (letters, digits and `_`).
    Unknown(String),
}

impl fmt::Display for EventEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventEntity::Lead => f.write_str("lead"),
            EventEntity::Contact => f.write_str("contact"),
            EventEntity::Company => f.write_str("company"),
            EventEntity::Customer => f.write_str("customer"),
            EventEntity::Task => f.write_str("task"),
            EventEntity::Catalog(id) => write!(f, "catalog_{id}"),
            EventEntity::Unknown(text) => f.write_str(text),
        }
    }
}

impl Client {
    /// Events: `client.events().list()…send().await`; `client.event_types().list()`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::events::{EventEntity, EventTypeCode};
    /// use amocrm::query::Range;
    ///
    /// // Stage changes of two leads since a point in time, 100 a page.
    /// let page = client
    ///     .events()
    ///     .list()
    ///     .types([EventTypeCode::LeadStatusChanged])
    ///     .entities([EventEntity::Lead])
    ///     .entity_ids([42, 43])
    ///     .created_at(Range::since(1_700_000_000))
    ///     .limit(100)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn events(&self) -> EventCalls<'_> {
        EventCalls { client: self }
    }

    /// Event types, with their names in a language: `client.event_types().list()`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::events::EventTypesLanguage;
    ///
    /// let types = client.event_types().list().language(EventTypesLanguage::En).send().await?;
    /// for kind in &types.items {
    ///     println!("{} {:?}", kind.key, kind.lang);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn event_types(&self) -> EventTypeCalls<'_> {
        EventTypeCalls { client: self }
    }
}

/// The event calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct EventCalls<'c> {
    client: &'c Client,
}

impl EventCalls<'_> {
    /// `GET /api/v4/events`: a page (at most 100), every page or every event. amoCRM's
    /// rules on the filters are checked before sending: entity IDs need exactly one
    /// entity, at most [`MAX_EVENT_IDS`] entity IDs and users, and a
    /// `custom_field_{ID}_value_changed` type alone.
    pub fn list(&self) -> ListRequest<Event, CrmQuery<Event>> {
        let list = crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let with = q.with_arg();
                let raw = client.raw();
                let call = raw.list_events(q.filter_arg(), at.limit, at.page, with.as_deref());
                let list = client.call(call).await?;
                let events = list.embedded.into_option().map(|e| e.events);
                Ok(Page::listed(list.page, list.links, events))
            })
        });
        list.checked_by(check)
    }

    /// `GET /api/v4/events/{id}`: one event (event IDs are strings; a missing event is
    /// [`Error::NotFound`](crate::Error::NotFound), an ID that is not one path segment is refused before
    /// sending).
    pub fn get(&self, id: impl Into<String>) -> GetEvent<'_> {
        GetEvent::new(self.client, id.into())
    }
}

/// The common checks, and amoCRM's rules on the events' filters.
fn check(query: &CrmQuery<Event>) -> Result<(), Invalid> {
    query.check()?;
    let refuse = |filter: &str, reason: String| {
        let filter = filter.to_owned();
        Err(Invalid::Filter { filter, reason })
    };
    let (ids, mut entities) = (
        query.filter_values("entity_id"),
        query.filter_values("entity"),
    );
    // One entity named twice is one entity.
    entities.sort_unstable();
    entities.dedup();
    if !ids.is_empty() && entities.len() != 1 {
        let reason = format!("needs exactly one filter[entity], {} given", entities.len());
        return refuse("entity_id", reason);
    }
    for name in ["entity_id", "created_by"] {
        let count = query.filter_values(name).len();
        if count > MAX_EVENT_IDS {
            return refuse(name, format!("{count} given, amoCRM takes {MAX_EVENT_IDS}"));
        }
    }
    let types = query.filter_values("type");
    let one_field = types
        .iter()
        .any(|t| EventTypeCode::from(*t).custom_field_id().is_some());
    if one_field && types.len() > 1 {
        let reason = "a custom_field_{ID}_value_changed type must be the only one".into();
        return refuse("type", reason);
    }
    Ok(())
}

filters!(Event {
    created_at,
    created_by
});

/// The filters of events alone.
impl ListRequest<Event, CrmQuery<Event>> {
    /// Only these events (`filter[id][]`: event IDs are strings).
    pub fn ids<S: AsRef<str>>(self, ids: impl IntoIterator<Item = S>) -> Self {
        let ids: Vec<S> = ids.into_iter().collect();
        self.filter_values("id", ids.iter().map(AsRef::as_ref))
    }

    /// Only events of these types (`filter[type][]`).
    pub fn types(self, types: impl IntoIterator<Item = EventTypeCode>) -> Self {
        self.filter_values("type", types)
    }

    /// Only events about these kinds of entity (`filter[entity][]`).
    pub fn entities(self, entities: impl IntoIterator<Item = EventEntity>) -> Self {
        let entities: Vec<EventEntity> = entities.into_iter().collect();
        let catalog = |e: &EventEntity| match e {
            EventEntity::Catalog(id) => Some(*id),
            _ => None,
        };
        if let Some(bad) = entities.iter().filter_map(catalog).find(|id| !is_id(*id)) {
            return self.refuse_filter("entity", format!("catalog_{bad}: {BAD_ID}"));
        }
        let odd = |e: &&EventEntity| matches!(e, EventEntity::Unknown(text) if word("entity", text).is_err());
        match entities.iter().find(odd) {
            Some(bad) => {
                let reason = format!("{:?}: letters, digits and _ only", bad.to_string());
                self.refuse_filter("entity", reason)
            }
            None => self.filter_values("entity", entities),
        }
    }

    /// Only events about these entities (`filter[entity_id][]`, at most
    /// [`MAX_EVENT_IDS`], with exactly one entity kind).
    pub fn entity_ids(self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.filter_ids("entity_id", ids)
    }
}

impl Listed for Event {
    const NOUN: &'static str = "event";
    const EMBEDDED: &'static str = "events";
    const MAX_LIMIT: u32 = 100;
    type Paging = Paged;
    type Raw = Event;
    fn from_raw(raw: Event) -> Self {
        raw
    }
}

impl CrmList for Event {
    type With = With;
    type OrderBy = NotTaken;
    const FILTER: bool = true;
    const QUERY: bool = false;
}
