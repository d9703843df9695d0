//! `amocrm notes list ENTITY [ID]` and `amocrm notes get ENTITY ID`: the notes of an
//! entity type, or of one entity; `notes add ENTITY [ID]` (`--text`, `--json` or a bulk
//! `--file`) and `notes update ENTITY [ID] --file`, written by the library's batch writer.
//! A patch carries `id`, `note_type` and `params` (amoCRM's edit takes them whole), its
//! `entity_id` without an `ID`, and no `created_by`: the library refuses it otherwise.

use clap::{ArgGroup, Args, Subcommand};
use futures::StreamExt as _;
use serde_json::{Map, Value};

use super::bulk::{self, Entities, Input};
use super::entity::EntityArg;
use super::prelude::*;
use super::query::{self, FilterArg, OrderArg, QueryHelp, WithArg};
use crate::output::table::date;
use crate::sdk::{Client, Error, NewNote, Note, NotePatch, WriteStream};

/// `amocrm notes …`
#[derive(Debug, Subcommand)]
pub enum NotesCommand {
    /// List the notes of an entity type, or of one entity with its ID
    List(NotesList),
    /// Show one note by its ID
    Get(NoteGet),
    /// Add a text note to an entity (--text), a note of any type as a JSON object
    /// (--json '{"note_type":"call_in","params":{…}}'), or notes from NDJSON or a JSON
    /// array (--file; without ID each names its "entity_id"); one line per note on stdout:
    /// {"index":i,"id":N} or {"index":i,"error":{"code":…,"path":…}}
    Add(NotesAdd),
    /// Update notes (each object with its "id", "note_type" and "params") from NDJSON or a
    /// JSON array; one line per note as for add
    Update(NotesUpdate),
}

/// The arguments of `notes add`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["text", "note", "file"])))]
pub struct NotesAdd {
    /// Whose notes
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The entity the notes belong to, e.g. 3177727 (needed by --text and a NOTE)
    #[arg(value_name = "ID")]
    pub id: Option<i64>,
    /// The text of a common note
    #[arg(long, value_name = "TEXT")]
    pub text: Option<String>,
    /// One note as a JSON object in amoCRM's field names ("note_type", "params", …),
    /// written as `--json '{…}'` (the output is NDJSON either way)
    #[arg(value_name = "NOTE")]
    pub note: Option<String>,
    /// Notes: NDJSON or a JSON array of objects; `-` reads stdin
    ///
    /// NDJSON is read line by line as it is written (a batch not full yet is sent once
    /// no line came for 200 ms); a line that is not a JSON object is its item's error
    /// line (code NotJson or NotAnObject), the others are written. A JSON array is read
    /// whole: an element that is not an object refuses the whole input, nothing sent
    #[arg(long, value_name = "PATH")]
    pub file: Option<String>,
    /// Notes a request, 1..=250
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub batch: usize,
}

/// The arguments of `notes update`.
#[derive(Debug, Args)]
pub struct NotesUpdate {
    /// Whose notes
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The entity the notes belong to (optional: the notes of the entity type otherwise)
    #[arg(value_name = "ID")]
    pub id: Option<i64>,
    #[command(flatten)]
    pub write: bulk::WriteArgs,
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
        NotesCommand::Add(args) => {
            let (kind, id) = (args.entity.kind(), args.id);
            let notes = notes_of(args).await?;
            let add =
                move |c: &Client, items: Entities, batch: usize| -> Result<WriteStream, Error> {
                    let items = items.map(NewNote::from_json);
                    let calls = c.notes(kind);
                    let writer = match id {
                        Some(id) => calls.of(id).add_stream(items),
                        None => calls.add_stream(items),
                    };
                    Ok(bulk::tuned(writer, batch)?.stream())
                };
            return bulk::write(notes, args.batch, ctx, add).await;
        }
        NotesCommand::Update(args) => {
            let (kind, id) = (args.entity.kind(), args.id);
            let patches = bulk::open(&args.write.file).await?;
            let update =
                move |c: &Client, items: Entities, batch: usize| -> Result<WriteStream, Error> {
                    let items = items.map(NotePatch::from_json);
                    let calls = c.notes(kind);
                    let writer = match id {
                        Some(id) => calls.of(id).update_stream(items),
                        None => calls.update_stream(items),
                    };
                    Ok(bulk::tuned(writer, batch)?.stream())
                };
            return bulk::write(patches, args.write.batch, ctx, update).await;
        }
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
        NotesCommand::Add(_) | NotesCommand::Update(_) => Ok(()),
    }
}

/// The notes `notes add` writes: its `--text` as a common note, its `--json` object, or
/// the file's; the first two need the entity's ID.
async fn notes_of(args: &NotesAdd) -> Result<Input, Failure> {
    if let Some(file) = &args.file {
        return bulk::open(file).await;
    }
    if args.id.is_none() {
        return Err(Failure::input(
            "--text and --json add a note to one entity: give its ID",
        ));
    }
    let note = match (&args.text, &args.note) {
        (Some(text), _) if text.trim().is_empty() => {
            return Err(Failure::input("--text: a note's text is not blank"));
        }
        (Some(text), _) => common(text),
        (None, Some(json)) => match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(note)) => note,
            Ok(_) => return Err(Failure::input("--json: a note is one JSON object")),
            Err(e) => return Err(Failure::input(format!("--json: not JSON: {e}"))),
        },
        (None, None) => return Err(Failure::input("--text, --json or --file gives the note")),
    };
    Ok(Input::of(vec![note]))
}

/// A common note of `text`, in amoCRM's field names.
fn common(text: &str) -> Map<String, Value> {
    let mut note = Map::new();
    note.insert("note_type".into(), "common".into());
    let mut params = Map::new();
    params.insert("text".into(), text.into());
    note.insert("params".into(), Value::Object(params));
    note
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
