//! The request path: every request of the raw client goes through this crate's
//! transport: the bearer token (refreshed once on a 401), the pacer, retries by the
//! [`RetryPolicy`], and a fully read body (at most [`MAX_RESPONSE_BYTES`]; a connection lost
//! mid-body can be retried too). Its outcome is a response of a non-error status, or a
//! typed [`Error`]: an error status classified, a body too large, no token.
//! [`Error::from_raw`] takes that outcome back out of a raw call.

mod block;
mod connections;
mod response;
mod retry;

use std::sync::Arc;
use std::time::{Duration, Instant};

use amocrm_raw::{Exec, ExecError, ExecFuture};
use progenitor_client::OperationInfo;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::auth::provider::TokenProvider;
use crate::error::Error;
use crate::observe::{self, Call, Outcome, RetryReason};
use crate::pace::Pacer;
use response::{gone, retry_after_body, retry_after_header};
use retry::Safety;

pub use block::DEFAULT_BLOCK_PAUSE;
pub(crate) use response::error_response;
pub use retry::RetryPolicy;

/// The [`Exec`] of the ergonomic client.
#[derive(Debug)]
pub(crate) struct Transport {
    auth: Arc<dyn TokenProvider>,
    pacer: Arc<dyn Pacer>,
    /// The account key of the pacer: the client's base URL.
    account: String,
    retry: RetryPolicy,
    /// The account's block, as this client saw it.
    block: block::BlockWatch,
    /// The account and host the spans name.
    target: observe::Target,
    /// The connections its requests came back over (a new one: `Pacer::reached_late`).
    connections: connections::Connections,
}

