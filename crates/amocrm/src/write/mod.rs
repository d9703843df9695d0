//! The CRM's write side: add and update leads, contacts and companies, and complex add
//! leads with a contact and a company, in safe batches; add, update and complete tasks
//! ([`NewTask`], [`TaskPatch`]); add and update notes of the writable types
//! ([`NewNote`], [`NotePatch`], [`NoteParams`]).
//!
//! The entities to write ([`NewLead`], [`LeadPatch`], …) send only the fields set on
//! them. The calls (`client.leads().add(items)`, `.update(patches)`,
//! `.complex_add(items)`, the same `add`/`update` for contacts and companies, and an
//! `_stream` variant of each taking a `futures::Stream`) return a [`Writer`]; its
//! [`Writer::stream`] yields one `Result<Written, WriteError>` per input item, in input
//! order. Tags and links go through the same writer: `client.tags(kind).add(tags)`,
//! `client.links(kind).link(links)`, `client.links(kind).of(id).link(targets)` (and
//! their unlinks); tags are attached to and detached from one entity with
//! `client.tags(kind).attach(id, tags)` and `.detach(id, tags)`.
//!
//! ```no_run
//! # async fn run(client: amocrm::Client) -> Result<(), amocrm::Error> {
//! use amocrm::write::{NewLead, OnUnknown};
//! use futures::StreamExt;
//!
//! let leads = (0..10_000).map(|n| NewLead::default().name(format!("Import {n}")));
//! let mut results = client.leads().add(leads).batch(50)?.on_unknown(OnUnknown::Stop).stream();
//! while let Some(result) = results.next().await {
//!     match result {
//!         Ok(written) => println!("{} → lead {}", written.index, written.id),
//!         Err(error) if error.is_outcome_unknown() => eprintln!("check before re-adding: {error}"),
//!         Err(error) => eprintln!("{error}"),
//!     }
//! }
//! # Ok(()) }
//! ```

mod chunk;
mod defs;
mod entities;
mod field;
mod json_input;
mod link_op;
mod links;
mod note_params;
mod notes;
mod op;
mod outcome;
mod parts;
mod tags;
mod tasks;
mod writer;

use futures::stream::{Stream, StreamExt};

use crate::api::companies::CompanyCalls;
use crate::api::contacts::ContactCalls;
use crate::api::leads::LeadCalls;

pub use defs::FieldDefs;
pub use entities::{
    CompanyPatch, ComplexLead, ContactPatch, Item, LeadPatch, NewCompany, NewContact, NewLead,
};
pub use field::{FieldValue, TagRef};
pub use links::{Link, LinkTo};
pub use note_params::{Call, CallStatus, CashierStatus, NoteParams};
pub use notes::{NewNote, NotePatch};
pub use op::{DEFAULT_BATCH, MAX_BATCH, MAX_COMPLEX_BATCH};
pub use outcome::{FieldError, OnUnknown, Updated, WriteError, WriteErrorKind, Written};
pub use parts::{MAX_COMPLEX_FIELDS, MAX_PRICE};
pub use tags::{NewTag, TAG_COLORS};
pub use tasks::{NewTask, TaskPatch};
pub use writer::{WriteStream, Writer};

use op::Op;

/// `update_one`: one patch sent at once through `PATCH /api/v4/{…}/{id}`.
macro_rules! update_one {
    ($(#[$m:meta])* $item:ty, $op:expr) => {
        $(#[$m])*
        pub async fn update_one(&self, patch: $item) -> crate::Result<Updated> {
            let body = patch.into_body()?;
            op::update_one(self.client(), $op, body).await
        }
    };
}

/// A write call taking an iterator and its `_stream` twin taking a stream.
macro_rules! write_call {
    ($(#[$m:meta])* $name:ident, $stream:ident, $item:ty, $op:expr) => {
        $(#[$m])*
        pub fn $name<I>(&self, items: I) -> Writer<$item>
        where
            I: IntoIterator<Item = $item>,
            I::IntoIter: Send + 'static,
        {
            Writer::new(self.client(), $op, futures::stream::iter(items).boxed())
        }

        #[doc = concat!("[`Self::", stringify!($name), "`] from a stream of items.")]
        pub fn $stream(&self, items: impl Stream<Item = $item> + Send + 'static) -> Writer<$item> {
            Writer::new(self.client(), $op, items.boxed())
        }
    };
}

impl LeadCalls<'_> {
    write_call!(
        /// `POST /api/v4/leads`, in batches: new leads.
        add, add_stream, NewLead, Op::AddLeads
    );
    write_call!(
        /// `PATCH /api/v4/leads`, in batches: changes to leads.
        update, update_stream, LeadPatch, Op::UpdateLeads
    );
    update_one!(
        /// `PATCH /api/v4/leads/{id}`: one lead's changes, at once (retried like a `GET`).
        LeadPatch, Op::UpdateLeads
    );
    write_call!(
        /// `POST /api/v4/leads/complex`, in batches of at most 50: new leads, each with
        /// a contact and a company.
        complex_add, complex_add_stream, ComplexLead, Op::ComplexLeads
    );
}

impl ContactCalls<'_> {
    write_call!(
        /// `POST /api/v4/contacts`, in batches: new contacts.
        add, add_stream, NewContact, Op::AddContacts
    );
    write_call!(
        /// `PATCH /api/v4/contacts`, in batches: changes to contacts.
        update, update_stream, ContactPatch, Op::UpdateContacts
    );
    update_one!(
        /// `PATCH /api/v4/contacts/{id}`: one contact's changes, at once.
        ContactPatch, Op::UpdateContacts
    );
}

impl CompanyCalls<'_> {
    write_call!(
        /// `POST /api/v4/companies`, in batches: new companies.
        add, add_stream, NewCompany, Op::AddCompanies
    );
    write_call!(
        /// `PATCH /api/v4/companies`, in batches: changes to companies.
        update, update_stream, CompanyPatch, Op::UpdateCompanies
    );
    update_one!(
        /// `PATCH /api/v4/companies/{id}`: one company's changes, at once.
        CompanyPatch, Op::UpdateCompanies
    );
}
