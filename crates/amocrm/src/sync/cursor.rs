//! Where a sync stands: a second, and the entities (or events) of that second already
//! yielded. Serializable, so a job stores it after each entity and resumes from it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A position in time: every state stamped before `second` has been handled, and so have
/// the states stamped at `second` whose keys are in `seen`. Seconds before the server's
/// present never receive another state, so a key is never seen twice at one second.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mark<K: Ord> {
    pub(crate) second: i64,
    pub(crate) seen: BTreeSet<K>,
}

impl<K: Ord + Clone> Mark<K> {
    pub(crate) fn at(second: i64) -> Self {
        Mark {
            second,
            seen: BTreeSet::new(),
        }
    }

    /// Whether the state of `key` stamped `second` was handled already.
    pub(crate) fn covers(&self, second: i64, key: &K) -> bool {
        second < self.second || second == self.second && self.seen.contains(key)
    }

    /// The state of `key` stamped `second` is handled: the mark moves to it.
    pub(crate) fn pass(&mut self, second: i64, key: &K) {
        if second > self.second {
            *self = Mark::at(second);
        }
        if second == self.second {
            self.seen.insert(key.clone());
        }
    }

    /// Everything before `second` is handled.
    pub(crate) fn jump(&mut self, second: i64) {
        if second > self.second {
            *self = Mark::at(second);
        }
    }
}

/// Where a changes stream of leads, contacts or companies stands
/// ([`Client::changes`](crate::Client::changes)): an `updated_at` second and the ids
/// already yielded at that second. Store it (it is serde-serializable; as JSON
/// `{"updated_at":1700000000,"seen":[12,15]}`) after handling each entity, and start the
/// next run from it: that run yields every entity whose latest change is not covered by it.
///
/// ```
/// use amocrm::sync::Cursor;
///
/// let cursor = Cursor::since(1_700_000_000);
/// let json = serde_json::to_string(&cursor).unwrap();
/// assert_eq!(json, r#"{"updated_at":1700000000,"seen":[]}"#);
/// let back: Cursor = serde_json::from_str(&json).unwrap();
/// assert_eq!(back, cursor);
/// // A negative second is not a cursor.
/// assert!(serde_json::from_str::<Cursor>(r#"{"updated_at":-1,"seen":[]}"#).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CursorRepr<i64>", into = "CursorRepr<i64>")]
pub struct Cursor(pub(crate) Mark<i64>);

/// Where an events feed stands ([`Client::events_since`](crate::Client::events_since)): a
/// `created_at` second and the ids (strings) of the events already yielded at it; as JSON
/// `{"created_at":1700000000,"seen":["01pz58t6p04ymgsgfbmfyfy1mf"]}`.
///
/// ```
/// use amocrm::sync::EventCursor;
///
/// let cursor = EventCursor::since(1_700_000_000);
/// let json = serde_json::to_string(&cursor).unwrap();
/// assert_eq!(json, r#"{"created_at":1700000000,"seen":[]}"#);
/// assert_eq!(serde_json::from_str::<EventCursor>(&json).unwrap(), cursor);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EventCursorRepr", into = "EventCursorRepr")]
pub struct EventCursor(pub(crate) Mark<String>);

impl Cursor {
    /// From `unix_seconds` on: the first run yields every entity updated at or after it
    /// (0: every entity).
    pub fn since(unix_seconds: u32) -> Cursor {
        Cursor(Mark::at(i64::from(unix_seconds)))
    }

    /// The `updated_at` second the next run starts at.
    pub fn updated_at(&self) -> i64 {
        self.0.second
    }

    /// The ids already yielded at [`Cursor::updated_at`], ascending.
    pub fn seen(&self) -> impl ExactSizeIterator<Item = i64> + '_ {
        self.0.seen.iter().copied()
    }
}

impl EventCursor {
    /// From `unix_seconds` on: the first run yields every event created at or after it.
    pub fn since(unix_seconds: u32) -> EventCursor {
        EventCursor(Mark::at(i64::from(unix_seconds)))
    }

