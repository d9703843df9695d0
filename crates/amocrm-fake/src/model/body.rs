//! A JSON request body as amoCRM takes it: declared `application/json`, and an object.

use serde_json::{Map, Value};

use crate::model::problem::Problem;

/// Whether a `Content-Type` value declares a JSON body (`application/json`, parameters
/// allowed).
pub(crate) fn is_json(content_type: Option<&str>) -> bool {
    let Some(value) = content_type else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// Parses a JSON object body sent with `content_type`, a 400 problem on any failure.
pub(crate) fn json_object(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Map<String, Value>, Problem> {
    if !is_json(content_type) {
        return Err(Problem::bad_request(
            "InvalidContentType",
            "Content-Type",
            "The request must have Content-Type: application/json.",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::bad_request(
            "InvalidType",
            "body",
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(Problem::bad_request(
            "InvalidJson",
            "body",
            format!("The request body is not valid JSON: {e}."),
        )),
    }
}
