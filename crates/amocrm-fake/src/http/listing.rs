//! A CRM list request and its answer: the query read the PHP way, `page` and `limit`
//! checked with its other terms (one 400 listing every bad one), and a page with
//! `_page`, `_links` (`self`, `next`, `prev`, and `first`/`last` where amoCRM gives them,
//! each keeping the request's own terms) and `_embedded.{name}`; 204 for an empty page.

use axum::response::Response;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::http::caller::Caller;
use crate::http::hal::{self, Href};
use crate::http::paging::{self, Paging};
use crate::model::crm::query::{self, Php};
use crate::model::crm::terms::Errors;
use crate::model::problem::Problem;

/// A list request: its query tree, its page, and the errors found so far.
pub(crate) struct ListRequest {
    pub query: Php,
    pub paging: Paging,
    /// The raw query without `page` and `limit`, for links.
    rest: String,
    pub errors: Errors,
}

impl ListRequest {
    /// Reads `raw` with a page size of at most `max_limit`.
    pub fn new(raw: Option<&str>, max_limit: u64) -> ListRequest {
        let raw = raw.unwrap_or("");
        let (paging, errors) = match Paging::parse_max(Some(raw), max_limit) {
            Ok(paging) => (paging, Errors::new()),
            Err(errors) => (
                Paging {
                    page: 1,
                    limit: paging::DEFAULT_LIMIT,
                },
                errors,
            ),
        };
        let rest = raw
            .split('&')
            .filter(|pair| {
                let key = pair.split('=').next().unwrap_or("");
                !pair.is_empty() && key != "page" && key != "limit"
            })
            .collect::<Vec<_>>()
            .join("&");
        ListRequest {
            query: query::parse(raw),
            paging,
            rest,
            errors,
        }
    }

    /// A 400 listing every error found, if any.
    pub fn check(&mut self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(std::mem::take(&mut self.errors)))
        }
    }

    /// The link to page `page` of `path`, with the request's own terms.
    pub fn href(&self, caller: &Caller, path: &str, page: u64) -> Href {
        let limit = self.paging.limit;
        let sep = if self.rest.is_empty() { "" } else { "&" };
        Href {
            href: caller.link(format_args!(
                "{path}?{}{sep}limit={limit}&page={page}",
                self.rest
            )),
        }
    }
}

/// What a list page says beside its entries.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Counts {
    /// `_total_items`.
    pub total: Option<usize>,
    /// `_page_count` and `_links.last`: the number of pages.
    pub pages: Option<u64>,
}

struct Links<'a> {
    request: &'a ListRequest,
    caller: &'a Caller,
    path: &'a str,
    more: bool,
    pages: Option<u64>,
}

impl Serialize for Links<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let page = self.request.paging.page;
        let href = |p| self.request.href(self.caller, self.path, p);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("self", &href(page))?;
        if self.more {
            m.serialize_entry("next", &href(page + 1))?;
        }
        if page > 1 {
            m.serialize_entry("first", &href(1))?;
            m.serialize_entry("prev", &href(page - 1))?;
        }
        if let Some(last) = self.pages {
            m.serialize_entry("last", &href(last.max(1)))?;
        }
        m.end()
    }
}

struct Page<'a, T> {
    links: Links<'a>,
    counts: Counts,
    name: &'static str,
    items: &'a [T],
}

impl<T: Serialize> Serialize for Page<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(total) = self.counts.total {
            m.serialize_entry("_total_items", &total)?;
        }
        m.serialize_entry("_page", &self.links.request.paging.page)?;
        if let Some(pages) = self.counts.pages {
            m.serialize_entry("_page_count", &pages)?;
        }
        m.serialize_entry("_links", &self.links)?;
        m.serialize_entry("_embedded", &Embedded(self.name, self.items))?;
        m.end()
    }
}

struct Embedded<'a, T>(&'static str, &'a [T]);

impl<T: Serialize> Serialize for Embedded<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry(self.0, self.1)?;
        m.end()
    }
}

/// 200 with `items` as page `request.paging.page` of the list at `path`, or, when there
/// are none, amoCRM's 204 (an empty list, a search without hits, a page past the end).
pub(crate) fn page<T: Serialize>(
    caller: &Caller,
    request: &ListRequest,
    path: &str,
    name: &'static str,
    items: &[T],
    more: bool,
    counts: Counts,
) -> Response {
    if items.is_empty() {
        return paging::past_the_end(caller, request.paging);
    }
    hal::ok(&Page {
        links: Links {
            request,
            caller,
            path,
            more,
            pages: counts.pages,
        },
        counts,
        name,
        items,
    })
}

/// A page of a list the fake holds whole: the window of `all` this page shows.
pub(crate) fn window<T>(all: &[T], paging: Paging) -> (&[T], bool) {
    match paging.window(all.len()) {
        Some(range) => {
            let more = range.end < all.len();
            (&all[range], more)
        }
        None => (&[], false),
    }
}

/// The number of pages of `total` entries.
pub(crate) fn page_count(total: usize, paging: Paging) -> u64 {
    (total as u64).div_ceil(paging.limit)
}
