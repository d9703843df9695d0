//! Leads: the list (filters, order, search, `with`; paged) and a get by ID. The models
//! are the generated ones; a lead's custom fields read with `lead.custom_field(id)`.

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{CrmGet, CrmList, CrmQuery, Range, crm_get, crm_list, filters, open_param};

pub use amocrm_raw::types::{Lead, LeadContactRef, LeadEmbedded, LeadSource, LossReason};

open_param! {
    /// A lead's optional parts (`with`).
    pub enum With {
        /// The lead's contacts (`_embedded.contacts`).
        Contacts = "contacts",
        /// Catalog elements linked to the lead.
        CatalogElements = "catalog_elements",
        /// The loss reason (`_embedded.loss_reason`).
        LossReason = "loss_reason",
        /// Whether a robot changed the budget last.
        IsPriceModifiedByRobot = "is_price_modified_by_robot",
        /// The source's ID.
        SourceId = "source_id",
        /// The source (`_embedded.source`).
        Source = "source",
        /// The trash instead of the live leads (lists only; most fields are null there).
        OnlyDeleted = "only_deleted",
    }
    list_only: [OnlyDeleted]
}

open_param! {
    /// What the lead list orders by.
    pub enum OrderBy {
        /// When created.
        CreatedAt = "created_at",
        /// When last changed.
        UpdatedAt = "updated_at",
        /// The ID.
        Id = "id",
    }
}

impl Client {
    /// Leads: `client.leads().list()…send().await`, `.get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::leads::With;
    /// use amocrm::query::Range;
    /// use futures::TryStreamExt;
    ///
    /// // Won leads of pipeline 3177727 with a budget of at least 10 000, with contacts.
    /// let won: Vec<amocrm::leads::Lead> = client
    ///     .leads()
    ///     .list()
    ///     .statuses([(3177727, amocrm::pipelines::WON_STATUS_ID)])
    ///     .price(Range::since(10_000))
    ///     .with(With::Contacts)
    ///     .limit(250)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// let lead = client.leads().get(42).with(With::Contacts).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn leads(&self) -> LeadCalls<'_> {
        LeadCalls { client: self }
    }
}

/// The lead calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct LeadCalls<'c> {
    client: &'c Client,
}

impl<'c> LeadCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }
}

impl LeadCalls<'_> {
    /// `GET /api/v4/leads`: a page (`.send()`), every page (`.pages()`) or every lead
    /// (`.stream()`); the common parameters are in [`query`](crate::query), the lead filters
    /// below.
    pub fn list(&self) -> ListRequest<Lead, CrmQuery<Lead>> {
        crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let with = q.with_arg();
                let raw = client.raw();
                let call = raw.list_leads(
                    q.filter_arg(),
                    at.limit,
                    q.order_arg(),
                    at.page,
                    q.search(),
                    with.as_deref(),
                );
                let list = client.call(call).await?;
                let leads = list.embedded.into_option().map(|e| e.leads);
                Ok(Page::listed(list.page, list.links, leads))
            })
        })
    }

    /// `GET /api/v4/leads/{id}`: one lead (a missing one is [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Lead, CrmGet<Lead>> {
        crm_get(self.client, id, |client, id, q| {
            Box::pin(async move {
                let with = q.with_arg();
                client
                    .call(client.raw().get_lead(id, with.as_deref()))
                    .await
            })
        })
    }
}

filters!(Lead {
    ids,
    names,
    created_at,
    updated_at,
    closest_task_at,
    responsible,
    created_by,
    updated_by,
    custom_fields,
});

/// The filters of leads alone (`filter[…]`, PHP's bracket form).
impl ListRequest<Lead, CrmQuery<Lead>> {
    /// Budget within `range` (`filter[price][from]`, `[to]`).
    pub fn price(self, range: Range) -> Self {
        self.filter_range(&["price"], range)
    }

    /// Only leads at one of these stages, as (pipeline ID, status ID) pairs, the IDs of
    /// the models (`filter[statuses][i][pipeline_id]`, `[status_id]`); a second call
    /// replaces the first's pairs.
    pub fn statuses(mut self, pairs: impl IntoIterator<Item = (i64, i64)>) -> Self {
        self = self.clear_filter("statuses");
        let mut count = 0_usize;
        for (pipeline, status) in pairs {
            if pipeline <= 0 || status <= 0 {
                let reason = format!("({pipeline}, {status}): amoCRM's IDs are positive");
                return self.refuse_filter("statuses", reason);
            }
            let i = count.to_string();
            self = self.filter_at(&["statuses", &i, "pipeline_id"], pipeline);
            self = self.filter_at(&["statuses", &i, "status_id"], status);
            count += 1;
        }
        if count == 0 {
            return self.refuse_filter("statuses", "no pairs given".into());
        }
        self
    }

    /// Only leads in one of these pipelines (`filter[pipeline_id][]`).
    pub fn pipeline_ids(self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.filter_ids("pipeline_id", ids)
    }

    /// Closed within `range`, Unix seconds (`filter[closed_at]`).
    pub fn closed_at(self, range: Range) -> Self {
        self.filter_range(&["closed_at"], range)
    }
}

impl Listed for Lead {
    const NOUN: &'static str = "lead";
    const EMBEDDED: &'static str = "leads";
    type Paging = Paged;
    type Raw = Lead;
    fn from_raw(raw: Lead) -> Self {
        raw
    }
}

impl CrmList for Lead {
    type With = With;
    type OrderBy = OrderBy;
    const FILTER: bool = true;
    const QUERY: bool = true;
}
