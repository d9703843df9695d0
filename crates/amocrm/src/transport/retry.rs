//! When and how often a failed request is sent again, by what the operation allows.

use std::time::Duration;

use backon::BackoffBuilder;
use reqwest::StatusCode;

/// When and how often a failed request is sent again.
///
#[doc = include_str!("../docs/retries.md")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    min_delay: Duration,
    max_delay: Duration,
    pub(super) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            min_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

/// Longest delay between attempts a policy takes; longer ones are cut to it.
const MAX_DELAY: Duration = Duration::from_secs(3600);

impl RetryPolicy {
    /// Three attempts, 200 ms to 5 s apart, honouring a `Retry-After` of up to 30 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every request is sent once. A `Retry-After` still pauses the client's later
    /// requests.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sends a request at most `attempts` times in all (at least once).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first delay and the largest one, before jitter (at most an hour each).
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min.min(MAX_DELAY);
        self.max_delay = max.min(MAX_DELAY).max(self.min_delay);
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the retries with
    /// [`Error::RateLimited`](crate::Error::RateLimited) (the client still pauses for this long).
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max.min(MAX_DELAY);
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(super) fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }
}

/// What a failure allows, by operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Safety {
    /// GET, DELETE, and the CRM's updates (a PATCH writes the same values again): any
    /// transport error, 5xx, 429.
    Idempotent,
    /// Install, the CRM's adds (and any other POST): 429 or a connection that never
    /// carried the request. Never after the body may have been sent (a reset, a
    /// timeout, a 5xx): amoCRM has no idempotency key, an add sent twice is two entities.
    Post,
    /// Bot continue: only a connection that never carried the request.
    Once,
}

impl Safety {
    pub(super) fn of(operation_id: &str, method: &reqwest::Method) -> Safety {
        match operation_id {
            "continue_bot" => Safety::Once,
            "update_leads"
            | "update_lead"
            | "update_contacts"
            | "update_contact"
            | "update_companies"
            | "update_company"
            | "update_tasks"
            | "update_task"
            | "update_notes"
            | "update_entity_notes"
            | "update_entity_note" => Safety::Idempotent,
            // A tag name the dictionary has is answered with its ID, not added again; an
            // unlink of what is not linked changes nothing.
            "add_tags" | "unlink_entity" | "unlink_entities" => Safety::Idempotent,
            "update_pipeline" | "update_status" => Safety::Idempotent,
            _ if method == reqwest::Method::GET || method == reqwest::Method::DELETE => {
                Safety::Idempotent
            }
            _ => Safety::Post,
        }
    }

    pub(super) fn retries_status(self, status: StatusCode) -> bool {
        match self {
            Safety::Idempotent => {
                status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
            }
            Safety::Post => status == StatusCode::TOO_MANY_REQUESTS,
            Safety::Once => false,
        }
    }

    pub(super) fn retries_error(self, error: &reqwest::Error) -> bool {
        match self {
            // A request that cannot even be built fails the same way every time.
            Safety::Idempotent => !error.is_builder(),
            // `is_connect`: the connection (DNS, TCP, TLS) failed, nothing was written. A
            // pooled connection found closed before the request was written is retried by
            // hyper itself.
            Safety::Post | Safety::Once => error.is_connect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_delays_do_not_overflow() {
        let policy = RetryPolicy::new()
            .delays(Duration::MAX, Duration::MAX)
            .max_retry_after(Duration::MAX);
        assert!(policy.backoff().all(|d| d <= MAX_DELAY * 2));
    }

    #[test]
    fn safety_by_operation() {
        use reqwest::Method;
        assert_eq!(Safety::of("list_widgets", &Method::GET), Safety::Idempotent);
        assert_eq!(
            Safety::of("uninstall_widget", &Method::DELETE),
            Safety::Idempotent
        );
        assert_eq!(Safety::of("install_widget", &Method::POST), Safety::Post);
        assert_eq!(Safety::of("continue_bot", &Method::POST), Safety::Once);
        for add in [
            "add_leads",
            "add_leads_complex",
            "add_contacts",
            "add_companies",
            "add_tasks",
            "add_notes",
            "add_entity_notes",
        ] {
            assert_eq!(Safety::of(add, &Method::POST), Safety::Post);
        }
        for update in [
            "update_leads",
            "update_lead",
            "update_contacts",
            "update_company",
            "update_tasks",
            "update_task",
            "update_notes",
            "update_entity_notes",
            "update_entity_note",
            "update_pipeline",
            "update_status",
        ] {
            assert_eq!(Safety::of(update, &Method::PATCH), Safety::Idempotent);
        }
        assert_eq!(
            Safety::of("an_unlisted_patch", &Method::PATCH),
            Safety::Post
        );
        assert_eq!(Safety::of("add_tags", &Method::POST), Safety::Idempotent);
        assert_eq!(
            Safety::of("unlink_entities", &Method::POST),
            Safety::Idempotent
        );
        assert_eq!(Safety::of("link_entity", &Method::POST), Safety::Post);
        for add in ["add_pipelines", "add_statuses", "add_custom_fields"] {
            assert_eq!(Safety::of(add, &Method::POST), Safety::Post);
        }
        // A batch of definitions may carry new options: not sent twice.
        assert_eq!(
            Safety::of("update_custom_fields", &Method::PATCH),
            Safety::Post
        );
        for status in [500, 502, 503, 504, 429] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(Safety::Idempotent.retries_status(status));
            assert!(!Safety::Once.retries_status(status));
            assert_eq!(Safety::Post.retries_status(status), status == 429);
        }
        for status in [200, 204, 400, 401, 403, 404] {
            let status = StatusCode::from_u16(status).unwrap();
            assert!(!Safety::Idempotent.retries_status(status));
            assert!(!Safety::Post.retries_status(status));
        }
    }
}