    /// The `created_at` second the next run starts at.
    pub fn created_at(&self) -> i64 {
        self.0.second
    }

    /// The ids of the events already yielded at [`EventCursor::created_at`].
    pub fn seen(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.0.seen.iter().map(String::as_str)
    }
}

/// A cursor as it is stored.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CursorRepr<K: Ord> {
    updated_at: i64,
    seen: BTreeSet<K>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventCursorRepr {
    created_at: i64,
    seen: BTreeSet<String>,
}

/// A stored second must be a Unix time: amoCRM's filters take no negative one.
fn second(second: i64) -> Result<i64, String> {
    if second < 0 {
        return Err(format!(
            "a cursor's second must not be negative, got {second}"
        ));
    }
    Ok(second)
}

impl TryFrom<CursorRepr<i64>> for Cursor {
    type Error = String;
    fn try_from(repr: CursorRepr<i64>) -> Result<Self, String> {
        Ok(Cursor(Mark {
            second: second(repr.updated_at)?,
            seen: repr.seen,
        }))
    }
}

impl From<Cursor> for CursorRepr<i64> {
    fn from(cursor: Cursor) -> Self {
        CursorRepr {
            updated_at: cursor.0.second,
            seen: cursor.0.seen,
        }
    }
}

impl TryFrom<EventCursorRepr> for EventCursor {
    type Error = String;
    fn try_from(repr: EventCursorRepr) -> Result<Self, String> {
        Ok(EventCursor(Mark {
            second: second(repr.created_at)?,
            seen: repr.seen,
        }))
    }
}

impl From<EventCursor> for EventCursorRepr {
    fn from(cursor: EventCursor) -> Self {
        EventCursorRepr {
            created_at: cursor.0.second,
            seen: cursor.0.seen,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_covers_the_past_and_what_it_saw() {
        let mut mark = Mark::<i64>::at(10);
        assert!(mark.covers(9, &1) && !mark.covers(10, &1) && !mark.covers(11, &1));
        mark.pass(10, &1);
        assert!(mark.covers(10, &1) && !mark.covers(10, &2));
        mark.pass(12, &2);
        assert_eq!((mark.second, mark.seen.len()), (12, 1));
        assert!(mark.covers(10, &7) && mark.covers(12, &2));
        // A state older than the mark does not move it back.
        mark.pass(11, &3);
        assert_eq!((mark.second, mark.seen.len()), (12, 1));
        mark.jump(11);
        assert_eq!(mark.second, 12);
        mark.jump(13);
        assert_eq!((mark.second, mark.seen.len()), (13, 0));
    }

    #[test]
    fn cursors_round_trip_and_refuse_what_they_cannot_be() {
        let mut cursor = Cursor::since(5);
        cursor.0.pass(5, &3);
        cursor.0.pass(5, &1);
        let json = serde_json::to_string(&cursor).unwrap();
        assert_eq!(json, r#"{"updated_at":5,"seen":[1,3]}"#);
        assert_eq!(serde_json::from_str::<Cursor>(&json).unwrap(), cursor);
        assert_eq!(cursor.seen().collect::<Vec<_>>(), [1, 3]);
        for bad in [
            r#"{"updated_at":5}"#,
            r#"{"updated_at":"5","seen":[]}"#,
            r#"{"updated_at":5,"seen":[],"more":1}"#,
        ] {
            assert!(serde_json::from_str::<Cursor>(bad).is_err(), "{bad}");
        }
        let error = serde_json::from_str::<EventCursor>(r#"{"created_at":-5,"seen":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("must not be negative"), "{error}");
        let mut events = EventCursor::since(7);
        events.0.pass(7, &"a".to_owned());
        assert_eq!(events.seen().collect::<Vec<_>>(), ["a"]);
        assert_eq!(events.created_at(), 7);
    }
}
