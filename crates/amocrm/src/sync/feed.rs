//! The events feed from a point in time: the request (`types`, `with`, `limit`,
//! `settle`) and the stream with its cursor.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use amocrm_raw::PhpQuery;
use amocrm_raw::types::{Event, EventList};
use futures::stream::{FusedStream, Stream};

use super::answer::{Ask, Shape, read};
use super::changes::{DEFAULT_SETTLE, check_limit, with_parts};
use super::cursor::EventCursor;
use super::entity::query;
use super::events::EventsPlan;
use super::stream::Follow;
use crate::client::Client;
use crate::error::Invalid;

/// The largest page of the events list.
const MAX_LIMIT: u32 = 100;

/// An events feed to start: [`Client::events_since`]. Set `types`, `with`, `limit` or
/// `settle`, then `.stream()`.
#[must_use = "call .stream()"]
#[derive(Debug)]
pub struct EventsRequest {
    client: Client,
    cursor: EventCursor,
    types: Vec<String>,
    with: Vec<String>,
    limit: u32,
    settle: Duration,
}

impl Client {
    /// The events from `cursor` on (`client.events_since(EventCursor::since(t)).stream()`):
    /// each event once, oldest first, up to the server's present; see [`sync`](crate::sync).
    pub fn events_since(&self, cursor: EventCursor) -> EventsRequest {
        EventsRequest {
            client: self.clone(),
            cursor,
            types: Vec::new(),
            with: Vec::new(),
            limit: MAX_LIMIT,
            settle: DEFAULT_SETTLE,
        }
    }
}

impl EventsRequest {
    /// Only events of these types (`filter[type][]`, e.g. `lead_deleted`), added to those
    /// set before. amoCRM takes a `custom_field_{ID}_value_changed` type only alone.
    pub fn types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.types.extend(types.into_iter().map(Into::into));
        self
    }

    /// Extra parts of each event (amoCRM's `with`, e.g. `lead_name`).
    pub fn with<S: Into<String>>(mut self, parts: impl IntoIterator<Item = S>) -> Self {
        self.with.extend(parts.into_iter().map(Into::into));
        self
    }

    /// Events per page, 1 to 100 (the default).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// How far behind the server's clock the run's present is (5 s unless set); see
    /// [`ChangesRequest::settle`](super::ChangesRequest::settle).
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// The stream. Inputs are checked first: a bad `limit`, type or `with` part is the
    /// stream's only item ([`Error::Invalid`](crate::Error::Invalid)).
    pub fn stream(self) -> EventFeed {
        let checked = check_limit(self.limit, MAX_LIMIT)
            .and_then(|()| check_types(&self.types))
            .and_then(|()| with_parts(&self.with));
        let (with, error) = match checked {
            Ok(with) => (with, None),
            Err(invalid) => (None, Some(invalid.into())),
        };
        let settle = i64::try_from(self.settle.as_secs()).unwrap_or(i64::MAX);
        let plan = EventsPlan::new(self.cursor.0.clone(), self.limit, settle);
        let (client, types) = (self.client, Arc::new(self.types));
        let fetch = Box::new(move |ask: Ask| {
            let (client, types, with) = (client.clone(), types.clone(), with.clone());
            Box::pin(async move {
                let shape = Shape {
                    noun: "event",
                    embedded: "events",
                    stamp: "created_at",
                    entries: |list: EventList| {
                        list.embedded
                            .into_option()
                            .map(|e| e.events)
                            .unwrap_or_default()
                    },
                    stamped: |event: &Event| (event.id.clone(), event.created_at),
                };
                let (mut filter, _, page, limit) = query(ask, "created_at");
                let with = match ask {
                    Ask::Clock => None,
                    Ask::Page { .. } => {
                        push_types(&mut filter, &types);
                        with.as_deref()
                    }
                };
                read(
                    client
                        .raw()
                        .list_events(Some(&filter), Some(limit), page, with),
                    &shape,
                )
                .await
            }) as super::stream::Answering<EventsPlan<Event>>
        });
        EventFeed {
            follow: Follow::new(plan, self.cursor.0, fetch, error),
        }
    }
}

fn push_types(filter: &mut PhpQuery, types: &[String]) {
    for kind in types {
        filter.push_path("filter", &["type", ""], kind);
    }
}

/// Event types as amoCRM takes them: words, and `custom_field_{ID}_value_changed` alone.
fn check_types(types: &[String]) -> Result<(), Invalid> {
    let refuse = |value: &String, reason| Invalid::Identifier {
        what: "event type",
        value: value.clone(),
        reason,
    };
    for kind in types {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if kind.is_empty() || !kind.chars().all(word) {
            return Err(refuse(
                kind,
                "event types are words of letters, digits and `_`",
            ));
        }
        let per_field = kind
            .strip_prefix("custom_field_")
            .and_then(|rest| rest.strip_suffix("_value_changed"))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()));
        if per_field && types.len() > 1 {
            return Err(refuse(
                kind,
                "amoCRM takes a custom_field_{ID}_value_changed type only alone",
            ));
        }
    }
    Ok(())
}

/// The events from a cursor, oldest first ([`Client::events_since`]); ends once it has
/// caught up with the server's present. After each event, [`EventFeed::cursor`] covers it
/// and everything before: store it to resume from there.
#[must_use = "a stream does nothing unless polled"]
pub struct EventFeed {
    follow: Follow<EventsPlan<Event>>,
}

impl EventFeed {
    /// Where the feed stands: it covers every event handed out so far (and, once the
    /// stream has ended, every event up to the run's present).
    pub fn cursor(&self) -> EventCursor {
        EventCursor(self.follow.mark().clone())
    }

    /// The requests made so far.
    pub fn requests(&self) -> u64 {
        self.follow.requests()
    }
}

impl fmt::Debug for EventFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventFeed")
            .field("cursor", self.follow.mark())
            .finish_non_exhaustive()
    }
}

impl Stream for EventFeed {
    type Item = crate::Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.follow).poll_next(cx)
    }
}

impl FusedStream for EventFeed {
    fn is_terminated(&self) -> bool {
        self.follow.is_terminated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_checked() {
        let types = |t: &[&str]| check_types(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(types(&["lead_added", "lead_deleted"]).is_ok());
        assert!(types(&["custom_field_42_value_changed"]).is_ok());
        assert!(types(&["custom_field_42_value_changed", "lead_added"]).is_err());
        assert!(types(&["lead added"]).is_err());
        assert!(types(&[""]).is_err());
        let mut filter = PhpQuery::new();
        push_types(&mut filter, &["a".to_owned(), "b".to_owned()]);
        assert_eq!(filter.len(), 2);
    }
}
