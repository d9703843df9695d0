//! Decoding of response bodies into this crate's types, exactly as the client does it after
//! a response has been read. Public only for fuzzing and tests; not part of the API.

use amocrm_raw::types as raw;

use crate::error::{Error, Result};
use crate::widget::Widget;
use crate::widgets::WidgetPage;

/// A `200` body of the list call.
pub fn widget_page(body: &[u8]) -> Result<WidgetPage> {
    serde_json::from_slice::<raw::WidgetList>(body)
        .map(WidgetPage::from)
        .map_err(|source| decode_error(body, source))
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
    crate::client::error_response(status, headers, bytes::Bytes::copy_from_slice(body))
}

fn decode_error(body: &[u8], source: serde_json::Error) -> Error {
    Error::Decode {
        status: 200,
        source: crate::error::DecodeError::new(body, &source),
        body: crate::error::RawBody::new(bytes::Bytes::copy_from_slice(body)),
    }
}
