//! Tasks: the list (filters, order; paged) and a get by ID. The models are the
//! generated ones (a task's `result` is `[]` when it has none).

use crate::client::Client;
use crate::error::Invalid;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{
    CrmGet, CrmList, CrmQuery, EntityKind, NotTaken, crm_get, crm_list, filters, open_param,
};

pub use amocrm_raw::types::Task;

open_param! {
    /// What the task list orders by.
    pub enum OrderBy {
        /// When created.
        CreatedAt = "created_at",
        /// The deadline.
        CompleteTill = "complete_till",
        /// The ID.
        Id = "id",
    }
}

impl Client {
    /// Tasks: `client.tasks().list()…send().await`, `.get(id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::query::{Direction, EntityKind};
    /// use amocrm::tasks::OrderBy;
    ///
    /// // The open tasks of lead 42, nearest deadline first.
    /// let page = client
    ///     .tasks()
    ///     .list()
    ///     .completed(false)
    ///     .entity(EntityKind::Leads, [42])
    ///     .order(OrderBy::CompleteTill, Direction::Asc)
    ///     .send()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn tasks(&self) -> TaskCalls<'_> {
        TaskCalls { client: self }
    }
}

/// The task calls of a [`Client`]; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct TaskCalls<'c> {
    client: &'c Client,
}

impl<'c> TaskCalls<'c> {
    /// The client, for the write calls (`crate::write`).
    pub(crate) fn client(&self) -> &'c Client {
        self.client
    }
}

impl TaskCalls<'_> {
    /// `GET /api/v4/tasks`: a page, every page or every task. `filter[entity_id]`
    /// without `filter[entity_type]` is refused before sending (amoCRM needs both).
    pub fn list(&self) -> ListRequest<Task, CrmQuery<Task>> {
        let list = crm_list(self.client, |client, at, q| {
            Box::pin(async move {
                let raw = client.raw();
                let call = raw.list_tasks(q.filter_arg(), at.limit, q.order_arg(), at.page);
                let list = client.call(call).await?;
                let tasks = list.embedded.into_option().map(|e| e.tasks);
                Ok(Page::listed(list.page, list.links, tasks))
            })
        });
        list.checked_by(check)
    }

    /// `GET /api/v4/tasks/{id}`: one task (a missing one is [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Task, CrmGet<Task>> {
        crm_get(self.client, id, |client, id, _| {
            Box::pin(async move { client.call(client.raw().get_task(id)).await })
        })
    }
}

/// The common checks, and amoCRM's rule that entity IDs need their entity type.
fn check(query: &CrmQuery<Task>) -> Result<(), Invalid> {
    query.check()?;
    let types = query.filter_values("entity_type");
    if !query.filter_values("entity_id").is_empty() && types.len() != 1 {
        return Err(Invalid::Filter {
            filter: "entity_id".into(),
            reason: format!("needs one filter[entity_type], {} given", types.len()),
        });
    }
    Ok(())
}

filters!(Task {
    ids,
    updated_at,
    responsible
});

/// The filters of tasks alone.
impl ListRequest<Task, CrmQuery<Task>> {
    /// Only completed (`true`) or open (`false`) tasks (`filter[is_completed]=1`/`0`).
    pub fn completed(self, completed: bool) -> Self {
        self.filter_at(&["is_completed"], u8::from(completed))
    }

    /// Only tasks of these types (`filter[task_type][]`: 1 a call, 2 a meeting, others
    /// from the account's task types).
    pub fn task_types(self, types: impl IntoIterator<Item = i64>) -> Self {
        self.filter_ids("task_type", types)
    }

    /// Only tasks of entities of `kind` (`filter[entity_type]`).
    pub fn entity_type(self, kind: EntityKind) -> Self {
        self.filter_at(&["entity_type"], kind)
    }

    /// Only tasks of these entities of `kind` (`filter[entity_type]` and
    /// `filter[entity_id][]`).
    pub fn entity(self, kind: EntityKind, ids: impl IntoIterator<Item = i64>) -> Self {
        self.entity_type(kind).filter_ids("entity_id", ids)
    }
}

impl Listed for Task {
    const NOUN: &'static str = "task";
    const EMBEDDED: &'static str = "tasks";
    type Paging = Paged;
    type Raw = Task;
    fn from_raw(raw: Task) -> Self {
        raw
    }
}

impl CrmList for Task {
    type With = NotTaken;
    type OrderBy = OrderBy;
    const FILTER: bool = true;
    const QUERY: bool = false;
}
