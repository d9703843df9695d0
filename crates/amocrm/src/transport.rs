//! Every request of the raw client goes through [`Transport`]: bearer token (refreshed
//! once on a 401), rate limiter, retries, and a fully read body (so a connection lost
//! mid-body can be retried too). Its outcome is a response of a non-error status, or a
//! typed [`Error`]: an error status classified, a body too large, no token.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use amocrm_raw::{Exec, ExecError, ExecFuture};
use backon::BackoffBuilder;
use progenitor_client::OperationInfo;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::auth::TokenProvider;
use crate::error::Error;
use crate::response::{retry_after_body, retry_after_header};

/// How much longer than one second the limiter makes its window: `n + 1` requests of a
/// client limited to `n` per second always span more than a second even when the network
/// delays the first of them by up to this much more than the last. 10 ms keeps amoCRM's
/// 7/s at 6.93 requests/s achieved (BENCHMARKS.md: 0 answers 429 against a strict sliding
/// window); a network whose delays vary more sees an occasional 429, which the client
/// waits out (`Retry-After`) and retries where safe.
const JITTER_MARGIN: Duration = Duration::from_millis(10);

/// How many requests per second the client sends at most. amoCRM allows 7 per second per
/// integration and blocks accounts that keep exceeding it. Clones of a client share one
/// limiter.
///
/// Requests are spaced evenly, never sent in a burst: a client limited to `n` per second
/// sends one every `(1 s + 10 ms) / n` at most (144.3 ms for amoCRM's 7), so that no window
/// of one second can hold more than `n` of them at the server, even with some network
/// jitter. Retries count like any other request. After a `Retry-After` pause the requests
/// that waited leave one interval apart again, never together.
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

    /// The shortest time between two requests: `(1 s + 10 ms) / n`, rounded up to the
    /// nanosecond.
    pub fn interval(&self) -> Duration {
        let window = (Duration::from_secs(1) + JITTER_MARGIN).as_nanos();
        let n = u128::from(self.per_second.get());
        let nanos = window.div_ceil(n);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::AMOCRM
    }
}

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

/// When each request of a client (and its clones) may leave: one slot every
/// [`RateLimit::interval`], none during a `Retry-After` pause, and after a pause again one
/// slot an interval, never the queue at once.
///
/// Two operations: [`Pacer::acquire`] waits for a slot, [`Pacer::pause`] stops every slot
/// until an instant. A slot granted before a pause that falls inside it is given up and a
/// new one taken after the pause, behind those already granted there.
#[derive(Debug)]
pub(crate) struct Pacer {
    /// `None`: no spacing, only pauses.
    interval: Option<Duration>,
    schedule: Mutex<Schedule>,
}

/// A slot granted to a request still waiting for it.
struct Booking<'a> {
    pacer: &'a Pacer,
    /// `None` once the request left.
    slot: Option<Instant>,
}

impl Drop for Booking<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            self.pacer.schedule().release(slot, self.pacer.interval);
        }
    }
}

/// The pacer's state.
#[derive(Debug, Default)]
struct Schedule {
    /// The earliest instant the next slot may have; `None` before the first.
    next: Option<Instant>,
    /// No slot before it (a `Retry-After`).
    paused_until: Option<Instant>,
    /// When the last request actually left.
    last: Option<Instant>,
    /// Slots granted whose requests gave up waiting (a dropped future): granted again
    /// first, so that callers who give up leave no gap in the schedule.
    released: std::collections::BTreeSet<Instant>,
}

/// What a request that woke up for its slot does.
#[derive(Debug, PartialEq, Eq)]
enum Turn {
    /// Leave now.
    Go,
    /// The slot is inside a pause set since: take a new one.
    Void,
    /// Another request left less than an interval ago (it or this one woke up late):
    /// wait until then, keeping the slot.
    Wait(Instant),
}

