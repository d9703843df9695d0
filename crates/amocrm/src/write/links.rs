//! Links written: entities linked to or unlinked from one entity
//! (`client.links(kind).of(id).link(targets)`) or several at once
//! (`client.links(kind).link(links)`), through the batch writer.
//!
//! amoCRM documents no `request_id` for these bodies, so none is sent: a refusal's
//! `validation-errors` name an element by its index in the body, and a link's answer
//! names it by its entities. `link_op` reads both back to the writer's `request_id`s, so
//! one refused link costs one item as with every other write.

use futures::stream::{Stream, StreamExt};
use serde_json::{Map, Value, json};

use crate::api::links::{EntityLinkCalls, LinkCalls, Target};
use crate::client::Client;
use crate::error::Invalid;
use crate::query::EntityKind;
use crate::write::entities::{Item, sealed};
use crate::write::link_op::LinkOp;
use crate::write::op::Op;
use crate::write::writer::Writer;

/// An entity to link to (or unlink from) another: its type and ID, and how it is
/// linked (`metadata`). Each setter says which targets take it; a value a target does not
/// take, or an unlink does not, makes the item [`Invalid::Field`] when it is sent.
///
/// ```
/// use amocrm::write::LinkTo;
///
/// let targets = [
///     LinkTo::contact(457282).main(true),
///     LinkTo::company(11271229),
///     LinkTo::catalog_element(1026, 10).quantity(2.5).price_id(Some(271315)),
/// ];
/// # let _ = targets;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LinkTo {
    target: Target,
    id: i64,
    catalog_id: Option<i64>,
    quantity: Option<f64>,
    price_id: Option<Option<i64>>,
    is_main: Option<bool>,
    updated_by: Option<i64>,
}

impl LinkTo {
    /// Entity `id` of type `target` (a catalog element also needs
    /// [`LinkTo::catalog_id`]).
    pub fn new(target: Target, id: i64) -> Self {
        LinkTo {
            target,
            id,
            catalog_id: None,
            quantity: None,
            price_id: None,
            is_main: None,
            updated_by: None,
        }
    }

    /// A lead (linked to a company).
    pub fn lead(id: i64) -> Self {
        LinkTo::new(Target::Leads, id)
    }

    /// A contact.
    pub fn contact(id: i64) -> Self {
        LinkTo::new(Target::Contacts, id)
    }

    /// A company.
    pub fn company(id: i64) -> Self {
        LinkTo::new(Target::Companies, id)
    }

    /// A customer (linked to a contact or a company).
    pub fn customer(id: i64) -> Self {
        LinkTo::new(Target::Customers, id)
    }

    /// Element `element_id` of catalog `catalog_id`.
    pub fn catalog_element(catalog_id: i64, element_id: i64) -> Self {
        LinkTo::new(Target::CatalogElements, element_id).catalog_id(catalog_id)
    }

    /// The catalog of a catalog element (`metadata.catalog_id`, required for one).
    pub fn catalog_id(mut self, catalog_id: i64) -> Self {
        self.catalog_id = Some(catalog_id);
        self
    }

    /// How many of a catalog element (`metadata.quantity`; 0 or more, a fraction too).
    /// Links only.
    pub fn quantity(mut self, quantity: f64) -> Self {
        self.quantity = Some(quantity);
        self
    }

    /// The `price` field whose value applies to a catalog element
    /// (`metadata.price_id`; `None` sends null). Links only.
    pub fn price_id(mut self, price_id: Option<i64>) -> Self {
        self.price_id = Some(price_id);
        self
    }

    /// Whether a contact is the entity's main contact (`metadata.is_main`; answers say
    /// `main_contact`). Links only.
    pub fn main(mut self, is_main: bool) -> Self {
        self.is_main = Some(is_main);
        self
    }

    /// The user on whose behalf it is done (`metadata.updated_by`; 0 the integration).
    /// amoCRM refuses a deleted user's ID.
    pub fn updated_by(mut self, user_id: i64) -> Self {
        self.updated_by = Some(user_id);
        self
    }
}

