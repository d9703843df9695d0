//! The changes stream of leads, contacts or companies: the request (`with`, `limit`,
//! `settle`) and the stream with its cursor.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{FusedStream, Stream};

use super::cursor::Cursor;
use super::entity::Changing;

use super::plan::ChangesPlan;
use super::stream::Follow;
use crate::client::Client;
use crate::error::{Invalid, Result};

/// The largest page of a lead, contact or company list.
const MAX_LIMIT: u32 = 250;

/// The seconds a run stays behind the server's clock unless told otherwise.
pub(crate) const DEFAULT_SETTLE: Duration = Duration::from_secs(5);

/// A changes stream to start: [`Client::changes`]. Set `with`, `limit` or `settle`, then
/// `.stream()`.
#[must_use = "call .stream()"]
pub struct ChangesRequest<T: Changing> {
    client: Client,
    cursor: Cursor,
    with: Vec<String>,
    limit: u32,
    settle: Duration,
    _entity: std::marker::PhantomData<fn() -> T>,
}

impl<T: Changing> fmt::Debug for ChangesRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangesRequest")
            .field("entity", &T::NOUN)
            .field("cursor", &self.cursor)
            .field("with", &self.with)
            .field("limit", &self.limit)
            .field("settle", &self.settle)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// The changes of leads, contacts or companies from `cursor` on
    /// (`client.changes::<Lead>(cursor).stream()`): every entity whose latest change the
    /// cursor does not cover, once, in its latest state, oldest change first; see
    /// [`sync`](crate::sync).
    pub fn changes<T: Changing>(&self, cursor: Cursor) -> ChangesRequest<T> {
        ChangesRequest {
            client: self.clone(),
            cursor,
            with: Vec::new(),
            limit: MAX_LIMIT,
            settle: DEFAULT_SETTLE,
            _entity: std::marker::PhantomData,
        }
    }
}

impl<T: Changing> ChangesRequest<T> {
    /// Extra parts of each entity (amoCRM's `with`, e.g. `contacts` for leads), added to
    /// those set before.
    pub fn with<S: Into<String>>(mut self, parts: impl IntoIterator<Item = S>) -> Self {
        self.with.extend(parts.into_iter().map(Into::into));
        self
    }

    /// Entities per page, 1 to 250 (the default: fewest requests). A second holding
    /// more changes than a page is swept in windows of up to this many, or 50 when less.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// How far behind the server's clock the run's present is (whole seconds; 5 s unless
    /// set). amoCRM dates an answer after reading its data, and may read a replica: a
    /// change stamped just before the date may not be in the answer yet. Changes newer
    /// than the present are left for the next run.
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// The stream. Inputs are checked first: a bad `limit` or `with` part is the
    /// stream's only item ([`Error::Invalid`](crate::Error::Invalid)).
    pub fn stream(self) -> Changes<T> {
        let checked = check_limit(self.limit, MAX_LIMIT).and_then(|()| with_parts(&self.with));
        let settle = i64::try_from(self.settle.as_secs()).unwrap_or(i64::MAX);
        let client = self.client;
        let (with, error) = match checked {
            Ok(with) => (with, None),
            Err(invalid) => (None, Some(invalid.into())),
        };
        let plan = ChangesPlan::new(self.cursor.0.clone(), self.limit, settle);
        let fetch = Box::new(move |ask| T::fetch(client.clone(), ask, with.clone()));
        Changes {
            follow: Follow::new(plan, self.cursor.0, fetch, error),
        }
    }
}

/// `limit` within 1..=`max`.
pub(crate) fn check_limit(limit: u32, max: u32) -> Result<(), Invalid> {
    if !(1..=max).contains(&limit) {
        return Err(Invalid::Limit { limit, max });
    }
    Ok(())
}

/// The `with` parts as amoCRM takes them: comma-joined, each a non-empty word.
pub(crate) fn with_parts(parts: &[String]) -> Result<Option<Arc<str>>, Invalid> {
    for part in parts {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if part.is_empty() || !part.chars().all(word) {
            return Err(Invalid::Identifier {
                what: "with part",
                value: part.clone(),
                reason: "amoCRM's parts are words of letters, digits and `_`",
            });
        }
    }
    Ok((!parts.is_empty()).then(|| Arc::from(parts.join(","))))
}

/// The changes of one entity type from a cursor, oldest change first
/// ([`Client::changes`]). Ends once it has caught up with the server's present (its
/// clock at the start, less the settle time). After each entity, [`Changes::cursor`]
/// covers it and everything before: store it to resume from there.
///
/// A failed request is the stream's last item (the cursor stays valid); an entity that
/// does not decode is one [`Error::UndecodableEntry`](crate::Error::UndecodableEntry) item in its place, and the
/// cursor passes it.
#[must_use = "a stream does nothing unless polled"]
pub struct Changes<T: Changing> {
    follow: Follow<ChangesPlan<T, i64>>,
}

impl<T: Changing> Changes<T> {
    /// Where the stream stands: it covers every entity handed out so far (and, once the
    /// stream has ended, every change up to the run's present).
    pub fn cursor(&self) -> Cursor {
        Cursor(self.follow.mark().clone())
    }

    /// The requests made so far (one for the server's clock, then the pages).
    pub fn requests(&self) -> u64 {
        self.follow.requests()
    }
}

impl<T: Changing> fmt::Debug for Changes<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Changes")
            .field("entity", &T::NOUN)
            .field("cursor", self.follow.mark())
            .finish_non_exhaustive()
    }
}

impl<T: Changing> Stream for Changes<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.follow).poll_next(cx)
    }
}

impl<T: Changing> FusedStream for Changes<T> {
    fn is_terminated(&self) -> bool {
        self.follow.is_terminated()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_can_move_to_a_task() {
        fn send<T: Send + 'static>() {}
        send::<Changes<amocrm_raw::types::Lead>>();
        send::<ChangesRequest<amocrm_raw::types::Company>>();
        send::<super::super::EventFeed>();
    }

    #[test]
    fn with_parts_are_words() {
        let parts = |p: &[&str]| with_parts(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(parts(&[]).unwrap(), None);
        assert_eq!(
            parts(&["contacts", "loss_reason"]).unwrap().as_deref(),
            Some("contacts,loss_reason")
        );
        for bad in ["", "a,b", "a b", "контакты"] {
            assert!(
                matches!(parts(&[bad]), Err(Invalid::Identifier { .. })),
                "{bad}"
            );
        }
        assert!(check_limit(250, 250).is_ok());
        assert!(matches!(
            check_limit(0, 250),
            Err(Invalid::Limit { limit: 0, max: 250 })
        ));
        assert!(check_limit(251, 250).is_err());
    }
}
