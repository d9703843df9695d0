//! Sync without gaps: the changes of leads, contacts and companies from a cursor a job
//! stores ([`Client::changes`](crate::Client::changes)), and the events feed from a point
//! in time ([`Client::events_since`](crate::Client::events_since)).
//!
//! amoCRM pages its lists by page number, so a job that pages `order[updated_at]=asc`
//! while the CRM changes misses entities (a change moves one from an early page to the
//! end, and the pages after it shift back) and reads others twice. A changes stream never
//! asks for a page number of a list that can change:
//!
//! * **The present is the server's.** A run first reads amoCRM's clock (the `Date` of an
//!   answer) and yields only changes stamped before it (less [`ChangesRequest::settle`]):
//!   amoCRM stamps each change with its present, so no new state lands in an earlier
//!   second. Later changes are left for the next run.
//! * **The cursor** ([`Cursor`]) is an `updated_at` second and the ids already yielded at
//!   that second. Each request is page 1 of `filter[updated_at][from]=<cursor>` (up to
//!   the present), oldest first; what the cursor covers is skipped.
//! * **More than a page in one second** (a mass update) is swept by id, in overlapping
//!   windows: the entities of a past second can only leave it, and a window that does
//!   not reach back to the last id taken is asked again further back.
//!
//! So every entity whose latest change the cursor does not cover is yielded, once per
//! state, oldest change first; one changed again after it was yielded is yielded again
//! (in this run or the next), never skipped as a duplicate. Entities deleted since are
//! not in the lists: follow `lead_deleted` and the like in the events feed.
//!
//! Why it holds. *Nothing is skipped:* the cursor passes a second only after an answer
//! showed every entity then stamped in it (a page that was not full or reached the
//! present, the part of a full page before its last second, or sweep windows that
//! overlapped); the second was already closed, so an entity missing from that answer had
//! left it for a newer state, which is still ahead of the cursor. *Nothing repeats:* a
//! state handed out is covered by the cursor from then on, and a closed second never
//! receives a second state of one entity, so an id at a second names one state. What
//! this relies on, and checks where it can (a breach is [`Error::Protocol`](crate::Error::Protocol)):
//! amoCRM's filter (`from` and `to` inclusive) and `order` are applied, and it stamps a
//! change with its own present.
//!
//! A job stores the cursor after handling each entity and starts the next run from it:
//!
//! ```no_run
//! use futures::StreamExt;
//! use amocrm::sync::{Cursor, Lead};
//!
//! # async fn run(client: amocrm::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let path = "leads.cursor.json";
//! let cursor: Cursor = match std::fs::read_to_string(path) {
//!     Ok(stored) => serde_json::from_str(&stored)?,
//!     Err(_) => Cursor::since(1_700_000_000),
//! };
//! let mut changes = client.changes::<Lead>(cursor).with(["contacts"]).stream();
//! while let Some(lead) = changes.next().await {
//!     let lead = lead?;
//!     println!("lead {} changed at {:?}", lead.id, lead.updated_at);
//!     // Handled: store the cursor that covers it.
//!     std::fs::write(path, serde_json::to_string(&changes.cursor())?)?;
//! }
//! // Caught up: the cursor now covers every change up to the run's present.
//! std::fs::write(path, serde_json::to_string(&changes.cursor())?)?;
//! # Ok(()) }
//! ```

mod answer;
mod changes;
mod cursor;
mod entity;
mod events;
mod feed;
mod plan;
mod stream;

/// The models a sync yields: the generated ones, the same types as `amocrm::leads::Lead`,
/// `amocrm::contacts::Contact`, `amocrm::companies::Company`, `amocrm::events::Event`.
pub use amocrm_raw::types::{Company, Contact, Event, Lead};
pub use changes::{Changes, ChangesRequest};
pub use cursor::{Cursor, EventCursor};
pub use entity::Changing;
pub use feed::{EventFeed, EventsRequest};
