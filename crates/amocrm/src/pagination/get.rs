//! One get-by-ID request for every section: the ID checked before anything is sent, and
//! amoCRM's two answers for a missing entity (`204` without a body, its convention, or a
//! `404`) one error.

use std::fmt;
use std::num::NonZeroU64;

use futures::future::BoxFuture;

use super::listed::Listed;
use crate::client::Client;
use crate::error::{Error, Invalid, Problem, Result};

/// A section's get call: the generated call made with a checked ID. A function, not a
/// closure: it captures nothing.
pub(crate) type FetchOne<T> = fn(Client, NonZeroU64) -> BoxFuture<'static, Result<T>>;

/// A get by ID: `.send()` fetches the entity. An ID amoCRM cannot have (`0`, or more
/// than `i64::MAX`: its IDs are positive signed 64-bit integers) is
/// [`Invalid::Identifier`] and nothing is sent; an entity the account does not have is
/// [`Error::NotFound`], whether amoCRM answers `204` or `404`.
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
pub struct GetRequest<T> {
    client: Client,
    id: u64,
    fetch: FetchOne<T>,
}

impl<T> Clone for GetRequest<T> {
    fn clone(&self) -> Self {
        let (client, id, fetch) = (self.client.clone(), self.id, self.fetch);
        GetRequest { client, id, fetch }
    }
}

impl<T: Listed> fmt::Debug for GetRequest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetRequest")
            .field("entity", &T::NOUN)
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl<T: Listed> GetRequest<T> {
    /// The entity `id` of `client`, fetched by `fetch`.
    pub(crate) fn new(client: &Client, id: u64, fetch: FetchOne<T>) -> Self {
        let client = client.clone();
        GetRequest { client, id, fetch }
    }

    /// Fetches the entity.
    pub async fn send(self) -> Result<T> {
        let id = NonZeroU64::new(self.id)
            .filter(|id| i64::try_from(id.get()).is_ok())
            .ok_or_else(|| Invalid::Identifier {
                what: T::NOUN,
                value: self.id.to_string(),
                reason: "amoCRM's IDs are 1 to 9223372036854775807",
            })?;
        match (self.fetch)(self.client, id).await {
            // amoCRM's answer to a get by ID of an entity it does not have.
            Err(Error::UnexpectedStatus { status: 204, .. }) => {
                let mut problem = Problem::bare(204);
                problem.detail = Some(format!("the account has no {} {id}", T::NOUN));
                Err(Error::NotFound(problem))
            }
            fetched => fetched,
        }
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
