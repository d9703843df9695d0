//! The write operations and their answers: one body sent through the generated call (so
//! through the one request path: token, pacing, retries by operation), its answer read
//! into one [`Answered`] per written entity.

use serde_json::{Map, Value};

use amocrm_raw::types::{WriteItems, WrittenEntity};

use crate::client::Client;
use crate::error::{Error, Invalid, Result};
use crate::query::EntityKind;
use crate::write::outcome::Updated;

/// The most entities a request of an add or a batch update carries (amoCRM's page
/// size; it advises 50).
pub const MAX_BATCH: usize = 250;
/// The most leads a complex add carries (amoCRM's documented limit).
pub const MAX_COMPLEX_BATCH: usize = 50;
/// The batch size of a writer unless told otherwise (amoCRM's advice).
pub const DEFAULT_BATCH: usize = 50;

/// One write operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    AddLeads,
    UpdateLeads,
    ComplexLeads,
    AddContacts,
    UpdateContacts,
    AddCompanies,
    UpdateCompanies,
    AddTasks,
    UpdateTasks,
    /// Notes of an entity type, or of one entity (its ID, checked when sent).
    AddNotes(EntityKind, Option<i64>),
    UpdateNotes(EntityKind, Option<i64>),
    /// `POST /api/v4/{entity_type}/tags`.
    AddTags(crate::query::EntityKind),
    /// A link or an unlink, of one entity or of several (`write::links`).
    Links(crate::write::link_op::LinkOp),
}

/// What amoCRM answered for one written entity.
#[derive(Debug)]
pub(super) struct Answered {
    pub id: i64,
    /// Its `request_id`s (several when a complex add merged leads of the request).
    pub request_ids: Vec<String>,
    pub updated_at: Option<i64>,
    pub contact_id: Option<i64>,
    pub company_id: Option<i64>,
    pub merged: bool,
}

impl Answered {
    /// An entity answered by its ID and maybe its `request_id`.
    pub(super) fn new(id: i64, request_id: Option<String>) -> Self {
        Answered {
            id,
            request_ids: request_id.into_iter().collect(),
            updated_at: None,
            contact_id: None,
            company_id: None,
            merged: false,
        }
    }

    fn of(entity: WrittenEntity) -> Self {
        Answered {
            id: entity.id,
            request_ids: entity.request_id.into_iter().collect(),
            updated_at: entity.updated_at,
            contact_id: None,
            company_id: None,
            merged: false,
        }
    }
}

/// `PATCH /api/v4/{leads|contacts|companies|tasks}/{id}` (a note's:
/// `/api/v4/{type}/{entity_id}/notes/{id}`) of one patch's body: its `id` goes to the path
/// (an update is retried like a `GET`, see the transport).
pub(super) async fn update_one(
    client: &Client,
    op: Op,
    mut body: Map<String, Value>,
) -> Result<Updated> {
    let id = body
        .remove("id")
        .and_then(|id| id.as_u64())
        .and_then(std::num::NonZeroU64::new)
        .filter(|id| i64::try_from(id.get()).is_ok())
        .ok_or(Invalid::Field {
            field: "id".into(),
            reason: "an update names its entity by an ID above 0",
        })?;
    let raw = client.raw();
    let written = match op {
        Op::UpdateLeads => client.call(raw.update_lead(id, &body)).await?,
        Op::UpdateContacts => client.call(raw.update_contact(id, &body)).await?,
        Op::UpdateCompanies => client.call(raw.update_company(id, &body)).await?,
        Op::UpdateTasks => client.call(raw.update_task(id, &body)).await?,
        Op::UpdateNotes(kind, Some(entity)) => {
            let entity = entity_id(entity)?;
            let note = client
                .call(raw.update_entity_note(kind, entity, id, &body))
                .await?;
            return Ok(Updated {
                id: note.id,
                updated_at: note.updated_at,
            });
        }
        other => {
            return Err(Error::Protocol(format!(
                "{other:?} does not update one entity by its path"
            )));
        }
    };
    Ok(Updated {
        id: written.id,
        updated_at: written.updated_at,
    })
}

/// An item that amoCRM folds with any other of its batch that has the same `key`.
pub(super) struct Fold {
    pub key: String,
    pub field: &'static str,
    pub reason: &'static str,
}

impl Op {
    /// What of `body` amoCRM folds within one request, if anything: a link's entities
    /// (the same link twice is one link, answered once) and a new tag's name (one tag,
    /// one ID). Two such items in one batch cannot both be read back to their answers.
    pub(super) fn folded(self, body: &Map<String, Value>) -> Option<Fold> {
        let number = |key: &str| body.get(key).and_then(Value::as_i64).unwrap_or(0);
        match self {
            // An unlink reads no answer back and unlinking twice changes nothing.
            Op::Links(link) if !link.unlink => {
                let entity = link.entity.unwrap_or_else(|| number("entity_id"));
                let to_type = body.get("to_entity_type").and_then(Value::as_str)?;
                Some(Fold {
                    key: format!("{entity} {to_type} {}", number("to_entity_id")),
                    field: "to_entity_id",
                    reason: "the same link is already in this batch",
                })
            }
            Op::AddTags(_) => Some(Fold {
                key: body.get("name").and_then(Value::as_str)?.to_owned(),
                field: "name",
                reason: "a tag of this name is already in this batch",
            }),
            _ => None,
        }
    }

