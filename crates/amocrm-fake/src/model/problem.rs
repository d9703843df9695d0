//! What a refusal says, as amoCRM writes it in `application/problem+json`: a status, a
//! detail and, for a 400, the `validation-errors` of the fields. Data only: the HTTP side
//! renders it (`crate::http::problem`).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

/// Detail of a 404 for a path the API does not have.
const NO_ROUTE: &str = "The requested resource was not found";

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

    /// `NotBlank`: a required field is absent (or `null`).
    pub fn missing(path: impl Into<String>) -> Self {
        FieldError::new("NotBlank", path, "This field is missing.")
    }

    /// `InvalidType`: `got` is not what the field takes.
    pub fn invalid_type(path: impl Into<String>, expected: &str, got: &Value) -> Self {
        FieldError::new(
            "InvalidType",
            path,
            format!(
                "This value should be of type {expected}, {} given.",
                type_name(got)
            ),
        )
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// An error answer. Kept small so that `Result<_, Problem>` stays cheap to move around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The HTTP status (100-999).
    pub status: u16,
    pub detail: Cow<'static, str>,
    /// `validation-errors` (a 400's).
    pub errors: Option<Vec<FieldError>>,
}

impl Problem {
    /// A problem without `validation-errors`.
    pub fn new(status: u16, detail: impl Into<Cow<'static, str>>) -> Self {
        Problem {
            status,
            detail: detail.into(),
            errors: None,
        }
    }

    /// A 400 problem listing every validation error.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Problem {
            status: 400,
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
        Self::new(401, detail)
    }

    /// 403.
    pub fn forbidden(detail: &'static str) -> Self {
        Self::new(403, detail)
    }

    /// 404.
    pub fn not_found(detail: &'static str) -> Self {
        Self::new(404, detail)
    }

    /// 404 for a path the API does not have (also one whose parameters could never match,
    /// such as a bot kind other than `salesbot` or `marketingbot`).
    pub fn no_route() -> Self {
        Self::not_found(NO_ROUTE)
    }
}
