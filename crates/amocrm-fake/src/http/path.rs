//! Path parameters as amoCRM's routes take them.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;

use crate::model::problem::Problem;

/// An entity id from the path: digits only (an `int` in amoCRM's routes), else the path
/// matches no route (404).
pub(crate) fn id(segment: Result<Path<String>, PathRejection>) -> Result<i64, Problem> {
    segment
        .ok()
        .filter(|Path(id)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|Path(id)| id.parse().ok())
        .ok_or_else(Problem::no_route)
}
