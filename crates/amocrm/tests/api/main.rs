//! The API sections: the CRM read sections against the fake, the account call, inputs checked before sending, models as data,
//! identifiers as one path segment, the pager against hostile next links, and the
//! pipelines list as amoCRM may send it.

mod account;
mod catalog_field_writes;
mod checks_before_sending;
mod crm;
mod custom_field_writes;
mod long_identifiers;
mod models_as_data;
mod next_links;
mod path_segments;
mod pipeline_writes;
mod pipelines;
mod retried_deletes;
