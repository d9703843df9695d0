//! `amocrm companies list|get ID|changes|add|update`: organisations, with their phones and e-mails.

use super::bulk;
use super::entity::{self, EntityCommand, channels};
use super::prelude::*;
use super::query::QueryHelp;
use crate::output::table::{date, write_pairs};
use crate::sdk::{Company, CompanyPatch, EntityKind, NewCompany};
use futures::StreamExt as _;

/// Runs `amocrm companies …`.
pub async fn run(command: &EntityCommand<Company>, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let calls = entity::Calls {
        kind: EntityKind::Companies,
        list: |c| c.companies().list(),
        get: |c, id| c.companies().get(id),
        add: |c, items, batch, defs| {
            let items = items.map(NewCompany::from_json);
            Ok(bulk::checking(c.companies().add_stream(items), batch, defs)?.stream())
        },
        update: |c, items, batch, defs| {
            let items = items.map(CompanyPatch::from_json);
            Ok(bulk::checking(c.companies().update_stream(items), batch, defs)?.stream())
        },
    };
    entity::run(command, ctx, calls).await
}

impl Paged for Company {
    const LIMIT_HELP: &'static str =
        "Companies per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for Company {
    const WITH_HELP: &'static str = "Optional parts, comma-separated: 'leads,contacts' sends \
        with=leads,contacts (catalog_elements, leads, customers, contacts)";
    const ORDER_HELP: &'static str = "Sort order, FIELD=asc|desc (updated_at, id): \
        'updated_at=desc' sends order[updated_at]=desc";
}

impl View for Company {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |c| c.id.to_string()),
        Column::left("NAME", |c| text(c.name.as_deref())),
        Column::left("PHONES", |c| channels(c.phones().map(|p| p.value))),
        Column::left("E-MAILS", |c| channels(c.emails().map(|e| e.value))),
        Column::right("RESPONSIBLE", |c| number(c.responsible_user_id)),
        Column::left("UPDATED", |c| date(c.updated_at)),
    ];

    /// The company's fields, then its custom fields as a table.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let company = self;
        write_pairs(
            out,
            &[
                ("id", company.id.to_string()),
                ("name", text(company.name.as_deref())),
                ("phones", channels(company.phones().map(|p| p.value))),
                ("e-mails", channels(company.emails().map(|e| e.value))),
                ("responsible user", number(company.responsible_user_id)),
                ("created", date(company.created_at)),
                ("updated", date(company.updated_at)),
            ],
        )?;
        entity::write_custom_fields(out, company.custom_fields())
    }
}
