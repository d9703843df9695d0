//! Entity links (a lead's contacts, companies and catalog elements; a contact's
//! companies, …): of one entity, or of several at once (the mass listing, which amoCRM
//! answers only with `filter[entity_id]`).

use crate::client::Client;
use crate::error::Invalid;
use crate::pagination::{ListRequest, Listed, Page, Paged};
use crate::query::{CrmList, CrmQuery, EntityKind, NotTaken, Scope, crm_list_in};

pub use amocrm_raw::types::{EntityLink, EntityLinkMetadata};

/// What a link leads to (`to_entity_type`; amoCRM may add kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Target {
    /// `leads`
    Leads,
    /// `contacts`
    Contacts,
    /// `companies`
    Companies,
    /// `customers`
    Customers,
    /// `catalog_elements`
    CatalogElements,
}

impl Target {
    /// The type as amoCRM writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Leads => "leads",
            Target::Contacts => "contacts",
            Target::Companies => "companies",
            Target::Customers => "customers",
            Target::CatalogElements => "catalog_elements",
        }
    }
}

impl Target {
    /// The target amoCRM names `name` (`contacts`, …), if this client knows it.
    pub fn from_name(name: &str) -> Option<Target> {
        [
            Target::Leads,
            Target::Contacts,
            Target::Companies,
            Target::Customers,
            Target::CatalogElements,
        ]
        .into_iter()
        .find(|t| t.as_str() == name)
    }
}

/// What a link read from amoCRM leads to: a [`Target`] this client knows, or a type it
/// does not (amoCRM may add some; the write side takes only the known ones).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LinkedType {
    /// A known type.
    Known(Target),
    /// A type this client does not know, as amoCRM wrote it.
    Unknown(String),
}

impl LinkedType {
    /// The `to_entity_type` of `link`, typed (`None` when amoCRM left it out).
    ///
    /// ```
    /// use amocrm::links::{EntityLink, LinkedType, Target};
    ///
    /// let link: EntityLink = serde_json::from_str(
    ///     r#"{"to_entity_id": 9, "to_entity_type": "contacts", "metadata": null}"#,
    /// ).unwrap();
    /// assert_eq!(LinkedType::of(&link), Some(LinkedType::Known(Target::Contacts)));
    /// ```
    pub fn of(link: &EntityLink) -> Option<LinkedType> {
        let name = link.to_entity_type.as_deref()?;
        Some(
            Target::from_name(name)
                .map_or_else(|| LinkedType::Unknown(name.to_owned()), LinkedType::Known),
        )
    }
}

impl Client {
    /// The links of an entity type's entities: `client.links(EntityKind::Leads)`
    /// `.of(lead_id).list()`, or `.list().entity_ids([..])` for several at once.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::links::Target;
    /// use amocrm::query::EntityKind;
    ///
    /// let links = client.links(EntityKind::Leads).of(42).list().send().await?;
    /// let contacts = links.items.iter().filter(|l| l.to_entity_type.as_deref() == Some("contacts"));
    /// let mass = client.links(EntityKind::Leads).list().entity_ids([42, 43]).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn links(&self, kind: EntityKind) -> LinkCalls<'_> {
        LinkCalls { client: self, kind }
    }
}

/// The link calls of one entity type; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct LinkCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
}

impl<'c> LinkCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }

    /// The entity type whose links these are.
    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    /// `GET /api/v4/{entity_type}/links`: the links of the entities named with
    /// `.entity_ids(..)`, which amoCRM requires: without it the request is refused
    /// before sending.
    pub fn list(&self) -> ListRequest<EntityLink, CrmQuery<EntityLink>> {
        let list = crm_list_in(self.client, Ok(Scope::of(self.kind)), |client, at, q| {
            Box::pin(async move {
                let kind = q.scope.kind()?;
                let call = client
                    .raw()
                    .list_links(kind, q.filter_arg(), at.limit, at.page);
                let list = client.call(call).await?;
                let links = list.embedded.into_option().map(|e| e.links);
                Ok(Page::listed(list.page, list.links, links))
            })
        });
        list.checked_by(|query| {
            check(query)?;
            match query.filter_values("entity_id").is_empty() {
                false => Ok(()),
                true => Err(Invalid::Filter {
                    filter: "entity_id".into(),
                    reason: "the mass listing of links needs the entities' IDs".into(),
                }),
            }
        })
    }

    /// The links of one entity (an ID amoCRM cannot have is refused when the request is
    /// sent).
    pub fn of(&self, entity_id: i64) -> EntityLinkCalls<'c> {
        let (client, kind) = (self.client, self.kind);
        EntityLinkCalls {
            client,
            kind,
            entity_id,
        }
    }
}