impl Schedule {
    /// A slot no earlier than `now`, the pause's end and the next free one; books it.
    fn grant(&mut self, now: Instant, interval: Option<Duration>) -> Instant {
        let mut slot = now;
        if let Some(until) = self.paused_until {
            slot = slot.max(until);
        }
        // A slot given back that is still ahead and outside any pause comes first.
        self.released = self.released.split_off(&slot);
        if let Some(given_back) = self.released.pop_first() {
            return given_back;
        }
        if let Some(next) = self.next {
            slot = slot.max(next);
        }
        if let Some(interval) = interval {
            // An instant this far ahead does not overflow (the interval is at most 1.01 s);
            // if it did, the slot after it would simply be unbounded: keep the last one.
            self.next = Some(slot.checked_add(interval).unwrap_or(slot));
        }
        slot
    }

    /// The slot of a request that gave up before leaving, to be granted again.
    /// Kept only while it can still be granted: a slot booked ahead (with a limit), and
    /// those past or inside a pause are dropped by the next grant.
    fn release(&mut self, slot: Instant, interval: Option<Duration>) {
        if interval.is_some() {
            self.released.insert(slot);
        }
    }

    /// Whether a slot granted earlier still holds: not inside a pause set since.
    fn holds(&self, slot: Instant) -> bool {
        self.paused_until.is_none_or(|until| slot >= until)
    }

    /// Whether the request of `slot`, awake at `now`, leaves. Slots are booked ahead, so
    /// a request that wakes up late could leave right before the next one: departures are
    /// therefore also kept an interval apart as they happen, which a late wake-up cannot
    /// undo.
    fn depart(&mut self, slot: Instant, now: Instant, interval: Option<Duration>) -> Turn {
        if !self.holds(slot) {
            return Turn::Void;
        }
        if let (Some(last), Some(interval)) = (self.last, interval)
            && let Some(earliest) = last.checked_add(interval)
            && now < earliest
        {
            return Turn::Wait(earliest);
        }
        self.last = Some(now);
        Turn::Go
    }

    /// No slot before `until` (a later pause extends an earlier one, never shortens it);
    /// [`Schedule::grant`] then starts from `until` at the earliest.
    fn pause(&mut self, until: Instant) {
        if self.paused_until.is_none_or(|current| current < until) {
            self.paused_until = Some(until);
        }
    }
}

impl Pacer {
    /// Spaced by `limit`'s interval, or only paused (`None`).
    pub(crate) fn new(limit: Option<RateLimit>) -> Self {
        Pacer {
            interval: limit.map(|limit| limit.interval()),
            schedule: Mutex::new(Schedule::default()),
        }
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until this request may leave.
    pub(crate) async fn acquire(&self) {
        // Dropped before leaving (the caller gave up), the booking gives its slot back.
        let mut booking = Booking {
            pacer: self,
            slot: Some(self.schedule().grant(Instant::now(), self.interval)),
        };
        let mut wake = booking.slot.unwrap_or_else(Instant::now);
        while let Some(slot) = booking.slot {
            // A slot already due leaves without a trip through the timer, which would round
            // it up to its next millisecond tick.
            if wake > Instant::now() {
                tokio::time::sleep_until(wake).await;
            }
            let turn = self.schedule().depart(slot, Instant::now(), self.interval);
            match turn {
                Turn::Go => booking.slot = None,
                // A pause set while waiting voids a slot inside it: take a new one after it.
                Turn::Void => {
                    let slot = self.schedule().grant(Instant::now(), self.interval);
                    booking.slot = Some(slot);
                    wake = slot;
                }
                Turn::Wait(until) => wake = until,
            }
        }
    }

    /// No request leaves before `until`; those after it are spaced again.
    pub(crate) fn pause(&self, until: Instant) {
        self.schedule().pause(until);
    }
}

/// The [`Exec`] of the ergonomic client.
#[derive(Debug)]
pub(crate) struct Transport {
    auth: Arc<dyn TokenProvider>,
    pacer: Pacer,
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
        rate_limit: Option<RateLimit>,
        retry: RetryPolicy,
    ) -> Arc<Self> {
        Arc::new(Transport {
            auth,
            pacer: Pacer::new(rate_limit),
            retry,
        })
    }

