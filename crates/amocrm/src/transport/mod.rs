//! Every request of the raw client goes through [`Transport`]: bearer token (refreshed
//! once on a 401), rate limiter, retries, and a fully read body (so a connection lost
//! mid-body can be retried too). Its outcome is a response of a non-error status, or a
//! typed [`Error`]: an error status classified, a body too large, no token.

use std::sync::Arc;
use std::time::Duration;

use amocrm_raw::{Exec, ExecError, ExecFuture};
use backon::BackoffBuilder;
use progenitor_client::OperationInfo;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::TokenProvider;
use crate::error::Error;
use crate::pace::Pacer;
use crate::response::{retry_after_body, retry_after_header};

/// When and how often a failed request is sent again.
///
/// Only where it is safe:
///
/// * `GET` and `DELETE` (list, get, uninstall): on connection errors and timeouts, a body
///   cut short, 5xx and 429;
/// * `POST /widgets/{code}` (install): only on 429 or a connection that failed before the
///   request was sent;
/// * the bot continue call: only when the connection failed before the request was sent,
///   so it is never delivered twice.
///
/// Delays grow exponentially from the first delay to the largest, and jitter adds up to as
/// much again to each. A `Retry-After` from the server (429 or 503) wins over the computed
/// delay and pauses every request of the client (and its clones) until it has passed.
///
/// ```
/// use std::time::Duration;
/// use amocrm::RetryPolicy;
///
/// let policy = RetryPolicy::new()
///     .max_attempts(5)
///     .delays(Duration::from_millis(100), Duration::from_secs(2));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(RetryPolicy::disabled().attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    min_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
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
    /// [`crate::Error::RateLimited`] (the client still pauses for this long).
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max.min(MAX_DELAY);
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
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
enum Safety {
    /// GET, DELETE: any transport error, 5xx, 429.
    Idempotent,
    /// Install (and any other POST): 429 or a connection that never carried the request.
    Post,
    /// Bot continue: only a connection that never carried the request.
    Once,
}

impl Safety {
    fn of(operation_id: &str, method: &reqwest::Method) -> Safety {
        match operation_id {
            "continue_bot" => Safety::Once,
            _ if method == reqwest::Method::GET || method == reqwest::Method::DELETE => {
                Safety::Idempotent
            }
            _ => Safety::Post,
        }
    }

    fn retries_status(self, status: StatusCode) -> bool {
        match self {
            Safety::Idempotent => {
                status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS
            }
            Safety::Post => status == StatusCode::TOO_MANY_REQUESTS,
            Safety::Once => false,
        }
    }

