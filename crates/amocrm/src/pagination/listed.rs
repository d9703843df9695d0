//! What a list's entries are: the [`Listed`] trait each listed model implements.

use serde::de::DeserializeOwned;

/// An entry type of a HAL list: what it is called, where its entries are, how one reads,
/// and how amoCRM pages the list.
pub trait Listed: Sized + Send + 'static {
    /// What one entry is called in messages, e.g. `widget`.
    const NOUN: &'static str;
    /// The key of the entries under `_embedded`, e.g. `widgets`.
    const EMBEDDED: &'static str;
    /// The field that names an entry in messages about it: `id` unless the section says
    /// otherwise (widgets: `code`).
    const KEY: &'static str = "id";
    /// The largest `limit` the list call takes (amoCRM's usual 250 unless the section
    /// says otherwise).
    const MAX_LIMIT: u32 = 250;
    /// Whether amoCRM pages the list: [`Paged`] lists take `page` and `limit`,
    /// [`Unpaged`] ones come whole in one answer.
    type Paging: Paging;
    /// The generated type of one entry.
    type Raw: DeserializeOwned;
    /// The entry as this crate shows it.
    fn from_raw(raw: Self::Raw) -> Self;
}

/// How amoCRM pages a list: [`Paged`] or [`Unpaged`].
pub trait Paging: sealed::Sealed + Send + 'static {
    /// Whether the list call takes `page` and `limit` and the list follows `_links.next`.
    const PAGED: bool;
}

/// A list amoCRM pages (`page`, `limit`, `_links.next`): its
/// [`ListRequest`](super::ListRequest) offers `page` and `limit`.
#[derive(Debug)]
pub enum Paged {}

/// A list amoCRM sends whole in one answer (pipelines): its
/// [`ListRequest`](super::ListRequest) has no `page` or `limit` to set.
#[derive(Debug)]
pub enum Unpaged {}

impl Paging for Paged {
    const PAGED: bool = true;
}

impl Paging for Unpaged {
    const PAGED: bool = false;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Paged {}
    impl Sealed for super::Unpaged {}
}
