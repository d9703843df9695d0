//! `amocrm leads list|get ID|changes|add|update|complex-add`: the deals, with amoCRM's query flags.

use super::bulk::{self, WriteArgs};
use super::entity::{self, EntityCommand};
use super::prelude::*;
use super::query::QueryHelp;
use crate::output::table::{date, write_pairs};
use crate::sdk::{
    ComplexLead, EntityKind, LOST_STATUS_ID, Lead, LeadPatch, NewLead, WON_STATUS_ID,
};
use futures::StreamExt as _;

/// `amocrm leads …`: the commands of every main entity, and the complex add.
#[derive(Debug, clap::Subcommand)]
pub enum LeadsCommand {
    #[command(flatten)]
    Entity(EntityCommand<Lead>),
    /// Add leads, each with at most one contact and one company (new or by "id") in its
    /// "_embedded", from NDJSON or a JSON array, at most 50 a request; one line per item
    /// as for add, with "contact_id" and "company_id"
    ComplexAdd(WriteArgs),
}

/// Runs `amocrm leads …`.
pub async fn run(command: &LeadsCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let command = match command {
        LeadsCommand::Entity(command) => command,
        LeadsCommand::ComplexAdd(args) => {
            let complex: bulk::WriteCall = |c, items, batch| {
                let items = items.map(ComplexLead::from_json);
                Ok(bulk::tuned(c.leads().complex_add_stream(items), batch)?.stream())
            };
            return bulk::run(args, ctx, complex).await;
        }
    };
    let calls = entity::Calls {
        kind: EntityKind::Leads,
        list: |c| c.leads().list(),
        get: |c, id| c.leads().get(id),
        add: |c, items, batch, defs| {
            let items = items.map(NewLead::from_json);
            Ok(bulk::checking(c.leads().add_stream(items), batch, defs)?.stream())
        },
        update: |c, items, batch, defs| {
            let items = items.map(LeadPatch::from_json);
            Ok(bulk::checking(c.leads().update_stream(items), batch, defs)?.stream())
        },
    };
    entity::run(command, ctx, calls).await
}

impl Paged for Lead {
    const LIMIT_HELP: &'static str =
        "Leads per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for Lead {
    const WITH_HELP: &'static str = "Optional parts, comma-separated: 'contacts,loss_reason' \
        sends with=contacts,loss_reason (contacts, catalog_elements, loss_reason, \
        is_price_modified_by_robot, source_id, source; only_deleted lists the trash)";
    const ORDER_HELP: &'static str = "Sort order, FIELD=asc|desc (created_at, updated_at, \
        id): 'updated_at=desc' sends order[updated_at]=desc";
}

impl View for Lead {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |l| l.id.to_string()),
        Column::left("NAME", |l| text(l.name.as_deref())),
        Column::right("PRICE", |l| number(l.price.as_ref())),
        Column::right("PIPELINE", |l| number(l.pipeline_id)),
        Column::right("STATUS", |l| status(l.status_id)),
        Column::right("RESPONSIBLE", |l| number(l.responsible_user_id)),
        Column::left("UPDATED", |l| date(l.updated_at)),
    ];

    /// The lead's fields, its tags and contacts, then its custom fields as a table.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let lead = self;
        let embedded = lead.embedded.as_ref().and_then(|e| e.0.as_ref());
        let tags = embedded.map(|e| joined(&e.tags, |t| t.name.as_deref().unwrap_or("-")));
        let ids = |ids: Vec<String>| ids.join(", ");
        let contacts = embedded.map(|e| ids(e.contacts.iter().map(|c| c.id.to_string()).collect()));
        let companies =
            embedded.map(|e| ids(e.companies.iter().map(|c| c.id.to_string()).collect()));
        write_pairs(
            out,
            &[
                ("id", lead.id.to_string()),
                ("name", text(lead.name.as_deref())),
                ("price", number(lead.price.as_ref())),
                ("pipeline", number(lead.pipeline_id)),
                ("status", status(lead.status_id)),
                ("responsible user", number(lead.responsible_user_id)),
                ("loss reason", number(lead.loss_reason_id)),
                ("created", date(lead.created_at)),
                ("updated", date(lead.updated_at)),
                ("closed", date(lead.closed_at)),
                ("deleted", yes_no(lead.is_deleted).to_owned()),
                ("tags", text(tags.as_deref().filter(|t| !t.is_empty()))),
                (
                    "contacts",
                    text(contacts.as_deref().filter(|c| !c.is_empty())),
                ),
                (
                    "companies",
                    text(companies.as_deref().filter(|c| !c.is_empty())),
                ),
            ],
        )?;
        entity::write_custom_fields(out, lead.custom_fields())
    }
}

/// A status ID, with `(won)` or `(lost)` for amoCRM's two closing statuses.
fn status(id: Option<i64>) -> String {
    match id {
        Some(WON_STATUS_ID) => format!("{WON_STATUS_ID} (won)"),
        Some(LOST_STATUS_ID) => format!("{LOST_STATUS_ID} (lost)"),
        other => number(other),
    }
}
