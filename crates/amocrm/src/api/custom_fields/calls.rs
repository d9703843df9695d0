//! The custom field definition writes: add, update (a batch or one by its path), delete;
//! each checked before it is sent (see [`write`](super::write)); of an entity type's
//! fields, or of a catalog's (`client.catalogs().add_custom_fields(catalog_id, ..)`, …).

use std::num::NonZeroU64;

use amocrm_raw::types::WriteItems;
use serde_json::{Map, Value};

use super::write::{CustomFieldPatch, NewCustomField, Owner};
use super::{CustomFieldCalls, CustomFieldDefinition, CustomFieldList};
use crate::error::{Invalid, Result};

/// The most definitions a request carries (amoCRM's page size).
pub const MAX_FIELDS_A_REQUEST: usize = 250;

fn count(n: usize) -> Result<(), Invalid> {
    match n {
        0 => Err(Invalid::Definition {
            what: "custom fields".into(),
            reason: "nothing to write".into(),
        }),
        n if n > MAX_FIELDS_A_REQUEST => Err(Invalid::Definition {
            what: "custom fields".into(),
            reason: format!("{n} given: at most {MAX_FIELDS_A_REQUEST} a request"),
        }),
        _ => Ok(()),
    }
}

/// `request_id` = the item's index, so the answer maps back to the input.
fn numbered(items: Vec<Map<String, Value>>) -> WriteItems {
    WriteItems(
        items
            .into_iter()
            .enumerate()
            .map(|(i, mut item)| {
                item.insert("request_id".into(), i.to_string().into());
                item
            })
            .collect(),
    )
}

/// The bodies of an add, checked, counted and numbered.
fn added(items: impl IntoIterator<Item = NewCustomField>, of: Owner) -> Result<WriteItems> {
    let bodies = items
        .into_iter()
        .enumerate()
        .map(|(i, f)| f.checked(of, &format!("{i}.")))
        .collect::<Result<Vec<_>, _>>()?;
    count(bodies.len())?;
    Ok(numbered(bodies))
}

/// The bodies of a batch update, checked, counted and numbered.
fn patched(items: impl IntoIterator<Item = CustomFieldPatch>, of: Owner) -> Result<WriteItems> {
    let bodies = items
        .into_iter()
        .enumerate()
        .map(|(i, f)| f.checked(of, &format!("{i}."), true))
        .collect::<Result<Vec<_>, _>>()?;
    count(bodies.len())?;
    Ok(numbered(bodies))
}

fn path_id(id: i64) -> Result<NonZeroU64, Invalid> {
    named(id, "id")
}

/// The ID `field` of a path, above 0.
fn named(id: i64, field: &str) -> Result<NonZeroU64, Invalid> {
    u64::try_from(id)
        .ok()
        .and_then(NonZeroU64::new)
        .ok_or(Invalid::Field {
            field: field.into(),
            reason: "an ID is above 0",
        })
}

fn fields(list: CustomFieldList) -> Vec<CustomFieldDefinition> {
    list.embedded
        .into_option()
        .map(|e| e.custom_fields)
        .unwrap_or_default()
}

impl CustomFieldCalls<'_> {
    /// `POST /api/v4/{entity_type}/custom_fields` (account administrators): new
    /// definitions, each checked first (a name and a type amoCRM has for this entity
    /// type, a list's options, a monetary field's currency, …). The answer: the
    /// definitions made, in the order sent.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::custom_fields::{CustomFieldType, NewCustomField};
    /// use amocrm::query::EntityKind;
    ///
    /// let made = client
    ///     .custom_fields(EntityKind::Leads)
    ///     .add([NewCustomField::new("Source", CustomFieldType::Select).option("Web", 1)])
    ///     .await?;
    /// println!("field {}", made[0].id);
    /// # Ok(()) }
    /// ```
    pub async fn add(
        &self,
        items: impl IntoIterator<Item = NewCustomField>,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let body = added(items, self.kind.into())?;
        let call = self.client.raw().add_custom_fields(self.kind, &body);
        Ok(fields(self.client.call(call).await?))
    }

    /// `PATCH /api/v4/{entity_type}/custom_fields` (account administrators): changes,
    /// each naming its field by `id` (`CustomFieldPatch::new(id)`). Not retried after
    /// the body may have been sent.
    pub async fn update(
        &self,
        items: impl IntoIterator<Item = CustomFieldPatch>,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let body = patched(items, self.kind.into())?;
        let call = self.client.raw().update_custom_fields(self.kind, &body);
        Ok(fields(self.client.call(call).await?))
    }

    /// `PATCH /api/v4/{entity_type}/custom_fields/{id}` (account administrators): one
    /// definition's changes.
    pub async fn update_one(
        &self,
        id: i64,
        patch: CustomFieldPatch,
    ) -> Result<CustomFieldDefinition> {
        let id = path_id(id)?;
        let body = patch.checked(self.kind, "", false)?;
        let call = self.client.raw().update_custom_field(self.kind, id, &body);
        self.client.call(call).await
    }

    /// `DELETE /api/v4/{entity_type}/custom_fields/{id}` (account administrators): the
    /// definition and every value of it. amoCRM refuses a predefined field
    /// (`is_deletable: false`).
    /// Retried as any `DELETE`; a retry answered 404 after an attempt whose answer was lost
    /// is the delete done ([`RetryPolicy`](crate::RetryPolicy)).
    pub async fn delete(&self, id: i64) -> Result<()> {
        let id = path_id(id)?;
        let call = self.client.raw().delete_custom_field(self.kind, id);
        self.client.call(call).await
    }
}

