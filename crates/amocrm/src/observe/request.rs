//! The spans of a call and of its attempts, and what they record at the end.

use std::time::{Duration, Instant};

use tracing::Span;
use tracing::field::Empty;

use super::metric::{self, Outcome};
use super::routes::url_template;

/// What every span of a client's calls says of its account: fixed when it is built.
#[derive(Debug)]
pub(crate) struct Target {
    account: String,
    host: String,
}

impl Target {
    pub(crate) fn new(base_url: &str) -> Self {
        Target {
            account: super::account_label(base_url),
            host: super::server_address(base_url),
        }
    }
}

/// Why an attempt is sent again: a bounded set (a metric label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryReason {
    Status429,
    Status503,
    Status5xx,
    Transport,
}

impl RetryReason {
    pub(crate) fn of_status(status: u16) -> Option<RetryReason> {
        match status {
            429 => Some(RetryReason::Status429),
            503 => Some(RetryReason::Status503),
            500..=599 => Some(RetryReason::Status5xx),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RetryReason::Status429 => "status_429",
            RetryReason::Status503 => "status_503",
            RetryReason::Status5xx => "status_5xx",
            RetryReason::Transport => "transport",
        }
    }
}

/// One operation call: its span (`amocrm.request`), what it counts, when it started.
pub(crate) struct Call {
    span: Span,
    operation: &'static str,
    started: Instant,
    /// Requests sent: an attempt refused before sending (a blocked account, no token, the
    /// pacer's engine down) is not one.
    attempts: u32,
    /// Attempts begun (each with its span), sent or not.
    tries: u32,
    refreshed: bool,
    /// The status of the API's last answer to this call; `None` when the last request
    /// sent got none (or none was sent).
    last_status: Option<u16>,
    finished: bool,
}

impl Call {
    pub(crate) fn start(operation: &'static str, method: &str, target: &Target) -> Call {
        let span = tracing::info_span!(
            "amocrm.request",
            amocrm.operation = operation,
            http.request.method = method,
            url.template = url_template(operation).unwrap_or("_OTHER"),
            server.address = target.host.as_str(),
            amocrm.account = target.account.as_str(),
            http.response.status_code = Empty,
            error.r#type = Empty,
            amocrm.attempts = Empty,
            amocrm.refreshed = Empty,
        );
        Call {
            span,
            operation,
            started: Instant::now(),
            attempts: 0,
            tries: 0,
            refreshed: false,
            last_status: None,
            finished: false,
        }
    }

    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// The next attempt (1-based) and its span, a child of the call's.
    pub(crate) fn attempt(&mut self) -> Attempt {
        self.tries += 1;
        let span = tracing::debug_span!(
            parent: &self.span,
            "amocrm.attempt",
            amocrm.attempt = self.tries,
            amocrm.pace_wait_ms = Empty,
            amocrm.retry_reason = Empty,
            http.response.status_code = Empty,
            error.r#type = Empty,
        );
        Attempt {
            span,
            operation: self.operation,
        }
    }

    /// A 401 was cured by a refresh: the request is sent again.
    pub(crate) fn refreshed(&mut self) {
        self.refreshed = true;
    }

    /// The attempt's request is being sent: it counts as one of the call's requests.
    pub(crate) fn sent(&mut self) {
        self.attempts += 1;
        self.last_status = None;
    }

    /// The API answered the request sent last with `status`.
    pub(crate) fn answered(&mut self, status: u16) {
        self.last_status = Some(status);
    }

    /// The status of the API's last answer to this call, if the last request sent got one.
    pub(crate) fn last_status(&self) -> Option<u16> {
        self.last_status
    }

    /// Records how the call ended, on its span and in the metrics.
    pub(crate) fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        self.finished = true;
        if let Some(status) = outcome.status {
            self.span.record("http.response.status_code", status);
        }
        if let Some(error) = outcome.error {
            self.span.record("error.type", error);
        }
        self.span.record("amocrm.attempts", self.attempts);
        self.span.record("amocrm.refreshed", self.refreshed);
        metric::request(self.operation, outcome, self.started);
    }
}

/// A call dropped before it ended (its future cancelled, e.g. by a timeout) is recorded
/// as cancelled: no status, error type `Cancelled`, the time it ran.
impl Drop for Call {
    fn drop(&mut self) {
        if !self.finished {
            self.record(Outcome {
                status: None,
                error: Some("Cancelled"),
            });
        }
    }
}

/// One attempt of a call: its span (`amocrm.attempt`).
pub(crate) struct Attempt {
    span: Span,
    operation: &'static str,
}

impl Attempt {
    pub(crate) fn span(&self) -> &Span {
        &self.span
    }

    /// The attempt waited `wait` for its slot.
    pub(crate) fn paced(&self, wait: Duration) {
        self.span.record("amocrm.pace_wait_ms", duration_ms(wait));
        metric::pace_wait(wait);
    }

    /// The attempt's answer.
    pub(crate) fn answered(&self, status: u16) {
        self.span.record("http.response.status_code", status);
        if status >= 400 {
            // OpenTelemetry's convention for an error status: the status code itself.
            self.span
                .record("error.type", tracing::field::display(status));
        }
        if status == 429 {
            metric::rate_limited(self.operation);
        }
    }

    /// The attempt got no answer.
    pub(crate) fn failed(&self) {
        self.span.record("error.type", "Transport");
    }

    /// The attempt is sent again, for `reason`.
    pub(crate) fn retried(&self, reason: RetryReason) {
        self.span.record("amocrm.retry_reason", reason.as_str());
        metric::retry(reason.as_str());
    }
}

/// The span of one token refresh; `amocrm.refresh.outcome` is recorded when it ends.
pub(crate) fn refresh_span(account: &str) -> Span {
    tracing::info_span!(
        "amocrm.token_refresh",
        amocrm.account = account,
        amocrm.refresh.outcome = Empty,
    )
}

/// The span of one wait for the token store's lock; `amocrm.lock_wait_ms` is recorded
/// when the lock is had (or the wait fails).
pub(crate) fn lock_span(account: &str) -> Span {
    tracing::debug_span!(
        "amocrm.store_lock",
        amocrm.account = account,
        amocrm.lock_wait_ms = Empty,
    )
}

/// The span of one batch of the batch writer; the counts are recorded when it is done.
pub(crate) fn batch_span(entity: &'static str, size: usize) -> Span {
    tracing::info_span!(
        "amocrm.batch",
        amocrm.entity = entity,
        amocrm.batch.size = size,
        amocrm.batch.written = Empty,
        amocrm.batch.refused = Empty,
        amocrm.batch.unknown = Empty,
        amocrm.batch.failed = Empty,
    )
}

pub(crate) fn duration_ms(wait: Duration) -> u64 {
    u64::try_from(wait.as_millis()).unwrap_or(u64::MAX)
}
