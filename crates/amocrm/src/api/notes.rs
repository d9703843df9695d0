//! Notes of leads, contacts, companies and customers: of an entity type, of one entity,
//! and one note by ID. Note types are an open set ([`NoteType`]) and each note's
//! `params` are kept as amoCRM sent them.

use crate::client::Client;
use crate::error::Invalid;
use crate::pagination::{GetRequest, ListRequest, Listed, Page, Paged};
use crate::query::{
    CrmGet, CrmList, CrmQuery, EntityKind, Scope, crm_get_in, crm_list_in, filters, open_param,
};

pub use amocrm_raw::NoteType;
pub use amocrm_raw::types::Note;

open_param! {
    /// A note's optional parts (`with`).
    pub enum With {
        /// Whether the note is pinned.
        IsPinned = "is_pinned",
    }
}

open_param! {
    /// What a note list orders by.
    pub enum OrderBy {
        /// When last changed.
        UpdatedAt = "updated_at",
        /// The ID.
        Id = "id",
    }
}

impl Client {
    /// The notes of an entity type: `client.notes(EntityKind::Leads).list()`,
    /// `.of(lead_id).list()`, `.get(note_id)`.
    ///
    /// ```no_run
    /// # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
    /// use amocrm::notes::NoteType;
    /// use amocrm::query::EntityKind;
    ///
    /// let calls = client.notes(EntityKind::Leads).of(42).list().types([NoteType::CallIn]);
    /// for note in calls.send().await?.items {
    ///     println!("{} {:?} {:?}", note.id, note.note_type, note.params);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn notes(&self, kind: EntityKind) -> NoteCalls<'_> {
        NoteCalls { client: self, kind }
    }
}

/// The note calls of one entity type; each returns a request to send with `.send()`.
#[derive(Clone, Copy, Debug)]
pub struct NoteCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
}

impl<'c> NoteCalls<'c> {
    /// The client and the entity type, for the write calls (`crate::write`).
    pub(crate) fn parts(&self) -> (&'c Client, EntityKind) {
        (self.client, self.kind)
    }

    /// `GET /api/v4/{entity_type}/notes`: the notes of every entity of the type (a
    /// page, every page or every note); `.entity_ids(..)` narrows it to some entities.
    pub fn list(&self) -> ListRequest<Note, CrmQuery<Note>> {
        crm_list_in(self.client, Ok(Scope::of(self.kind)), |client, at, q| {
            Box::pin(async move {
                let (kind, with, raw) = (q.scope.kind()?, q.with_arg(), client.raw());
                let (filter, order) = (q.filter_arg(), q.order_arg());
                let call = raw.list_notes(kind, filter, at.limit, order, at.page, with.as_deref());
                let list = client.call(call).await?;
                let notes = list.embedded.into_option().map(|e| e.notes);
                Ok(Page::listed(list.page, list.links, notes))
            })
        })
    }

    /// The notes of one entity (an ID amoCRM cannot have is refused when the request is
    /// sent).
    pub fn of(&self, entity_id: i64) -> EntityNoteCalls<'c> {
        let (client, kind) = (self.client, self.kind);
        EntityNoteCalls {
            client,
            kind,
            entity_id,
        }
    }

    /// `GET /api/v4/{entity_type}/notes/{id}`: one note (a missing one is
    /// [`Error::NotFound`](crate::Error::NotFound)).
    pub fn get(&self, id: i64) -> GetRequest<Note, CrmGet<Note>> {
        crm_get_in(
            self.client,
            id,
            Ok(Scope::of(self.kind)),
            |client, id, q| {
                Box::pin(async move {
                    let (kind, with) = (q.scope().kind()?, q.with_arg());
                    client
                        .call(client.raw().get_note(kind, id, with.as_deref()))
                        .await
                })
            },
        )
    }
}

/// The note calls of one entity.
#[derive(Clone, Copy, Debug)]
pub struct EntityNoteCalls<'c> {
    client: &'c Client,
    kind: EntityKind,
    entity_id: i64,
}

impl<'c> EntityNoteCalls<'c> {
    /// The client, the entity type and the entity's ID, for the write calls
    /// (`crate::write`).
    pub(crate) fn parts(&self) -> (&'c Client, EntityKind, i64) {
        (self.client, self.kind, self.entity_id)
    }
}

impl EntityNoteCalls<'_> {
    /// `GET /api/v4/{entity_type}/{entity_id}/notes`: a page, every page or every note
    /// of the entity (`filter[entity_id]` is refused here: the path names the entity).
    pub fn list(&self) -> ListRequest<Note, CrmQuery<Note>> {
        let scope = Scope::within(Some(self.kind), "entity", self.entity_id);
        let list = crm_list_in(self.client, scope, |client, at, q| {
            Box::pin(async move {
                let (kind, entity) = (q.scope.kind()?, q.scope.parent()?);
                let (filter, order, with) = (q.filter_arg(), q.order_arg(), q.with_arg());
                let raw = client.raw();
                let (limit, page, with) = (at.limit, at.page, with.as_deref());
                let call = raw.list_entity_notes(kind, entity, filter, limit, order, page, with);
                let list = client.call(call).await?;
                let notes = list.embedded.into_option().map(|e| e.notes);
                Ok(Page::listed(list.page, list.links, notes))
            })
        });
        list.checked_by(|query| {
            query.check()?;
            match query.filter_values("entity_id").is_empty() {
                true => Ok(()),
                false => Err(Invalid::Filter {
                    filter: "entity_id".into(),
                    reason: "the notes of one entity take no entity_id filter".into(),
                }),
            }
        })
    }
}

filters!(Note { ids, updated_at });

/// The filters of notes alone.
impl ListRequest<Note, CrmQuery<Note>> {
    /// Only notes of these types (`filter[note_type][]`).
    pub fn types(self, types: impl IntoIterator<Item = NoteType>) -> Self {
        self.filter_values("note_type", types)
    }

    /// Only the notes of these entities (`filter[entity_id][]`; the list of an entity
    /// type only).
    pub fn entity_ids(self, ids: impl IntoIterator<Item = i64>) -> Self {
        self.filter_ids("entity_id", ids)
    }
}

impl Listed for Note {
    const NOUN: &'static str = "note";
    const EMBEDDED: &'static str = "notes";
    type Paging = Paged;
    type Raw = Note;
    fn from_raw(raw: Note) -> Self {
        raw
    }
}

impl CrmList for Note {
    type With = With;
    type OrderBy = OrderBy;
    const FILTER: bool = true;
    const QUERY: bool = false;
}
