//! The one step between the truthful spec and what progenitor 0.15 can take.
//!
//! `openapi/widgets-v4.yaml` describes the API as amoCRM serves it. progenitor 0.15 has
//! two limits that matter here, so the generator reads an
//! adapted in-memory copy; the file on disk is never changed:
//!
//! 1. **Media types.** progenitor types bodies only for exactly `application/json`;
//!    `application/hal+json` and `application/problem+json` would come out as raw byte
//!    streams. Both are JSON, and the generated client ignores the response
//!    `Content-Type` when decoding, so the copy renames them to `application/json`.
//! 2. **Mixed success kinds.** An operation whose success responses differ in kind (a
//!    body on 200 and none on 204) makes progenitor panic (upstream issue #344). The copy
//!    drops the body-less success responses of such an operation; the raw client reports
//!    them as `Error::UnexpectedResponse`, which the ergonomic crate turns into the
//!    documented meaning (for `list_widgets`: the end of the collection).
//!
//! Each change is recorded and printed, so a spec edit that needs a new adaptation is
//! visible in the xtask's output and in review.

use openapiv3::{OpenAPI, Operation, ReferenceOr, Response};

const JSON: &str = "application/json";
const JSON_FLAVOURS: [&str; 2] = ["application/hal+json", "application/problem+json"];

/// Adapts `spec` in place and returns one line per change made.
pub fn for_progenitor(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    if let Some(components) = spec.components.as_mut() {
        for (name, response) in components.responses.iter_mut() {
            if let ReferenceOr::Item(response) = response {
                rename_media_types(
                    response,
                    &format!("components.responses.{name}"),
                    &mut changes,
                );
            }
        }
    }
    let paths: Vec<String> = spec.paths.paths.keys().cloned().collect();
    for path in paths {
        let Some(ReferenceOr::Item(item)) = spec.paths.paths.get_mut(&path) else {
            continue;
        };
        let operations = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("OPTIONS", &mut item.options),
            ("HEAD", &mut item.head),
            ("PATCH", &mut item.patch),
            ("TRACE", &mut item.trace),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                adapt_operation(operation, &format!("{method} {path}"), &mut changes);
            }
        }
    }
    changes
}

fn adapt_operation(operation: &mut Operation, at: &str, changes: &mut Vec<String>) {
    for (status, response) in operation.responses.responses.iter_mut() {
        if let ReferenceOr::Item(response) = response {
            rename_media_types(response, &format!("{at} {status}"), changes);
        }
    }
    let successes = operation
        .responses
        .responses
        .iter()
        .filter(|(status, _)| status.to_string().starts_with('2'));
    let (with_body, without_body): (Vec<_>, Vec<_>) = successes.partition(|(_, response)| {
        matches!(response, ReferenceOr::Item(r) if !r.content.is_empty())
            || matches!(response, ReferenceOr::Reference { .. })
    });
    if with_body.is_empty() || without_body.is_empty() {
        return;
    }
    let dropped: Vec<_> = without_body
        .iter()
        .map(|(status, _)| (*status).clone())
        .collect();
    for status in dropped {
        operation.responses.responses.shift_remove(&status);
        changes.push(format!(
            "{at}: dropped body-less success {status} (reaches the raw client as UnexpectedResponse)"
        ));
    }
}

fn rename_media_types(response: &mut Response, at: &str, changes: &mut Vec<String>) {
    for flavour in JSON_FLAVOURS {
        if let Some(media) = response.content.shift_remove(flavour) {
            response.content.insert(JSON.to_string(), media);
            changes.push(format!("{at}: {flavour} -> {JSON}"));
        }
    }
}
