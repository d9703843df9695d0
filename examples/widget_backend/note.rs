//! Adding a common note to a lead: the ONE place the backend writes a note.
//!
//! SWITCH AFTER MERGING THE LIBRARY'S NOTE WRITE (branch w-tasks-notes): `amocrm` has no
//! note write yet, so [`add_lead_note`] sends `POST /api/v4/leads/{id}/notes` itself, but
//! through the generated client's request hook, i.e. the library's transport: the
//! account's token (refreshed once on a 401), its pacer slot (the fleet's 7 requests/s),
//! its block, and the retries an add allows (a 429 or a connection that never carried
//! the request; never after the body may have been sent). Its error is the library's
//! [`amocrm::Error`]. Replace the body with the library's call then; the callers and the
//! signature stay. On main since this was written, the call is:
//!
//! ```text
//! use amocrm::query::EntityKind;
//! use amocrm::write::{NewNote, NoteParams};
//! let mut written = client.notes(EntityKind::Leads).of(lead_id)
//!     .add([NewNote::new(NoteParams::common(text))]).stream();
//! // one item: Some(Ok(w)) => Ok(Some(w.id)), Some(Err(e)) => the error, None => Ok(None)
//! ```
//!
//! and the tests' fault answering `POST …/notes` 200 can go (the fake writes notes there).

use amocrm::Client;
use progenitor_client::{ClientHooks as _, ClientInfo as _, OperationInfo};
use serde_json::{Value, json};

/// The longest note text this backend writes, in characters. amoCRM documents no limit
/// for a common note; the backend's own texts are a line.
const MAX_TEXT_CHARS: usize = 4_000;

/// Adds a common note with `text` to lead `lead_id`; the new note's id when amoCRM's
/// answer names it (`_embedded.notes[0].id`).
pub(crate) async fn add_lead_note(
    client: &Client,
    lead_id: i64,
    text: &str,
) -> Result<Option<i64>, amocrm::Error> {
    let invalid = |reason: &str| {
        amocrm::Error::Invalid(amocrm::error::Invalid::Param {
            param: "note",
            reason: reason.to_owned(),
        })
    };
    if lead_id <= 0 {
        return Err(invalid("the lead id must be positive"));
    }
    if text.trim().is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(invalid("the text must be 1 to 4,000 characters"));
    }
    let raw = client.raw();
    let body = json!([{"note_type": "common", "params": {"text": text}}]);
    let url = format!("{}/api/v4/leads/{lead_id}/notes", raw.baseurl());
    let request = raw
        .client()
        .post(url)
        .header(reqwest::header::ACCEPT, amocrm_raw::ACCEPT)
        .json(&body)
        .build()
        .map_err(|error| invalid(&error.without_url().to_string()))?;
    let info = OperationInfo {
        operation_id: "add_lead_notes",
    };
    let answer = match raw.exec(request, &info).await {
        Ok(answer) => answer,
        Err(error) => {
            let error = amocrm_raw::Error::<amocrm_raw::types::Problem>::CommunicationError(error);
            return Err(amocrm::Error::from_raw(error).await);
        }
    };
    // Only a 2xx comes back here (the transport turns an error status into its error).
    let answer: Value = answer.json().await.unwrap_or(Value::Null);
    Ok(answer
        .pointer("/_embedded/notes/0/id")
        .and_then(Value::as_i64))
}
