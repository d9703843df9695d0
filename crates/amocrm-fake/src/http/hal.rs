//! Success answers as amoCRM writes them, `application/hal+json`: an entity with its
//! `_links.self` (and `_embedded`), a collection amoCRM does not page (`_total_items`,
//! `_links.self`, `_embedded.{name}`); 204 without a body.

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

/// An entity as amoCRM writes it: its own fields, then `_links.self`, then `_embedded`
/// when it has one.
#[derive(Debug, Serialize)]
pub(crate) struct Entity<T, E = ()> {
    #[serde(flatten)]
    fields: T,
    #[serde(rename = "_links")]
    links: SelfLink,
    #[serde(rename = "_embedded", skip_serializing_if = "Option::is_none")]
    embedded: Option<Embedded<E>>,
}

impl<T, E> Entity<T, E> {
    /// `fields` (anything that serializes to an object) with `_links.self.href`.
    pub fn new(fields: T, href: String) -> Self {
        Entity {
            fields,
            links: SelfLink::new(href),
            embedded: None,
        }
    }

    /// Adds `_embedded.{name}`.
    pub fn embed(mut self, name: &'static str, items: Vec<E>) -> Self {
        self.embedded = Some(Embedded::new(name, items));
        self
    }
}

/// A whole list in one answer, as amoCRM sends the lists it does not page.
#[derive(Debug, Serialize)]
struct Collection<T> {
    #[serde(rename = "_total_items")]
    total_items: usize,
    #[serde(rename = "_links")]
    links: SelfLink,
    #[serde(rename = "_embedded")]
    embedded: Embedded<T>,
}

/// 200 with every item of a list amoCRM does not page: `_total_items`, `_links.self`
/// (`href`) and `_embedded.{name}`.
pub(crate) fn collection<T: Serialize>(
    href: String,
    name: &'static str,
    items: Vec<T>,
) -> Response {
    ok(&Collection {
        total_items: items.len(),
        links: SelfLink::new(href),
        embedded: Embedded::new(name, items),
    })
}