/// One link of a mass link or unlink: the main entity and what it is linked to.
///
/// ```
/// use amocrm::write::{Link, LinkTo};
///
/// let links = [Link::new(14158851, LinkTo::contact(457282)), Link::new(14158852, LinkTo::company(9))];
/// # let _ = links;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    entity_id: Option<i64>,
    to: LinkTo,
    /// The request, set by the call.
    op: Option<LinkOp>,
}

impl Link {
    /// Links entity `entity_id` (of the call's type) to `to`.
    pub fn new(entity_id: i64, to: LinkTo) -> Self {
        Link {
            entity_id: Some(entity_id),
            to,
            op: None,
        }
    }
}

/// What amoCRM documents may be linked to each entity type.
fn linkable(kind: EntityKind, target: Target) -> bool {
    use Target::*;
    match kind {
        EntityKind::Leads => matches!(target, Contacts | Companies | CatalogElements),
        EntityKind::Contacts => matches!(target, Companies | Customers | CatalogElements),
        EntityKind::Companies => matches!(target, Contacts | Leads | Customers | CatalogElements),
        EntityKind::Customers => matches!(target, Contacts | Companies | CatalogElements),
    }
}

impl sealed::Sealed for Link {}

impl Item for Link {
    fn into_body(self) -> std::result::Result<Map<String, Value>, Invalid> {
        let refuse = |field: &str, reason| {
            Err(Invalid::Field {
                field: field.into(),
                reason,
            })
        };
        let Some(op) = self.op else {
            return refuse("entity_id", "a link is written through client.links(..)");
        };
        let to = self.to;
        let mut body = Map::new();
        match (op.entity, self.entity_id) {
            (Some(id), _) | (None, Some(id)) if id <= 0 => {
                return refuse("entity_id", "an ID is above 0");
            }
            (None, Some(id)) => {
                body.insert("entity_id".into(), id.into());
            }
            (None, None) => return refuse("entity_id", "a mass link names its entity"),
            (Some(_), _) => {}
        }
        if to.id <= 0 {
            return refuse("to_entity_id", "an ID is above 0");
        }
        if !linkable(op.kind, to.target) {
            return refuse(
                "to_entity_type",
                "amoCRM does not link this type to this entity type",
            );
        }
        body.insert("to_entity_id".into(), to.id.into());
        body.insert("to_entity_type".into(), to.target.as_str().into());
        let catalog = to.target == Target::CatalogElements;
        let mut metadata = Map::new();
        match to.catalog_id {
            Some(_) if !catalog => return refuse("metadata.catalog_id", ONLY_CATALOG),
            Some(id) if id <= 0 => return refuse("metadata.catalog_id", "an ID is above 0"),
            Some(id) => drop(metadata.insert("catalog_id".into(), id.into())),
            None if catalog => {
                return refuse("metadata.catalog_id", "a catalog element needs its catalog");
            }
            None => {}
        }
        if op.unlink && (to.quantity.is_some() || to.price_id.is_some() || to.is_main.is_some()) {
            return refuse("metadata", "an unlink takes catalog_id and updated_by only");
        }
        if let Some(quantity) = to.quantity {
            if !catalog {
                return refuse("metadata.quantity", ONLY_CATALOG);
            }
            let Some(number) = serde_json::Number::from_f64(quantity).filter(|_| quantity >= 0.0)
            else {
                return refuse(
                    "metadata.quantity",
                    "a quantity is a finite number, 0 or more",
                );
            };
            metadata.insert("quantity".into(), Value::Number(number));
        }
        match to.price_id {
            Some(_) if !catalog => return refuse("metadata.price_id", ONLY_CATALOG),
            Some(Some(id)) if id <= 0 => return refuse("metadata.price_id", "an ID is above 0"),
            Some(price) => drop(metadata.insert("price_id".into(), json!(price))),
            None => {}
        }
        match to.is_main {
            Some(_) if to.target != Target::Contacts => {
                return refuse("metadata.is_main", "only a contact is a main contact");
            }
            Some(main) => drop(metadata.insert("is_main".into(), main.into())),
            None => {}
        }
        match to.updated_by {
            Some(user) if user < 0 => {
                return refuse(
                    "metadata.updated_by",
                    "a user ID is 0 (the integration) or above",
                );
            }
            Some(user) => drop(metadata.insert("updated_by".into(), user.into())),
            None => {}
        }
        if !metadata.is_empty() {
            body.insert("metadata".into(), Value::Object(metadata));
        }
        Ok(body)
    }
}

