//! Custom field definitions of leads, contacts, companies, customers and catalogs (with
//! their enums, nested values and chained lists), and their groups. The values an
//! entity holds are read on the entity (`lead.custom_field(id)`), as the value types
//! below ([`CustomFieldValue`], its [`CustomFieldData`] by field type, …). Definitions
//! are added, changed and deleted with `.add`, `.update`, `.update_one`, `.delete`,
//! checked against amoCRM's documentation first.

mod calls;
mod groups;
mod lists;
mod write;

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{
    CrmGet, CrmList, CrmQuery, EntityKind, NotTaken, Scope, crm_get_in, crm_list_in, open_param,
};

pub use amocrm_raw::CustomFieldType;
pub use amocrm_raw::types::{
    CustomFieldChainedList, CustomFieldDefinition, CustomFieldEnum, CustomFieldGroup,
};
pub use amocrm_raw::{
    ChainedListValue, CustomFieldData, CustomFieldValue, CustomFieldValueItem, EMAIL, EnumValue,
    ExtraKeys, FileValue, InvoiceDiscount, InvoiceItem, LegalEntity, LinkedEntity, PHONE, Payer,
    ScalarOrJson, SmartAddress, Supplier,
};
pub use calls::MAX_FIELDS_A_REQUEST;
pub use groups::{GetGroup, GroupCalls};
pub use write::{CustomFieldPatch, NewCustomField};

use amocrm_raw::types::CustomFieldList;

open_param! {
    /// What a custom field list orders by.
    pub enum OrderBy {
        /// The fields' order in the card.
        Sort = "sort",
        /// The ID.
        Id = "id",
    }
}

impl Client {
    /// The custom fields of an entity type: `client.custom_fields(EntityKind::Leads)`
    /// `.list()`, `.get(id)`, `.groups()`; a catalog's are
    /// [`CatalogCalls::custom_fields`](crate::catalogs::CatalogCalls::custom_fields)
    /// (written with `CatalogCalls::add_custom_fields`, `update_custom_fields`, …).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::custom_fields::CustomFieldType;
    /// use amocrm::query::EntityKind;
    /// use futures::TryStreamExt;
    ///
    /// let selects: Vec<_> = client
    ///     .custom_fields(EntityKind::Leads)
    ///     .list()
    ///     .types([CustomFieldType::Select])
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn custom_fields(&self, kind: EntityKind) -> CustomFieldCalls<'_> {
        CustomFieldCalls { client: self, kind }
    }
}

/// The custom field calls of one entity type; each returns a request to send with
/// `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct CustomFieldCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
}

impl<'c> CustomFieldCalls<'c> {
    /// `GET /api/v4/{entity_type}/custom_fields`: the definitions, paged; takes
    /// `filter[type][]` (`.types(..)`) and `order[sort|id]`.
    pub fn list(&self) -> ListRequest<CustomFieldDefinition, CrmQuery<CustomFieldDefinition>> {
        crm_list_in(self.client, Ok(Scope::of(self.kind)), |client, at, q| {
            Box::pin(async move {
                let (kind, raw) = (q.scope.kind()?, client.raw());
                let (filter, order) = (q.filter_arg(), q.order_arg());
                let call = raw.list_custom_fields(kind, filter, at.limit, order, at.page);
                let list = client.call(call).await?;
                let fields = list.embedded.into_option().map(|e| e.custom_fields);
                Ok(Page::listed(list.page, list.links, fields))
            })
        })
    }

    /// `GET /api/v4/{entity_type}/custom_fields/{id}`: one definition (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<CustomFieldDefinition, CrmGet<CustomFieldDefinition>> {
        crm_get_in(
            self.client,
            id,
            Ok(Scope::of(self.kind)),
            |client, id, q| {
                Box::pin(async move {
                    let kind = q.scope().kind()?;
                    client.call(client.raw().get_custom_field(kind, id)).await
                })
            },
        )
    }

    /// The groups (card tabs) of this entity type's fields.
    pub fn groups(&self) -> GroupCalls<'c> {
        GroupCalls::new(self.client, self.kind)
    }
}

impl crate::catalogs::CatalogCalls<'_> {
    /// `GET /api/v4/catalogs/{catalog_id}/custom_fields`: the definitions of one
    /// catalog's fields (price, category, items, file, …), paged; takes
    /// `filter[type][]` and `order[sort|id]`.
    pub fn custom_fields(
        &self,
        catalog_id: i64,
    ) -> ListRequest<CustomFieldDefinition, CrmQuery<CustomFieldDefinition>> {
        let scope = Scope::within(None, "catalog", catalog_id);
        crm_list_in(self.client(), scope, |client, at, q| {
            Box::pin(async move {
                let (catalog, raw) = (q.scope.parent()?, client.raw());
                let (filter, order) = (q.filter_arg(), q.order_arg());
                let call =
                    raw.list_catalog_custom_fields(catalog, filter, at.limit, order, at.page);
                let list = client.call(call).await?;
                let fields = list.embedded.into_option().map(|e| e.custom_fields);
                Ok(Page::listed(list.page, list.links, fields))
            })
        })
    }
}

impl<'c> crate::catalogs::CatalogCalls<'c> {
    /// `GET /api/v4/catalogs/{catalog_id}/custom_fields/{id}`: one definition of a
    /// catalog's fields (a missing one, or one of another catalog, is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn custom_field(
        &self,
        catalog_id: i64,
        id: i64,
    ) -> GetRequest<CustomFieldDefinition, CrmGet<CustomFieldDefinition>> {
        let scope = Scope::within(None, "catalog", catalog_id);
        crm_get_in(self.client(), id, scope, |client, id, q| {
            Box::pin(async move {
                let catalog = q.scope().parent()?;
                let call = client.raw().get_catalog_custom_field(catalog, id);
                client.call(call).await
            })
        })
    }

    /// The groups of a catalog's fields:
    /// `client.catalogs().custom_field_groups(id).list()`, `.get(group_id)`.
    pub fn custom_field_groups(&self, catalog_id: i64) -> GroupCalls<'c> {
        GroupCalls::of_catalog(self.client(), catalog_id)
    }
}

/// The filter of custom field lists.
impl ListRequest<CustomFieldDefinition, CrmQuery<CustomFieldDefinition>> {
    /// Only fields of these types (`filter[type][]`).
    pub fn types(self, types: impl IntoIterator<Item = CustomFieldType>) -> Self {
        self.filter_values("type", types)
    }
}

impl Listed for CustomFieldDefinition {
    const NOUN: &'static str = "custom field";
    const EMBEDDED: &'static str = "custom_fields";
    type Paging = Paged;
    type Raw = CustomFieldDefinition;
    fn from_raw(raw: CustomFieldDefinition) -> Self {
        raw
    }
}

impl CrmList for CustomFieldDefinition {
    type With = NotTaken;
    type OrderBy = OrderBy;
    const FILTER: bool = true;
    const QUERY: bool = false;
}
