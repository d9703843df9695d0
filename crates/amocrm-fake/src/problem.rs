//! `application/problem+json` error bodies shaped like amoCRM's.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Content type of error responses.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";
/// Content type of successful responses.
pub(crate) const HAL_JSON: &str = "application/hal+json";

/// One entry of `validation-errors[].errors`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub code: &'static str,
    pub path: String,
    pub detail: String,
}

impl FieldError {
    pub fn new(code: &'static str, path: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            code,
            path: path.into(),
            detail: detail.into(),
        }
    }
}

#[derive(Serialize)]
struct RequestErrors<'a> {
    request_id: &'static str,
    errors: &'a [FieldError],
}

#[derive(Serialize)]
struct Problem<'a> {
    title: &'a str,
    #[serde(rename = "type")]
    kind: String,
    status: u16,
    detail: &'a str,
    #[serde(rename = "validation-errors", skip_serializing_if = "Option::is_none")]
    validation_errors: Option<[RequestErrors<'a>; 1]>,
}

fn render(status: StatusCode, detail: &str, errors: Option<&[FieldError]>) -> Response {
    let body = Problem {
        title: status.canonical_reason().unwrap_or("Error"),
        kind: format!("https://httpstatus.es/{}", status.as_u16()),
        status: status.as_u16(),
        detail,
        validation_errors: errors.map(|errors| {
            [RequestErrors {
                request_id: "0",
                errors,
            }]
        }),
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        bytes,
    )
        .into_response()
}

/// An error answer; converts into a problem+json response. Kept small so
/// that `Result<_, ApiError>` stays cheap to move around.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    detail: Cow<'static, str>,
    errors: Option<Vec<FieldError>>,
}

impl ApiError {
    /// A problem without `validation-errors`.
    pub fn new(status: StatusCode, detail: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
            errors: None,
        }
    }

    /// A 400 problem listing every validation error.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            detail: Cow::Borrowed("Request validation failed"),
            errors: Some(errors),
        }
    }

    /// A 400 problem with a single validation error.
    pub fn bad_request(code: &'static str, path: &str, detail: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(code, path, detail)])
    }

    /// 401 (answered with `WWW-Authenticate: Bearer`).
    pub fn unauthorized(detail: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403.
    pub fn forbidden(detail: &'static str) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404.
    pub fn not_found(detail: &'static str) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = render(self.status, &self.detail, self.errors.as_deref());
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// A success response with a `application/hal+json` body.
pub(crate) fn hal<T: Serialize>(status: StatusCode, body: &T) -> Response {
    typed(status, HAL_JSON, body)
}

/// A response of the fake's own admin routes, `application/json`.
pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    typed(status, "application/json", body)
}

fn typed<T: Serialize>(status: StatusCode, content_type: &'static str, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
            bytes,
        )
            .into_response(),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Failed to serialize the response",
        )
        .into_response(),
    }
}
