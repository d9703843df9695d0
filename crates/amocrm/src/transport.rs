//! Every request of the raw client goes through [`Transport`]: bearer token, rate limiter,
//! retries, and a fully read body (so a connection lost mid-body can be retried too).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use amocrm_raw::{Exec, ExecFuture};
use backon::BackoffBuilder;
use governor::{DefaultDirectRateLimiter, Quota};
use progenitor_client::OperationInfo;
use reqwest::header::{AUTHORIZATION, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

tokio::task_local! {
    /// The call in progress, set by `Client::call`.
    pub(crate) static CALL: CallContext;
}

/// What `Client::call` hands to the transport, and what the transport hands back.
pub(crate) struct CallContext {
    bearer: Option<HeaderValue>,
    /// Status of the last response, for raw errors that do not carry one.
    pub(crate) status: Arc<AtomicU16>,
}

impl CallContext {
    /// `None` when the token cannot be sent in a header.
    pub(crate) fn new(token: &SecretString) -> Option<Self> {
        Some(CallContext {
            bearer: Some(bearer_header(token)?),
            status: Arc::new(AtomicU16::new(0)),
        })
    }
}

/// How many requests per second the client sends at most. amoCRM allows 7 per second per
/// integration and blocks accounts that keep exceeding it. Clones of a client share one
/// limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    per_second: NonZeroU32,
}

impl RateLimit {
    /// amoCRM's limit: 7 requests per second.
    pub const AMOCRM: RateLimit = RateLimit {
        per_second: NonZeroU32::new(7).expect("7 is not zero"),
    };

    /// At most `per_second` requests per second; `None` for 0.
    pub fn per_second(per_second: u32) -> Option<RateLimit> {
        NonZeroU32::new(per_second).map(|per_second| RateLimit { per_second })
    }

    /// Requests per second.
    pub fn requests_per_second(&self) -> u32 {
        self.per_second.get()
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::AMOCRM
    }
}

/// When and how often a failed request is sent again.
///
/// Only where it is safe: `GET` and `DELETE` on connection errors, 5xx and 429; `POST
/// /widgets/{code}` only on 429 or a connection that failed before the request was sent;
/// the bot continue call only when the connection failed before sending, so it is never
/// delivered twice. Delays grow exponentially with jitter; a `Retry-After` from the server
/// wins over the computed delay.
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

impl RetryPolicy {
    /// Three attempts, 200 ms to 5 s apart, honouring a `Retry-After` of up to 30 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every request is sent once.
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

    /// The first delay and the largest one.
    pub fn delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max.max(min);
        self
    }

    /// The longest `Retry-After` the client waits for; a longer one ends the retries with
    /// [`crate::Error::RateLimited`].
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> + Send {
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
    /// Install: 429 or a connection that never carried the request.
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

    fn retries_status(self, status: reqwest::StatusCode) -> bool {
        match self {
            Safety::Idempotent => status.is_server_error() || status == 429,
            Safety::Post => status == 429,
            Safety::Once => false,
        }
    }

    fn retries_error(self, error: &reqwest::Error) -> bool {
        match self {
            Safety::Idempotent => true,
            Safety::Post | Safety::Once => error.is_connect(),
        }
    }
}

/// The [`Exec`] of the ergonomic client.
#[derive(Debug)]
pub(crate) struct Transport {
    limiter: Option<DefaultDirectRateLimiter>,
    retry: RetryPolicy,
    /// Set by a 429 with `Retry-After`: no request of this client leaves before it.
    paused_until: Mutex<Option<Instant>>,
}

impl Transport {
    pub(crate) fn new(rate_limit: Option<RateLimit>, retry: RetryPolicy) -> Arc<Self> {
        let limiter = rate_limit.map(|limit| {
            // A burst of one: requests are spaced evenly, never 7 at once.
            let quota = Quota::per_second(limit.per_second).allow_burst(NonZeroU32::MIN);
            DefaultDirectRateLimiter::direct(quota)
        });
        Arc::new(Transport {
            limiter,
            retry,
            paused_until: Mutex::new(None),
        })
    }

    async fn wait_for_turn(&self) {
        let paused = *self.paused_until.lock().await;
        if let Some(until) = paused {
            tokio::time::sleep_until(until).await;
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
    }

    async fn pause(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut paused = self.paused_until.lock().await;
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    async fn send(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let safety = Safety::of(info.operation_id, request.method());
        let (bearer, status) = CALL
            .try_with(|call| (call.bearer.clone(), Some(call.status.clone())))
            .unwrap_or((None, None));
        let mut backoff = self.retry.backoff();
        let mut attempt = 1u32;
        loop {
            let mut this = match request.try_clone() {
                Some(copy) => copy,
                None => return client.execute(request).await,
            };
            if let Some(value) = &bearer {
                this.headers_mut().insert(AUTHORIZATION, value.clone());
            }
            self.wait_for_turn().await;
            let (result, retry_after) = match client.execute(this).await {
                Ok(response) => match buffered(response).await {
                    Ok((response, body)) => {
                        let after = (response.status() == 429).then(|| {
                            retry_after_header(response.headers())
                                .or_else(|| retry_after_body(&body))
                        });
                        (Ok(response), after.flatten())
                    }
                    Err(error) => (Err(error), None),
                },
                Err(error) => (Err(error), None),
            };
            if let Some(delay) = retry_after {
                self.pause(delay.min(self.retry.max_retry_after)).await;
            }
            let retryable = match &result {
                Ok(response) => safety.retries_status(response.status()),
                Err(error) => safety.retries_error(error),
            };
            let next_delay = if retryable { backoff.next() } else { None };
            let delay = match (next_delay, retry_after) {
                (None, _) => None,
                (Some(_), Some(after)) if after > self.retry.max_retry_after => None,
                (Some(computed), Some(after)) => Some(computed.max(after)),
                (Some(computed), None) => Some(computed),
            };
            match &result {
                Ok(response) => tracing::debug!(
                    operation = info.operation_id,
                    attempt,
                    status = response.status().as_u16(),
                    "amoCRM response"
                ),
                Err(error) => tracing::debug!(
                    operation = info.operation_id,
                    attempt,
                    error = %error,
                    "amoCRM request failed"
                ),
            }
            if let (Some(status), Ok(response)) = (&status, &result) {
                status.store(response.status().as_u16(), Ordering::Relaxed);
            }
            let Some(delay) = delay else {
                return result;
            };
            tracing::info!(
                operation = info.operation_id,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying amoCRM request"
            );
            tokio::time::sleep(delay).await;
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
/// (retried where safe) rather than of the decoding that follows.
async fn buffered(
    response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, bytes::Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), body))
}

/// `Retry-After` in seconds (amoCRM sends seconds), read from the header.

pub(crate) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    value.parse::<u64>().ok().map(Duration::from_secs)
}

/// `retry_after` from a JSON body, which amoCRM sometimes sends instead of the header.
pub(crate) fn retry_after_body(body: &[u8]) -> Option<Duration> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let seconds = value.get("retry_after")?;
    seconds
        .as_u64()
        .or_else(|| seconds.as_str()?.trim().parse().ok())
        .map(Duration::from_secs)
}
