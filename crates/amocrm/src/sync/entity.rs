//! What a changes stream can follow: leads, contacts and companies (the generated models),
//! each with its list call and how its answer reads.

use std::num::NonZeroU64;
use std::sync::Arc;

use amocrm_raw::PhpQuery;
use amocrm_raw::types::{Company, Contact, Lead};
use futures::future::BoxFuture;

use super::answer::{Answer, Ask, Shape, read};
use crate::client::Client;
use crate::error::Result;

/// An entity whose changes can be followed: [`Lead`], [`Contact`], [`Company`] (sealed).
pub trait Changing: sealed::Sealed + Send + Sized + 'static {
    /// What one is called in messages: `lead`, `contact`, `company`.
    const NOUN: &'static str;
}

pub(crate) mod sealed {
    use super::*;

    /// The list call of an entity, and how its answer reads. Nameable only inside the
    /// crate, so its crate-private types are not part of the public interface.
    #[allow(private_interfaces)]
    pub trait Sealed {
        /// Makes `ask` with `with`, through the client's one request path.
        fn fetch(
            client: Client,
            ask: Ask,
            with: Option<Arc<str>>,
        ) -> BoxFuture<'static, Result<Answer<Self, i64>>>
        where
            Self: Sized;
    }
}

/// The query of `ask` on a list whose entries are stamped by `stamp`: `filter`, `order`,
/// `page`, `limit`.
pub(crate) fn query(
    ask: Ask,
    stamp: &str,
) -> (PhpQuery, Option<PhpQuery>, Option<NonZeroU64>, NonZeroU64) {
    let mut filter = PhpQuery::new();
    match ask {
        Ask::Clock => {
            // No entity has id 0: amoCRM answers 204 (or an empty page), dated.
            filter.push_path("filter", &["id", ""], 0);
            (filter, None, None, NonZeroU64::MIN)
        }
        Ask::Page {
            from,
            to,
            page,
            limit,
            by_id,
        } => {
            filter.push_path("filter", &[stamp, "from"], from);
            if let Some(to) = to {
                filter.push_path("filter", &[stamp, "to"], to);
            }
            let mut order = PhpQuery::new();
            order.push_path("order", &[if by_id { "id" } else { stamp }], "asc");
            let page = NonZeroU64::new(u64::from(page)).unwrap_or(NonZeroU64::MIN);
            let limit = NonZeroU64::new(u64::from(limit)).unwrap_or(NonZeroU64::MIN);
            (filter, Some(order), Some(page), limit)
        }
    }
}

/// Implements [`Changing`] for a generated entity model and its list call.
macro_rules! changing {
    ($model:ty, $list_type:ty, $noun:literal, $embedded:ident, $list:ident) => {
        impl Changing for $model {
            const NOUN: &'static str = $noun;
        }

        #[allow(private_interfaces)] // sealed: see `sealed::Sealed`
        impl sealed::Sealed for $model {
            fn fetch(
                client: Client,
                ask: Ask,
                with: Option<Arc<str>>,
            ) -> BoxFuture<'static, Result<Answer<Self, i64>>> {
                Box::pin(async move {
                    let shape = Shape {
                        noun: $noun,
                        embedded: stringify!($embedded),
                        stamp: "updated_at",
                        entries: |list: $list_type| {
                            list.embedded
                                .into_option()
                                .map(|e| e.$embedded)
                                .unwrap_or_default()
                        },
                        stamped: |entity: &$model| (entity.id, entity.updated_at),
                    };
                    let (filter, order, page, limit) = query(ask, "updated_at");
                    let with = match ask {
                        Ask::Clock => None,
                        Ask::Page { .. } => with.as_deref(),
                    };
                    let call = client.raw().$list(
                        Some(&filter),
                        Some(limit),
                        order.as_ref(),
                        page,
                        None,
                        with,
                    );
                    read(call, &shape).await
                })
            }
        }
    };
}

changing!(Lead, amocrm_raw::types::LeadList, "lead", leads, list_leads);
changing!(
    Contact,
    amocrm_raw::types::ContactList,
    "contact",
    contacts,
    list_contacts
);
changing!(
    Company,
    amocrm_raw::types::CompanyList,
    "company",
    companies,
    list_companies
);

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &PhpQuery) -> Vec<(String, String)> {
        query
            .pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn each_ask_is_the_query_amocrm_takes() {
        let (filter, order, page, limit) = query(Ask::Clock, "updated_at");
        assert_eq!(pairs(&filter), [("filter[id][]".into(), "0".into())]);
        assert_eq!((order, page, limit.get()), (None, None, 1));
        let ask = Ask::Page {
            from: 10,
            to: Some(19),
            page: 3,
            limit: 249,
            by_id: true,
        };
        let (filter, order, page, limit) = query(ask, "updated_at");
        let expected = [
            ("filter[updated_at][from]".to_owned(), "10".to_owned()),
            ("filter[updated_at][to]".to_owned(), "19".to_owned()),
        ];
        assert_eq!(pairs(&filter), expected);
        assert_eq!(pairs(&order.unwrap()), [("order[id]".into(), "asc".into())]);
        assert_eq!((page.map(NonZeroU64::get), limit.get()), (Some(3), 249));
    }
}
