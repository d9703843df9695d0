//! Tags written: new tags of an entity type's dictionary ([`NewTag`], through the batch
//! writer) and tags attached to or detached from one entity.
//!
//! amoCRM documents two ways to change an entity's tags, both a `PATCH` of the entity:
//! `tags_to_add` / `tags_to_delete` (what to attach and what to detach, the other tags
//! left alone) and `_embedded.tags` (the whole set: a tag not listed is detached, `null`
//! detaches all). [`TagCalls::attach`] and [`TagCalls::detach`] send the first: they need
//! no read of the entity first, and two writers attaching different tags at once do not
//! undo each other. The second is on the patches, as
//! [`LeadPatch::replace_tags`](crate::write::LeadPatch::replace_tags) and
//! [`clear_tags`](crate::write::LeadPatch::clear_tags), for a caller that means the whole
//! set.

use futures::stream::{Stream, StreamExt};
use serde_json::{Map, Value};

use crate::api::tags::TagCalls;
use crate::error::{Error, Invalid};
use crate::query::EntityKind;
use crate::write::entities::{Item, sealed};
use crate::write::field::TagRef;
use crate::write::op::{self, Op};
use crate::write::outcome::Updated;
use crate::write::writer::Writer;

/// The colours amoCRM documents for leads' tags (since its spring 2022 release); the
/// other entity types' tags have none. Read answers may carry others: the read side
/// takes any string.
pub const TAG_COLORS: [&str; 23] = [
    "EBEBEB", "D0D0D0", "F2DDF7", "D1A4DC", "FF8F92", "FFC8C8", "C7DB8C", "DDEBB5", "8699DA",
    "AABDFF", "FFCE5A", "FFE193", "90CDB0", "C6F4DE", "A9A5D7", "D8D5FF", "86C0FC", "832161",
    "6A0F49", "0C7C59", "10599D", "9D2B32", "247BA0",
];

/// A tag to add to an entity type's dictionary: `NewTag::new("VIP")`, and for a lead tag
/// `.color("DDEBB5")`. A name the dictionary has already is not added again: amoCRM
/// answers with the existing tag's ID, so adding tags is safe to repeat (the writer's
/// requests are retried like a `GET`).
///
/// ```
/// use amocrm::write::NewTag;
///
/// let tags = [NewTag::new("VIP").color("FFCE5A"), NewTag::new("Website")];
/// # let _ = tags;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTag {
    name: String,
    color: Option<String>,
    /// The dictionary, set by the call (`client.tags(kind).add(..)`).
    kind: Option<EntityKind>,
}

impl NewTag {
    /// A tag of this name (not blank).
    pub fn new(name: impl Into<String>) -> Self {
        NewTag {
            name: name.into(),
            color: None,
            kind: None,
        }
    }

    /// Its colour, one of [`TAG_COLORS`] (any case); leads' tags only. Anything else
    /// makes the item [`Invalid::Field`] when it is sent.
    pub fn color(mut self, color: impl Into<String>) -> Self {
        self.color = Some(color.into());
        self
    }
}

impl sealed::Sealed for NewTag {}

impl Item for NewTag {
    fn into_body(self) -> Result<Map<String, Value>, Invalid> {
        let refuse = |field: &str, reason| {
            Err(Invalid::Field {
                field: field.into(),
                reason,
            })
        };
        if self.name.trim().is_empty() {
            return refuse("name", "a tag has a name, not blank");
        }
        let mut body = Map::new();
        body.insert("name".into(), self.name.into());
        if let Some(color) = self.color {
            if self.kind != Some(EntityKind::Leads) {
                return refuse("color", "only leads' tags have a colour");
            }
            let Some(known) = TAG_COLORS.iter().find(|c| c.eq_ignore_ascii_case(&color)) else {
                return refuse("color", "a tag's colour is one of amoCRM's palette");
            };
            body.insert("color".into(), (*known).into());
        }
        Ok(body)
    }
}

