//! A response body kept whole, printed as its length only.

use std::fmt;

use bytes::Bytes;

/// A response body as received. It may hold anything the server chose to send back,
/// secrets the request carried included, so it prints as its length only; read it with
/// [`RawBody::expose_raw`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBody(Bytes);

impl RawBody {
    pub(crate) fn new(bytes: Bytes) -> Self {
        RawBody(bytes)
    }

    /// The bytes as received. Raw and unsafe to log: they may repeat secrets the request
    /// carried (an install answer echoes the settings, passwords included).
    pub fn expose_raw(&self) -> &Bytes {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}
