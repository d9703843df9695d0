//! Companies: the list (filters, order, search by name, phone or e-mail, `with`; paged)
//! and a get by ID. The models are the generated ones; `company.phones()` and
//! `company.emails()` read the multitext fields with their codes.

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{CrmGet, CrmList, CrmQuery, crm_get, crm_list, filters, open_param};

pub use amocrm_raw::types::{Company, CompanyEmbedded};

open_param! {
    /// A company's optional parts (`with`).
    pub enum With {
        /// The company's leads.
        Leads = "leads",
        /// The company's customers.
        Customers = "customers",
        /// Catalog elements linked to the company.
        CatalogElements = "catalog_elements",
        /// The company's contacts.
        Contacts = "contacts",
        /// The trash instead of the live companies (lists only).
        OnlyDeleted = "only_deleted",
    }
    list_only: [OnlyDeleted]
}

open_param! {
    /// What the company list orders by (amoCRM has no `created_at` order here).
    pub enum OrderBy {
        /// When last changed.
        UpdatedAt = "updated_at",
        /// The ID.
        Id = "id",
    }
}

impl Client {
    /// Companies: `client.companies().list()…send().await`, `.get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::companies::With;
    ///
    /// // Search by phone, as amoCRM's `query` does.
    /// let page = client.companies().list().query("+7 999").with(With::Leads).send().await?;
    /// for company in &page.items {
    ///     let phones: Vec<_> = company.phones().map(|phone| phone.value).collect();
    ///     println!("{:?}: {phones:?}", company.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn companies(&self) -> CompanyCalls<'_> {
        CompanyCalls { client: self }
    }
}

/// The company calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct CompanyCalls<'c> {
    client: &'c Client,
}

impl<'c> CompanyCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }
}

impl CompanyCalls<'_> {
    /// `GET /api/v4/companies`: a page, every page or every company; the common
    /// parameters are in [`query`](crate::query).
    pub fn list(&self) -> ListRequest<Company, CrmQuery<Company>> {
        crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let with = q.with_arg();
                let raw = client.raw();
                let call = raw.list_companies(
                    q.filter_arg(),
                    at.limit,
                    q.order_arg(),
                    at.page,
                    q.search(),
                    with.as_deref(),
                );
                let list = client.call(call).await?;
                let companies = list.embedded.into_option().map(|e| e.companies);
                Ok(Page::listed(list.page, list.links, companies))
            })
        })
    }

    /// `GET /api/v4/companies/{id}`: one company (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Company, CrmGet<Company>> {
        crm_get(self.client, id, |client, id, q| {
            Box::pin(async move {
                let with = q.with_arg();
                client
                    .call(client.raw().get_company(id, with.as_deref()))
                    .await
            })
        })
    }
}

filters!(Company {
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

impl Listed for Company {
    const NOUN: &'static str = "company";
    const EMBEDDED: &'static str = "companies";
    type Paging = Paged;
    type Raw = Company;
    fn from_raw(raw: Company) -> Self {
        raw
    }
}

impl CrmList for Company {
    type With = With;
    type OrderBy = OrderBy;
    const FILTER: bool = true;
    const QUERY: bool = true;
}
