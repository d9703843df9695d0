//! The one step between the truthful spec and what progenitor 0.15 can take.
//!
//! The bundle (`openapi/bundled/amocrm-v4.yaml`) describes the API as amoCRM serves it.
//! progenitor 0.15 has three limits that matter here, so the generator reads an adapted
//! in-memory copy; the files on disk are never changed:
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
//! 3. **PHP bracket queries.** amoCRM parses query strings the PHP way: `filter[id][]=1`,
//!    `filter[updated_at][from]=…`, `filter[statuses][0][pipeline_id]=…`,
//!    `order[updated_at]=desc`. The spec declares such a parameter as it is sent on the
//!    wire, `style: deepObject` with `explode: true`, and its schema is a `$ref` to a
//!    component marked `x-amocrm-rust-type: crate::PhpQuery` (the root's `PhpQuery`, which
//!    the CRM sections' `Filter` and `Order` parameters use).
//!    progenitor 0.15 takes only `style: form` query parameters, so the copy declares
//!    `form`. That is exact, not an approximation: the generated call passes the value to
//!    progenitor-client's `QueryParam`, which emits a value that serializes as a map as
//!    the map's own key/value pairs, ignoring the parameter's name; `amocrm_raw::PhpQuery`
//!    serializes as the ordered pairs with their full bracket keys (`filter[id][]` → `1`,
//!    repeated keys kept), so the call sends `filter%5Bid%5D%5B%5D=1&…`. A `deepObject`
//!    parameter of any other schema would lose its prefix that way, so it is an error.
//!
//! Each change is recorded and printed, so a spec edit that needs a new adaptation is
//! visible in the xtask's output and in review.

use anyhow::{Result, bail};
use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, QueryStyle, ReferenceOr, Response,
};

/// The schema extension naming the hand-written Rust type that replaces a schema (read
/// here for point 3, and by the generator for every replacement).
pub const RUST_TYPE: &str = "x-amocrm-rust-type";

const JSON: &str = "application/json";
const JSON_FLAVOURS: [&str; 2] = ["application/hal+json", "application/problem+json"];
/// The hand-written type a `deepObject` query parameter must have (see point 3 above).
pub const PHP_QUERY: &str = "crate::PhpQuery";

/// Adapts `spec` in place and returns one line per change made; fails on a parameter it
/// cannot adapt faithfully.
pub fn for_progenitor(spec: &mut OpenAPI) -> Result<Vec<String>> {
    let mut changes = Vec::new();
    let php_queries = php_query_schemas(spec);
    if let Some(components) = spec.components.as_mut() {
        for (name, parameter) in components.parameters.iter_mut() {
            if let ReferenceOr::Item(parameter) = parameter {
                php_query_style(
                    parameter,
                    &php_queries,
                    &format!("components.parameters.{name}"),
                    &mut changes,
                )?;
            }
        }
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
        for parameter in item.parameters.iter_mut() {
            if let ReferenceOr::Item(parameter) = parameter {
                php_query_style(parameter, &php_queries, &path, &mut changes)?;
            }
        }
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
                let at = format!("{method} {path}");
                for parameter in operation.parameters.iter_mut() {
                    if let ReferenceOr::Item(parameter) = parameter {
                        php_query_style(parameter, &php_queries, &at, &mut changes)?;
                    }
                }
                adapt_operation(operation, &at, &mut changes);
            }
        }
    }
    Ok(changes)
}

/// The refs (`#/components/schemas/Name`) of the schemas replaced by [`PHP_QUERY`].
fn php_query_schemas(spec: &OpenAPI) -> Vec<String> {
    let Some(components) = &spec.components else {
        return Vec::new();
    };
    components
        .schemas
        .iter()
        .filter(|(_, schema)| {
            matches!(schema, ReferenceOr::Item(schema)
                if schema.schema_data.extensions.get(RUST_TYPE).and_then(|v| v.as_str())
                    == Some(PHP_QUERY))
        })
        .map(|(name, _)| format!("#/components/schemas/{name}"))
        .collect()
}

/// Declares a `deepObject` query parameter of a [`PHP_QUERY`] schema `form` (see point 3
/// of the module docs); fails for a `deepObject` parameter of any other schema.
fn php_query_style(
    parameter: &mut Parameter,
    php_queries: &[String],
    at: &str,
    changes: &mut Vec<String>,
) -> Result<()> {
    let Parameter::Query {
        parameter_data,
        style,
        ..
    } = parameter
    else {
        return Ok(());
    };
    if *style != QueryStyle::DeepObject {
        return Ok(());
    }
    let name = &parameter_data.name;
    let php_query = matches!(&parameter_data.format,
        ParameterSchemaOrContent::Schema(ReferenceOr::Reference { reference })
            if php_queries.contains(reference));
    if !php_query {
        bail!(
            "{at}: query parameter `{name}` is `style: deepObject`; progenitor 0.15 cannot \
             send that unless its schema is a $ref to a schema marked \
             `{RUST_TYPE}: {PHP_QUERY}` (PHP bracket keys, see xtask/src/adapt.rs)"
        );
    }
    if parameter_data.explode == Some(false) {
        bail!("{at}: query parameter `{name}`: a PHP bracket query is `explode: true`");
    }
    *style = QueryStyle::Form;
    changes.push(format!(
        "{at}: query parameter `{name}` deepObject -> form (sent as {PHP_QUERY}'s bracket pairs)"
    ));
    Ok(())
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
