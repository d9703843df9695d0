//! One request of a link or an unlink ([`LinkOp`]): its elements sent without the
//! writer's `request_id`s, which amoCRM documents none of for these bodies, and its
//! answer read back to them. A refusal's `validation-errors` name an element by its
//! index in the body; a link's answer names it by its entities (`entity_id`,
//! `to_entity_id`, `to_entity_type`: for the link of one entity, the pair alone; for a
//! mass link without `entity_id`, the pair when it is unique in the batch); an unlink
//! answers 204 (or 200), every element unlinked.

use std::num::NonZeroU64;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Invalid, Result};
use crate::query::EntityKind;

/// Which request: link or unlink, of the entity `entity` or (`None`) of several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LinkOp {
    pub kind: EntityKind,
    pub entity: Option<i64>,
    pub unlink: bool,
}

impl LinkOp {
    /// Sends `items` (each with the `request_id` the writer gave it, taken out here since
    /// amoCRM documents none) and reads the answer back to those `request_id`s: each
    /// element answered, as its main entity's ID and its `request_id`.
    pub(super) async fn send(
        self,
        client: &Client,
        mut items: Vec<Map<String, Value>>,
    ) -> Result<Vec<(i64, String)>> {
        let request_ids: Vec<String> = items
            .iter_mut()
            .map(|item| match item.remove("request_id") {
                Some(Value::String(id)) => id,
                _ => String::new(),
            })
            .collect();
        let entity_of = |item: &Map<String, Value>| {
            self.entity
                .or_else(|| item.get("entity_id").and_then(Value::as_i64))
                .unwrap_or(0)
        };
        let keys: Vec<(i64, i64, String)> = items
            .iter()
            .map(|item| {
                let to_id = item
                    .get("to_entity_id")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let to_type = item
                    .get("to_entity_type")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                (entity_of(item), to_id, to_type.to_owned())
            })
            .collect();
        let raw = client.raw();
        let entity = self
            .entity
            .and_then(|id| NonZeroU64::new(u64::try_from(id).ok()?));
        let answer = match (self.entity, entity, self.unlink) {
            (Some(_), None, _) => {
                return Err(Error::Invalid(Invalid::Field {
                    field: "entity_id".into(),
                    reason: "an ID is above 0",
                }));
            }
            (_, Some(id), false) => {
                let body = amocrm_raw::types::LinkWriteItems(items);
                client
                    .call(raw.link_entity(self.kind, id, &body))
                    .await
                    .map(Some)
            }
            (_, Some(id), true) => {
                let body = amocrm_raw::types::LinkWriteItems(items);
                client
                    .call(raw.unlink_entity(self.kind, id, &body))
                    .await
                    .map(|()| None)
            }
            (None, _, false) => {
                let body = amocrm_raw::types::MassLinkWriteItems(items);
                client
                    .call(raw.link_entities(self.kind, &body))
                    .await
                    .map(Some)
            }
            (None, _, true) => {
                let body = amocrm_raw::types::MassLinkWriteItems(items);
                client
                    .call(raw.unlink_entities(self.kind, &body))
                    .await
                    .map(|()| None)
            }
        };
        let answer = match answer {
            Ok(answer) => answer,
            Err(Error::Api { mut problem }) if problem.status == 400 => {
                // The elements are named by their index in the body: back to ours.
                for e in &mut problem.validation_errors {
                    let at = e
                        .request_id
                        .as_deref()
                        .and_then(|r| r.parse::<usize>().ok());
                    e.request_id = at.and_then(|at| request_ids.get(at)).cloned();
                }
                return Err(Error::Api { problem });
            }
            Err(error) => return Err(error),
        };
        let Some(list) = answer else {
            // An unlink answers 204 without a body: every element was unlinked.
            return Ok(keys
                .iter()
                .zip(request_ids)
                .map(|(key, request_id)| (key.0, request_id))
                .collect());
        };
        let mut taken = vec![false; keys.len()];
        let links = list
            .embedded
            .into_option()
            .map(|e| e.links)
            .unwrap_or_default();
        let mut answered = Vec::with_capacity(links.len());
        for link in links {
            let to_type = link.to_entity_type.unwrap_or_default();
            let pair = |key: &(i64, i64, String)| key.1 == link.to_entity_id && key.2 == to_type;
            let free = |at: usize, key: &(i64, i64, String)| !taken[at] && pair(key);
            let found = match (self.entity, link.entity_id) {
                // The path names the entity: amoCRM may answer from the other side (its
                // `entity_id` then the linked entity's), so the pair alone names it.
                (Some(_), _) => keys.iter().enumerate().position(|(at, k)| free(at, k)),
                (None, Some(entity)) => keys
                    .iter()
                    .enumerate()
                    .position(|(at, k)| free(at, k) && k.0 == entity),
                // No entity in the answer: the pair names the element when no other
                // element of the batch has it (else which one it answers is a guess).
                (None, None) if keys.iter().filter(|k| pair(k)).count() == 1 => {
                    keys.iter().enumerate().position(|(at, k)| free(at, k))
                }
                (None, None) => None,
            };
            if let Some(at) = found {
                taken[at] = true;
                answered.push((keys[at].0, request_ids[at].clone()));
            }
        }
        Ok(answered)
    }
}
