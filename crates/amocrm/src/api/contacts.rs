//! Contacts: the list (filters, order, search by name, phone or e-mail, `with`; paged)
//! and a get by ID. The models are the generated ones; `contact.phones()` and
//! `contact.emails()` read the multitext fields with their codes.

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{CrmGet, CrmList, CrmQuery, crm_get, crm_list, filters, open_param};

pub use amocrm_raw::types::{Contact, ContactEmbedded};

open_param! {
    /// A contact's optional parts (`with`).
    pub enum With {
        /// The contact's leads.
        Leads = "leads",
        /// The contact's customers.
        Customers = "customers",
        /// Catalog elements linked to the contact.
        CatalogElements = "catalog_elements",
        /// Social profiles (amoCRM's PHP client asks for it; not in the documentation).
        SocialProfiles = "social_profiles",
        /// The trash instead of the live contacts (lists only).
        OnlyDeleted = "only_deleted",
    }
    list_only: [OnlyDeleted]
}

open_param! {
    /// What the contact list orders by (amoCRM has no `created_at` order here).
    pub enum OrderBy {
        /// When last changed.
        UpdatedAt = "updated_at",
        /// The ID.
        Id = "id",
    }
}

impl Client {
    /// Contacts: `client.contacts().list()…send().await`, `.get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::contacts::With;
    ///
    /// // Search by phone, as amoCRM's `query` does.
    /// let page = client.contacts().list().query("+7 999").with(With::Leads).send().await?;
    /// for contact in &page.items {
    ///     let phones: Vec<_> = contact.phones().map(|phone| phone.value).collect();
    ///     println!("{:?}: {phones:?}", contact.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn contacts(&self) -> ContactCalls<'_> {
        ContactCalls { client: self }
    }
}

/// The contact calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct ContactCalls<'c> {
    client: &'c Client,
}

impl<'c> ContactCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }
}

impl ContactCalls<'_> {
    /// `GET /api/v4/contacts`: a page, every page or every contact; the common
    /// parameters are in [`query`](crate::query).
    pub fn list(&self) -> ListRequest<Contact, CrmQuery<Contact>> {
        crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let with = q.with_arg();
                let raw = client.raw();
                let call = raw.list_contacts(
                    q.filter_arg(),
                    at.limit,
                    q.order_arg(),
                    at.page,
                    q.search(),
                    with.as_deref(),
                );
                let list = client.call(call).await?;
                let contacts = list.embedded.into_option().map(|e| e.contacts);
                Ok(Page::listed(list.page, list.links, contacts))
            })
        })
    }

    /// `GET /api/v4/contacts/{id}`: one contact (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Contact, CrmGet<Contact>> {
        crm_get(self.client, id, |client, id, q| {
            Box::pin(async move {
                let with = q.with_arg();
                client
                    .call(client.raw().get_contact(id, with.as_deref()))
                    .await
            })
        })
    }
}

filters!(Contact {
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

impl Listed for Contact {
    const NOUN: &'static str = "contact";
    const EMBEDDED: &'static str = "contacts";
    type Paging = Paged;
    type Raw = Contact;
    fn from_raw(raw: Contact) -> Self {
        raw
    }
}

impl CrmList for Contact {
    type With = With;
    type OrderBy = OrderBy;
    const FILTER: bool = true;
    const QUERY: bool = true;
}
