//! Path parameters as amoCRM's routes take them.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;

use crate::model::problem::Problem;

/// An entity id from the path: a positive integer of at most 64 bits (amoCRM's ids), else
/// the path matches no route (404).
pub(crate) fn id(segment: Result<Path<String>, PathRejection>) -> Result<i64, Problem> {
    segment
        .ok()
        .and_then(|Path(id)| positive(&id))
        .ok_or_else(Problem::no_route)
}

/// The id of the entity a list belongs to (`/leads/{id}/notes`, `/catalogs/{id}/elements`):
/// a bad one is a 400 naming `name`, as the list's own terms are.
pub(crate) fn list_id(
    segment: Result<Path<String>, PathRejection>,
    name: &str,
) -> Result<i64, Problem> {
    segment
        .ok()
        .and_then(|Path(id)| positive(&id))
        .ok_or_else(|| {
            Problem::bad_request(
                "InvalidType",
                name,
                "This value should be a positive integer.",
            )
        })
}

pub(crate) fn positive(id: &str) -> Option<i64> {
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .then(|| id.parse().ok())
        .flatten()
        .filter(|id| *id >= 1)
}
