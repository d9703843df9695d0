//! `amocrm catalogs list|get ID` and `amocrm catalogs elements list|get CATALOG_ID …`: the
//! account's lists (products, invoices, …) and their elements.

use clap::{Args, Subcommand};

use super::custom_fields::{self, FieldsFlags};
use super::entity;
use super::prelude::*;
use super::query::{self, FilterArg, QueryArg, QueryHelp, WithArg};
use super::section::IdArg;
use crate::output::table::{date, write_pairs};
use crate::sdk::{Catalog, CatalogElement};

/// `amocrm catalogs …`
#[derive(Debug, Subcommand)]
pub enum CatalogsCommand {
    /// List catalogs: one page, or every page with --all
    List(ListArgs<Catalog>),
    /// Show one catalog by its ID
    Get(IdArg),
    /// The elements of one catalog
    #[command(subcommand)]
    Elements(ElementsCommand),
    /// List the custom fields of one catalog (price, category, items, …)
    Fields(CatalogFields),
}

/// The flags of `catalogs fields`.
#[derive(Debug, Args)]
pub struct CatalogFields {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[command(flatten)]
    pub flags: FieldsFlags,
}

/// `amocrm catalogs elements …`
#[derive(Debug, Subcommand)]
pub enum ElementsCommand {
    /// List a catalog's elements: one page, or every page with --all
    List(ElementsList),
    /// Show one element of a catalog, with its custom fields
    Get(ElementGet),
}

/// The catalog whose elements a command reads.
#[derive(Debug, Args)]
pub struct CatalogArg {
    /// The catalog's ID, e.g. 7421 (see amocrm catalogs list)
    #[arg(value_name = "CATALOG_ID")]
    pub catalog_id: i64,
}

/// The flags of `catalogs elements list`.
#[derive(Debug, Args)]
pub struct ElementsList {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[command(flatten)]
    pub pages: ListArgs<CatalogElement>,
    #[command(flatten)]
    pub with: WithArg<CatalogElement>,
    #[command(flatten)]
    pub filter: FilterArg,
    #[command(flatten)]
    pub query: QueryArg,
}

/// The arguments of `catalogs elements get`.
#[derive(Debug, Args)]
pub struct ElementGet {
    #[command(flatten)]
    pub catalog: CatalogArg,
    #[command(flatten)]
    pub id: IdArg,
    #[command(flatten)]
    pub with: WithArg<CatalogElement>,
}

/// Runs `amocrm catalogs …`.
pub async fn run(command: &CatalogsCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match command {
        CatalogsCommand::Elements(ElementsCommand::List(args)) => {
            let (with, filter) = (args.with.problems(), args.filter.problems());
            query::check([with, filter, args.query.problems()])?;
        }
        CatalogsCommand::Elements(ElementsCommand::Get(args)) => {
            query::check([args.with.problems()])?;
        }
        CatalogsCommand::Fields(args) => query::check(args.flags.problems())?,
        CatalogsCommand::List(_) | CatalogsCommand::Get(_) => {}
    }
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        CatalogsCommand::List(args) => section::list(client.catalogs().list(), args, out).await,
        CatalogsCommand::Get(arg) => section::get(client.catalogs().get(arg.id).send(), out).await,
        CatalogsCommand::Elements(ElementsCommand::List(args)) => {
            let call = client.catalogs().elements(args.catalog.catalog_id).list();
            let call = args.filter.apply(args.with.apply(call)?)?;
            let call = args.query.apply(call)?;
            section::list(call, &args.pages, out).await
        }
        CatalogsCommand::Elements(ElementsCommand::Get(args)) => {
            let elements = client.catalogs().elements(args.catalog.catalog_id);
            let call = args.with.apply(elements.get(args.id.id))?;
            section::get(call.send(), out).await
        }
        CatalogsCommand::Fields(args) => {
            let call = client.catalogs().custom_fields(args.catalog.catalog_id);
            custom_fields::list(call, &args.flags, out).await
        }
    }
}

impl Paged for Catalog {
    const LIMIT_HELP: &'static str =
        "Catalogs per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl View for Catalog {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |c| c.id.to_string()),
        Column::left("NAME", |c| text(c.name.as_deref())),
        Column::left("TYPE", |c| {
            c.type_
                .as_ref()
                .map_or_else(|| "-".to_owned(), |t| clean(t.as_str()))
        }),
        Column::left("CAN ADD", |c| yes_no(c.can_add_elements).to_owned()),
        Column::left("UPDATED", |c| date(c.updated_at)),
    ];
}

impl Paged for CatalogElement {
    const LIMIT_HELP: &'static str =
        "Elements per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for CatalogElement {
    const WITH_HELP: &'static str =
        "Optional parts: 'invoice_link' sends with=invoice_link (elements of invoices)";
}

impl View for CatalogElement {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |e| e.id.to_string()),
        Column::right("CATALOG", |e| number(e.catalog_id)),
        Column::left("NAME", |e| text(e.name.as_deref())),
        Column::right("FIELDS", |e| e.custom_fields().len().to_string()),
        Column::left("UPDATED", |e| date(e.updated_at)),
    ];

    /// The element's fields, then its custom fields as a table.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        let element = self;
        write_pairs(
            out,
            &[
                ("id", element.id.to_string()),
                ("catalog", number(element.catalog_id)),
                ("name", text(element.name.as_deref())),
                ("created", date(element.created_at)),
                ("updated", date(element.updated_at)),
                ("deleted", yes_no(element.is_deleted).to_owned()),
            ],
        )?;
        entity::write_custom_fields(out, element.custom_fields())
    }
}
