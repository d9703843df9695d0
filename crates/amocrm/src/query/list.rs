//! The methods every CRM list has ([`ListRequest<T, CrmQuery<T>>`]), and the typed filter
//! helpers its section's own filters are made of.

use std::fmt::Display;

use super::{
    CrmList, CrmQuery, Direction, FilterValue, MAX_FILTER_VALUES, Range, Scope, key, param, scope,
};
use crate::client::Client;
use crate::error::Invalid;
use crate::pagination::{FetchPage, ListRequest};

/// A CRM list of `client`, fetched by `fetch`, its query checked before anything is sent.
pub(crate) fn crm_list<T: CrmList>(
    client: &Client,
    fetch: FetchPage<T, CrmQuery<T>>,
) -> ListRequest<T, CrmQuery<T>> {
    ListRequest::new(client, CrmQuery::default(), fetch).checked_by(CrmQuery::check)
}

/// A CRM list of `client` in `scope` (its path's entity type and parent), fetched by
/// `fetch`; a parent ID amoCRM cannot have is refused when the request is sent.
pub(crate) fn crm_list_in<T: CrmList>(
    client: &Client,
    scope: Result<Scope, Invalid>,
    fetch: FetchPage<T, CrmQuery<T>>,
) -> ListRequest<T, CrmQuery<T>> {
    let mut list = crm_list(client, fetch);
    match scope {
        Ok(scope) => list.query_mut().scope = scope,
        Err(invalid) => list.query_mut().refuse(invalid),
    }
    list
}

impl<T: CrmList> ListRequest<T, CrmQuery<T>> {
    /// Asks for an optional part of each entity (`with`); each value is sent once (an
    /// `Unknown` arm spelling a known value counts as that value).
    pub fn with(mut self, with: T::With) -> Self {
        let with = param::normal(with);
        let query = self.query_mut();
        if !query.with.contains(&with) {
            query.with.push(with);
        }
        self
    }

    /// Orders the list by `by` (`order[by]=direction`); a second order replaces the
    /// first: amoCRM takes one.
    pub fn order(mut self, by: T::OrderBy, direction: Direction) -> Self {
        let by = param::normal(by);
        let query = self.query_mut();
        if let Err(invalid) = param::word("order", by.as_ref()) {
            query.refuse(invalid);
        }
        query.order = amocrm_raw::PhpQuery::new();
        query
            .order
            .push_path("order", &[by.as_ref()], direction.as_str());
        self
    }

    /// amoCRM's search (`query`): a name, a phone, an e-mail, a field's text. An empty
    /// text is refused (it would search nothing).
    pub fn query(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        let query = self.query_mut();
        if text.trim().is_empty() {
            query.refuse(Invalid::Param {
                param: "query",
                reason: "the search text is empty".into(),
            });
        }
        query.search = Some(text);
        self
    }

    /// A raw filter: `key` is what follows `filter` in PHP's bracket form, so
    /// `.filter("id[]", 5)` sends `filter[id][]=5` and `.filter("updated_at[from]", t)`
    /// sends `filter[updated_at][from]=t`. Pairs are sent in the order given, after or
    /// among the typed filters. A key of one value (not ending in `[]`) set again, by this
    /// call or a typed filter, replaces the value: the last call wins, as PHP would keep
    /// only the last of a repeated key anyway. A malformed key (unbalanced brackets, no
    /// name) is [`Invalid::FilterKey`] when the request is sent.
    pub fn filter(mut self, key: &str, value: impl Display) -> Self {
        let query = self.query_mut();
        match key::filter_key(key) {
            Ok(full) => {
                if !full.ends_with("[]") {
                    query.remove_filter_key(&full);
                }
                query.filter.push(full, value);
            }
            Err(invalid) => query.refuse(invalid),
        }
        self
    }

    /// `filter[name][]=v` for each of `values`; none at all, an empty value, or more than
    /// [`MAX_FILTER_VALUES`] in all, is refused (it would filter nothing out, match what
    /// amoCRM makes of nothing, or make too long a URL).
    pub(crate) fn filter_values<V: Display>(
        mut self,
        name: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        let query = self.query_mut();
        let before = query.filter.len();
        for value in values {
            let value = value.to_string();
            if value.trim().is_empty() {
                query.refuse(Invalid::Filter {
                    filter: name.to_owned(),
                    reason: "a value is empty".into(),
                });
            }
            query.push_filter(&[name, ""], value);
        }
        if query.filter.len() == before {
            query.refuse(Invalid::Filter {
                filter: name.to_owned(),
                reason: "no values given: an empty list would filter nothing out".into(),
            });
        }
        let key = amocrm_raw::PhpQuery::key("filter", &[name, ""]);
        let count = query.filter.pairs().filter(|(k, _)| *k == key).count();
        if count > MAX_FILTER_VALUES {
            query.refuse(Invalid::Filter {
                filter: name.to_owned(),
                reason: format!("{count} values, at most {MAX_FILTER_VALUES} fit in a request"),
            });
        }
        self
    }

