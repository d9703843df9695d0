//! Catalogs (amoCRM's "lists": products, invoices, and lists of one's own) and their
//! elements: lists (paged) and gets by ID. The models are the generated ones; an
//! element's custom fields read as a lead's do.

use crate::client::Client;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{
    CrmGet, CrmList, CrmQuery, NotTaken, Scope, crm_get, crm_get_in, crm_list, crm_list_in,
    filters, open_param,
};

pub use amocrm_raw::CatalogType;
pub use amocrm_raw::types::{Catalog, CatalogElement};

open_param! {
    /// A catalog element's optional parts (`with`).
    pub enum ElementWith {
        /// The invoice's link (elements of the invoices catalog).
        InvoiceLink = "invoice_link",
    }
}

impl Client {
    /// Catalogs and their elements: `client.catalogs().list()`, `.get(id)`,
    /// `.elements(catalog_id).list()`, `.elements(catalog_id).get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use futures::TryStreamExt;
    ///
    /// let catalogs = client.catalogs().list().send().await?;
    /// for catalog in &catalogs.items {
    ///     let elements: Vec<_> = client
    ///         .catalogs()
    ///         .elements(catalog.id)
    ///         .list()
    ///         .limit(250)
    ///         .stream()
    ///         .try_collect()
    ///         .await?;
    ///     println!("{:?}: {} elements", catalog.name, elements.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn catalogs(&self) -> CatalogCalls<'_> {
        CatalogCalls { client: self }
    }
}

/// The catalog calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct CatalogCalls<'c> {
    client: &'c Client,
}

impl<'c> CatalogCalls<'c> {
    /// The client the calls are made with.
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }

    /// `GET /api/v4/catalogs`: the account's catalogs (at most 10).
    pub fn list(&self) -> ListRequest<Catalog, CrmQuery<Catalog>> {
        crm_list(self.client, |client, at, _| {
            Box::pin(async move {
                let list = client.call(client.raw().list_catalogs(at.limit, at.page));
                let list = list.await?;
                let catalogs = list.embedded.into_option().map(|e| e.catalogs);
                Ok(Page::listed(list.page, list.links, catalogs))
            })
        })
    }

    /// `GET /api/v4/catalogs/{id}`: one catalog (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Catalog, CrmGet<Catalog>> {
        crm_get(self.client, id, |client, id, _| {
            Box::pin(async move { client.call(client.raw().get_catalog(id)).await })
        })
    }

    /// The elements of catalog `catalog_id` (an ID amoCRM cannot have is refused when
    /// the request is sent).
    pub fn elements(&self, catalog_id: i64) -> ElementCalls<'c> {
        ElementCalls {
            client: self.client,
            catalog_id,
        }
    }
}

/// The element calls of one catalog; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct ElementCalls<'c> {
    client: &'c Client,
    catalog_id: i64,
}

impl ElementCalls<'_> {
    fn scope(&self) -> Result<Scope, crate::error::Invalid> {
        Scope::within(None, "catalog", self.catalog_id)
    }

    /// `GET /api/v4/catalogs/{catalog_id}/elements`: a page, every page or every
    /// element; takes `query`, `filter[id]` and `with`.
    pub fn list(&self) -> ListRequest<CatalogElement, CrmQuery<CatalogElement>> {
        crm_list_in(self.client, self.scope(), |client, at, q| {
            Box::pin(async move {
                let (catalog, with) = (q.scope.parent()?, q.with_arg());
                let raw = client.raw();
                let (filter, query) = (q.filter_arg(), q.search());
                let call = raw.list_catalog_elements(
                    catalog,
                    filter,
                    at.limit,
                    at.page,
                    query,
                    with.as_deref(),
                );
                let list = client.call(call).await?;
                let elements = list.embedded.into_option().map(|e| e.elements);
                Ok(Page::listed(list.page, list.links, elements))
            })
        })
    }

    /// `GET /api/v4/catalogs/{catalog_id}/elements/{id}`: one element (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<CatalogElement, CrmGet<CatalogElement>> {
        crm_get_in(self.client, id, self.scope(), |client, id, q| {
            Box::pin(async move {
                let (catalog, with) = (q.scope().parent()?, q.with_arg());
                let call = client
                    .raw()
                    .get_catalog_element(catalog, id, with.as_deref());
                client.call(call).await
            })
        })
    }
}

filters!(CatalogElement { ids });

impl Listed for Catalog {
    const NOUN: &'static str = "catalog";
    const EMBEDDED: &'static str = "catalogs";
    type Paging = Paged;
    type Raw = Catalog;
    fn from_raw(raw: Catalog) -> Self {
        raw
    }
}

impl CrmList for Catalog {
    type With = NotTaken;
    type OrderBy = NotTaken;
    const FILTER: bool = false;
    const QUERY: bool = false;
}

impl Listed for CatalogElement {
    const NOUN: &'static str = "catalog element";
    const EMBEDDED: &'static str = "elements";
    type Paging = Paged;
    type Raw = CatalogElement;
    fn from_raw(raw: CatalogElement) -> Self {
        raw
    }
}

impl CrmList for CatalogElement {
    type With = ElementWith;
    type OrderBy = NotTaken;
    const FILTER: bool = true;
    const QUERY: bool = true;
}