    /// Whether the operation creates something that one sent twice would create twice:
    /// the adds, and links (amoCRM documents nothing of a link made again, so one is
    /// treated as an add and never sent twice).
    pub(super) fn adds(self) -> bool {
        matches!(
            self,
            Op::AddLeads
                | Op::ComplexLeads
                | Op::AddContacts
                | Op::AddCompanies
                | Op::AddTasks
                | Op::AddNotes(..)
        ) || matches!(self, Op::Links(link) if !link.unlink)
    }

    /// The entity written, as spans and metrics label it (a bounded set).
    pub(super) fn entity(self) -> &'static str {
        match self {
            Op::AddLeads | Op::UpdateLeads | Op::ComplexLeads => "leads",
            Op::AddContacts | Op::UpdateContacts => "contacts",
            Op::AddCompanies | Op::UpdateCompanies => "companies",
            Op::AddTasks | Op::UpdateTasks => "tasks",
            Op::AddNotes(..) | Op::UpdateNotes(..) => "notes",
            Op::AddTags(..) => "tags",
            Op::Links(..) => "links",
        }
    }

    /// The largest batch the operation takes.
    pub(super) fn max_batch(self) -> usize {
        match self {
            Op::ComplexLeads => MAX_COMPLEX_BATCH,
            _ => MAX_BATCH,
        }
    }

    /// Sends `body` and reads the answer.
    pub(super) async fn send(
        self,
        client: &Client,
        body: Vec<Map<String, Value>>,
    ) -> Result<Vec<Answered>> {
        let body = WriteItems(body);
        let raw = client.raw();
        let written = match self {
            Op::AddLeads => client.call(raw.add_leads(&body)).await?.embedded.leads,
            Op::UpdateLeads => client.call(raw.update_leads(&body)).await?.embedded.leads,
            Op::AddContacts => {
                client
                    .call(raw.add_contacts(&body))
                    .await?
                    .embedded
                    .contacts
            }
            Op::UpdateContacts => {
                client
                    .call(raw.update_contacts(&body))
                    .await?
                    .embedded
                    .contacts
            }
            Op::AddCompanies => {
                client
                    .call(raw.add_companies(&body))
                    .await?
                    .embedded
                    .companies
            }
            Op::UpdateCompanies => {
                client
                    .call(raw.update_companies(&body))
                    .await?
                    .embedded
                    .companies
            }
            Op::AddTasks => client.call(raw.add_tasks(&body)).await?.embedded.tasks,
            Op::UpdateTasks => client.call(raw.update_tasks(&body)).await?.embedded.tasks,
            Op::AddNotes(..) | Op::UpdateNotes(..) => return self.send_notes(client, body).await,
            Op::AddTags(kind) => {
                let body = amocrm_raw::types::TagWriteItems(body.0);
                let added = client.call(raw.add_tags(kind, &body)).await?;
                return Ok(added
                    .embedded
                    .tags
                    .into_iter()
                    .map(|t| Answered::new(t.id, t.request_id))
                    .collect());
            }
            Op::Links(link) => {
                let answered = link.send(client, body.0).await?;
                return Ok(answered
                    .into_iter()
                    .map(|(id, request_id)| Answered::new(id, Some(request_id)))
                    .collect());
            }
            Op::ComplexLeads => {
                let added = client.call(raw.add_leads_complex(&body)).await?;
                return Ok(added
                    .into_iter()
                    .map(|a| Answered {
                        id: a.id,
                        request_ids: a.request_id,
                        updated_at: None,
                        contact_id: a.contact_id,
                        company_id: a.company_id,
                        merged: a.merged.unwrap_or(false),
                    })
                    .collect());
            }
        };
        Ok(written.into_iter().map(Answered::of).collect())
    }
}

impl Op {
    /// Sends a body of notes, to the path of their entity type or of one entity.
    async fn send_notes(self, client: &Client, body: WriteItems) -> Result<Vec<Answered>> {
        let raw = client.raw();
        let written = match self {
            Op::AddNotes(kind, None) => client.call(raw.add_notes(kind, &body)).await?,
            Op::AddNotes(kind, Some(entity)) => {
                let entity = entity_id(entity)?;
                client
                    .call(raw.add_entity_notes(kind, entity, &body))
                    .await?
            }
            Op::UpdateNotes(kind, None) => client.call(raw.update_notes(kind, &body)).await?,
            Op::UpdateNotes(kind, Some(entity)) => {
                let entity = entity_id(entity)?;
                client
                    .call(raw.update_entity_notes(kind, entity, &body))
                    .await?
            }
            other => return Err(Error::Protocol(format!("{other:?} does not write notes"))),
        };
        Ok(written
            .embedded
            .notes
            .into_iter()
            .map(|note| Answered {
                id: note.id,
                request_ids: note.request_id.into_iter().collect(),
                updated_at: note.updated_at,
                contact_id: None,
                company_id: None,
                merged: false,
            })
            .collect())
    }
}

/// The entity of a notes path: an ID amoCRM can have, or nothing is sent.
fn entity_id(id: i64) -> Result<std::num::NonZeroU64> {
    u64::try_from(id)
        .ok()
        .and_then(std::num::NonZeroU64::new)
        .ok_or(Error::Invalid(Invalid::Field {
            field: "entity_id".into(),
            reason: "the entity of a notes path has an ID above 0",
        }))
}
