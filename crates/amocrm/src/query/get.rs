//! The get by ID of a CRM section: `.with(T::With)` where amoCRM takes it.

use std::fmt;

use super::{CrmList, Param, Scope, param, with_text};
use crate::client::Client;
use crate::error::Invalid;
use crate::pagination::GetRequest;

/// The query of a CRM get by ID: its `with` values.
pub struct CrmGet<T: CrmList> {
    with: Vec<T::With>,
    /// The get's path parts, or why they cannot be sent.
    scope: Result<Scope, Invalid>,
}

impl<T: CrmList> Clone for CrmGet<T> {
    fn clone(&self) -> Self {
        CrmGet {
            with: self.with.clone(),
            scope: self.scope.clone(),
        }
    }
}

impl<T: CrmList> fmt::Debug for CrmGet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CrmGet").field("with", &self.with).finish()
    }
}

impl<T: CrmList> CrmGet<T> {
    /// The `with` values, each once, in the order given.
    pub fn with(&self) -> &[T::With] {
        &self.with
    }

    /// The get's path parts.
    pub(crate) fn scope(&self) -> Scope {
        self.scope.clone().unwrap_or_default()
    }

    /// The generated call's `with`.
    pub(crate) fn with_arg(&self) -> Option<String> {
        with_text(&self.with)
    }

    fn check(&self) -> Result<(), Invalid> {
        self.scope.clone()?;
        let refuse = |reason: String| Invalid::Param {
            param: "with",
            reason,
        };
        if !self.with.is_empty() && !<T::With as Param>::TAKEN {
            return Err(refuse(format!("a {} get does not take it", T::NOUN)));
        }
        for with in &self.with {
            param::word("with", with.as_ref())?;
            if with.list_only() {
                let value = with.as_ref();
                return Err(refuse(format!("{value} is for lists, not a get by ID")));
            }
        }
        Ok(())
    }
}

/// The get by ID `id` of a CRM section, fetched by `fetch` with its `with`, checked
/// before anything is sent.
pub(crate) fn crm_get<T: CrmList>(
    client: &Client,
    id: i64,
    fetch: crate::pagination::FetchOneWith<T, CrmGet<T>>,
) -> GetRequest<T, CrmGet<T>> {
    crm_get_in(client, id, Ok(Scope::default()), fetch)
}

/// The get by ID `id` in `scope` (its path's entity type and parent); a parent ID amoCRM
/// cannot have is refused when the request is sent.
pub(crate) fn crm_get_in<T: CrmList>(
    client: &Client,
    id: i64,
    scope: Result<Scope, Invalid>,
    fetch: crate::pagination::FetchOneWith<T, CrmGet<T>>,
) -> GetRequest<T, CrmGet<T>> {
    let query = CrmGet {
        with: Vec::new(),
        scope,
    };
    GetRequest::with_query(client, id, query, fetch, CrmGet::check)
}

impl<T: CrmList> GetRequest<T, CrmGet<T>> {
    /// Asks for an optional part of the entity (`with`); each value is sent once (an
    /// `Unknown` arm spelling a known value counts as that value: a list-only one is
    /// refused).
    pub fn with(mut self, with: T::With) -> Self {
        let with = param::normal(with);
        let query = self.query_mut();
        if !query.with.contains(&with) {
            query.with.push(with);
        }
        self
    }
}
