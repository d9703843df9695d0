//! Where a list or a get is: the entity type of its path (`/api/v4/{leads}/notes`) and
//! the parent in it (`/catalogs/{catalog_id}/elements`, `/leads/{entity_id}/notes`).
//! A list call is a function that captures nothing, so these travel in its query (and
//! so does the one parameter of a list outside the common ones: the event types'
//! language).

use std::num::NonZeroU64;

use super::EntityKind;
use crate::error::{Error, Invalid};

/// The path parts of a scoped list or get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Scope {
    pub(crate) kind: Option<EntityKind>,
    pub(crate) parent: Option<NonZeroU64>,
    /// The language of the event types' names (`language_code`).
    pub(crate) language: Option<amocrm_raw::types::EventTypesLanguage>,
}

impl Scope {
    /// A scope of the entity `parent` of type `kind` (`None`: of its type).
    pub(crate) fn within(
        kind: Option<EntityKind>,
        what: &'static str,
        parent: i64,
    ) -> Result<Self, Invalid> {
        let parent = Some(parent_id(what, parent)?);
        Ok(Scope {
            kind,
            parent,
            language: None,
        })
    }

    /// A scope of entity type `kind`.
    pub(crate) fn of(kind: EntityKind) -> Self {
        Scope {
            kind: Some(kind),
            ..Scope::default()
        }
    }

    /// The scope's entity type (always set by the sections that read it).
    pub(crate) fn kind(&self) -> Result<EntityKind, Error> {
        self.kind
            .ok_or_else(|| Error::Protocol("a scoped call without its entity type".into()))
    }

    /// The scope's parent ID (checked when it was set).
    pub(crate) fn parent(&self) -> Result<NonZeroU64, Error> {
        self.parent
            .ok_or_else(|| Error::Protocol("a scoped call without its parent ID".into()))
    }
}

/// Why amoCRM cannot have the ID `id`.
pub(crate) const BAD_ID: &str = "amoCRM's IDs are 1 to 9223372036854775807";

/// A parent ID checked as a get's ID is: positive.
pub(crate) fn parent_id(what: &'static str, id: i64) -> Result<NonZeroU64, Invalid> {
    (u64::try_from(id).ok())
        .and_then(NonZeroU64::new)
        .ok_or_else(|| Invalid::Identifier {
            what,
            value: id.to_string(),
            reason: BAD_ID,
        })
}

/// Whether amoCRM can have the ID `id` (the rule of [`parent_id`]).
pub(crate) fn is_id(id: i64) -> bool {
    parent_id("", id).is_ok()
}