impl crate::catalogs::CatalogCalls<'_> {
    /// `POST /api/v4/catalogs/{catalog_id}/custom_fields` (account administrators): new
    /// definitions of a catalog's fields, each checked first against the types a catalog
    /// has (the common ones, `file`, and `price`, `category`, `items`, `linked_entity`,
    /// `payer`, `supplier`) and the keys it takes. A catalog the account lacks is
    /// [`Error::NotFound`](crate::Error::NotFound). The answer: the definitions made, in the order sent.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::custom_fields::{CustomFieldType, NewCustomField};
    ///
    /// let made = client
    ///     .catalogs()
    ///     .add_custom_fields(4521, [NewCustomField::new("Colour", CustomFieldType::Select).option("Red", 1)])
    ///     .await?;
    /// println!("field {}", made[0].id);
    /// # Ok(()) }
    /// ```
    pub async fn add_custom_fields(
        &self,
        catalog_id: i64,
        items: impl IntoIterator<Item = NewCustomField>,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let catalog = named(catalog_id, "catalog_id")?;
        let body = added(items, Owner::Catalog)?;
        let client = self.client();
        let call = client.raw().add_catalog_custom_fields(catalog, &body);
        Ok(fields(client.call(call).await?))
    }

    /// `PATCH /api/v4/catalogs/{catalog_id}/custom_fields` (account administrators):
    /// changes to a catalog's definitions, each naming its field by `id`. Not retried
    /// after the body may have been sent.
    pub async fn update_custom_fields(
        &self,
        catalog_id: i64,
        items: impl IntoIterator<Item = CustomFieldPatch>,
    ) -> Result<Vec<CustomFieldDefinition>> {
        let catalog = named(catalog_id, "catalog_id")?;
        let body = patched(items, Owner::Catalog)?;
        let client = self.client();
        let call = client.raw().update_catalog_custom_fields(catalog, &body);
        Ok(fields(client.call(call).await?))
    }

    /// `PATCH /api/v4/catalogs/{catalog_id}/custom_fields/{id}` (account
    /// administrators): one definition's changes (a field of another catalog is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub async fn update_custom_field(
        &self,
        catalog_id: i64,
        id: i64,
        patch: CustomFieldPatch,
    ) -> Result<CustomFieldDefinition> {
        let (catalog, id) = (named(catalog_id, "catalog_id")?, path_id(id)?);
        let body = patch.checked(Owner::Catalog, "", false)?;
        let client = self.client();
        let call = client.raw().update_catalog_custom_field(catalog, id, &body);
        client.call(call).await
    }

    /// `DELETE /api/v4/catalogs/{catalog_id}/custom_fields/{id}` (account
    /// administrators): the definition and every element's value of it. amoCRM refuses
    /// a predefined field (`is_deletable: false`, such as a list's SKU or price).
    /// Retried as any `DELETE`; a retry answered 404 after an attempt whose answer was lost
    /// is the delete done ([`RetryPolicy`](crate::RetryPolicy)).
    pub async fn delete_custom_field(&self, catalog_id: i64, id: i64) -> Result<()> {
        let (catalog, id) = (named(catalog_id, "catalog_id")?, path_id(id)?);
        let client = self.client();
        let call = client.raw().delete_catalog_custom_field(catalog, id);
        client.call(call).await
    }
}
