//! Request bodies: a JSON object by the model's rules, read with the request's
//! `Content-Type`.

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::model::body;
use crate::model::problem::Problem;

/// The request's `Content-Type`, when it is text.
pub(crate) fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
}

/// Parses a JSON object body (declared `application/json`), a 400 problem otherwise.
pub(crate) fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Problem> {
    body::json_object(content_type(headers), body)
}
