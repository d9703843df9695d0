//! One get-by-ID request for every section: the ID checked before anything is sent, and
//! amoCRM's two answers for a missing entity (`204` without a body, its convention, or a
//! `404`) one error.

use std::fmt;
use std::num::NonZeroU64;

use futures::future::BoxFuture;

use super::listed::Listed;
use crate::client::Client;
use crate::error::{Error, Invalid, Problem, Result};

/// A section's get call: the generated call made with a checked ID (and the section's
/// query `Q`, when it has one). A function, not a closure: it captures nothing.
pub(crate) type FetchOne<T> = fn(Client, NonZeroU64) -> BoxFuture<'static, Result<T>>;

/// A get call that takes a query of its own (`with`).
pub(crate) type FetchOneWith<T, Q> = fn(Client, NonZeroU64, Q) -> BoxFuture<'static, Result<T>>;

/// How a get fetches: plainly, or with its query.
enum Fetch<T, Q> {
    Plain(FetchOne<T>),
    With(FetchOneWith<T, Q>, fn(&Q) -> Result<(), Invalid>),
}

impl<T, Q> Clone for Fetch<T, Q> {
    fn clone(&self) -> Self {
        match self {
            Fetch::Plain(fetch) => Fetch::Plain(*fetch),
            Fetch::With(fetch, check) => Fetch::With(*fetch, *check),
        }
    }
}

/// A get by ID: `.send()` fetches the entity. An ID amoCRM cannot have (`0`, or more
/// than `i64::MAX`: its IDs are positive signed 64-bit integers) is
/// [`Invalid::Identifier`] and nothing is sent; an entity the account does not have is
/// [`Error::NotFound`], whether amoCRM answers `204` or `404`. `Q` is the section's own
/// query (`with`), checked before anything is sent too.
///
/// ```no_run
/// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
/// use amocrm::ErrorKind;
///
/// match client.pipelines().get(3177727).send().await {
///     Ok(pipeline) => println!("{}: {}", pipeline.id, pipeline.name),
///     Err(error) if error.kind() == ErrorKind::NotFound => println!("no such pipeline"),
///     Err(error) => return Err(error),
/// }
/// # Ok(()) }
/// ```
#[must_use = "call .send()"]
pub struct GetRequest<T, Q = ()> {
    client: Client,
    /// The ID as given: a CRM section's `i64` (the models' type) or a pipeline's `u64`.
    id: i128,
    query: Q,
    fetch: Fetch<T, Q>,
}

impl<T, Q: Clone> Clone for GetRequest<T, Q> {
    fn clone(&self) -> Self {
        let (client, id, query) = (self.client.clone(), self.id, self.query.clone());
        let fetch = self.fetch.clone();
        GetRequest {
            client,
            id,
            query,
            fetch,
        }
    }
}

impl<T: Listed, Q: fmt::Debug> fmt::Debug for GetRequest<T, Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetRequest")
            .field("entity", &T::NOUN)
            .field("id", &self.id)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl<T: Listed> GetRequest<T> {
    /// The entity `id` of `client`, fetched by `fetch`.
    pub(crate) fn new(client: &Client, id: u64, fetch: FetchOne<T>) -> Self {
        let (client, id) = (client.clone(), i128::from(id));
        let fetch = Fetch::Plain(fetch);
        GetRequest {
            client,
            id,
            query: (),
            fetch,
        }
    }
}

impl<T: Listed, Q> GetRequest<T, Q> {
    /// The entity `id` of `client`, fetched by `fetch` with `query`, which `check`
    /// checks before anything is sent.
    pub(crate) fn with_query(
        client: &Client,
        id: i64,
        query: Q,
        fetch: FetchOneWith<T, Q>,
        check: fn(&Q) -> Result<(), Invalid>,
    ) -> Self {
        let (client, id) = (client.clone(), i128::from(id));
        let fetch = Fetch::With(fetch, check);
        GetRequest {
            client,
            id,
            query,
            fetch,
        }
    }

    /// The section's own query, for its setters.
    pub(crate) fn query_mut(&mut self) -> &mut Q {
        &mut self.query
    }

    /// Fetches the entity.
    pub async fn send(self) -> Result<T> {
        let id = (i64::try_from(self.id).ok())
            .and_then(|id| u64::try_from(id).ok())
            .and_then(NonZeroU64::new)
            .ok_or_else(|| Invalid::Identifier {
                what: T::NOUN,
                value: self.id.to_string(),
                reason: "amoCRM's IDs are 1 to 9223372036854775807",
            })?;
        let fetched = match self.fetch {
            Fetch::Plain(fetch) => fetch(self.client, id).await,
            Fetch::With(fetch, check) => {
                check(&self.query)?;
                fetch(self.client, id, self.query).await
            }
        };
        not_found(fetched, || format!("the account has no {} {id}", T::NOUN))
    }
}

/// amoCRM's answer to a get by ID of an entity it does not have, `204` without a body,
/// made [`Error::NotFound`] saying which (`detail`); any other outcome as it is.
pub(crate) fn not_found<T>(fetched: Result<T>, detail: impl FnOnce() -> String) -> Result<T> {
    match fetched {
        Err(Error::UnexpectedStatus { status: 204, .. }) => {
            let mut problem = Problem::bare(204);
            problem.detail = Some(detail());
            Err(Error::NotFound(problem))
        }
        fetched => fetched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::AccountUrl;
    use crate::error::RawBody;
    use crate::pagination::Unpaged;

    #[derive(Debug, PartialEq)]
    struct Entity(u64);

    impl Listed for Entity {
        const NOUN: &'static str = "entity";
        const EMBEDDED: &'static str = "entities";
        const KEY: &'static str = "id";
        type Paging = Unpaged;
        type Raw = u64;
        fn from_raw(raw: u64) -> Self {
            Entity(raw)
        }
    }

    /// Entity 2 answers `204`, 3 answers `404`, any other is there; nothing is sent to the
    /// client.
    fn get(id: u64) -> GetRequest<Entity> {
        let client = Client::builder()
            .account(AccountUrl::base_url("http://127.0.0.1:9"))
            .token("t")
            .build()
            .unwrap();
        GetRequest::new(&client, id, |_, id| {
            Box::pin(async move {
                match id.get() {
                    2 => Err(Error::UnexpectedStatus {
                        status: 204,
                        body: RawBody::new(bytes::Bytes::new()),
                    }),
                    3 => Err(Error::NotFound(Problem::bare(404))),
                    other => Ok(Entity(other)),
                }
            })
        })
    }

    #[tokio::test]
    async fn a_missing_entity_is_not_found_and_an_impossible_id_is_never_sent() {
        assert_eq!(get(1).send().await.unwrap(), Entity(1));
        for (id, status) in [(2, 204), (3, 404)] {
            match get(id).send().await {
                Err(Error::NotFound(problem)) => assert_eq!(problem.status, status),
                other => panic!("{id}: {other:?}"),
            }
        }
        // A 204 has no problem of its own: the one made for it says which entity.
        let Err(Error::NotFound(problem)) = get(2).send().await else {
            panic!("not found")
        };
        assert_eq!(
            problem.detail.as_deref(),
            Some("the account has no entity 2")
        );
        for id in [0, 1 << 63, u64::MAX] {
            let error = get(id).send().await.unwrap_err();
            assert!(
                matches!(
                    &error,
                    Error::Invalid(Invalid::Identifier { what: "entity", .. })
                ),
                "{error:?}"
            );
        }
        // The largest ID amoCRM can have is sent.
        let largest = i64::MAX as u64;
        assert_eq!(get(largest).send().await.unwrap(), Entity(largest));
    }
}
