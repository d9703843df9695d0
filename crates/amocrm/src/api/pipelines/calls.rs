//! The pipeline and status writes: add, update and delete, each checked before it is
//! sent (see [`write`](super::write)).

use std::num::NonZeroU64;

use amocrm_raw::types::WriteItems;
use serde_json::{Map, Value};

use super::write::{
    MAX_PIPELINES, MAX_STATUSES, NewPipeline, NewStatus, PipelinePatch, SYSTEM_STATUSES,
    StatusPatch, count, is_closing,
};
use super::{Pipeline, PipelineCalls, Status};
use crate::client::Client;
use crate::error::{Invalid, Result};

/// An ID of the path: above 0 and within amoCRM's signed 64-bit integers.
fn path_id(what: &'static str, id: u64) -> Result<NonZeroU64, Invalid> {
    NonZeroU64::new(id)
        .filter(|id| i64::try_from(id.get()).is_ok())
        .ok_or(Invalid::Field {
            field: what.into(),
            reason: "an ID is above 0 and at most 2^63-1",
        })
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

impl PipelineCalls<'_> {
    /// `POST /api/v4/leads/pipelines` (account administrators): new pipelines with their
    /// stages, at most 50 (the account's limit), each checked first (the four required
    /// fields, at most 97 own stages, colours of the palette). The answer: the pipelines
    /// as amoCRM made them, with the system stages, in the order sent.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::pipelines::{NewPipeline, NewStatus};
    ///
    /// let added = client
    ///     .pipelines()
    ///     .add([NewPipeline::new("Sales", 20, false, true).status(NewStatus::new("New", 10))])
    ///     .await?;
    /// println!("pipeline {}", added[0].id);
    /// # Ok(()) }
    /// ```
    pub async fn add(
        &self,
        pipelines: impl IntoIterator<Item = NewPipeline>,
    ) -> Result<Vec<Pipeline>> {
        let bodies = pipelines
            .into_iter()
            .enumerate()
            .map(|(i, p)| p.checked(&format!("{i}.")))
            .collect::<Result<Vec<_>, _>>()?;
        count("pipelines", bodies.len(), MAX_PIPELINES)?;
        let body = numbered(bodies);
        let list = self
            .client
            .call(self.client.raw().add_pipelines(&body))
            .await?;
        Ok(list
            .embedded
            .into_option()
            .map(|e| e.pipelines)
            .unwrap_or_default())
    }

    /// `PATCH /api/v4/leads/pipelines/{id}` (account administrators): a pipeline's name,
    /// sort or flags; the answer is the pipeline. Retried like a `GET` (it writes the same
    /// values again).
    pub async fn update(&self, id: u64, patch: PipelinePatch) -> Result<Pipeline> {
        let id = path_id("id", id)?;
        let body = patch.checked()?;
        self.client
            .call(self.client.raw().update_pipeline(id, &body))
            .await
    }

    /// `DELETE /api/v4/leads/pipelines/{id}` (account administrators). amoCRM refuses
    /// the last pipeline and one that still holds leads (an [`Error::Api`](crate::Error::Api)).
    /// Retried as any `DELETE`; a retry answered 404 after an attempt whose answer was lost
    /// is the delete done ([`RetryPolicy`](crate::RetryPolicy)).
    pub async fn delete(&self, id: u64) -> Result<()> {
        let id = path_id("id", id)?;
        self.client
            .call(self.client.raw().delete_pipeline(id))
            .await
    }
}

impl<'c> PipelineCalls<'c> {
    /// The statuses (stages) of one pipeline: `.add(..)`, `.update(id, ..)`,
    /// `.delete(id)`.
    pub fn statuses(&self, pipeline_id: u64) -> StatusCalls<'c> {
        StatusCalls {
            client: self.client,
            pipeline_id,
        }
    }
}

/// The status writes of one pipeline.
#[derive(Clone, Copy, Debug)]
pub struct StatusCalls<'c> {
    client: &'c Client,
    pipeline_id: u64,
}

impl StatusCalls<'_> {
    /// `POST /api/v4/leads/pipelines/{pipeline_id}/statuses` (account administrators):
    /// new stages, at most 97 a request (a pipeline holds 100, three of them the system
    /// ones), each checked first (name, sort, a colour of the palette, descriptions).
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::pipelines::{DescriptionLevel, NewStatus};
    ///
    /// let added = client
    ///     .pipelines()
    ///     .statuses(3177727)
    ///     .add([NewStatus::new("Qualified", 25)
    ///         .color("#d6eaff")
    ///         .description(DescriptionLevel::Newbie, "Call within an hour.")])
    ///     .await?;
    /// # let _ = added;
    /// # Ok(()) }
    /// ```
    pub async fn add(&self, statuses: impl IntoIterator<Item = NewStatus>) -> Result<Vec<Status>> {
        let pipeline = path_id("pipeline_id", self.pipeline_id)?;
        let bodies = statuses
            .into_iter()
            .enumerate()
            .map(|(i, s)| s.checked(&format!("{i}.")))
            .collect::<Result<Vec<_>, _>>()?;
        count("statuses", bodies.len(), MAX_STATUSES - SYSTEM_STATUSES)?;
        let body = numbered(bodies);
        let list = self
            .client
            .call(self.client.raw().add_statuses(pipeline, &body))
            .await?;
        Ok(list.embedded.statuses)
    }

    /// `PATCH /api/v4/leads/pipelines/{pipeline_id}/statuses/{id}` (account
    /// administrators): a stage's name, sort, colour or descriptions. The closing
    /// statuses 142 and 143 are refused before sending: amoCRM does not change them.
    pub async fn update(&self, id: u64, patch: StatusPatch) -> Result<Status> {
        let (pipeline, id) = self.ids(id)?;
        let body = patch.checked()?;
        self.client
            .call(self.client.raw().update_status(pipeline, id, &body))
            .await
    }

    /// `DELETE /api/v4/leads/pipelines/{pipeline_id}/statuses/{id}` (account
    /// administrators); its leads move to the pipeline's first stage. The closing
    /// statuses 142 and 143 are refused before sending.
    /// Retried as any `DELETE`; a retry answered 404 after an attempt whose answer was lost
    /// is the delete done ([`RetryPolicy`](crate::RetryPolicy)).
    pub async fn delete(&self, id: u64) -> Result<()> {
        let (pipeline, id) = self.ids(id)?;
        self.client
            .call(self.client.raw().delete_status(pipeline, id))
            .await
    }

    fn ids(&self, id: u64) -> Result<(NonZeroU64, NonZeroU64), Invalid> {
        let pipeline = path_id("pipeline_id", self.pipeline_id)?;
        if is_closing(id) {
            return Err(Invalid::Definition {
                what: format!("status {id}"),
                reason:
                    "the closing statuses 142 (won) and 143 (lost) cannot be changed or deleted"
                        .into(),
            });
        }
        Ok((pipeline, path_id("id", id)?))
    }
}
