//! Lead pipelines and their statuses (stages): the list (one answer: amoCRM does not page
//! it) and a get by ID; pipelines and statuses added, changed and deleted (administrators),
//! checked against amoCRM's documented limits before sending. The models are the generated
//! ones.

mod calls;
mod write;

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Unpaged};

pub use amocrm_raw::StatusType;
pub use amocrm_raw::types::{Pipeline, PipelineEmbedded, Status, StatusDescription};
pub use calls::StatusCalls;
pub use write::{
    DescriptionLevel, MAX_DESCRIPTION_CHARS, MAX_PIPELINES, MAX_STATUSES, NewPipeline, NewStatus,
    PipelinePatch, STATUS_COLORS, SYSTEM_STATUSES, StatusPatch,
};

/// The ID of the won status ("Успешно реализовано"), the same in every pipeline.
pub const WON_STATUS_ID: i64 = 142;
/// The ID of the lost status ("Закрыто и не реализовано"), the same in every pipeline.
pub const LOST_STATUS_ID: i64 = 143;

impl Client {
    /// Lead pipelines: `client.pipelines().list().send().await`, `.get(id)`.
    pub fn pipelines(&self) -> PipelineCalls<'_> {
        PipelineCalls { client: self }
    }
}

/// The pipeline calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct PipelineCalls<'c> {
    client: &'c Client,
}

impl PipelineCalls<'_> {
    /// `GET /api/v4/leads/pipelines`: every pipeline with its statuses, in one answer
    /// (`.send()` for the page, `.stream()` for the pipelines).
    pub fn list(&self) -> ListRequest<Pipeline> {
        ListRequest::new(self.client, (), |client, _, _| {
            Box::pin(async move {
                let list = client.call(client.raw().list_pipelines()).await?;
                let pipelines = list.embedded.into_option().map(|e| e.pipelines);
                Ok(Page::whole(list.links, pipelines.unwrap_or_default()))
            })
        })
    }

    /// `GET /api/v4/leads/pipelines/{id}`: one pipeline (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: u64) -> GetRequest<Pipeline> {
        GetRequest::new(self.client, id, |client, id| {
            Box::pin(async move { client.call(client.raw().get_pipeline(id)).await })
        })
    }
}

impl Listed for Pipeline {
    const NOUN: &'static str = "pipeline";
    const EMBEDDED: &'static str = "pipelines";
    type Paging = Unpaged;
    type Raw = Pipeline;
    fn from_raw(raw: Pipeline) -> Self {
        raw
    }
}
