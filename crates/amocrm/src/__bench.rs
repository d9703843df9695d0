//! Decoding of response bodies into this crate's types, exactly as the client does it after
//! a response has been read. Public only for fuzzing and tests; not part of the API.

use amocrm_raw::types as raw;

use crate::error::{Error, Result};
use crate::page::{UndecodableEntry, decode_error};
pub use crate::page::{entry_of, page_per_entry};
use crate::widget::Widget;
use crate::widgets::WidgetPage;

/// A `200` body of the widget list call: the whole page at once (the fast path, as the
/// generated client decodes it) and, when that fails, entry by entry
/// ([`page_per_entry`]), as the client does.
pub fn widget_page(body: &[u8]) -> Result<WidgetPage> {
    match serde_json::from_slice::<raw::WidgetList>(body) {
        Ok(list) => Ok(WidgetPage::from(list)),
        Err(_) => page_per_entry::<Widget>(body),
    }
}

/// A widget list page read entry by entry (see [`page_per_entry`]).
pub fn widget_page_per_entry(body: &[u8]) -> Result<WidgetPage> {
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
        .map_err(|source| decode_error(body, source))
}

/// The error of a response whose status the call does not treat as success (any status,
/// any body: problem+json, an HTML page, nothing, garbage).
pub fn error(status: u16, headers: &http::HeaderMap, body: &[u8]) -> Error {
    crate::response::error_response(status, headers, bytes::Bytes::copy_from_slice(body))
}
