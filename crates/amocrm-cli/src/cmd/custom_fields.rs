//! `amocrm custom-fields list|get ENTITY …`: the definitions of an entity type's custom
//! fields, with their options.

use clap::{Args, Subcommand};

use super::entity::EntityArg;
use super::prelude::*;
use super::section::IdArg;
use crate::output::table::{Align, write_table};
use crate::sdk::CustomFieldDefinition;

/// `amocrm custom-fields …`
#[derive(Debug, Subcommand)]
pub enum CustomFieldsCommand {
    /// List the custom fields of leads, contacts, companies or customers
    List(FieldsList),
    /// Show one custom field with its options
    Get(FieldGet),
}

/// The flags of `custom-fields list`.
#[derive(Debug, Args)]
pub struct FieldsList {
    /// Whose fields
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    #[command(flatten)]
    pub pages: ListArgs<CustomFieldDefinition>,
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
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        CustomFieldsCommand::List(args) => {
            let call = client.custom_fields(args.entity.kind()).list();
            section::list(call, &args.pages, out).await
        }
        CustomFieldsCommand::Get(args) => {
            let fields = client.custom_fields(args.entity.kind());
            section::get(fields.get(args.id.id).send(), out).await
        }
    }
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