impl TagCalls<'_> {
    /// `POST /api/v4/{entity_type}/tags`, in batches: tags added to the entity type's
    /// dictionary. Each result's `id` is the tag's (an existing one for a name the
    /// dictionary has). A name twice in one batch makes the later item
    /// [`Invalid::Field`] (`name`), unsent: amoCRM would answer it once.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::NewTag;
    /// use futures::StreamExt;
    ///
    /// let tags = [NewTag::new("VIP").color("FFCE5A"), NewTag::new("Website")];
    /// let mut added = client.tags(EntityKind::Leads).add(tags).stream();
    /// while let Some(tag) = added.next().await {
    ///     println!("{:?}", tag.map(|t| t.id));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn add<I>(&self, tags: I) -> Writer<NewTag>
    where
        I: IntoIterator<Item = NewTag>,
        I::IntoIter: Send + 'static,
    {
        self.add_stream(futures::stream::iter(tags))
    }

    /// [`Self::add`] from a stream of tags.
    pub fn add_stream(&self, tags: impl Stream<Item = NewTag> + Send + 'static) -> Writer<NewTag> {
        let kind = self.kind();
        let tags = tags.map(move |tag| NewTag {
            kind: Some(kind),
            ..tag
        });
        Writer::new(self.client(), Op::AddTags(kind), tags.boxed())
    }

    /// `PATCH /api/v4/{entity_type}/{id}` with `tags_to_add`: attaches tags, by ID or
    /// name (a new name is added to the dictionary), to one lead, contact or company;
    /// its other tags stay. Retried like a `GET` (attaching twice changes nothing).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    /// use amocrm::write::TagRef;
    ///
    /// let tags = client.tags(EntityKind::Leads);
    /// tags.attach(19619, [TagRef::Id(2707), TagRef::from("VIP")]).await?;
    /// tags.detach(19619, ["Website"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn attach<T: Into<TagRef>>(
        &self,
        entity_id: i64,
        tags: impl IntoIterator<Item = T>,
    ) -> crate::Result<Updated> {
        self.change(entity_id, "tags_to_add", tags).await
    }

    /// `PATCH /api/v4/{entity_type}/{id}` with `tags_to_delete`: detaches tags, by ID or
    /// name, from one lead, contact or company; its other tags stay.
    pub async fn detach<T: Into<TagRef>>(
        &self,
        entity_id: i64,
        tags: impl IntoIterator<Item = T>,
    ) -> crate::Result<Updated> {
        self.change(entity_id, "tags_to_delete", tags).await
    }

    async fn change<T: Into<TagRef>>(
        &self,
        entity_id: i64,
        key: &str,
        tags: impl IntoIterator<Item = T>,
    ) -> crate::Result<Updated> {
        let op = match self.kind() {
            EntityKind::Leads => Op::UpdateLeads,
            EntityKind::Contacts => Op::UpdateContacts,
            EntityKind::Companies => Op::UpdateCompanies,
            EntityKind::Customers => return Err(field("entity_type", NO_CUSTOMERS)),
        };
        let tags: Vec<Value> = tags
            .into_iter()
            .map(Into::into)
            .enumerate()
            .map(|(at, tag)| tag.checked(&format!("{key}.{at}")))
            .collect::<Result<_, _>>()?;
        if tags.is_empty() {
            return Err(field(key, "no tag given"));
        }
        if entity_id <= 0 {
            return Err(field("id", "an ID is above 0"));
        }
        let mut body = Map::new();
        body.insert("id".into(), entity_id.into());
        body.insert(key.into(), Value::Array(tags));
        op::update_one(self.client(), op, body).await
    }
}

const NO_CUSTOMERS: &str =
    "this client writes the tags of leads, contacts and companies; not customers";

fn field(field: &str, reason: &'static str) -> Error {
    Error::Invalid(Invalid::Field {
        field: field.into(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn of(kind: EntityKind, tag: NewTag) -> Result<Value, Invalid> {
        let tag = NewTag {
            kind: Some(kind),
            ..tag
        };
        tag.into_body().map(Value::Object)
    }

    #[test]
    fn a_new_tag_sends_its_name_and_a_lead_tag_its_colour() {
        let lead = of(EntityKind::Leads, NewTag::new("VIP").color("ffce5a"));
        assert_eq!(lead.unwrap(), json!({"name": "VIP", "color": "FFCE5A"}));
        let contact = of(EntityKind::Contacts, NewTag::new("VIP"));
        assert_eq!(contact.unwrap(), json!({"name": "VIP"}));
    }

    #[test]
    fn what_amocrm_documents_as_invalid_is_refused() {
        let field = |r: Result<Value, Invalid>| match r {
            Err(Invalid::Field { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(of(EntityKind::Leads, NewTag::new(" "))), "name");
        let contact = NewTag::new("VIP").color("FFCE5A");
        assert_eq!(field(of(EntityKind::Contacts, contact)), "color");
        let off_palette = NewTag::new("VIP").color("123456");
        assert_eq!(field(of(EntityKind::Leads, off_palette)), "color");
    }
}
