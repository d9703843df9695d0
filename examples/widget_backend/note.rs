//! Adding a common note to a lead: the ONE place the backend writes a note, through the
//! library's note write (`client.notes(EntityKind::Leads).of(lead_id).add(…)`), so the
//! account's token, pacer slot, block and the retries an add allows are the library's,
//! and a note amoCRM would refuse (a blank text, a lead id below 1) is not sent.
//!
//! The callers need one thing beyond "added": whether a note that is not known to be
//! added may be on the lead all the same. An add is never sent twice (amoCRM would write
//! the note twice), so a cut connection, a timeout or a 5xx leaves the note's fate
//! unknown; that is [`NoteError::OutcomeUnknown`], never reported as "failed".

use std::fmt;

use amocrm::Client;
use amocrm::query::EntityKind;
use amocrm::write::{NewNote, NoteParams, WriteError};
use futures::StreamExt as _;

/// Why a note is not known to be on its lead.
#[derive(Debug)]
pub(crate) enum NoteError {
    /// Not written: refused before sending, refused by amoCRM, or its request failed
    /// before amoCRM wrote anything (a 401, 403, 429 past the retries, a 400).
    NotWritten(WriteError),
    /// Maybe written: the request may have reached amoCRM and was not sent again (look
    /// the lead's notes up before adding it again). `None`: the write ended without a
    /// result for the note, so nothing says it was not sent.
    OutcomeUnknown(Option<WriteError>),
}

impl NoteError {
    /// What the bot and the answer say of the note: `failed` (not on the lead) or
    /// `unknown` (maybe on it).
    pub(crate) fn said(&self) -> &'static str {
        match self {
            NoteError::NotWritten(_) => "failed",
            NoteError::OutcomeUnknown(_) => "unknown",
        }
    }
}

impl fmt::Display for NoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoteError::NotWritten(error) => write!(f, "not added: {error}"),
            NoteError::OutcomeUnknown(Some(error)) => write!(f, "maybe added: {error}"),
            NoteError::OutcomeUnknown(None) => {
                f.write_str("maybe added: the write ended without a result for the note")
            }
        }
    }
}

impl std::error::Error for NoteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NoteError::NotWritten(error) | NoteError::OutcomeUnknown(Some(error)) => Some(error),
            NoteError::OutcomeUnknown(None) => None,
        }
    }
}

impl From<WriteError> for NoteError {
    /// An item missing from amoCRM's 200 answer counts as maybe written, as the library
    /// counts it ([`WriteError::is_outcome_unknown`]).
    fn from(error: WriteError) -> Self {
        if error.is_outcome_unknown() {
            NoteError::OutcomeUnknown(Some(error))
        } else {
            NoteError::NotWritten(error)
        }
    }
}

/// Adds a common note with `text` to lead `lead_id`: the new note's id.
pub(crate) async fn add_lead_note(
    client: &Client,
    lead_id: i64,
    text: &str,
) -> Result<i64, NoteError> {
    let note = NewNote::new(NoteParams::common(text));
    let mut written = client
        .notes(EntityKind::Leads)
        .of(lead_id)
        .add([note])
        .stream();
    match written.next().await {
        Some(Ok(written)) => Ok(written.id),
        Some(Err(error)) => Err(error.into()),
        None => Err(NoteError::OutcomeUnknown(None)),
    }
}
