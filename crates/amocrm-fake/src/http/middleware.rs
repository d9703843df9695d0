//! What every API request of an account goes through before its route: it is recorded (raw
//! URI as received, body included), a strict `Accept` is checked, the rate limit applied;
//! every answer is dated by the account's clock.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::negotiate::accepts_amocrm_media_types;
use crate::model::lock;
use crate::model::problem::Problem;
use crate::model::record::{NoWholeAnswer, RecordedRequest};
use crate::model::standing::{BLOCK_PAGE, Refusal};
use crate::model::tenant::Tenant;

/// Bodies up to this size are recorded (axum's default limit for a body extractor).
const RECORDED_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Records the request, answers 406 to an `Accept` a strict server refuses and 429 past the
/// rate limit, and otherwise lets the route answer. The request arrived when its head
/// reached this middleware: that one instant is its recorded `received_at` and the one the
/// rate limit counts, whatever the body's reading and the recording cost after it (the
/// window judged a request at the end of its body before, later than the arrival tests
/// measure). Every answer carries `Date` from the
/// account's [`FakeClock`](crate::FakeClock), as amoCRM's carries its own clock (a client
/// syncing by `updated_at` reads "now" there), not the system's.
pub(crate) async fn record_and_limit(
    State(tenant): State<Arc<Tenant>>,
    req: Request,
    next: Next,
) -> Response {
    let arrived = Instant::now();
    let now = tenant.clock.now();
    let mut resp = admit(tenant, req, next, arrived).await;
    let date = std::time::UNIX_EPOCH + std::time::Duration::from_secs(now.unsigned_abs());
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(date)) {
        resp.headers_mut().insert(header::DATE, value);
    }
    resp
}

/// Records the request (when the account records) as arrived at `arrived` and answers it;
/// the recorded entry gets the answer's status.
async fn admit(tenant: Arc<Tenant>, req: Request, next: Next, arrived: Instant) -> Response {
    let (req, slot) = if tenant.record {
        // Under a nested account the URI has lost its prefix; record the one on the wire.
        let uri = req
            .extensions()
            .get::<OriginalUri>()
            .map_or_else(|| req.uri().clone(), |original| original.0.clone());
        let (parts, body) = req.into_parts();
        let body = match axum::body::to_bytes(body, RECORDED_BODY_LIMIT).await {
            Ok(body) => body,
            Err(_) => {
                return Problem::new(
                    413,
                    "Failed to buffer the request body: length limit exceeded",
                )
                .into_response();
            }
        };
        let recorded = RecordedRequest::from_parts(
            &parts.method,
            &uri,
            &parts.headers,
            tenant.name.as_deref(),
            &body,
            arrived,
        );
        let slot = recorded.answer_slot();
        lock(&tenant.requests).push(recorded);
        (Request::from_parts(parts, Body::from(body)), Some(slot))
    } else {
        (req, None)
    };
    let resp = gate(&tenant, req, next, arrived).await;
    if let Some(slot) = slot
        && resp.extensions().get::<NoWholeAnswer>().is_none()
    {
        let _ = slot.set(resp.status().as_u16());
    }
    resp
}

/// A strict `Accept`, the account's standing and its rate limit (counting the request at
/// `arrived`), then the route.
async fn gate(tenant: &Tenant, req: Request, next: Next, arrived: Instant) -> Response {
    if tenant.strict_accept
        && req.uri().path().starts_with("/api/")
        && !accepts_amocrm_media_types(req.headers())
    {
        return Problem::new(
            406,
            "Accept must admit application/hal+json and application/problem+json",
        )
        .into_response();
    }
    let refusal = lock(&tenant.standing).next();
    if let Some(refusal) = refusal {
        return refused(refusal);
    }
    if let Some(limiter) = &tenant.limiter
        && !lock(limiter).try_acquire(arrived)
    {
        let mut resp = Problem::new(429, "Too many requests: the rate limit has been exceeded")
            .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return resp;
    }
    next.run(req).await
}

/// What a blocked or unpaid account answers instead of the route.
fn refused(refusal: Refusal) -> Response {
    match refusal {
        Refusal::TooManyRequests => {
            Problem::new(429, "Too many requests: the rate limit has been exceeded").into_response()
        }
        Refusal::BlockPage => (
            axum::http::StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/html")],
            BLOCK_PAGE,
        )
            .into_response(),
        Refusal::PaymentRequired => Problem::new(402, "Payment Required").into_response(),
    }
}
