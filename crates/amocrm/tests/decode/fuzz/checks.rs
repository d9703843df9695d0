//! What every decoder must do with a body: the success decoders, a page read entry by
//! entry, the error path; never a panic, never a value from the body in an error.

use super::*;

/// Feeds `body` to every decoder and checks what each returns. Never panics (a panic is
/// the bug being looked for).
pub(super) fn check_success_decoders(body: &[u8]) -> Result<(), TestCaseError> {
    // Raw types, as the generated client decodes them.
    let raw_page = serde_json::from_slice::<raw::WidgetList>(body);
    let raw_widget = serde_json::from_slice::<raw::Widget>(body);
    let _ = serde_json::from_slice::<raw::Problem>(body);

    // The ergonomic model.
    match decode::widget_page(body) {
        Ok(page) => {
            match raw_page {
                // The whole page decodes: every entry is a widget.
                Ok(raw_page) => {
                    let entries = raw_page.embedded.0.map_or(0, |e| e.widgets.len());
                    prop_assert_eq!(page.items.len(), entries);
                    prop_assert!(page.failed.is_empty());
                }
                // Entry by entry: every entry is a widget or one failure, in order.
                Err(_) => check_per_entry(&page, body)?,
            }
            exercise_page(&page);
        }
        Err(error) => {
            prop_assert!(raw_page.is_err());
            check_decode_error(&error, body)?;
        }
    }
    match decode::widget(body) {
        Ok(widget) => {
            let raw_widget = raw_widget.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&widget.code, &raw_widget.code);
            prop_assert_eq!(widget.id, raw_widget.id);
            exercise_widget(&widget);
        }
        Err(error) => {
            prop_assert!(raw_widget.is_err());
            check_decode_error(&error, body)?;
        }
    }
    Ok(())
}

/// A page read entry by entry: the entries are the widgets plus the failures, the
/// failures are in page order, each names a JSON type found, and none prints a string
/// value of its entry (other than its code, an identifier).
pub(super) fn check_per_entry(page: &Page<Widget>, body: &[u8]) -> Result<(), TestCaseError> {
    prop_assert!(page.failed.windows(2).all(|w| w[0].index < w[1].index));
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        // Nested deeper than `Value` reads (the entries were skipped, not read): the
        // order above is all there is to check.
        return Ok(());
    };
    let entries = match &value["_embedded"]["widgets"] {
        serde_json::Value::Array(entries) => entries.clone(),
        // PHP's object keyed by index: its values in the order sent (`Value` sorts keys
        // and drops duplicates, so read them from the body).
        serde_json::Value::Object(_) => ordered_entries(body),
        _ => Vec::new(),
    };
    prop_assert_eq!(page.items.len() + page.failed.len(), entries.len());
    prop_assert!(page.failed.windows(2).all(|w| w[0].index < w[1].index));
    for failed in &page.failed {
        prop_assert!(failed.index < entries.len());
        prop_assert_eq!(failed.page, page.page);
        prop_assert!(
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "an array",
                "an object",
                "nothing"
            ]
            .contains(&failed.found),
            "{:?}",
            failed
        );
        let entry = &entries[failed.index];
        // The entry's key as it names it: a string, or an integer (a CRM id).
        let key = entry.get("code").and_then(|c| match c {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            _ => None,
        });
        prop_assert_eq!(failed.code.as_deref(), key.as_deref());
        let error = Error::UndecodableEntry(Box::new(failed.clone()));
        let printed = format!("{error} {error:?}");
        let mut values = Vec::new();
        strings(entry, &mut values);
        for text in values {
            if text.chars().count() >= 12
                // The code may print (an identifier), and so may any part of it.
                && !failed.code.as_deref().is_some_and(|code| code.contains(text.as_str()))
                && !failed.path.contains(text.as_str())
            {
                prop_assert!(!printed.contains(&text), "{} prints a value", printed);
            }
        }
    }
    // The stream's view of the page: the same entries, in page order.
    let items: Vec<Result<Widget, Error>> = page.clone().into_results().collect();
    prop_assert_eq!(items.len(), entries.len());
    for (index, item) in items.iter().enumerate() {
        let failed = page.failed.iter().any(|f| f.index == index);
        prop_assert_eq!(item.is_err(), failed);
    }
    Ok(())
}

