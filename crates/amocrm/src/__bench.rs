//! Decoding of response bodies into this crate's types, exactly as the client does it after
//! a response has been read: the entry points of the benchmarks and of the decoding tests
//! (fuzzing included). Behind the `__bench` feature; not part of the API.

use amocrm_raw::types as raw;

use crate::api::widgets::model::Widget;
use crate::decode::body_error;
use crate::error::{Error, Result, UndecodableEntry};
use crate::pagination::{Page, entry_of, page_per_entry};

/// A `200` body of the widget list call: the whole page at once (the fast path, as the
/// generated client decodes it) and, when that fails, entry by entry
/// ([`widget_page_per_entry`]), as the client does.
pub fn widget_page(body: &[u8]) -> Result<Page<Widget>> {
    match serde_json::from_slice::<raw::WidgetList>(body) {
        Ok(list) => Ok(Page::from(list)),
        Err(_) => page_per_entry::<Widget>(body),
    }
}

/// A widget list page read entry by entry: every entry that decodes is kept, and each one
/// that does not becomes an [`UndecodableEntry`] in `failed`.
pub fn widget_page_per_entry(body: &[u8]) -> Result<Page<Widget>> {
    page_per_entry::<Widget>(body)
}

/// One entry of the widget list: a widget, or what is wrong with it (its `page` and
/// `index` left for the caller to fill in).
pub fn widget_entry(json: &str) -> Result<Widget, UndecodableEntry> {
    entry_of::<Widget>(json)
}

/// A `200` body of the get or install call.
pub fn widget(body: &[u8]) -> Result<Widget> {
    serde_json::from_slice::<raw::Widget>(body)
        .map(Widget::from)
        .map_err(|source| body_error(200, bytes::Bytes::copy_from_slice(body), &source))
}

/// The error of a response whose status the call does not treat as success (any status,
/// any body: problem+json, an HTML page, nothing, garbage).
pub fn error(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
    crate::transport::error_response(status, headers, bytes::Bytes::copy_from_slice(body))
}
