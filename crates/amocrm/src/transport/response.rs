//! What a response means: the typed error of an error status, and the `Retry-After` a
//! server asked for. A leaf of the request path: the transport, the client and the
//! decoding helpers all read responses through it.

use std::time::Duration;

use amocrm_raw::types as raw;
use reqwest::header::RETRY_AFTER;

use crate::error::{Error, Problem};

/// The error of a response the operation does not expect: its status, and the problem
/// in its body when there is one.
pub(crate) fn error_response(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> Error {
    let problem = serde_json::from_slice::<raw::Problem>(&body).ok().map(|p| {
        let mut problem = Problem::from(p);
        problem.status = status;
        problem
    });
    classify(status, problem, headers, body)
}

pub(crate) fn classify(
    status: u16,
    problem: Option<Problem>,
    headers: &reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> Error {
    match (status, problem) {
        (401, p) => Error::Unauthorized(p.unwrap_or_else(|| Problem::bare(401))),
        (403, p) => Error::Forbidden(p.unwrap_or_else(|| Problem::bare(403))),
        (404, p) => Error::NotFound(p.unwrap_or_else(|| Problem::bare(404))),
        (429, problem) => Error::RateLimited {
            retry_after: retry_after_header(headers).or_else(|| retry_after_body(&body)),
            problem,
        },
        (400.., Some(problem)) => Error::Api { problem },
        (status, _) => Error::UnexpectedStatus {
            status,
            body: crate::error::RawBody::new(body),
        },
    }
}

/// `Retry-After` from the header: seconds (what amoCRM sends), or an HTTP date.
pub(crate) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    seconds(value).or_else(|| {
        // RFC 9110 also allows an HTTP date; a date in the past means "now".
        let at = httpdate::parse_http_date(value.trim()).ok()?;
        Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    })
}

/// `retry_after` from a JSON body, which amoCRM sometimes sends instead of the header: a
/// number of seconds, or a string holding one.
pub(crate) fn retry_after_body(body: &[u8]) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value.get("retry_after")? {
        serde_json::Value::Number(number) => match number.as_u64() {
            Some(whole) => Some(Duration::from_secs(whole)),
            None => Duration::try_from_secs_f64(number.as_f64()?).ok(),
        },
        serde_json::Value::String(text) => seconds(text),
        _ => None,
    }
}

/// Whole or fractional non-negative seconds.
fn seconds(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(whole) = text.parse::<u64>() {
        return Some(Duration::from_secs(whole));
    }
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    Duration::try_from_secs_f64(text.parse().ok()?).ok()
}
