//! Loss reasons: why a lead was lost (the dictionary a lead's `loss_reason_id` points
//! into), a paged list.

use crate::client::Client;
use crate::pagination::{ListRequest, Listed, Page, Paged};
use crate::query::{CrmList, CrmQuery, NotTaken, crm_list};

pub use amocrm_raw::types::LossReason;

impl Client {
    /// Loss reasons: `client.loss_reasons().list()…send().await`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// let reasons = client.loss_reasons().list().send().await?;
    /// for reason in &reasons.items {
    ///     println!("{} {:?}", reason.id, reason.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn loss_reasons(&self) -> LossReasonCalls<'_> {
        LossReasonCalls { client: self }
    }
}

/// The loss reason calls of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct LossReasonCalls<'c> {
    client: &'c Client,
}

impl LossReasonCalls<'_> {
    /// `GET /api/v4/leads/loss_reasons`: a page, every page or every reason.
    pub fn list(&self) -> ListRequest<LossReason, CrmQuery<LossReason>> {
        crm_list(self.client, |client, at, _| {
            Box::pin(async move {
                let call = client.raw().list_loss_reasons(at.limit, at.page);
                let list = client.call(call).await?;
                let reasons = list.embedded.into_option().map(|e| e.loss_reasons);
                Ok(Page::listed(list.page, list.links, reasons))
            })
        })
    }
}

impl Listed for LossReason {
    const NOUN: &'static str = "loss reason";
    const EMBEDDED: &'static str = "loss_reasons";
    type Paging = Paged;
    type Raw = LossReason;
    fn from_raw(raw: LossReason) -> Self {
        raw
    }
}

impl CrmList for LossReason {
    type With = NotTaken;
    type OrderBy = NotTaken;
    const FILTER: bool = false;
    const QUERY: bool = false;
}
