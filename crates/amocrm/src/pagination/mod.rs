//! One pager for every HAL list of amoCRM (`_page`, `_links.next`, `_embedded.<name>`):
//! [`Page`] (one page, its undecodable entries apart), [`ListStream`] (every entry, page
//! after page) and [`ListRequest`], the list call of every section; and [`GetRequest`],
//! the get by ID of every section. A list plugs in with a [`Listed`] impl for its model
//! and the generated call that fetches one page; a get, with the generated call that
//! fetches one entity.

mod entries;
mod get;
mod list;
mod listed;
mod page;
mod stream;

#[cfg(feature = "__bench")]
pub(crate) use entries::{entry_of, page_per_entry};
pub use get::GetRequest;
pub(crate) use get::{FetchOneWith, not_found};
pub(crate) use list::FetchPage;
pub use list::ListRequest;
pub use listed::{Listed, Paged, Paging, Unpaged};
pub use page::{Page, PageLinks};
pub use stream::ListStream;