    fn pause(&self, delay: Duration) {
        // A pause too long to represent is cut to an hour (the longest a policy waits).
        let now = Instant::now();
        let until = now
            .checked_add(delay)
            .or_else(|| now.checked_add(MAX_DELAY))
            .unwrap_or(now);
        self.pacer.pause(until);
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
        self.pacer.acquire().await;
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
                self.pause(after.min(self.retry.max_retry_after));
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

    /// The slots a schedule grants to `n` requests asking at `now`.
    fn slots(schedule: &mut Schedule, now: Instant, n: usize, every: Duration) -> Vec<Instant> {
        (0..n).map(|_| schedule.grant(now, Some(every))).collect()
    }

    #[test]
    fn slots_are_spaced_by_the_interval_from_now() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let granted = slots(&mut schedule, now, 4, every);
        let expected: Vec<Instant> = (0..4).map(|i| now + every * i).collect();
        assert_eq!(granted, expected);
        assert!(granted.iter().all(|slot| schedule.holds(*slot)));
        // Idle for a while: the next slot is now, not in the past.
        let later = now + Duration::from_secs(5);
        assert_eq!(schedule.grant(later, Some(every)), later);
        assert_eq!(schedule.grant(later, Some(every)), later + every);
        // Without a limit every request may leave at once.
        let mut free = Schedule::default();
        assert_eq!(slots(&mut free, now, 3, Duration::ZERO), vec![now; 3]);
        assert_eq!(free.grant(now, None), now);
        assert_eq!(free.grant(now, None), now);
    }

