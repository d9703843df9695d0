//! Lists amoCRM pages: `page` and `limit` checked as amoCRM checks them, the window of a
//! page, and its answer (`_page`, `_links.self/next/prev`, `_embedded.{name}`; 204 past
//! the end).

use std::ops::Range;

use axum::response::Response;
use serde::Serialize;

use crate::http::caller::Caller;
use crate::http::hal::{self, Embedded, Href};
use crate::model::problem::{FieldError, Problem};

/// amoCRM's default page size.
pub(crate) const DEFAULT_LIMIT: u64 = 50;
/// Maximum page size.
pub(crate) const MAX_LIMIT: u64 = 250;

/// The page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    /// 1-based.
    pub page: u64,
    pub limit: u64,
}

impl Paging {
    /// `page` and `limit` of a list request's query; a 400 problem naming each bad one.
    pub fn parse(query: Option<&str>) -> Result<Paging, Problem> {
        Paging::parse_max(query, MAX_LIMIT).map_err(Problem::validation)
    }

    /// `page` and `limit` (at most `max`), or the validation errors of each bad one.
    pub fn parse_max(query: Option<&str>, max: u64) -> Result<Paging, Vec<FieldError>> {
        let (page, limit) = paging(query, max)?;
        Ok(Paging { page, limit })
    }

    /// How many entries the pages before this one hold.
    pub fn skip(self) -> usize {
        usize::try_from((self.page - 1).saturating_mul(self.limit)).unwrap_or(usize::MAX)
    }

    /// The positions this page holds of a list of `total` entries; `None` past the end.
    pub fn window(self, total: usize) -> Option<Range<usize>> {
        let start = (self.page - 1)
            .checked_mul(self.limit)
            .and_then(|s| usize::try_from(s).ok())
            .filter(|&s| s < total)?;
        let end = usize::try_from(self.limit)
            .map_or(total, |limit| start.saturating_add(limit))
            .min(total);
        Some(start..end)
    }
}

/// Parses `page` and `limit`; the first occurrence of each wins.
fn paging(query: Option<&str>, max_limit: u64) -> Result<(u64, u64), Vec<FieldError>> {
    let mut page = None;
    let mut limit = None;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*k {
            "page" if page.is_none() => page = Some(v.into_owned()),
            "limit" if limit.is_none() => limit = Some(v.into_owned()),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let mut number = |name: &str, raw: Option<String>, default: u64, max: u64| -> u64 {
        let Some(raw) = raw else {
            return default;
        };
        match raw.parse::<u64>() {
            Ok(n) if n >= 1 && n <= max => n,
            Ok(_) => {
                let detail = if max == u64::MAX {
                    "This value should be 1 or more.".to_owned()
                } else {
                    format!("This value should be between 1 and {max}.")
                };
                errors.push(FieldError::new("OutOfRange", name, detail));
                default
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "InvalidType",
                    name,
                    "This value should be a positive integer.",
                ));
                default
            }
        }
    };
    // `page` is an int64 in the spec (amoCRM's PHP integers): larger values are invalid.
    let page = number("page", page, 1, i64::MAX as u64);
    let limit = number("limit", limit, DEFAULT_LIMIT, max_limit);
    if errors.is_empty() {
        Ok((page, limit))
    } else {
        Err(errors)
    }
}

#[derive(Serialize)]
struct PageLinks {
    #[serde(rename = "self")]
    self_: Href,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<Href>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<Href>,
}

/// Wire shape of a list page.
#[derive(Serialize)]
struct Page<T> {
    #[serde(rename = "_page")]
    page: u64,
    #[serde(rename = "_links")]
    links: PageLinks,
    #[serde(rename = "_embedded")]
    embedded: Embedded<T>,
}

/// 200 with one page of the list at `path` (e.g. `/api/v4/widgets`): its `items` under
/// `_embedded.{name}`, links to this page and its neighbours.
pub(crate) fn page<T: Serialize>(
    caller: &Caller,
    path: &str,
    paging: Paging,
    has_next: bool,
    name: &'static str,
    items: Vec<T>,
) -> Response {
    let Paging { page, limit } = paging;
    let href = |page: u64| Href {
        href: caller.link(format_args!("{path}?limit={limit}&page={page}")),
    };
    hal::ok(&Page {
        page,
        links: PageLinks {
            self_: href(page),
            next: has_next.then(|| href(page + 1)),
            prev: (page > 1).then(|| href(page - 1)),
        },
        embedded: Embedded::new(name, items),
    })
}

/// The answer for a page past the end of a list: 204, or with the account's
/// `php_empty_page` 200 with `"_links": []` and `"_embedded": []`, PHP's empty maps.
pub(crate) fn past_the_end(caller: &Caller, paging: Paging) -> Response {
    if caller.tenant.php_empty_page {
        let body = serde_json::json!({"_page": paging.page, "_links": [], "_embedded": []});
        return hal::ok(&body);
    }
    hal::no_content()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_errors() {
        assert_eq!(paging(None, MAX_LIMIT), Ok((1, 50)));
        assert!(paging(Some("limit=101"), 100).is_err());
        assert_eq!(paging(Some("limit=100"), 100), Ok((1, 100)));
        assert_eq!(paging(Some("limit=250&page=3"), MAX_LIMIT), Ok((3, 250)));
        assert_eq!(paging(Some("page=2&page=x"), MAX_LIMIT), Ok((2, 50)));
        let errs = paging(Some("limit=0&page=abc"), MAX_LIMIT)
            .err()
            .unwrap_or_default();
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["page", "limit"]);
        assert!(paging(Some("limit=251"), MAX_LIMIT).is_err());
        assert!(paging(Some("limit="), MAX_LIMIT).is_err());
        assert!(paging(Some("page=0"), MAX_LIMIT).is_err());
        assert!(paging(Some("page=-1"), MAX_LIMIT).is_err());
        assert!(paging(Some("page=99999999999999999999999"), MAX_LIMIT).is_err());
        assert!(paging(Some("page=9223372036854775808"), MAX_LIMIT).is_err());
        assert_eq!(
            paging(Some("page=9223372036854775807"), MAX_LIMIT),
            Ok((i64::MAX as u64, 50))
        );
    }
}
