//! `amocrm custom-fields list|get ENTITY …`: the definitions of an entity type's custom
//! fields, with their options.

use clap::{Args, Subcommand};

use super::definitions::{self, FieldWrites};
use super::entity::EntityArg;
use super::prelude::*;
use super::query::{self, FilterArg, OrderArg, QueryHelp};
use super::section::IdArg;
use crate::output::Output;
use crate::output::table::{Align, write_table};
use crate::sdk::{CrmQuery, CustomFieldDefinition, ListRequest};

/// `amocrm custom-fields …`
#[derive(Debug, Subcommand)]
pub enum CustomFieldsCommand {
    /// List the custom fields of leads, contacts, companies or customers
    List(FieldsList),
    /// Show one custom field with its options
    Get(FieldGet),
    #[command(flatten)]
    Write(FieldWrites),
}

/// The flags of `custom-fields list`.
#[derive(Debug, Args)]
pub struct FieldsList {
    /// Whose fields
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    #[command(flatten)]
    pub flags: FieldsFlags,
}

/// The flags of a list of custom fields (`custom-fields list`, `catalogs fields`).
#[derive(Debug, Args)]
pub struct FieldsFlags {
    #[command(flatten)]
    pub pages: ListArgs<CustomFieldDefinition>,
    #[command(flatten)]
    pub filter: FilterArg,
    #[command(flatten)]
    pub order: OrderArg<CustomFieldDefinition>,
}

impl FieldsFlags {
    /// What is wrong with the flags, if anything.
    pub fn problems(&self) -> [Vec<String>; 2] {
        [self.filter.problems(), self.order.problems()]
    }
}

/// The arguments of `custom-fields get`.
#[derive(Debug, Args)]
pub struct FieldGet {
    /// Whose field
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    #[command(flatten)]
    pub id: IdArg,
}

/// Runs `amocrm custom-fields …`.
pub async fn run(command: &CustomFieldsCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    if let CustomFieldsCommand::List(args) = command {
        query::check(args.flags.problems())?;
    }
    if let CustomFieldsCommand::Write(command) = command {
        return definitions::fields(command, ctx).await;
    }
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        CustomFieldsCommand::List(args) => {
            let call = client.custom_fields(args.entity.kind()).list();
            list(call, &args.flags, out).await
        }
        CustomFieldsCommand::Get(args) => {
            let fields = client.custom_fields(args.entity.kind());
            section::get(fields.get(args.id.id).send(), out).await
        }
        CustomFieldsCommand::Write(_) => Ok(()),
    }
}

/// Lists `call` with the flags of `custom-fields list` (also `catalogs fields`).
pub async fn list(call: FieldsCall, args: &FieldsFlags, out: &mut Output) -> Result<(), Failure> {
    let call = args.order.apply(args.filter.apply(call)?)?;
    section::list(call, &args.pages, out).await
}

/// A list of custom field definitions.
type FieldsCall = ListRequest<CustomFieldDefinition, CrmQuery<CustomFieldDefinition>>;

impl QueryHelp for CustomFieldDefinition {
    const ORDER_HELP: &'static str =
        "Sort order, FIELD=asc|desc (sort, id): 'sort=asc' sends order[sort]=asc";
}

impl Paged for CustomFieldDefinition {
    const LIMIT_HELP: &'static str =
        "Fields per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl View for CustomFieldDefinition {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |f| f.id.to_string()),
        Column::left("NAME", |f| text(f.name.as_deref())),
        Column::left("CODE", |f| text(f.code.as_deref())),
        Column::left("TYPE", |f| {
            f.type_
                .as_ref()
                .map_or_else(|| "-".to_owned(), |t| clean(t.as_str()))
        }),
        Column::right("OPTIONS", |f| number(f.enums.as_ref().map(Vec::len))),
        Column::left("API ONLY", |f| yes_no(f.is_api_only).to_owned()),
    ];

    /// The field, then its options (`enums`) as a table.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        write_columns(out, Self::COLUMNS, self)?;
        let enums = self.enums.as_deref().unwrap_or_default();
        writeln!(out)?;
        if enums.is_empty() {
            return writeln!(out, "options: none");
        }
        writeln!(out, "options:")?;
        let rows = enums
            .iter()
            .map(|e| {
                let (id, sort) = (e.id.to_string(), number(e.sort));
                vec![id, text(e.value.as_deref()), text(e.code.as_deref()), sort]
            })
            .collect();
        let aligns = [Align::Right, Align::Left, Align::Left, Align::Right];
        write_table(out, &["ID", "VALUE", "CODE", "SORT"], &aligns, rows)
    }
}