    #[test]
    fn a_pause_voids_the_slots_inside_it_and_the_queue_is_spaced_after_it() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        // 16 requests queue: slots now, +100 ms, ... +1.5 s.
        let before = slots(&mut schedule, now, 16, every);
        // A 429 with Retry-After: 1 s arrives at once.
        let until = now + Duration::from_secs(1);
        schedule.pause(until);
        let (void, kept): (Vec<Instant>, Vec<Instant>) =
            before.iter().partition(|slot| !schedule.holds(**slot));
        assert_eq!(void.len(), 10, "{void:?}");
        assert!(kept.iter().all(|slot| *slot >= until));
        // Those voided take new slots (in their order), after the ones still held.
        let retaken = slots(&mut schedule, now + every * 3, void.len(), every);
        let mut all: Vec<Instant> = kept.into_iter().chain(retaken).collect();
        all.sort();
        assert!(all[0] >= until);
        for pair in all.windows(2) {
            assert!(pair[1] - pair[0] >= every, "{pair:?}");
        }
        assert_eq!(all.len(), 16);
    }

    #[test]
    fn a_pause_beyond_the_queue_starts_the_schedule_at_its_end() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let before = slots(&mut schedule, now, 3, every);
        let until = now + Duration::from_secs(3);
        schedule.pause(until);
        assert!(before.iter().all(|slot| !schedule.holds(*slot)));
        // A slot is never before the pause's end, whoever asks and when.
        assert_eq!(schedule.grant(now, Some(every)), until);
        assert_eq!(schedule.grant(now + every, Some(every)), until + every);
        assert_eq!(schedule.grant(now, None), until + every * 2);
        // Without a limit, only the pause holds requests back.
        let mut free = Schedule::default();
        free.pause(until);
        assert_eq!(free.grant(now, None), until);
        assert_eq!(free.grant(now, None), until);
        assert!(free.holds(until) && !free.holds(until - Duration::from_nanos(1)));
        // A longer pause after a shorter one extends it.
        let mut extended = Schedule::default();
        extended.pause(now + every);
        extended.pause(until);
        assert!(!extended.holds(until - Duration::from_nanos(1)));
        assert_eq!(extended.grant(now, Some(every)), until);
        // A shorter pause after a longer one shortens nothing.
        schedule.pause(now + Duration::from_secs(1));
        assert!(!schedule.holds(until - Duration::from_nanos(1)));
        assert!(schedule.grant(now, Some(every)) >= until + every * 2);
        // An exact pause end is a valid slot.
        let mut exact = Schedule::default();
        exact.pause(until);
        assert!(exact.holds(until));
    }

    #[test]
    fn departures_stay_an_interval_apart_whoever_wakes_late() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let first = schedule.grant(now, Some(every));
        let second = schedule.grant(now, Some(every));
        // The first wakes 30 ms late; the second on time must wait for a full interval.
        let late = first + Duration::from_millis(30);
        assert_eq!(schedule.depart(first, late, Some(every)), Turn::Go);
        assert_eq!(
            schedule.depart(second, second, Some(every)),
            Turn::Wait(late + every)
        );
        assert_eq!(schedule.depart(second, late + every, Some(every)), Turn::Go);
        // Without a limit only pauses hold a request back.
        let mut free = Schedule::default();
        assert_eq!(free.depart(now, now, None), Turn::Go);
        assert_eq!(free.depart(now, now, None), Turn::Go);
        free.pause(now + every);
        assert_eq!(free.depart(now, now, None), Turn::Void);
        assert_eq!(free.depart(now + every, now + every, None), Turn::Go);
        // A voided slot is voided even when its wait is over.
        schedule.pause(late + every * 5);
        let third = schedule.grant(now, Some(every));
        assert_eq!(third, late + every * 5);
        assert_eq!(schedule.depart(second, third, Some(every)), Turn::Void);
        assert_eq!(schedule.depart(third, third, Some(every)), Turn::Go);
    }

    #[tokio::test]
    async fn acquire_waits_out_a_pause_set_while_it_waited() {
        let pacer = Arc::new(Pacer::new(RateLimit::per_second(100)));
        let started = Instant::now();
        pacer.acquire().await;
        let waiting = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                pacer.acquire().await;
                Instant::now()
            })
        };
        // The second slot is ~10 ms away; a 300 ms pause comes first.
        pacer.pause(started + Duration::from_millis(300));
        let left = waiting.await.unwrap();
        assert!(
            left - started >= Duration::from_millis(300),
            "{:?}",
            left - started
        );
    }

    #[test]
    fn a_slot_given_back_is_granted_again_and_none_outside_the_schedule() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let booked = slots(&mut schedule, now, 5, every);
        // The waiters of the last three give up, in any order: their slots are free again.
        for slot in [booked[3], booked[2], booked[4]] {
            schedule.release(slot, Some(every));
        }
        let again = slots(&mut schedule, now, 4, every);
        assert_eq!(
            again,
            vec![booked[2], booked[3], booked[4], now + every * 5]
        );
        // A slot given back inside a pause, or already past, is not granted again.
        let mut paused = Schedule::default();
        let booked = slots(&mut paused, now, 3, every);
        paused.release(booked[0], Some(every));
        paused.release(booked[2], Some(every));
        paused.pause(now + every * 2 + Duration::from_millis(1));
        assert_eq!(paused.grant(now, Some(every)), now + every * 3);
        // Without a limit nothing is booked, so nothing is given back.
        let mut free = Schedule::default();
        free.release(now, None);
        assert_eq!(free.grant(now + every, None), now + every);
        assert!(free.released.is_empty());
    }

    #[tokio::test]
    async fn waiters_that_give_up_leave_no_gap_in_the_schedule() {
        // 10/s: slots 101 ms apart. 30 requests queue, 29 of them give up after 150 ms
        // (a caller's timeout): the next request must not wait behind their slots (~3 s).
        let pacer = Arc::new(Pacer::new(RateLimit::per_second(10)));
        let waiters: Vec<_> = (0..30)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    tokio::time::timeout(Duration::from_millis(150), pacer.acquire())
                        .await
                        .is_ok()
                })
            })
            .collect();
        let mut left = 0;
        for waiter in waiters {
            left += usize::from(waiter.await.unwrap());
        }
        assert!(left <= 3, "{left}");
        let asked = Instant::now();
        pacer.acquire().await;
        let waited = asked.elapsed();
        assert!(waited < Duration::from_millis(600), "{waited:?}");
    }

    #[test]
    fn huge_pauses_do_not_overflow() {
        let transport = Transport::new(
            Arc::new(crate::auth::StaticToken::new("t")),
            None,
            RetryPolicy::new(),
        );
        transport.pause(Duration::MAX);
        transport.pause(Duration::from_secs(u64::MAX / 2));
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
