//! The vocabulary of the CRM lists (leads, contacts, tasks, …): what every section's
//! list takes besides `page` and `limit`, in PHP's bracket form.
//!
//! A CRM list is a [`ListRequest<T, CrmQuery<T>>`](crate::pagination::ListRequest) for a
//! model `T` that implements [`CrmList`]; every such list has
//!
//! - `.with(T::With)`: an optional part of each entity (`leads::With::Contacts`);
//! - `.order(T::OrderBy, Direction)`: `order[updated_at]=desc` (one order: a second
//!   replaces the first);
//! - `.query(text)`: amoCRM's search;
//! - `.filter(key, value)`: the raw escape hatch, `key` being what follows `filter` in
//!   bracket form (`.filter("id[]", 5)` sends `filter[id][]=5`);
//!
//! and each section adds its typed filters (`.ids(…)`, `.updated_at(Range::since(t))`).
//! A typed filter of one value or a range set twice keeps the last: the last call wins,
//! as with `.order()` (PHP reads a repeated key as its last value, so sending both would
//! lose the first silently); a filter of a list of values (`.ids(…)`) adds to it.
//! Nothing is sent with a parameter the list does not take, a malformed filter key, an
//! empty list of values or a range without ends: `.send()`, `.pages()` and `.stream()`
//! fail first with [`Invalid`]. `with` and `order` values are
//! open sets: a value this crate does not know reads as the type's `Unknown` arm and is
//! sent as it is; a list without `with` or `order` has [`NotTaken`] there.
//!
//! ```no_run
//! # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
//! use amocrm::leads::{OrderBy, With};
//! use amocrm::query::{Direction, Range};
//!
//! let page = client
//!     .leads()
//!     .list()
//!     .with(With::Contacts)
//!     .updated_at(Range::since(1_700_000_000))
//!     .filter("custom_fields_values[512][]", "VIP")
//!     .order(OrderBy::UpdatedAt, Direction::Asc)
//!     .limit(250)
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```

mod filters;
mod get;
mod key;
mod list;
mod param;
mod scope;
mod value;

use std::fmt;
use std::str::FromStr;

use amocrm_raw::PhpQuery;

use crate::error::Invalid;
use crate::pagination::Listed;

pub use amocrm_raw::types::EntityTypePlural as EntityKind;
pub(crate) use filters::filters;
pub use get::CrmGet;
pub(crate) use get::{crm_get, crm_get_in};
pub(crate) use list::{crm_list, crm_list_in};
pub(crate) use param::open_param;
pub(crate) use param::word;
pub use param::{NotTaken, Param};
pub(crate) use scope::{BAD_ID, Scope, is_id, parent_id};
pub use value::FilterValue;

/// The most values one typed filter may carry (`ids`, `names`, `entity_ids`, …): more is
/// [`Invalid::Filter`] before sending. Every value is a pair of the URL
/// (`filter%5Bid%5D%5B%5D=12345678&`, about 30 bytes), and 250 of them make a request line
/// of about 8 KB, what common web servers take by default (nginx's is 8 KiB) before they
/// answer 414 or cut it; it is also a page's most entries. Send more in several requests.
pub const MAX_FILTER_VALUES: usize = 250;

/// A model listed by a CRM list: what its `with` and `order` take, and whether the list
/// takes `filter` and `query` (a list that does not refuses them before sending).
pub trait CrmList: Listed {
    /// The list's `with` values (an open set), or [`NotTaken`].
    type With: Param;
    /// What the list orders by (an open set), or [`NotTaken`].
    type OrderBy: Param;
    /// Whether the list takes `filter[…]`.
    const FILTER: bool;
    /// Whether the list takes `query` (a search).
    const QUERY: bool;
}

/// An order's direction: `asc` or `desc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `asc`: oldest, smallest first.
    Asc,
    /// `desc`: newest, largest first.
    Desc,
}

impl Direction {
    /// `asc` or `desc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = Invalid;
    fn from_str(text: &str) -> Result<Self, Invalid> {
        match text {
            "asc" => Ok(Direction::Asc),
            "desc" => Ok(Direction::Desc),
            other => Err(Invalid::Direction {
                value: other.to_owned(),
            }),
        }
    }
}

