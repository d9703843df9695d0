//! Success answers as amoCRM writes them, `application/hal+json`; 204 without a body.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::model::problem::Problem;

/// Content type of successful responses.
pub(crate) const HAL_JSON: &str = "application/hal+json";

/// A response with an `application/hal+json` body.
pub(crate) fn hal<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(HAL_JSON))],
            bytes,
        )
            .into_response(),
        Err(_) => Problem::new(500, "Failed to serialize the response").into_response(),
    }
}

/// 200 with an `application/hal+json` body.
pub(crate) fn ok<T: Serialize>(body: &T) -> Response {
    hal(StatusCode::OK, body)
}

/// 204 without a body: an empty list, a page past the end, a missing entity.
pub(crate) fn no_content() -> Response {
    (StatusCode::NO_CONTENT, Body::empty()).into_response()
}

/// `{"href": "..."}`.
#[derive(Debug, Serialize)]
pub(crate) struct Href {
    pub href: String,
}

/// `_links` with only `self`.
#[derive(Debug, Serialize)]
pub(crate) struct SelfLink {
    #[serde(rename = "self")]
    pub self_: Href,
}

impl SelfLink {
    pub fn new(href: String) -> Self {
        SelfLink {
            self_: Href { href },
        }
    }
}

/// `_embedded` with one named list, e.g. `{"statuses": [...]}`.
#[derive(Debug)]
pub(crate) struct Embedded<T> {
    name: &'static str,
    items: Vec<T>,
}

impl<T> Embedded<T> {
    pub fn new(name: &'static str, items: Vec<T>) -> Self {
        Embedded { name, items }
    }
}

impl<T: Serialize> Serialize for Embedded<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.name, &self.items)?;
        map.end()
    }
}
