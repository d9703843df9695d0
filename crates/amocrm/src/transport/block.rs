//! A blocked account: amoCRM blocks an account whose integrations keep exceeding the rate
//! limit, answering 403 to every request (often with an HTML page) until its support lifts
//! the block. Every request sent meanwhile digs the hole deeper, so once a client sees the
//! block it pauses the account through its pacer (every holder of it, a whole fleet with a
//! shared engine) and fails its own calls at once.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use crate::error::Error;

/// How long a blocked account is left alone by default: minutes, not seconds (a block is
/// lifted by amoCRM's support, never by retrying).
pub const DEFAULT_BLOCK_PAUSE: Duration = Duration::from_secs(10 * 60);

/// A 403 this long after a 429 is read as the block that follows rate-limit violations.
const AFTER_429: Duration = Duration::from_secs(60);

/// What one client saw of its account's standing.
#[derive(Debug)]
pub(super) struct BlockWatch {
    pause: Duration,
    /// (the last 429, blocked until)
    seen: Mutex<(Option<Instant>, Option<Instant>)>,
}

impl BlockWatch {
    pub(super) fn new(pause: Duration) -> Self {
        BlockWatch {
            pause,
            seen: Mutex::new((None, None)),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, (Option<Instant>, Option<Instant>)> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// [`Error::AccountBlocked`] while this client saw the account blocked.
    pub(super) fn check(&self) -> Result<(), Error> {
        let now = Instant::now();
        match self.seen().1 {
            Some(until) if until > now => Err(Error::AccountBlocked { left: until - now }),
            _ => Ok(()),
        }
    }

    /// Reads a response: a 429 is remembered; a 403 that carries a page (amoCRM's block
    /// page), or that follows a 429 with anything but a JSON problem, is the block, and its
    /// pause is returned (the account is then blocked for this client until the pause
    /// ends). A problem (`{"title":…,"status":403,…}`) is amoCRM's API refusing a right,
    /// after a 429 too: a user without the right would otherwise block the account's
    /// calls for the whole pause.
    pub(super) fn saw(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Option<Blocked> {
        let now = Instant::now();
        let mut seen = self.seen();
        if status == StatusCode::TOO_MANY_REQUESTS {
            seen.0 = Some(now);
            return None;
        }
        if status != StatusCode::FORBIDDEN {
            return None;
        }
        let after_429 = seen.0.is_some_and(|at| now.duration_since(at) <= AFTER_429);
        let block = is_block_page(headers, body) || (after_429 && !is_problem(body));
        if !block {
            return None;
        }
        let new = seen.1.is_none_or(|until| until <= now);
        seen.1 = Some(now + self.pause);
        Some(Blocked {
            pause: self.pause,
            new,
        })
    }
}

/// A block seen in an answer: its pause, and whether it starts one (this client did not
/// see the account blocked already: a block answered to several requests in flight is one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Blocked {
    pub(super) pause: Duration,
    pub(super) new: bool,
}

/// Whether a 403's body is a page rather than amoCRM's problem+json: amoCRM's block page
/// (served by its front servers, as HTML).
pub(crate) fn is_block_page(headers: &HeaderMap, body: &[u8]) -> bool {
    let html_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.to_ascii_lowercase().contains("text/html"));
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(14)
        .map(u8::to_ascii_lowercase)
        .collect();
    html_type || start.starts_with(b"<html") || start.starts_with(b"<!doctype html")
}

/// Whether a body is a JSON object: amoCRM's API answering (a problem), not its front
/// servers' block.
fn is_problem(body: &[u8]) -> bool {
    matches!(
        serde_json::from_slice::<serde_json::Value>(body),
        Ok(serde_json::Value::Object(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_403_after_a_429_or_with_a_page_is_the_block() {
        let watch = BlockWatch::new(Duration::from_secs(60));
        let none = HeaderMap::new();
        let problem = br#"{"title":"Forbidden","status":403}"#;
        assert_eq!(watch.saw(StatusCode::FORBIDDEN, &none, problem), None);
        assert!(watch.check().is_ok());
        assert_eq!(
            watch.saw(StatusCode::FORBIDDEN, &none, b"\n <HTML><body>blocked"),
            Some(Blocked {
                pause: Duration::from_secs(60),
                new: true
            })
        );
        assert!(matches!(watch.check(), Err(Error::AccountBlocked { .. })));
        // The same block answered to another request in flight: not a new one.
        assert_eq!(
            watch.saw(StatusCode::FORBIDDEN, &none, b"<html>blocked"),
            Some(Blocked {
                pause: Duration::from_secs(60),
                new: false
            })
        );

        // After a 429: a problem is a right refused, anything else the block.
        let watch = BlockWatch::new(Duration::from_secs(60));
        assert_eq!(watch.saw(StatusCode::TOO_MANY_REQUESTS, &none, b""), None);
        assert_eq!(watch.saw(StatusCode::FORBIDDEN, &none, problem), None);
        assert!(watch.check().is_ok());
        assert!(watch.saw(StatusCode::FORBIDDEN, &none, b"").is_some());
        let watch = BlockWatch::new(Duration::from_secs(60));
        assert_eq!(watch.saw(StatusCode::TOO_MANY_REQUESTS, &none, b""), None);
        assert!(
            watch
                .saw(StatusCode::FORBIDDEN, &none, b"Forbidden")
                .is_some()
        );
    }
}
