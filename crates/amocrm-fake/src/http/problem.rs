//! Error answers: a [`Problem`] rendered as `application/problem+json` shaped like amoCRM's
//! (`title`, `type`, `status`, `detail`, `validation-errors`), and a body the server could
//! not read as one.

use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::model::problem::{FieldError, Problem};

/// Content type of error responses.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Serialize)]
struct RequestErrors<'a> {
    request_id: &'static str,
    errors: &'a [FieldError],
}

#[derive(Serialize)]
struct Body<'a> {
    title: &'a str,
    #[serde(rename = "type")]
    kind: String,
    status: u16,
    detail: &'a str,
    #[serde(rename = "validation-errors", skip_serializing_if = "Option::is_none")]
    validation_errors: Option<[RequestErrors<'a>; 1]>,
}

impl IntoResponse for Problem {
    /// A 401 also carries `WWW-Authenticate: Bearer`.
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = Body {
            title: status.canonical_reason().unwrap_or("Error"),
            kind: format!("https://httpstatus.es/{}", status.as_u16()),
            status: status.as_u16(),
            detail: &self.detail,
            validation_errors: self.errors.as_deref().map(|errors| {
                [RequestErrors {
                    request_id: "0",
                    errors,
                }]
            }),
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
            bytes,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Maps a body extraction failure (e.g. 413 when too large) to a problem.
pub(crate) fn body_rejected(rejection: BytesRejection) -> Problem {
    Problem::new(rejection.status().as_u16(), rejection.body_text())
}
