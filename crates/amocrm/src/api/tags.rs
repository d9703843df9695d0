//! Tags, one dictionary per entity type (the same name has one ID among leads' tags and
//! another among contacts'): the list (paged; by name, IDs or a search).

use crate::client::Client;
use crate::pagination::{ListRequest, Listed, Page, Paged};
use crate::query::{CrmList, CrmQuery, EntityKind, NotTaken, Scope, crm_list_in, filters};

pub use amocrm_raw::types::Tag;

impl Client {
    /// The tags of an entity type: `client.tags(EntityKind::Leads).list()`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::EntityKind;
    ///
    /// let vip = client.tags(EntityKind::Leads).list().name("VIP").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn tags(&self, kind: EntityKind) -> TagCalls<'_> {
        TagCalls { client: self, kind }
    }
}

/// The tag calls of one entity type; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct TagCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
}

impl<'c> TagCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }

    /// The entity type whose dictionary this is.
    pub fn kind(&self) -> EntityKind {
        self.kind
    }
}

impl TagCalls<'_> {
    /// `GET /api/v4/{entity_type}/tags`: a page, every page or every tag; takes `query`
    /// (a search in the names), `filter[name]` and `filter[id][]`.
    pub fn list(&self) -> ListRequest<Tag, CrmQuery<Tag>> {
        crm_list_in(self.client, Ok(Scope::of(self.kind)), |client, at, q| {
            Box::pin(async move {
                let (kind, raw) = (q.scope.kind()?, client.raw());
                let call = raw.list_tags(kind, q.filter_arg(), at.limit, at.page, q.search());
                let list = client.call(call).await?;
                let tags = list.embedded.into_option().map(|e| e.tags);
                Ok(Page::listed(list.page, list.links, tags))
            })
        })
    }
}

filters!(Tag { ids });

/// The filter of tags alone.
impl ListRequest<Tag, CrmQuery<Tag>> {
    /// The tag named exactly `name` (`filter[name]`: one name, as amoCRM takes it; an
    /// empty one is refused).
    pub fn name(self, name: impl AsRef<str>) -> Self {
        self.filter_value_at(&["name"], name.as_ref())
    }
}

impl Listed for Tag {
    const NOUN: &'static str = "tag";
    const EMBEDDED: &'static str = "tags";
    type Paging = Paged;
    type Raw = Tag;
    fn from_raw(raw: Tag) -> Self {
        raw
    }
}

impl CrmList for Tag {
    type With = NotTaken;
    type OrderBy = NotTaken;
    const FILTER: bool = true;
    const QUERY: bool = true;
}
