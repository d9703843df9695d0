//! The custom field definition writes: add, update (a batch or one by its path), delete;
//! each checked before it is sent (see [`write`](super::write)).

use std::num::NonZeroU64;

use amocrm_raw::types::WriteItems;
use serde_json::{Map, Value};

use super::write::{CustomFieldPatch, NewCustomField};
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

fn path_id(id: i64) -> Result<NonZeroU64, Invalid> {
    u64::try_from(id)
        .ok()
        .and_then(NonZeroU64::new)
        .ok_or(Invalid::Field {
            field: "id".into(),
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
        let bodies = items
            .into_iter()
            .enumerate()
            .map(|(i, f)| f.checked(self.kind, &format!("{i}.")))
            .collect::<Result<Vec<_>, _>>()?;
        count(bodies.len())?;
        let body = numbered(bodies);
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
        let bodies = items
            .into_iter()
            .enumerate()
            .map(|(i, f)| f.checked(self.kind, &format!("{i}."), true))
            .collect::<Result<Vec<_>, _>>()?;
        count(bodies.len())?;
        let body = numbered(bodies);
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
    pub async fn delete(&self, id: i64) -> Result<()> {
        let id = path_id(id)?;
        let call = self.client.raw().delete_custom_field(self.kind, id);
        self.client.call(call).await
    }
}