/// The link calls of one entity.
#[derive(Clone, Copy, Debug)]
pub struct EntityLinkCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
    entity_id: i64,
}

impl<'c> EntityLinkCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }

    /// The entity's type.
    pub fn kind(&self) -> EntityKind {
        self.kind
    }

    /// The entity's ID.
    pub fn entity_id(&self) -> i64 {
        self.entity_id
    }
}

impl EntityLinkCalls<'_> {
    /// `GET /api/v4/{entity_type}/{entity_id}/links`: a page, every page or every link
    /// (`filter[entity_id]` is refused here: the path names the entity).
    pub fn list(&self) -> ListRequest<EntityLink, CrmQuery<EntityLink>> {
        let scope = Scope::within(Some(self.kind), "entity", self.entity_id);
        let list = crm_list_in(self.client, scope, |client, at, q| {
            Box::pin(async move {
                let (kind, entity) = (q.scope.kind()?, q.scope.parent()?);
                let raw = client.raw();
                let call = raw.list_entity_links(kind, entity, q.filter_arg(), at.limit, at.page);
                let list = client.call(call).await?;
                let links = list.embedded.into_option().map(|e| e.links);
                Ok(Page::listed(list.page, list.links, links))
            })
        });
        list.checked_by(|query| {
            check(query)?;
            match query.filter_values("entity_id").is_empty() {
                true => Ok(()),
                false => Err(Invalid::Filter {
                    filter: "entity_id".into(),
                    reason: "the links of one entity take no entity_id filter".into(),
                }),
            }
        })
    }
}

/// The common checks, and amoCRM's rule that `to_entity_id` and `to_entity_type` come
/// together.
fn check(query: &CrmQuery<EntityLink>) -> Result<(), Invalid> {
    query.check()?;
    let ids = query.filter_values("to_entity_id").len();
    let types = query.filter_values("to_entity_type").len();
    if (ids == 0) != (types == 0) {
        return Err(Invalid::Filter {
            filter: "to_entity_id".into(),
            reason: "to_entity_id and to_entity_type go together".into(),
        });
    }
    Ok(())
}

/// The filters of links.
impl ListRequest<EntityLink, CrmQuery<EntityLink>> {
    /// Only the links of these entities (`filter[entity_id][]`; the mass listing only).
    pub fn entity_ids(self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.filter_ids("entity_id", ids)
    }

    /// Only the links to entity `id` of type `target` (`filter[to_entity_id]` and
    /// `filter[to_entity_type]`).
    pub fn to(self, target: Target, id: i64) -> Self {
        let this = self.filter_id_at(&["to_entity_id"], id);
        this.filter_at(&["to_entity_type"], target.as_str())
    }

    /// Only the links to elements of catalog `catalog_id` (`filter[to_catalog_id]`).
    pub fn to_catalog(self, catalog_id: i64) -> Self {
        self.filter_id_at(&["to_catalog_id"], catalog_id)
    }
}

impl Listed for EntityLink {
    const NOUN: &'static str = "link";
    const EMBEDDED: &'static str = "links";
    const KEY: &'static str = "to_entity_id";
    type Paging = Paged;
    type Raw = EntityLink;
    fn from_raw(raw: EntityLink) -> Self {
        raw
    }
}

impl CrmList for EntityLink {
    type With = NotTaken;
    type OrderBy = NotTaken;
    const FILTER: bool = true;
    const QUERY: bool = false;
}
