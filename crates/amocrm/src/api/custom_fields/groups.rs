//! The groups of custom fields (the tabs of a card): a paged list, and a get by the
//! group's ID, which is a string (`leads_16731683094840`), not a number.

use crate::client::Client;
use crate::error::Result;
use crate::pagination::{ListRequest, Listed, Page, Paged, not_found};
use crate::query::{CrmList, CrmQuery, EntityKind, NotTaken, Scope, crm_list_in};

use super::CustomFieldGroup;

/// The custom field group calls of one entity type.
#[derive(Clone, Copy, Debug)]
pub struct GroupCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
}

impl<'c> GroupCalls<'c> {
    pub(super) fn new(client: &'c Client, kind: EntityKind) -> Self {
        GroupCalls { client, kind }
    }

    /// `GET /api/v4/{entity_type}/custom_fields/groups`: the groups, paged.
    pub fn list(&self) -> ListRequest<CustomFieldGroup, CrmQuery<CustomFieldGroup>> {
        crm_list_in(self.client, Ok(Scope::of(self.kind)), |client, at, q| {
            Box::pin(async move {
                let kind = q.scope.kind()?;
                let call = client
                    .raw()
                    .list_custom_field_groups(kind, at.limit, at.page);
                let list = client.call(call).await?;
                let groups = list.embedded.into_option().map(|e| e.custom_field_groups);
                Ok(Page::listed(list.page, list.links, groups))
            })
        })
    }

    /// `GET /api/v4/{entity_type}/custom_fields/groups/{id}`: one group (a missing one
    /// is [`crate::Error::NotFound`]; an ID that is not one path segment is refused
    /// before sending).
    pub fn get(&self, id: impl Into<String>) -> GetGroup<'c> {
        let (client, kind, id) = (self.client, self.kind, id.into());
        GetGroup { client, kind, id }
    }
}

/// A get of one custom field group; send it with `.send()`.
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct GetGroup<'c> {
    client: &'c Client,
    kind: EntityKind,
    id: String,
}

impl GetGroup<'_> {
    /// Fetches the group.
    pub async fn send(self) -> Result<CustomFieldGroup> {
        let id = crate::api::path_segment("custom field group", &self.id)?;
        let call = self.client.raw().get_custom_field_group(self.kind, &id);
        let fetched = self.client.call(call).await;
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
