//! What a response means: the typed error of an error status, the `Retry-After` a server
//! asked for, and [`Error::from_raw`], the typed error of any call of the generated
//! client.

use std::time::Duration;

use amocrm_raw::types as raw;
use reqwest::header::RETRY_AFTER;

use crate::decode::body_error;
use crate::error::{Error, Invalid, Problem, RawBody};

type RawError = progenitor_client::Error<raw::Problem>;

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

fn classify(
    status: u16,
    problem: Option<Problem>,
    headers: &reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> Error {
    match (status, problem) {
        (401, p) => Error::Unauthorized(p.unwrap_or_else(|| Problem::bare(401))),
        (403, p) => Error::Forbidden(p.unwrap_or_else(|| Problem::bare(403))),
        (404, p) => Error::NotFound(p.unwrap_or_else(|| Problem::bare(404))),
        (402, p) => Error::PaymentRequired(p.unwrap_or_else(|| Problem::bare(402))),
        (429, problem) => Error::RateLimited {
            retry_after: retry_after_header(headers).or_else(|| retry_after_body(&body)),
            problem,
        },
        (400.., Some(problem)) => Error::Api { problem },
        (status, _) => Error::UnexpectedStatus {
            status,
            body: RawBody::new(body),
        },
    }
}

/// `Retry-After` from the header: seconds (what amoCRM sends), or an HTTP date.
pub(super) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
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
pub(super) fn retry_after_body(body: &[u8]) -> Option<Duration> {
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

impl Error {
    /// The error of a call made with [`Client::raw`](crate::Client::raw): the transport's typed outcome as it
    /// was (e.g. [`Error::NotFound`], [`Error::ResponseTooLarge`]), or the raw error
    /// mapped.
    pub async fn from_raw(error: amocrm_raw::Error<raw::Problem>) -> Error {
        match error {
            RawError::InvalidRequest(message) => Error::Invalid(Invalid::Request(message)),
            RawError::CommunicationError(e) => match amocrm_raw::hook_error(&e) {
                Some(outcome) => match outcome.downcast::<Error>() {
                    Ok(error) => *error,
                    Err(other) => Error::Config(format!("request hook: {other}")),
                },
                // The request could not even be built (a URL `http` cannot hold, e.g. a
                // query of 70,000 characters): an input error, nothing was sent. Said
                // without the URL, which may be that long.
                None if e.is_builder() => {
                    let e = e.without_url();
                    let why = std::error::Error::source(&e)
                        .map_or_else(|| e.to_string(), |source| format!("{e}: {source}"));
                    Error::Invalid(Invalid::Request(format!(
                        "the request could not be built, nothing was sent ({why})"
                    )))
                }
                None => Error::Transport(e),
            },
            RawError::InvalidUpgrade(e) | RawError::ResponseBodyError(e) => Error::Transport(e),
            // Only through a client without this crate's transport, which hands error
            // statuses over typed.
            RawError::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let mut problem = Problem::from(response.into_inner());
                problem.status = status;
                classify(status, Some(problem), &headers, bytes::Bytes::new())
            }
            // The transport hands over only statuses below 400, and the API's only
            // success with a body is 200.
            RawError::InvalidResponsePayload(body, source) => body_error(200, body, &source),
            RawError::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(body) => error_response(status, &headers, body),
                    Err(e) => Error::Transport(e),
                }
            }
            RawError::Custom(message) => Error::Config(message),
        }
    }
}

/// The `204 No Content` a DELETE answers, in place of the `404` that answered its retry:
/// the first attempt reached amoCRM and deleted the thing, and its answer was lost (a
/// reset, a timeout, a 5xx from a proxy), so the retry found it gone. What the caller
/// asked for holds: it is gone. (A thing that never existed reads as deleted too, when
/// the first attempt's answer was lost: the retry cannot tell the two apart.)
pub(super) fn gone(read: super::Read) -> super::Read {
    super::Read {
        status: reqwest::StatusCode::NO_CONTENT,
        version: read.version,
        headers: reqwest::header::HeaderMap::new(),
        body: bytes::Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, RETRY_AFTER};

    #[test]
    fn retry_after_http_date() {
        let mut headers = reqwest::header::HeaderMap::new();
        let later = std::time::SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&date).unwrap());
        let wait = retry_after_header(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after_header(&headers), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_parsing() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after_header(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 3 "));
        assert_eq!(retry_after_header(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("0.5"));
        assert_eq!(
            retry_after_header(&headers),
            Some(Duration::from_millis(500))
        );
        for bad in ["-1", "NaN", "inf", "1e400", "Wed, 21 Oct 2015 07:28:00", ""] {
            headers.insert(RETRY_AFTER, HeaderValue::from_str(bad).unwrap());
            assert_eq!(retry_after_header(&headers), None, "{bad}");
        }
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(
            retry_after_header(&headers),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            retry_after_body(br#"{"retry_after": 2}"#),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after_body(br#"{"retry_after": "4"}"#),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            retry_after_body(br#"{"retry_after": 1.5}"#),
            Some(Duration::from_millis(1500))
        );
        for bad in [
            &br#"{"retry_after": -1}"#[..],
            br#"{"retry_after": 1e308}"#,
            br#"{"retry_after": null}"#,
            br#"[1]"#,
            b"<html>429</html>",
        ] {
            assert_eq!(retry_after_body(bad), None);
        }
    }
}
