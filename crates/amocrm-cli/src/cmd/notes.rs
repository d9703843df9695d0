//! `amocrm notes list ENTITY [ID]` and `amocrm notes get ENTITY ID`: the notes of an
//! entity type, or of one entity.

use clap::{Args, Subcommand};

use super::entity::EntityArg;
use super::prelude::*;
use super::query::{self, FilterArg, OrderArg, QueryHelp, WithArg};
use crate::output::table::date;
use crate::sdk::Note;

/// `amocrm notes …`
#[derive(Debug, Subcommand)]
pub enum NotesCommand {
    /// List the notes of an entity type, or of one entity with its ID
    List(NotesList),
    /// Show one note by its ID
    Get(NoteGet),
}

/// The flags of `notes list`.
#[derive(Debug, Args)]
pub struct NotesList {
    /// Whose notes
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// Only the notes of this entity, e.g. 3177727
    #[arg(value_name = "ID")]
    pub id: Option<i64>,
    #[command(flatten)]
    pub pages: ListArgs<Note>,
    #[command(flatten)]
    pub with: WithArg<Note>,
    #[command(flatten)]
    pub filter: FilterArg,
    #[command(flatten)]
    pub order: OrderArg<Note>,
}

/// The arguments of `notes get`.
#[derive(Debug, Args)]
pub struct NoteGet {
    /// Whose note
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The note's ID
    #[arg(value_name = "NOTE_ID")]
    pub id: i64,
    #[command(flatten)]
    pub with: WithArg<Note>,
}

/// Runs `amocrm notes …`.
pub async fn run(command: &NotesCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match command {
        NotesCommand::List(args) => {
            let (with, filter) = (args.with.problems(), args.filter.problems());
            query::check([with, filter, args.order.problems()])?;
        }
        NotesCommand::Get(args) => query::check([args.with.problems()])?,
    }
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        NotesCommand::List(args) => {
            let notes = client.notes(args.entity.kind());
            let call = match args.id {
                Some(id) => notes.of(id).list(),
                None => notes.list(),
            };
            let call = args.filter.apply(args.with.apply(call)?)?;
            let call = args.order.apply(call)?;
            section::list(call, &args.pages, out).await
        }
        NotesCommand::Get(args) => {
            let notes = client.notes(args.entity.kind());
            let call = args.with.apply(notes.get(args.id))?;
            section::get(call.send(), out).await
        }
    }
}

impl Paged for Note {
    const LIMIT_HELP: &'static str =
        "Notes per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for Note {
    const WITH_HELP: &'static str =
        "Optional parts: 'is_pinned' sends with=is_pinned (whether each note is pinned)";
    const ORDER_HELP: &'static str = "Sort order, FIELD=asc|desc (updated_at, id): \
        'updated_at=desc' sends order[updated_at]=desc";
}

impl View for Note {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |n| n.id.to_string()),
        Column::right("ENTITY", |n| number(n.entity_id)),
        Column::left("TYPE", |n| {
            n.note_type
                .as_ref()
                .map_or_else(|| "-".to_owned(), |t| clean(t.as_str()))
        }),
        Column::left("TEXT", |n| {
            let params = n.params.as_ref().and_then(|p| p.0.as_ref());
            text(params.and_then(|p| p.get("text")).and_then(|t| t.as_str()))
        }),
        Column::right("RESPONSIBLE", |n| number(n.responsible_user_id)),
        Column::left("UPDATED", |n| date(n.updated_at)),
    ];
}
