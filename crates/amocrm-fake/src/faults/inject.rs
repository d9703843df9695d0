//! The faults middleware and the broken answers it sends: an error status (problem+json
//! or an HTML page), a reset connection, a truncated body.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::faults::Faults;
use crate::faults::fault::{Action, Fault};
use crate::model::problem::Problem;
use crate::model::record::NoWholeAnswer;

/// Detail of the problem+json body of an injected error status.
const DETAIL: &str = "Fault injected by amocrm-fake";

/// The middleware: waits the latencies, then answers for a fault or lets the route answer.
/// The server's [`Faults`] come with the request (an extension the server adds).
pub(crate) async fn apply(req: Request, next: Next) -> Response {
    let Some(faults) = req.extensions().get::<Faults>().cloned() else {
        return next.run(req).await;
    };
    // Under a nested router the URI has lost its prefix: a route pattern may name either.
    let original = req.extensions().get::<OriginalUri>().map(|uri| uri.path());
    let plan = faults.plan(req.method(), req.uri().path(), original);
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    let Some(fault) = plan.answer else {
        return next.run(req).await;
    };
    match fault.action {
        Action::Status { code, html } => status_answer(&fault, code, html).await,
        Action::Reset => broken(Bytes::new(), None),
        Action::Truncate => truncated(next.run(req).await).await,
        Action::Cut => {
            // The route runs to the end (its write applied); its answer is dropped.
            drop(next.run(req).await);
            broken(Bytes::new(), None)
        }
        // Latencies never answer.
        Action::Latency { .. } => next.run(req).await,
    }
}

async fn status_answer(fault: &Fault, code: u16, html: bool) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if html {
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            html_page(status),
        )
            .into_response()
    } else {
        let resp = Problem::new(status.as_u16(), DETAIL).into_response();
        match fault.retry_after_body {
            Some(secs) => with_body_field(resp, "retry_after", secs.into()).await,
            None => resp,
        }
    };
    if let Some(secs) = fault.retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// The page nginx writes for an error status.
fn html_page(status: StatusCode) -> String {
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    format!(
        "<html>\r\n<head><title>{line}</title></head>\r\n<body>\r\n<center><h1>{line}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

/// Adds a top-level field to a response's JSON object body.
async fn with_body_field(resp: Response, name: &str, value: serde_json::Value) -> Response {
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut json: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if let Some(object) = json.as_object_mut() {
        object.insert(name.to_owned(), value);
    }
    let bytes = serde_json::to_vec(&json).unwrap_or_default();
    let mut resp = Response::from_parts(parts, Body::from(bytes));
    resp.headers_mut().remove(header::CONTENT_LENGTH);
    resp
}

/// A response whose body sends `sent`, then fails, which makes hyper close the
/// connection. With `declared`, the head (flushed first) promises that many bytes;
/// without, the body fails before anything is written, so the client gets no answer.
fn broken(sent: Bytes, declared: Option<(axum::http::response::Parts, u64)>) -> Response {
    let mut resp = broken_body(sent, declared);
    resp.extensions_mut().insert(NoWholeAnswer);
    resp
}

fn broken_body(sent: Bytes, declared: Option<(axum::http::response::Parts, u64)>) -> Response {
    use futures::StreamExt;
    let fail = || std::io::Error::other("fault injected by amocrm-fake");
    let Some((mut parts, declared)) = declared else {
        let body = futures::stream::once(async move { Err::<Bytes, _>(fail()) });
        return Response::new(Body::from_stream(body));
    };
    // Pending once after the bytes (a short sleep) so that hyper flushes the head and
    // the bytes before the failure ends the connection.
    let head = (!sent.is_empty()).then_some(Ok::<Bytes, std::io::Error>(sent));
    let tail = futures::stream::once(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(fail())
    });
    let body = futures::stream::iter(head).chain(tail);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    Response::from_parts(parts, Body::from_stream(body))
}

/// Sends the first half of `resp`'s body under the whole body's `Content-Length`.
async fn truncated(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return broken(Bytes::new(), None);
    };
    if bytes.is_empty() {
        // No body to cut (204): promise one that never comes.
        if parts.status == StatusCode::NO_CONTENT || parts.status == StatusCode::NOT_MODIFIED {
            parts.status = StatusCode::OK;
        }
        return broken(Bytes::new(), Some((parts, 2)));
    }
    let declared = bytes.len() as u64;
    let sent = bytes.slice(..bytes.len() / 2);
    broken(sent, Some((parts, declared)))
}
