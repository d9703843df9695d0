//! The server's side of the figures a client reports: what the recorded requests add up
//! to (requests by status class, 429s, token grants by outcome), so that a test can hold
//! the client's metrics against what the server saw.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::record::RecordedRequest;

/// What a list of recorded requests adds up to, as the fake saw them. The token endpoint
/// (`POST /oauth2/access_token`) is counted apart from the API (`/api/...`); the fake's own
/// `/_fake/` routes are never recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Figures {
    /// API requests answered (any status), token requests left out.
    pub requests: u64,
    /// API requests by the class of their answer: `"2xx"`, `"3xx"`, `"4xx"`, `"5xx"`
    /// (and `"1xx"`); a class with no request is absent.
    pub by_status_class: BTreeMap<String, u64>,
    /// API requests answered `429 Too Many Requests`.
    pub rate_limited: u64,
    /// Token requests by outcome: `"granted"` (200), `"refused"` (400 or 401), `"other"`.
    pub token_requests: BTreeMap<String, u64>,
    /// Requests recorded without a whole answer: the route still runs, or a fault reset,
    /// cut or truncated it (the client saw a transport error).
    pub unanswered: u64,
}

impl Figures {
    /// Adds up `requests` (those of one account, or of the whole server).
    pub fn of(requests: &[RecordedRequest]) -> Figures {
        let mut figures = Figures::default();
        for request in requests {
            let Some(status) = request.status() else {
                figures.unanswered += 1;
                continue;
            };
            if request.path.ends_with("/oauth2/access_token") {
                let outcome = match status {
                    200 => "granted",
                    400 | 401 => "refused",
                    _ => "other",
                };
                *figures
                    .token_requests
                    .entry(outcome.to_owned())
                    .or_default() += 1;
                continue;
            }
            figures.requests += 1;
            *figures
                .by_status_class
                .entry(status_class(status).to_owned())
                .or_default() += 1;
            if status == 429 {
                figures.rate_limited += 1;
            }
        }
        figures
    }

    /// API requests answered in `class` (`"2xx"`, `"4xx"`, …); 0 when none was.
    pub fn in_class(&self, class: &str) -> u64 {
        self.by_status_class.get(class).copied().unwrap_or(0)
    }

    /// Token requests with `outcome` (`"granted"`, `"refused"`, `"other"`); 0 when none.
    pub fn token_requests_with(&self, outcome: &str) -> u64 {
        self.token_requests.get(outcome).copied().unwrap_or(0)
    }
}

/// `"2xx"` for 200..=299 and so on; a status outside 100..=599 is `"other"`.
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::status_class;

    #[test]
    fn classes_are_by_the_hundred() {
        assert_eq!(status_class(100), "1xx");
        assert_eq!(status_class(199), "1xx");
        assert_eq!(status_class(200), "2xx");
        assert_eq!(status_class(299), "2xx");
        assert_eq!(status_class(300), "3xx");
        assert_eq!(status_class(399), "3xx");
        assert_eq!(status_class(400), "4xx");
        assert_eq!(status_class(499), "4xx");
        assert_eq!(status_class(500), "5xx");
        assert_eq!(status_class(599), "5xx");
        assert_eq!(status_class(600), "other");
        assert_eq!(status_class(99), "other");
    }
}
