//! What a batch write yields per input item: [`Written`] or [`WriteError`], and what the
//! writer does after an add whose outcome is unknown ([`OnUnknown`]).

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Invalid};

/// One input item written: its place in the input, the `request_id` it was sent with and
/// what amoCRM answered for it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// The item's position in the input (from 0).
    pub index: u64,
    /// The `request_id` it was sent with (its index, as a string).
    pub request_id: String,
    /// The entity's ID (a complex add: the lead's; a link: its main entity's; a tags add:
    /// the tag's).
    pub id: i64,
    /// Unix seconds of the write, when amoCRM said (updates).
    pub updated_at: Option<i64>,
    /// A complex add: the ID of the lead's contact, when it has one.
    pub contact_id: Option<i64>,
    /// A complex add: the ID of the lead's company, when it has one.
    pub company_id: Option<i64>,
    /// A complex add: amoCRM found a duplicate and merged the lead into it.
    pub merged: bool,
}

/// One entity updated by itself (`update_one`): its ID and when amoCRM wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Updated {
    /// The entity's ID.
    pub id: i64,
    /// Unix seconds of the write, when amoCRM said.
    pub updated_at: Option<i64>,
}

/// One field amoCRM refused in an item: its code and the path into the item. The
/// `detail` text of amoCRM's answer is left out, since it may quote the value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct FieldError {
    /// amoCRM's code, e.g. `NotSupportedChoice`, `FieldNotExpected`.
    pub code: String,
    /// Dot-notation path into the item, e.g. `custom_fields_values.0.field_id`.
    pub path: String,
}

/// One input item not written, or not known to be: its place, its `request_id`, why.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WriteError {
    /// The item's position in the input (from 0).
    pub index: u64,
    /// The `request_id` it was (or would have been) sent with.
    pub request_id: String,
    /// Why.
    pub kind: WriteErrorKind,
}

/// Why an item was not written, or may not have been.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum WriteErrorKind {
    /// Refused before sending: the item has a field amoCRM documents as invalid.
    Invalid(Invalid),
    /// amoCRM refused the item (400, `validation-errors` naming its `request_id`); the
    /// other items of its batch were sent again without it.
    Refused(Vec<FieldError>),
    /// The batch's request failed for a reason that names no item (a 400 without
    /// `validation-errors` for it, 401, 402, 403, a 429 past the retries, a transport
    /// error of an update): nothing of the batch was written by an add; an update may
    /// be sent again.
    Failed(Arc<Error>),
    /// An add that may have reached amoCRM (the connection was cut after the body was
    /// sent, a timeout, a 5xx, an answer that could not be read): it was not sent again,
    /// since amoCRM would create the entities twice. `request_ids` are those of the
    /// whole request, to look the entities up before adding them again.
    OutcomeUnknown {
        /// The `request_id`s of every item of the request.
        request_ids: Arc<[String]>,
        /// What happened to the request.
        cause: Arc<Error>,
    },
    /// amoCRM answered 200 without an entry for the item's `request_id`.
    NotAnswered,
}

/// What a writer does after an add whose outcome is unknown (sent and unanswered, or
/// missing from its answer). Updates are not concerned: sending a patch again is safe.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnUnknown {
    /// Report the batch's items as outcome unknown and go on with the next batch (the
    /// default: the other items' fate does not depend on that batch's).
    #[default]
    Continue,
    /// Report the batch's items as outcome unknown, then end the stream: nothing more is
    /// read from the input or sent.
    Stop,
}

impl WriteError {
    /// Whether the item may have been written (see [`WriteErrorKind::OutcomeUnknown`]).
    /// An item missing from a 200 answer ([`WriteErrorKind::NotAnswered`]) counts: amoCRM
    /// answered the request, so the item most likely was.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            WriteErrorKind::OutcomeUnknown { .. } | WriteErrorKind::NotAnswered
        )
    }

    /// amoCRM's refusal of the item, when it refused it.
    pub fn refused(&self) -> Option<&[FieldError]> {
        match &self.kind {
            WriteErrorKind::Refused(errors) => Some(errors),
            _ => None,
        }
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "item {} (request_id {}): ", self.index, self.request_id)?;
        match &self.kind {
            WriteErrorKind::Invalid(invalid) => write!(f, "not sent: {invalid}"),
            WriteErrorKind::Refused(errors) => {
                f.write_str("refused by amoCRM")?;
                for e in errors {
                    write!(f, "; {}: {}", e.path, e.code)?;
                }
                Ok(())
            }
            WriteErrorKind::Failed(error) => write!(f, "its batch failed: {error}"),
            WriteErrorKind::OutcomeUnknown { cause, .. } => write!(
                f,
                "outcome unknown, not sent again (look it up before adding it again): {cause}"
            ),
            WriteErrorKind::NotAnswered => f.write_str("amoCRM's answer has no entry for it"),
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            WriteErrorKind::Failed(error) | WriteErrorKind::OutcomeUnknown { cause: error, .. } => {
                Some(error.as_ref())
            }
            WriteErrorKind::Invalid(invalid) => Some(invalid),
            _ => None,
        }
    }
}
