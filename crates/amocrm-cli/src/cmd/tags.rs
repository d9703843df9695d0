//! `amocrm tags list ENTITY`: the tags of leads, contacts, companies or customers;
//! `add`, `attach` and `detach` (`tags_write`).

use clap::{Args, Subcommand};

use super::entity::EntityArg;
use super::prelude::*;
use super::query::{self, FilterArg, QueryArg};
use super::tags_write::{self, TagsAdd, TagsChange};
use crate::sdk::Tag;

/// `amocrm tags …`
#[derive(Debug, Subcommand)]
pub enum TagsCommand {
    /// List the tags of an entity type: one page, or every page with --all
    List(TagsList),
    /// Add tags to an entity type's dictionary; one line per name on stdout:
    /// {"index":i,"id":N} or {"index":i,"error":{"code":…,"path":…}}
    Add(TagsAdd),
    /// Attach tags to one lead, contact or company (its other tags stay); prints
    /// {"id":N,"updated_at":T}
    Attach(TagsChange),
    /// Detach tags from one lead, contact or company (its other tags stay)
    Detach(TagsChange),
}

/// The flags of `tags list`.
#[derive(Debug, Args)]
pub struct TagsList {
    /// Whose tags
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    #[command(flatten)]
    pub pages: ListArgs<Tag>,
    #[command(flatten)]
    pub filter: FilterArg,
    #[command(flatten)]
    pub query: QueryArg,
}

/// Runs `amocrm tags …`.
pub async fn run(command: &TagsCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let args = match command {
        TagsCommand::List(args) => args,
        TagsCommand::Add(args) => return tags_write::add(args, ctx).await,
        TagsCommand::Attach(args) => return tags_write::change(args, false, ctx).await,
        TagsCommand::Detach(args) => return tags_write::change(args, true, ctx).await,
    };
    query::check([args.filter.problems(), args.query.problems()])?;
    let client = ctx.client().await?;
    let call = client.tags(args.entity.kind()).list();
    let call = args.query.apply(args.filter.apply(call)?)?;
    section::list(call, &args.pages, &mut ctx.out).await
}

impl Paged for Tag {
    const LIMIT_HELP: &'static str =
        "Tags per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl View for Tag {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |t| t.id.to_string()),
        Column::left("NAME", |t| text(t.name.as_deref())),
        Column::left("COLOR", |t| text(t.color.as_deref())),
    ];
}