    /// `filter[name][]=id` for each of `ids`, each an ID amoCRM can have (as a get's
    /// is): another is refused.
    pub(crate) fn filter_ids(self, name: &str, ids: impl IntoIterator<Item = i64>) -> Self {
        let ids: Vec<i64> = ids.into_iter().collect();
        match ids.iter().find(|id| !scope::is_id(**id)) {
            Some(bad) => self.refuse_filter(name, format!("{bad}: {}", scope::BAD_ID)),
            None => self.filter_values(name, ids),
        }
    }

    /// `filter[path…]=id` for one ID amoCRM can have; another is refused.
    pub(crate) fn filter_id_at(self, path: &[&str], id: i64) -> Self {
        match scope::is_id(id) {
            true => self.filter_at(path, id),
            false => self.refuse_filter(&path.join("]["), format!("{id}: {}", scope::BAD_ID)),
        }
    }

    /// Why a custom field filter on `field_id` is refused: an ID amoCRM cannot have.
    pub(crate) fn field_id_refusal(field_id: i64) -> Option<String> {
        (!scope::is_id(field_id)).then(|| format!("field {field_id}: {}", scope::BAD_ID))
    }

    /// Refuses the filter `name` for `reason`, when the request is sent.
    pub(crate) fn refuse_filter(mut self, name: &str, reason: String) -> Self {
        let filter = name.to_owned();
        self.query_mut().refuse(Invalid::Filter { filter, reason });
        self
    }

    /// `filter[path…][from]` and `[to]`, replacing a range set before (the last call
    /// wins); a range without ends, with an end amoCRM cannot read (`inf`, `NaN`) or
    /// with `from` above `to`, is refused.
    pub(crate) fn filter_range<N: FilterValue + PartialOrd>(
        mut self,
        path: &[&str],
        range: Range<N>,
    ) -> Self {
        let query = self.query_mut();
        let refuse = |query: &mut CrmQuery<T>, reason: &str| {
            query.refuse(Invalid::Filter {
                filter: path.join("]["),
                reason: reason.into(),
            });
        };
        let text = |end: &Option<N>| end.as_ref().map(FilterValue::filter_text).transpose();
        let (from, to) = match (text(&range.from), text(&range.to)) {
            (Ok(from), Ok(to)) => (from, to),
            (Err(reason), _) | (_, Err(reason)) => {
                refuse(query, &format!("an end is {reason}"));
                (None, None)
            }
        };
        match (&range.from, &range.to) {
            (None, None) => refuse(query, "a range needs a from or a to"),
            (Some(from), Some(to)) if from > to => refuse(query, "from is above to"),
            _ => {}
        }
        let mut at = path.to_vec();
        at.push("from");
        query.remove_filter_key(&amocrm_raw::PhpQuery::key("filter", &at));
        if let Some(from) = from {
            query.push_filter(&at, from);
        }
        *at.last_mut().expect("just pushed") = "to";
        query.remove_filter_key(&amocrm_raw::PhpQuery::key("filter", &at));
        if let Some(to) = to {
            query.push_filter(&at, to);
        }
        self
    }

    /// `filter[path…]=value`, the value checked ([`FilterValue`]).
    pub(crate) fn filter_value_at(self, path: &[&str], value: impl FilterValue) -> Self {
        match value.filter_text() {
            Ok(text) => self.filter_at(path, text),
            Err(reason) => {
                let named: Vec<&str> = path.iter().copied().filter(|s| !s.is_empty()).collect();
                self.refuse_filter(&named.join("]["), format!("the value is {reason}"))
            }
        }
    }

    /// `filter[path…]=value` for a nested path. A key of one value (its last segment
    /// not `[]`) set again replaces the value: the last call wins, as with `.order()`
    /// (PHP would keep only the last of a repeated key anyway, silently).
    pub(crate) fn filter_at(mut self, path: &[&str], value: impl Display) -> Self {
        let query = self.query_mut();
        if path.last().is_some_and(|last| !last.is_empty()) {
            query.remove_filter_key(&amocrm_raw::PhpQuery::key("filter", path));
        }
        query.push_filter(path, value);
        self
    }

    /// Forgets every `filter[name…]` set before: a filter of several keys set again.
    pub(crate) fn clear_filter(mut self, name: &str) -> Self {
        self.query_mut().remove_filter(name);
        self
    }
}