/// The largest response body the client reads (a page of 250 widgets is ~115 kB); a
/// larger one ends the call with [`Error::ResponseTooLarge`] instead of filling
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
            let error = error_response(self.status.as_u16(), &self.headers, self.body);
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
        block_pause: Duration,
    ) -> Arc<Self> {
        Arc::new(Transport {
            auth,
            pacer,
            target: observe::Target::new(&account),
            account,
            retry,
            block: block::BlockWatch::new(block_pause),
            connections: connections::Connections::default(),
        })
    }

    /// A slot from the pacer; a blocked account (seen by this client, or by any holder of
    /// the pacer) fails at once, nothing sent.
    async fn slot(&self) -> Result<(), ExecError> {
        self.block.check().map_err(hook)?;
        self.pacer.acquire(&self.account).await.map_err(|error| {
            hook(match error.blocked_for() {
                Some(left) => Error::AccountBlocked { left },
                None => Error::Pace(error),
            })
        })
    }

    /// Fails at once when the account is blocked, as this client saw it or as the pacer
    /// says (every holder's block, a fleet's on a shared engine), without taking a slot:
    /// asked before a token renewal may be sent, which reaches the account's host outside
    /// the slots.
    async fn not_blocked(&self) -> Result<(), ExecError> {
        self.block.check().map_err(hook)?;
        match self.pacer.blocked(&self.account).await {
            Ok(None) => Ok(()),
            Ok(Some(left)) => Err(hook(Error::AccountBlocked { left })),
            Err(error) => Err(hook(Error::Pace(error))),
        }
    }

    /// The account is blocked: paused through the pacer for every holder, and this call
    /// fails with the time left.
    async fn blocked(&self, seen: block::Blocked) -> ExecError {
        let pause = seen.pause;
        if seen.new {
            tracing::warn!(
                pause_s = pause.as_secs(),
                "amoCRM blocked the account (403); no request is sent for it during the pause"
            );
            observe::accounts_blocked();
        }
        if let Err(error) = self.pacer.block(&self.account, pause).await {
            return hook(Error::Pace(error));
        }
        hook(Error::AccountBlocked { left: pause })
    }

    /// Reads `response` whole; one that came over a new connection first tells the pacer
    /// the request may have reached the server only now (its answer is here, so it
    /// arrived by now): the connection's setup delayed it past its slot. A pacer that
    /// cannot record it does not fail the call (its answer is here).
    async fn counted(&self, response: reqwest::Response) -> reqwest::Result<Option<Read>> {
        if self.connections.is_new(&response)
            && let Err(error) = self.pacer.reached_late(&self.account).await
        {
            tracing::warn!(error = %error, "the pacer could not count a request on a new connection");
        }
        buffered(response).await
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
        observed: &observe::Attempt,
        call: &mut Call,
    ) -> Result<(Attempt, SecretString), ExecError> {
        // Asked once before the slot too: a token due for renewal is renewed (or missing
        // tokens fail) before the wait, not in the slot, which would push the request
        // past its place in the schedule.
        // A renewal is a request to the account's host too: never for a blocked account.
        match self.auth.fresh_token() {
            Some(_) => self.block.check().map_err(hook)?,
            None => {
                self.not_blocked().await?;
                self.auth.access_token().await.map_err(hook)?;
            }
        }
        let asked = Instant::now();
        self.slot().await?;
        observed.paced(asked.elapsed());
        let token = self.auth.access_token().await.map_err(hook)?;
        let bearer = bearer_header(&token).ok_or_else(|| {
            hook(Error::Config(
                "the token has characters that cannot be sent in a header".into(),
            ))
        })?;
        request.headers_mut().insert(AUTHORIZATION, bearer);
        // Every refusal above sent nothing; from here the request counts as sent.
        call.sent();
        let attempt = match client.execute(request).await {
            Ok(response) => match self.counted(response).await {
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
        call: &mut Call,
    ) -> Result<reqwest::Response, ExecError> {
        let (first, again) = match request.try_clone() {
            Some(copy) => (copy, Some(request)),
            None => (request, None),
        };
        // Whether an attempt may have been carried out (answer lost, a 5xx): a DELETE's
        // later 404 is then the delete done, across a refresh too.
        let mut maybe_done = false;
        let (read, token) = self
            .send_paced(client, first, info, call, &mut maybe_done)
            .await?;
        if read.status == StatusCode::UNAUTHORIZED
            && let Some(again) = again
        {
            // Another holder may have seen the account blocked since the request left.
            self.not_blocked().await?;
            if !self.auth.refresh(&token).await.map_err(hook)? {
                return read.outcome();
            }
            tracing::info!(operation = info.operation_id, "token refreshed; resending");
            call.refreshed();
            return self
                .send_paced(client, again, info, call, &mut maybe_done)
                .await?
                .0
                .outcome();
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
        call: &mut Call,
        maybe_done: &mut bool,
    ) -> Result<(Read, SecretString), ExecError> {
        let safety = Safety::of(info.operation_id, request.method());
        let delete = request.method() == reqwest::Method::DELETE;
        let mut backoff = self.retry.backoff();
        let mut attempt = 1u32;
        loop {
            // A body that cannot be copied (a stream) is sent once, never retried.
            let (this, spare) = match request.try_clone() {
                Some(copy) => (copy, Some(request)),
                None => (request, None),
            };
            let observed = call.attempt();
            let (attempt_result, token) = self
                .attempt(client, this, &observed, call)
                .instrument(observed.span().clone())
                .await?;
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
            // The answer is recorded first: a block or a pacer that fails below ends the
            // call, and the answer was had all the same.
            match &result {
                Ok(read) => {
                    observed.answered(read.status.as_u16());
                    call.answered(read.status.as_u16());
                }
                Err(_) => observed.failed(),
            }
            if let Ok(read) = &result
                && let Some(seen) = self.block.saw(read.status, &read.headers, &read.body)
            {
                return Err(self.blocked(seen).await);
            }
            let result = match result {
                Ok(read) if delete && *maybe_done && read.status == StatusCode::NOT_FOUND => {
                    tracing::info!(
                        operation = info.operation_id,
                        attempt,
                        "DELETE retried: gone"
                    );
                    Ok(gone(read))
                }
                other => other,
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
                    error = %observe::transport_error(error),
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
            observed.retried(match &result {
                Ok(read) => {
                    RetryReason::of_status(read.status.as_u16()).unwrap_or(RetryReason::Transport)
                }
                Err(_) => RetryReason::Transport,
            });
            tracing::info!(
                operation = info.operation_id,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying amoCRM request"
            );
            *maybe_done |= match &result {
                Ok(read) => read.status.is_server_error(),
                // A connection that failed before the request was sent carried nothing.
                Err(error) => !error.is_connect(),
            };
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
        let mut call = Call::start(info.operation_id, request.method().as_str(), &self.target);
        let span = call.span().clone();
        Box::pin(
            async move {
                let result = self.send(client, request, info, &mut call).await;
                let outcome = outcome_of(&result, call.last_status());
                call.finish(outcome);
                result
            }
            .instrument(span),
        )
    }
}

/// How a call ended, for its span and metrics: the status of the response returned, or
/// of the API's last answer (`last`: none when the call was refused before sending, or its
/// last request got no answer; never a token endpoint's), and the error's kind.
fn outcome_of(result: &Result<reqwest::Response, ExecError>, last: Option<u16>) -> Outcome {
    match result {
        Ok(response) => Outcome {
            status: Some(response.status().as_u16()),
            error: None,
        },
        Err(ExecError::Hook(error)) => match error.downcast_ref::<Error>() {
            Some(error) => Outcome {
                status: last,
                error: Some(error.kind().as_str()),
            },
            None => Outcome {
                status: last,
                error: Some("_OTHER"),
            },
        },
        Err(ExecError::Http(_)) => Outcome {
            status: last,
            error: Some("Transport"),
        },
    }
}

/// `Bearer {token}`, for a token of visible ASCII only (what RFC 6750's `b64token` is
/// made of): the `http` crate takes bytes ≥ 0x80 in a header as they are, so a token
/// holding any would be sent as raw bytes rather than refused.
fn bearer_header(token: &SecretString) -> Option<HeaderValue> {
    let token = token.expose_secret();
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
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
    let declared = response.content_length().unwrap_or(0).min(1 << 20) as usize;
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    // A body that comes in one chunk (most do) is kept as it came, not copied; only a
    // second chunk starts a buffer.
    let mut first: Option<bytes::Bytes> = None;
    let mut joined: Option<bytes::BytesMut> = None;
    let mut read = 0usize;
    while let Some(chunk) = response.chunk().await? {
        read += chunk.len();
        if read > MAX_RESPONSE_BYTES {
            return Ok(None);
        }
        if let Some(buffer) = joined.as_mut() {
            buffer.extend_from_slice(&chunk);
        } else if let Some(head) = first.take() {
            let mut buffer = bytes::BytesMut::with_capacity(declared.max(read));
            buffer.extend_from_slice(&head);
            buffer.extend_from_slice(&chunk);
            joined = Some(buffer);
        } else {
            first = Some(chunk);
        }
    }
    let mut body = match (joined, first) {
        (Some(buffer), _) => buffer.freeze(),
        (None, Some(chunk)) => chunk,
        (None, None) => bytes::Bytes::new(),
    };
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