    fn retries_error(self, error: &reqwest::Error) -> bool {
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

/// The [`Exec`] of the ergonomic client.
#[derive(Debug)]
pub(crate) struct Transport {
    auth: Arc<dyn TokenProvider>,
    pacer: Arc<dyn Pacer>,
    /// The account key of the pacer: the client's base URL.
    account: String,
    retry: RetryPolicy,
}

/// The largest response body the client reads (a page of 250 widgets is ~115 kB); a
/// larger one ends the call with [`crate::Error::ResponseTooLarge`] instead of filling
/// memory.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// A response read whole.
struct Read {
    status: StatusCode,
    version: http::Version,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
}

impl Read {
    /// The server's `Retry-After` (429 and 503 only).
    fn retry_after(&self) -> Option<Duration> {
        (self.status == StatusCode::TOO_MANY_REQUESTS
            || self.status == StatusCode::SERVICE_UNAVAILABLE)
            .then(|| retry_after_header(&self.headers).or_else(|| retry_after_body(&self.body)))
            .flatten()
    }

    /// What the generated client gets: the response for a status below 400, the typed
    /// error of an error status (whatever its body: a problem, an HTML page, nothing).
    fn outcome(self) -> Result<reqwest::Response, ExecError> {
        if self.status.as_u16() >= 400 {
            let error =
                crate::response::error_response(self.status.as_u16(), &self.headers, self.body);
            return Err(hook(error));
        }
        let mut rebuilt = http::Response::new(self.body);
        *rebuilt.status_mut() = self.status;
        *rebuilt.version_mut() = self.version;
        *rebuilt.headers_mut() = self.headers;
        Ok(reqwest::Response::from(rebuilt))
    }
}

/// One attempt's outcome: a response read whole, or why there is none.
enum Attempt {
    Read(Read),
    Failed(reqwest::Error),
    TooLarge,
}

/// The typed outcome handed through the generated client.
fn hook(error: Error) -> ExecError {
    ExecError::Hook(Box::new(error))
}

impl Transport {
    pub(crate) fn new(
        auth: Arc<dyn TokenProvider>,
        pacer: Arc<dyn Pacer>,
        account: String,
        retry: RetryPolicy,
    ) -> Arc<Self> {
        Arc::new(Transport {
            auth,
            pacer,
            account,
            retry,
        })
    }

    /// Tells the pacer the server asked for a pause; a pacer that cannot record it fails
    /// the request (its engine is down: the next slot could not be had either).
    async fn pause(&self, delay: Duration) -> Result<(), ExecError> {
        self.pacer
            .pause(&self.account, delay)
            .await
            .map_err(|error| hook(Error::Pace(error)))
    }

    /// Waits for a slot, then sends `request` with the token current at that moment (a
    /// request may wait seconds for its slot, or a `Retry-After`: a token taken when it
    /// was queued may have been renewed meanwhile). Returns the token it was sent with.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
    ) -> Result<(Attempt, SecretString), ExecError> {
        // Asked once before the slot too: a token due for renewal is renewed (or missing
        // tokens fail) before the wait, not in the slot, which would push the request
        // past its place in the schedule.
        self.auth.access_token().await.map_err(hook)?;
        self.pacer
            .acquire(&self.account)
            .await
            .map_err(|error| hook(Error::Pace(error)))?;
        let token = self.auth.access_token().await.map_err(hook)?;
        let bearer = bearer_header(&token).ok_or_else(|| {
            hook(Error::Config(
                "the token has characters that cannot be sent in a header".into(),
            ))
        })?;
        request.headers_mut().insert(AUTHORIZATION, bearer);
        let attempt = match client.execute(request).await {
            Ok(response) => match buffered(response).await {
                Ok(Some(read)) => Attempt::Read(read),
                Ok(None) => Attempt::TooLarge,
                Err(error) => Attempt::Failed(error),
            },
            Err(error) => Attempt::Failed(error),
        };
        Ok((attempt, token))
    }

    /// Sends `request` with the current token; on a 401 asks the token provider to
    /// refresh and, when it did, sends the request once more with the new token (the
    /// server refused the first one, so even a continue body is not delivered twice).
    async fn send(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> Result<reqwest::Response, ExecError> {
        let (first, again) = match request.try_clone() {
            Some(copy) => (copy, Some(request)),
            None => (request, None),
        };
        let (read, token) = self.send_paced(client, first, info).await?;
        if read.status == StatusCode::UNAUTHORIZED
            && let Some(again) = again
            && self.auth.refresh(&token).await.map_err(hook)?
        {
            tracing::info!(operation = info.operation_id, "token refreshed; resending");
            return self.send_paced(client, again, info).await?.0.outcome();
        }
        read.outcome()
    }

    /// Sends `request`, retrying as the policy and the operation allow. Returns the last
    /// response and the token it was sent with.
    async fn send_paced(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(Read, SecretString), ExecError> {
        let safety = Safety::of(info.operation_id, request.method());
        let mut backoff = self.retry.backoff();
        let mut attempt = 1u32;
        loop {
            // A body that cannot be copied (a stream) is sent once, never retried.
            let (this, spare) = match request.try_clone() {
                Some(copy) => (copy, Some(request)),
                None => (request, None),
            };
            let (attempt_result, token) = self.attempt(client, this).await?;
            let result = match attempt_result {
                Attempt::TooLarge => {
                    tracing::warn!(
                        operation = info.operation_id,
                        limit = MAX_RESPONSE_BYTES,
                        "amoCRM response body too large"
                    );
                    return Err(hook(Error::ResponseTooLarge {
                        limit: MAX_RESPONSE_BYTES,
                    }));
                }
                Attempt::Read(read) => Ok(read),
                Attempt::Failed(error) => Err(error),
            };
            let retry_after = result.as_ref().ok().and_then(Read::retry_after);
            if let Some(after) = retry_after {
                self.pause(after.min(self.retry.max_retry_after)).await?;
            }
            match &result {
                Ok(read) => tracing::debug!(
                    operation = info.operation_id,
                    attempt,
                    status = read.status.as_u16(),
                    "amoCRM response"
                ),
                Err(error) => tracing::debug!(
                    operation = info.operation_id,
                    attempt,
                    error = %error,
                    connect = error.is_connect(),
                    timeout = error.is_timeout(),
                    "amoCRM request failed"
                ),
            }
            let retryable = spare.is_some()
                && match &result {
                    Ok(read) => safety.retries_status(read.status),
                    Err(error) => safety.retries_error(error),
                };
            let next_delay = if retryable { backoff.next() } else { None };
            let delay = match (next_delay, retry_after) {
                (None, _) => None,
                (Some(_), Some(after)) if after > self.retry.max_retry_after => None,
                (Some(computed), Some(after)) => Some(computed.max(after)),
                (Some(computed), None) => Some(computed),
            };
            let (Some(delay), Some(spare)) = (delay, spare) else {
                return result.map(|read| (read, token)).map_err(ExecError::Http);
            };
            tracing::info!(
                operation = info.operation_id,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying amoCRM request"
            );
            tokio::time::sleep(delay).await;
            request = spare;
            attempt += 1;
        }
    }
}

impl Exec for Transport {
    fn exec<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        info: &'a OperationInfo,
    ) -> ExecFuture<'a> {
        Box::pin(self.send(client, request, info))
    }
}

fn bearer_header(token: &SecretString) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Reads the whole body, so that a connection lost mid-body is an error of this attempt
/// (retried where safe) rather than of the decoding that follows. `None` when the body is
/// over [`MAX_RESPONSE_BYTES`] (by its `Content-Length` or as it arrives).
async fn buffered(mut response: reqwest::Response) -> reqwest::Result<Option<Read>> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_RESPONSE_BYTES as u64)
    {
        return Ok(None);
    }
    // The declared length is the server's word: reserve at most 1 MiB up front.
    let mut body = bytes::BytesMut::with_capacity(
        response.content_length().unwrap_or(0).min(1 << 20) as usize,
    );
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    let mut body = body.freeze();
    // A byte order mark before the JSON (a PHP file saved with one writes it first):
    // RFC 8259 lets a reader ignore it, and serde_json does not.
    if body.starts_with(b"\xEF\xBB\xBF") {
        body = body.slice(3..);
    }
    Ok(Some(Read {
        status,
        version,
        headers,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pace::RateLimit;
    use reqwest::header::RETRY_AFTER;

    #[test]
    fn interval_leaves_a_margin_and_never_rounds_down() {
        let seven = RateLimit::AMOCRM.interval();
        // (1 s + 10 ms) / 7, rounded up to the nanosecond.
        assert_eq!(seven, Duration::from_nanos(144_285_715));
        assert!(1.0 / seven.as_secs_f64() >= 6.9);
        // Eight requests of a 7/s client span more than a second.
        assert!(seven * 7 > Duration::from_secs(1));
        for n in [1, 3, 7, 9, 10, 13, 100, 1_000, u32::MAX] {
            let limit = RateLimit::per_second(n).unwrap();
            assert!(u128::from(n) * limit.interval().as_nanos() >= 1_010_000_000);
        }
    }

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
