//! `amocrm links list ENTITY ID`: what one lead, contact, company or customer is linked
//! to (contacts, companies, catalog elements, …); `link` and `unlink` (`links_write`).

use clap::{Args, Subcommand};

use super::entity::EntityArg;
use super::links_write::{self, LinksChange};
use super::prelude::*;
use super::query::{self, FilterArg};
use crate::sdk::{EntityLink, EntityLinkMetadata};

/// `amocrm links …`
#[derive(Debug, Subcommand)]
pub enum LinksCommand {
    /// List the links of one entity
    List(LinksList),
    /// Link entities to one entity; one line per --to target on stdout:
    /// {"index":i,"id":N} or {"index":i,"error":{"code":…,"path":…}}
    Link(LinksChange),
    /// Unlink entities from one entity; one line per --to target
    Unlink(LinksChange),
}

/// The flags of `links list`.
#[derive(Debug, Args)]
pub struct LinksList {
    /// The entity's type
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The entity's ID, e.g. 3177727
    #[arg(value_name = "ID")]
    pub id: i64,
    #[command(flatten)]
    pub pages: ListArgs<EntityLink>,
    #[command(flatten)]
    pub filter: FilterArg,
}

/// Runs `amocrm links …`.
pub async fn run(command: &LinksCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let args = match command {
        LinksCommand::List(args) => args,
        LinksCommand::Link(args) => return links_write::run(args, false, ctx).await,
        LinksCommand::Unlink(args) => return links_write::run(args, true, ctx).await,
    };
    query::check([args.filter.problems()])?;
    let client = ctx.client().await?;
    let call = client.links(args.entity.kind()).of(args.id).list();
    let call = args.filter.apply(call)?;
    section::list(call, &args.pages, &mut ctx.out).await
}

impl Paged for EntityLink {
    const LIMIT_HELP: &'static str =
        "Links per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl View for EntityLink {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::left("TO TYPE", |l| text(l.to_entity_type.as_deref())),
        Column::right("TO ID", |l| l.to_entity_id.to_string()),
        Column::left("MAIN", |l| {
            yes_no(metadata(l).and_then(|m| m.main_contact)).to_owned()
        }),
        Column::right("CATALOG", |l| {
            number(metadata(l).and_then(|m| m.catalog_id))
        }),
        Column::right("QUANTITY", |l| number(metadata(l).and_then(|m| m.quantity))),
    ];
}

/// What amoCRM says of a link (`metadata`; PHP's `[]` for none).
fn metadata(link: &EntityLink) -> Option<&EntityLinkMetadata> {
    link.metadata.as_ref().and_then(|m| m.0.as_ref())
}
