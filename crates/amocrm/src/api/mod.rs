//! The API sections, one module each, re-exported at the crate root (`amocrm::widgets`,
//! `amocrm::bots`, `amocrm::account`, `amocrm::pipelines`, and the CRM read side:
//! `amocrm::leads`, `contacts`, `companies`, `tasks`, `catalogs`, `custom_fields`,
//! `users`, `tags`, `notes`, `links`, `events`, `loss_reasons`; `amocrm::webhooks`). Each adds a `Client`
//! accessor returning its calls; every call is a request built with its options and sent
//! with `.send()` (lists also `.pages()` and `.stream()`).

pub mod account;
pub mod bots;
pub mod catalogs;
pub mod companies;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod leads;
pub mod links;
pub mod loss_reasons;
pub mod notes;
pub mod pipelines;
pub mod tags;
pub mod tasks;
pub mod users;
pub mod webhooks;
pub mod widgets;

use std::fmt::Display;

use crate::error::Invalid;

/// A path identifier (a widget code, a continue_id) checked and made the generated type of
/// its path parameter: one path segment, whatever it holds.
pub(crate) fn path_segment<T>(what: &'static str, value: &str) -> Result<T, Invalid>
where
    T: for<'v> TryFrom<&'v str>,
    for<'v> <T as TryFrom<&'v str>>::Error: Display,
{
    crate::error::invalid::identifier(what, value)?;
    T::try_from(value).map_err(|e| Invalid::Request(e.to_string()))
}