/// A range filter, `[from]` and `[to]` (both ends included, as amoCRM reads them): Unix
/// seconds for dates, amounts for prices and numeric fields. At least one end is needed,
/// and `from` may not exceed `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range<N = i64> {
    /// The lower end, if any.
    pub from: Option<N>,
    /// The upper end, if any.
    pub to: Option<N>,
}

impl<N> Range<N> {
    /// From `from` to `to`.
    pub fn between(from: N, to: N) -> Self {
        Range {
            from: Some(from),
            to: Some(to),
        }
    }

    /// From `from` on.
    pub fn since(from: N) -> Self {
        Range {
            from: Some(from),
            to: None,
        }
    }

    /// Up to `to`.
    pub fn until(to: N) -> Self {
        Range {
            from: None,
            to: Some(to),
        }
    }
}

/// The query of a CRM list: its filters, order, `with` and search, as the generated call
/// takes them. Built by the list's methods (see the [module docs](self)).
pub struct CrmQuery<T: CrmList> {
    filter: PhpQuery,
    order: PhpQuery,
    with: Vec<T::With>,
    search: Option<String>,
    /// The first input refused while building, returned when the request is sent.
    refused: Option<Invalid>,
    /// The list's path parts.
    pub(crate) scope: Scope,
}

impl<T: CrmList> Default for CrmQuery<T> {
    fn default() -> Self {
        CrmQuery {
            filter: PhpQuery::new(),
            order: PhpQuery::new(),
            with: Vec::new(),
            search: None,
            refused: None,
            scope: Scope::default(),
        }
    }
}

impl<T: CrmList> Clone for CrmQuery<T> {
    fn clone(&self) -> Self {
        CrmQuery {
            filter: self.filter.clone(),
            order: self.order.clone(),
            with: self.with.clone(),
            search: self.search.clone(),
            refused: self.refused.clone(),
            scope: self.scope,
        }
    }
}

impl<T: CrmList> fmt::Debug for CrmQuery<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrmQuery")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("with", &self.with)
            .field("query", &self.search)
            .finish_non_exhaustive()
    }
}

impl<T: CrmList> CrmQuery<T> {
    /// The `filter[…]` pairs, in the order given.
    pub fn filter(&self) -> &PhpQuery {
        &self.filter
    }

    /// The `order[…]` pair, if any.
    pub fn order(&self) -> &PhpQuery {
        &self.order
    }

    /// The `with` values, each once, in the order given.
    pub fn with(&self) -> &[T::With] {
        &self.with
    }

    /// The search text (`query`), if any.
    pub fn search(&self) -> Option<&str> {
        self.search.as_deref()
    }

    /// The generated call's `filter`.
    pub(crate) fn filter_arg(&self) -> Option<&PhpQuery> {
        (!self.filter.is_empty()).then_some(&self.filter)
    }

    /// The generated call's `order`.
    pub(crate) fn order_arg(&self) -> Option<&PhpQuery> {
        (!self.order.is_empty()).then_some(&self.order)
    }

    /// The generated call's `with`: the values joined by commas.
    pub(crate) fn with_arg(&self) -> Option<String> {
        with_text(&self.with)
    }

    /// Records why the query cannot be sent (the first reason wins).
    pub(crate) fn refuse(&mut self, invalid: Invalid) {
        self.refused.get_or_insert(invalid);
    }

    /// Appends `filter[path…]=value`.
    pub(crate) fn push_filter(&mut self, path: &[&str], value: impl fmt::Display) {
        self.filter.push_path("filter", path, value);
    }

    /// Removes every pair whose key is exactly `key`: a single-value filter set again
    /// replaces its value (PHP keeps the last of a repeated key, so the first would be
    /// lost silently otherwise).
    pub(crate) fn remove_filter_key(&mut self, key: &str) {
        if self.filter.pairs().any(|(k, _)| k == key) {
            let kept = self.filter.pairs().filter(|(k, _)| *k != key);
            self.filter = kept.collect();
        }
    }