const ONLY_CATALOG: &str = "only a catalog element takes it";

/// The writer of `links` for `op`.
fn writer(
    client: &Client,
    op: LinkOp,
    links: impl Stream<Item = Link> + Send + 'static,
) -> Writer<Link> {
    let links = links.map(move |link| Link {
        op: Some(op),
        ..link
    });
    Writer::new(client, Op::Links(op), links.boxed())
}

impl LinkCalls<'_> {
    /// `POST /api/v4/{entity_type}/link`, in batches: each link's entity linked to its
    /// target. Each result's `id` is the link's main entity. A link is never sent twice
    /// (amoCRM documents nothing of a link made again): a request that may have arrived
    /// is `OutcomeUnknown`. The same link twice in one batch makes the later item
    /// [`Invalid::Field`] (`to_entity_id`), unsent: amoCRM would answer it once.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::{Link, LinkTo};
    /// use futures::StreamExt;
    ///
    /// let links = [Link::new(14158851, LinkTo::contact(457282).main(true))];
    /// let mut done = client.links(EntityKind::Leads).link(links).stream();
    /// while let Some(link) = done.next().await {
    ///     if let Err(error) = link { eprintln!("{error}"); }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn link<I>(&self, links: I) -> Writer<Link>
    where
        I: IntoIterator<Item = Link>,
        I::IntoIter: Send + 'static,
    {
        self.link_stream(futures::stream::iter(links))
    }

    /// [`Self::link`] from a stream of links.
    pub fn link_stream(&self, links: impl Stream<Item = Link> + Send + 'static) -> Writer<Link> {
        writer(self.client(), self.op(None, false), links)
    }

    /// `POST /api/v4/{entity_type}/unlink`, in batches: each link's entity unlinked from
    /// its target (retried like a `GET`: unlinking twice changes nothing).
    pub fn unlink<I>(&self, links: I) -> Writer<Link>
    where
        I: IntoIterator<Item = Link>,
        I::IntoIter: Send + 'static,
    {
        self.unlink_stream(futures::stream::iter(links))
    }

    /// [`Self::unlink`] from a stream of links.
    pub fn unlink_stream(&self, links: impl Stream<Item = Link> + Send + 'static) -> Writer<Link> {
        writer(self.client(), self.op(None, true), links)
    }

    fn op(&self, entity: Option<i64>, unlink: bool) -> LinkOp {
        LinkOp {
            kind: self.kind(),
            entity,
            unlink,
        }
    }
}

impl EntityLinkCalls<'_> {
    /// `POST /api/v4/{entity_type}/{entity_id}/link`, in batches: the targets linked to
    /// this entity (never sent twice, as [`LinkCalls::link`]).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::LinkTo;
    /// use futures::StreamExt;
    ///
    /// let targets = [LinkTo::contact(457282).main(true), LinkTo::catalog_element(1026, 10).quantity(1.0)];
    /// let results: Vec<_> = client.links(EntityKind::Leads).of(14158851).link(targets).stream().collect().await;
    /// # Ok(()) }
    /// ```
    pub fn link(&self, targets: impl IntoIterator<Item = LinkTo>) -> Writer<Link> {
        self.write(targets, false)
    }

    /// `POST /api/v4/{entity_type}/{entity_id}/unlink`, in batches: the targets unlinked
    /// from this entity.
    pub fn unlink(&self, targets: impl IntoIterator<Item = LinkTo>) -> Writer<Link> {
        self.write(targets, true)
    }

    fn write(&self, targets: impl IntoIterator<Item = LinkTo>, unlink: bool) -> Writer<Link> {
        let op = LinkOp {
            kind: self.kind(),
            entity: Some(self.entity_id()),
            unlink,
        };
        let links: Vec<Link> = targets
            .into_iter()
            .map(|to| Link {
                entity_id: None,
                to,
                op: None,
            })
            .collect();
        writer(self.client(), op, futures::stream::iter(links))
    }
}
