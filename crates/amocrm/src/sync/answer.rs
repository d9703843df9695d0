//! What one request of a sync asks and what its answer holds: each entry with its key
//! and second (read even from an entry that does not decode, so that the cursor can pass
//! it), and the server's clock (`Date`).

use std::fmt;
use std::future::Future;

use bytes::Bytes;
use progenitor_client::ResponseValue;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::decode::undecodable_entry;
use crate::error::{Error, Result, UndecodableEntry};

type RawError = progenitor_client::Error<amocrm_raw::types::Problem>;

/// One request a sync makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ask {
    /// Only the server's clock: a list filtered to an id nothing has (`filter[id][]=0`),
    /// answered `204` (or an empty page), dated like every answer.
    Clock,
    /// `filter[<stamp>][from]=from` (and `[to]=to`, both inclusive), one page; ordered
    /// by the stamp, or by id.
    Page {
        from: i64,
        to: Option<i64>,
        page: u32,
        limit: u32,
        by_id: bool,
    },
}

/// A key of what is synced: an entity's integer id, an event's string id.
pub(crate) trait Key: Ord + Clone + fmt::Display + Send + Sync + 'static {
    /// The key in an entry as amoCRM sent it.
    fn from_json(value: &Value) -> Option<Self>;
}

impl Key for i64 {
    fn from_json(value: &Value) -> Option<i64> {
        match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

impl Key for String {
    fn from_json(value: &Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// One entry of an answer: its key, its second, and the entry (or why it did not decode).
#[derive(Debug)]
pub(crate) struct Stamped<T, K> {
    pub(crate) key: K,
    pub(crate) second: i64,
    pub(crate) item: Result<T, UndecodableEntry>,
}

/// An answer: the server's clock (Unix seconds, when it sent `Date`) and the entries in
/// the order sent.
#[derive(Debug)]
pub(crate) struct Answer<T, K> {
    pub(crate) date: Option<i64>,
    pub(crate) entries: Vec<Stamped<T, K>>,
}

/// How one list's answer reads: its entry noun, the `_embedded` key, the stamp field.
pub(crate) struct Shape<L, T, K> {
    pub(crate) noun: &'static str,
    pub(crate) embedded: &'static str,
    pub(crate) stamp: &'static str,
    /// The entries of a decoded list.
    pub(crate) entries: fn(L) -> Vec<T>,
    /// An entry's key and second.
    pub(crate) stamped: fn(&T) -> (K, Option<i64>),
}

/// Awaits a generated list call and reads its answer: a `204` is an empty answer, a page
/// that does not decode whole is read entry by entry.
pub(crate) async fn read<L, T: DeserializeOwned, K: Key>(
    operation: impl Future<Output = std::result::Result<ResponseValue<L>, RawError>>,
    shape: &Shape<L, T, K>,
) -> Result<Answer<T, K>> {
    match operation.await {
        Ok(value) => {
            let date = date_of(value.headers());
            let mut entries = Vec::new();
            for (index, entry) in (shape.entries)(value.into_inner()).into_iter().enumerate() {
                let (key, second) = (shape.stamped)(&entry);
                let second = second.ok_or_else(|| unstamped(shape, index))?;
                entries.push(Stamped {
                    key,
                    second,
                    item: Ok(entry),
                });
            }
            Ok(Answer { date, entries })
        }
        Err(RawError::UnexpectedResponse(response)) if response.status().as_u16() == 204 => {
            Ok(Answer {
                date: date_of(response.headers()),
                entries: Vec::new(),
            })
        }
        Err(RawError::InvalidResponsePayload(body, error)) => match per_entry(&body, shape) {
            Ok(answer) => answer,
            Err(()) => Err(crate::decode::body_error(200, body, &error)),
        },
        Err(error) => Err(Error::from_raw(error).await),
    }
}

/// The `Date` header as Unix seconds.
fn date_of(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    let value = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    let at = httpdate::parse_http_date(value.trim()).ok()?;
    let seconds = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(seconds).ok()
}

fn unstamped<L, T, K>(shape: &Shape<L, T, K>, index: usize) -> Error {
    Error::Protocol(format!(
        "{} (entry {index}) has no `{}`: a sync cannot place it",
        shape.noun, shape.stamp
    ))
}

/// A page that did not decode whole: each entry's key and second read on their own, the
/// entry itself decoded or diagnosed. Fails (the caller reports the page's own decode
/// error) when the page is not a list at all; an entry without a key or second is a
/// protocol error.
fn per_entry<L, T: DeserializeOwned, K: Key>(
    body: &Bytes,
    shape: &Shape<L, T, K>,
) -> std::result::Result<Result<Answer<T, K>>, ()> {
    let page: Value = serde_json::from_slice(body).map_err(|_| ())?;
    let list = match page.get("_embedded") {
        Some(Value::Array(empty)) if empty.is_empty() => Vec::new(),
        Some(embedded) => match embedded.get(shape.embedded) {
            Some(Value::Array(entries)) => entries.iter().collect(),
            // PHP's array with keys other than 0..n.
            Some(Value::Object(entries)) if !entries.is_empty() => entries.values().collect(),
            _ => return Err(()),
        },
        None => return Err(()),
    };
    let mut entries = Vec::with_capacity(list.len());
    for (index, entry) in list.into_iter().enumerate() {
        let key = entry.get("id").and_then(K::from_json);
        let second = entry.get(shape.stamp).and_then(i64::from_json);
        let (Some(key), Some(second)) = (key, second) else {
            return Ok(Err(unstamped(shape, index)));
        };
        let text = entry.to_string();
        let item = serde_json::from_str::<T>(&text).map_err(|error| {
            let mut undecodable = undecodable_entry(shape.noun, "id", &text, &error);
            undecodable.index = index;
            undecodable.code = Some(key.to_string());
            undecodable
        });
        entries.push(Stamped { key, second, item });
    }
    // The date is lost with the typed answer; the sync's clock comes from its own request.
    Ok(Ok(Answer {
        date: None,
        entries,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Entry {
        #[allow(dead_code)]
        id: i64,
        #[allow(dead_code)]
        name: String,
    }

    fn shape() -> Shape<(), Entry, i64> {
        Shape {
            noun: "lead",
            embedded: "leads",
            stamp: "updated_at",
            entries: |()| Vec::new(),
            stamped: |e| (e.id, None),
        }
    }

    #[test]
    fn an_undecodable_entry_keeps_its_key_and_second() {
        let body = Bytes::from_static(
            br#"{"_embedded":{"leads":[{"id":1,"updated_at":5,"name":"a"},
                {"id":2,"updated_at":"6","name":7}]}}"#,
        );
        let answer = per_entry(&body, &shape()).unwrap().unwrap();
        assert_eq!(answer.entries.len(), 2);
        assert!(answer.entries[0].item.is_ok());
        let bad = &answer.entries[1];
        assert_eq!((bad.key, bad.second), (2, 6));
        let undecodable = bad.item.as_ref().unwrap_err();
        assert_eq!(
            (
                undecodable.index,
                undecodable.code.as_deref(),
                undecodable.path.as_str()
            ),
            (1, Some("2"), "name")
        );
        // Without a second, an entry cannot be placed.
        let body = Bytes::from_static(br#"{"_embedded":{"leads":[{"id":1,"name":2}]}}"#);
        let error = per_entry(&body, &shape()).unwrap().unwrap_err();
        assert!(error.to_string().contains("has no `updated_at`"), "{error}");
        // Not a list at all.
        assert!(per_entry(&Bytes::from_static(b"[1]"), &shape()).is_err());
        let empty = per_entry(&Bytes::from_static(br#"{"_embedded":[]}"#), &shape());
        assert!(empty.unwrap().unwrap().entries.is_empty());
    }
}
