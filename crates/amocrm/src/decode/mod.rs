//! What the crate says about a body that does not decode: the typed errors of a whole
//! body ([`Error::Decode`](crate::Error::Decode)) and of one list entry
//! ([`UndecodableEntry`](crate::error::UndecodableEntry)), both from one diagnosis ([`diagnose`]) and in
//! one vocabulary, never quoting a value.

mod diagnose;

use bytes::Bytes;

use crate::error::decode::{DecodeCategory, DecodeDetails, NOTHING};
use crate::error::{DecodeError, Error, RawBody, UndecodableEntry};

/// Why `body` did not decode (`error` is serde_json's), without any value from it.
pub(crate) fn decode_error(body: &[u8], error: &serde_json::Error) -> DecodeError {
    DecodeError::from_details(diagnose::diagnose(body, error))
}

/// The error of a response body of `status` that did not decode: the body kept whole,
/// behind [`RawBody::expose_raw`].
pub(crate) fn body_error(status: u16, body: Bytes, error: &serde_json::Error) -> Error {
    Error::Decode {
        status,
        source: decode_error(&body, error),
        body: RawBody::new(body),
    }
}

/// The error of a response body of `status` that lacks a field the type needs (named by
/// its `path`), found missing after serde read it.
pub(crate) fn missing_field(status: u16, body: Bytes, path: String) -> Error {
    let details = DecodeDetails {
        category: DecodeCategory::Data,
        path,
        expected: Some("a value".to_owned()),
        found: Some(NOTHING),
        line: 0,
        column: 0,
    };
    Error::Decode {
        status,
        source: DecodeError::from_details(details),
        body: RawBody::new(body),
    }
}

/// What is wrong with one entry of a list (`json`, a `noun` keyed by its `key` field),
/// which serde_json refused with `error`; its `page` and `index` are left for the caller.
pub(crate) fn undecodable_entry(
    noun: &'static str,
    key: &str,
    json: &str,
    error: &serde_json::Error,
) -> UndecodableEntry {
    let details = diagnose::diagnose_entry(json.as_bytes(), error);
    // Read back only for its key, a string or an integer (valid JSON, as the page was,
    // unless nested deeper than serde_json reads).
    let code = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|entry| match entry.get(key)? {
            serde_json::Value::String(code) => Some(code.clone()),
            serde_json::Value::Number(id) if id.is_i64() || id.is_u64() => Some(id.to_string()),
            _ => None,
        });
    UndecodableEntry {
        noun,
        page: 0,
        index: 0,
        code,
        path: details.path,
        expected: details
            .expected
            .unwrap_or_else(|| "a valid value".to_owned()),
        found: details.found.map_or("unknown", |found| found.kind),
    }
}
