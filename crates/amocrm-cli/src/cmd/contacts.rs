//! `amocrm contacts list|get ID|changes|add|update`: people, with their phones and e-mails.

use super::bulk;
use super::entity::{self, EntityCommand, channels};
use super::prelude::*;
use super::query::QueryHelp;
use crate::output::table::{date, write_pairs};
use crate::sdk::{Contact, ContactPatch, EntityKind, NewContact};
use futures::StreamExt as _;

/// Runs `amocrm contacts …`.
pub async fn run(command: &EntityCommand<Contact>, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let calls = entity::Calls {
        kind: EntityKind::Contacts,
        list: |c| c.contacts().list(),
        get: |c, id| c.contacts().get(id),
        add: |c, items, batch, defs| {
            let items = items.map(NewContact::from_json);
            Ok(bulk::checking(c.contacts().add_stream(items), batch, defs)?.stream())
        },
        update: |c, items, batch, defs| {
            let items = items.map(ContactPatch::from_json);
            Ok(bulk::checking(c.contacts().update_stream(items), batch, defs)?.stream())
        },
    };
    entity::run(command, ctx, calls).await
}

impl Paged for Contact {
    const LIMIT_HELP: &'static str =
        "Contacts per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for Contact {
    const WITH_HELP: &'static str = "Optional parts, comma-separated: 'leads,catalog_elements' \
        sends with=leads,catalog_elements (catalog_elements, leads, customers)";
    const ORDER_HELP: &'static str = "Sort order, FIELD=asc|desc (updated_at, id): \
        'updated_at=desc' sends order[updated_at]=desc";
}

impl View for Contact {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |c| c.id.to_string()),
        Column::left("NAME", |c| text(c.name.as_deref())),
        Column::left("PHONES", |c| channels(c.phones().map(|p| p.value))),
        Column::left("E-MAILS", |c| channels(c.emails().map(|e| e.value))),
        Column::right("RESPONSIBLE", |c| number(c.responsible_user_id)),
        Column::left("UPDATED", |c| date(c.updated_at)),
    ];

    /// The contact's fields, then its custom fields as a table.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let contact = self;
        write_pairs(
            out,
            &[
                ("id", contact.id.to_string()),
                ("name", text(contact.name.as_deref())),
                ("first name", text(contact.first_name.as_deref())),
                ("last name", text(contact.last_name.as_deref())),
                ("phones", channels(contact.phones().map(|p| p.value))),
                ("e-mails", channels(contact.emails().map(|e| e.value))),
                ("responsible user", number(contact.responsible_user_id)),
                ("created", date(contact.created_at)),
                ("updated", date(contact.updated_at)),
            ],
        )?;
        entity::write_custom_fields(out, contact.custom_fields())
    }
}