/// The values of `_embedded.widgets`, an object, in the order the body has them.
pub(super) fn ordered_entries(body: &[u8]) -> Vec<Value> {
    struct Values(Vec<Value>);
    impl<'de> serde::Deserialize<'de> for Values {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Values;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(
                    self,
                    mut map: A,
                ) -> Result<Values, A::Error> {
                    let mut values = Vec::new();
                    while let Some((_, v)) = map.next_entry::<serde::de::IgnoredAny, Value>()? {
                        values.push(v);
                    }
                    Ok(Values(values))
                }
            }
            d.deserialize_map(V)
        }
    }
    #[derive(serde::Deserialize)]
    struct Embedded {
        widgets: Values,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        #[serde(rename = "_embedded")]
        embedded: Embedded,
    }
    serde_json::from_slice::<Page>(body).map_or_else(|_| Vec::new(), |p| p.embedded.widgets.0)
}

pub(super) fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => {
            out.push(text.clone());
            // A JSON-encoded settings string: its own values count too.
            if let Ok(inner) = serde_json::from_str::<serde_json::Value>(text) {
                strings(&inner, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

pub(super) fn check_decode_error(error: &Error, body: &[u8]) -> Result<(), TestCaseError> {
    let Error::Decode {
        status, body: kept, ..
    } = error
    else {
        return Err(TestCaseError::fail(format!(
            "not a Decode error: {error:?}"
        )));
    };
    prop_assert_eq!(*status, 200);
    prop_assert_eq!(kept.expose_raw().as_ref(), body);
    let printed = format!("{error} {error:?} {error:#?}");
    let source = std::error::Error::source(error);
    prop_assert!(source.is_some());
    let printed = format!("{printed} {:?}", source.map(ToString::to_string));
    // No string value of the body shows in the error (keys may: they are the path).
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        let mut values = Vec::new();
        string_values(&value, &mut values);
        for text in values {
            let quotable = text.chars().count() >= 12
                && !text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
            prop_assert!(
                !quotable || !printed.contains(text.as_str()),
                "{:?} shows in {}",
                text,
                printed
            );
        }
    }
    Ok(())
}

pub(super) fn string_values(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::String(text) => into.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| string_values(item, into)),
        Value::Object(members) => members.values().for_each(|item| string_values(item, into)),
        _ => {}
    }
}

pub(super) fn exercise_page(page: &Page<Widget>) {
    let _ = page.next_page();
    let _ = format!("{page:?}");
    for widget in &page.items {
        exercise_widget(widget);
    }
}

pub(super) fn exercise_widget(widget: &Widget) {
    if let Some(rating) = &widget.rating {
        let _ = format!("{widget:?} {rating}");
        let _ = (rating.value(), rating.as_str());
    }
    if let Some(settings) = &widget.settings {
        let _ = settings.check(&widget.settings_template);
        let _ = settings.expose_json();
        for (key, value) in settings.iter() {
            let _ = format!("{key} {value:?} {}", value.kind());
        }
    }
    for field in &widget.settings_template {
        let _ = format!("{field:?} {}", field.kind);
    }
}

/// The error path: any status, any body, any `Retry-After`.
pub(super) fn check_error_path(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let mut headers = http::HeaderMap::new();
    if let Some(value) = retry_after.and_then(|v| http::HeaderValue::from_str(v).ok()) {
        headers.insert(http::header::RETRY_AFTER, value);
    }
    let error = decode::error(status, &headers, body);
    let _ = (
        format!("{error}"),
        format!("{error:?}"),
        format!("{error:#?}"),
    );
    let problem = serde_json::from_slice::<raw::Problem>(body).ok();
    let is_problem = problem.is_some();
    prop_assert_eq!(error.status(), Some(status));
    match (status, &error) {
        (401, Error::Unauthorized(p))
        | (402, Error::PaymentRequired(p))
        | (403, Error::Forbidden(p))
        | (404, Error::NotFound(p)) => {
            prop_assert_eq!(p.status, status);
            if let Some(raw) = &problem {
                prop_assert_eq!(&p.title, &raw.title);
            }
        }
        (429, Error::RateLimited { problem: p, .. }) => {
            prop_assert_eq!(p.is_some(), is_problem);
        }
        (400.., Error::Api { problem: p }) if is_problem => {
            prop_assert_eq!(p.status, status);
            prop_assert_eq!(
                p.validation_errors.len(),
                problem
                    .as_ref()
                    .map(|raw| raw
                        .validation_errors
                        .iter()
                        .map(|g| g.errors.len())
                        .sum::<usize>())
                    .unwrap_or(0)
            );
        }
        (
            _,
            Error::UnexpectedStatus {
                status: s,
                body: kept,
            },
        ) => {
            prop_assert_eq!(*s, status);
            prop_assert_eq!(kept.expose_raw().as_ref(), body);
            prop_assert!(!(is_problem && status >= 400));
            prop_assert!(!matches!(status, 401..=404 | 429));
        }
        (_, other) => return Err(TestCaseError::fail(format!("{status}: {other:?}"))),
    }
    Ok(())
}
