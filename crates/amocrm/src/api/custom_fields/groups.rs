//! The groups of custom fields (the tabs of a card) of an entity type or of one catalog:
//! a paged list, and a get by the group's ID, which is a string
//! (`leads_16731683094840`), not a number.

use crate::client::Client;
use crate::error::Result;
use crate::pagination::{ListRequest, Listed, Page, Paged, not_found};
use crate::query::{CrmList, CrmQuery, EntityKind, NotTaken, Scope, crm_list_in};

use super::CustomFieldGroup;

/// Whose groups: an entity type's, or one catalog's.
#[derive(Clone, Copy, Debug)]
enum Owner {
    Kind(EntityKind),
    Catalog(i64),
}

/// The custom field group calls of one entity type or one catalog.
#[derive(Clone, Copy, Debug)]
pub struct GroupCalls<'c> {
    client: &'c Client,
    owner: Owner,
}

impl<'c> GroupCalls<'c> {
    pub(super) fn new(client: &'c Client, kind: EntityKind) -> Self {
        let owner = Owner::Kind(kind);
        GroupCalls { client, owner }
    }

    pub(super) fn of_catalog(client: &'c Client, catalog_id: i64) -> Self {
        let owner = Owner::Catalog(catalog_id);
        GroupCalls { client, owner }
    }

    /// `GET /api/v4/{entity_type}/custom_fields/groups` (or
    /// `/api/v4/catalogs/{catalog_id}/custom_fields/groups`): the groups, paged.
    pub fn list(&self) -> ListRequest<CustomFieldGroup, CrmQuery<CustomFieldGroup>> {
        let scope = match self.owner {
            Owner::Kind(kind) => Ok(Scope::of(kind)),
            Owner::Catalog(id) => Scope::within(None, "catalog", id),
        };
        crm_list_in(self.client, scope, |client, at, q| {
            Box::pin(async move {
                let raw = client.raw();
                let list = match q.scope.kind {
                    Some(kind) => {
                        let call = raw.list_custom_field_groups(kind, at.limit, at.page);
                        client.call(call).await?
                    }
                    None => {
                        let catalog = q.scope.parent()?;
                        let call = raw.list_catalog_custom_field_groups(catalog, at.limit, at.page);
                        client.call(call).await?
                    }
                };
                let groups = list.embedded.into_option().map(|e| e.custom_field_groups);
                Ok(Page::listed(list.page, list.links, groups))
            })
        })
    }

    /// `GET …/custom_fields/groups/{id}`: one group (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound); an ID that is not one path segment is refused before
    /// sending).
    pub fn get(&self, id: impl Into<String>) -> GetGroup<'c> {
        let (client, owner, id) = (self.client, self.owner, id.into());
        GetGroup { client, owner, id }
    }
}

/// A get of one custom field group; send it with `.send()`.
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct GetGroup<'c> {
    client: &'c Client,
    owner: Owner,
    id: String,
}

impl GetGroup<'_> {
    /// Fetches the group.
    pub async fn send(self) -> Result<CustomFieldGroup> {
        let (raw, what) = (self.client.raw(), "custom field group");
        let fetched = match self.owner {
            Owner::Kind(kind) => {
                let id = crate::api::path_segment(what, &self.id)?;
                self.client
                    .call(raw.get_custom_field_group(kind, &id))
                    .await
            }
            Owner::Catalog(catalog) => {
                let catalog = crate::query::parent_id("catalog", catalog)?;
                let id = crate::api::path_segment(what, &self.id)?;
                let call = raw.get_catalog_custom_field_group(catalog, &id);
                self.client.call(call).await
            }
        };
        not_found(fetched, || {
            "the account has no such custom field group".into()
        })
    }
}

impl Listed for CustomFieldGroup {
    const NOUN: &'static str = "custom field group";
    const EMBEDDED: &'static str = "custom_field_groups";
    type Paging = Paged;
    type Raw = CustomFieldGroup;
    fn from_raw(raw: CustomFieldGroup) -> Self {
        raw
    }
}

impl CrmList for CustomFieldGroup {
    type With = NotTaken;
    type OrderBy = NotTaken;
    const FILTER: bool = false;
    const QUERY: bool = false;
}