    /// Removes `filter[name]` and every `filter[name][…]`: a filter of several keys
    /// (`statuses`) set again replaces the whole of it.
    pub(crate) fn remove_filter(&mut self, name: &str) {
        let key = format!("filter[{name}]");
        let kept = self.filter.pairs().filter(|(k, _)| !under(k, &key));
        self.filter = kept.collect();
    }

    /// The values of `filter[name]` (and of `filter[name][…]`), each comma-joined list
    /// split: what a section's own check counts.
    pub(crate) fn filter_values(&self, name: &str) -> Vec<&str> {
        let key = format!("filter[{name}]");
        self.filter
            .pairs()
            .filter(|(k, _)| under(k, &key))
            .flat_map(|(_, value)| value.split(','))
            .collect()
    }

    /// Whether anything refused the query, or it holds a parameter the list does not
    /// take: checked before anything is sent.
    pub(crate) fn check(&self) -> Result<(), Invalid> {
        if let Some(refused) = &self.refused {
            return Err(refused.clone());
        }
        let not_taken = |param| Invalid::Param {
            param,
            reason: format!("the {} list does not take it", T::NOUN),
        };
        if !self.with.is_empty() && !<T::With as Param>::TAKEN {
            return Err(not_taken("with"));
        }
        if !self.order.is_empty() && !<T::OrderBy as Param>::TAKEN {
            return Err(not_taken("order"));
        }
        if !self.filter.is_empty() && !T::FILTER {
            return Err(not_taken("filter"));
        }
        if self.search.is_some() && !T::QUERY {
            return Err(not_taken("query"));
        }
        for with in &self.with {
            param::word("with", with.as_ref())?;
        }
        Ok(())
    }
}

/// Whether the bracket key `key` is `root` or one of its `root[…]`.
fn under(key: &str, root: &str) -> bool {
    key.strip_prefix(root)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('['))
}

/// `with` values joined by commas, or `None` for none.
fn with_text<W: AsRef<str>>(with: &[W]) -> Option<String> {
    let mut values = with.iter().map(AsRef::as_ref);
    let first = values.next()?;
    Some(values.fold(first.to_owned(), |mut text, value| {
        text.push(',');
        text.push_str(value);
        text
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::{Lead, OrderBy, With};

    #[test]
    fn directions_read_as_amocrm_writes_them() {
        assert_eq!("asc".parse::<Direction>().unwrap(), Direction::Asc);
        assert_eq!("desc".parse::<Direction>().unwrap().to_string(), "desc");
        for bad in ["ASC", "", "up"] {
            let error = bad.parse::<Direction>().unwrap_err();
            assert_eq!(error, Invalid::Direction { value: bad.into() });
        }
    }

    #[test]
    fn open_sets_keep_what_they_do_not_know() {
        assert_eq!("contacts".parse::<With>().unwrap(), With::Contacts);
        assert_eq!(
            "new_part".parse::<With>().unwrap(),
            With::Unknown("new_part".into())
        );
        assert_eq!(OrderBy::UpdatedAt.as_ref(), "updated_at");
        assert!(With::OnlyDeleted.list_only() && !With::Contacts.list_only());
        const { assert!(!<NotTaken as Param>::TAKEN && <With as Param>::TAKEN) };
    }

    #[test]
    fn a_filter_is_counted_in_every_form_php_reads() {
        let mut query = CrmQuery::<Lead>::default();
        query.push_filter(&["entity_id", ""], 1);
        query.push_filter(&["entity_id", "3"], 2);
        query.push_filter(&["entity_id"], "3,4");
        query.push_filter(&["entity_idx"], 5);
        query.push_filter(&["entity"], "lead");
        assert_eq!(query.filter_values("entity_id"), ["1", "2", "3", "4"]);
        assert_eq!(query.filter_values("entity"), ["lead"]);
        assert!(query.check().is_ok());
        assert_eq!(
            with_text(&[With::Contacts, With::Source]).unwrap(),
            "contacts,source"
        );
        assert_eq!(with_text::<With>(&[]), None);
    }
}
