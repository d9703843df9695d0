//! `amocrm tasks list|get ID|add|update|complete ID --result TEXT`: to-dos, calls and
//! meetings, with filters and an order; written in batches (`bulk`) or completed one by
//! one.

use clap::{Args, Subcommand};
use futures::StreamExt as _;
use serde_json::json;

use super::bulk::{self, WriteArgs};
use super::prelude::*;
use super::query::{self, FilterArg, OrderArg, QueryHelp};
use super::section::IdArg;
use crate::output::table::date;
use crate::sdk::{NewTask, Task, TaskPatch};

/// `amocrm tasks …`
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// List tasks: one page, or every page with --all (printed as they arrive)
    List(TasksList),
    /// Show one task by its ID
    Get(IdArg),
    /// Add tasks from NDJSON or a JSON array in amoCRM's field names ("text" and
    /// "complete_till" required), in batches; one line per item on stdout:
    /// {"index":i,"id":N} or {"index":i,"error":{"code":…,"path":…}}
    Add(WriteArgs),
    /// Update tasks (each object with its "id") from NDJSON or a JSON array, in batches;
    /// only the fields given are sent; one line per item as for add
    Update(WriteArgs),
    /// Complete a task with its result: {"id":N,"updated_at":T} on stdout
    Complete(TaskComplete),
}

/// The arguments of `tasks complete`.
#[derive(Debug, Args)]
pub struct TaskComplete {
    /// The task's ID, e.g. 4745251
    #[arg(value_name = "ID")]
    pub id: i64,
    /// The result to record (not blank), e.g. 'Called, the client agreed'
    #[arg(long, value_name = "TEXT")]
    pub result: String,
}

/// The flags of `tasks list`.
#[derive(Debug, Args)]
pub struct TasksList {
    #[command(flatten)]
    pub pages: ListArgs<Task>,
    #[command(flatten)]
    pub filter: FilterArg,
    #[command(flatten)]
    pub order: OrderArg<Task>,
}

/// Runs `amocrm tasks …`.
pub async fn run(command: &TasksCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match command {
        TasksCommand::List(args) => {
            query::check([args.filter.problems(), args.order.problems()])?;
        }
        TasksCommand::Add(args) => {
            let add: bulk::WriteCall = |c, items, batch| {
                let items = items.map(NewTask::from_json);
                Ok(bulk::tuned(c.tasks().add_stream(items), batch)?.stream())
            };
            return bulk::run(args, ctx, add).await;
        }
        TasksCommand::Update(args) => {
            let update: bulk::WriteCall = |c, items, batch| {
                let items = items.map(TaskPatch::from_json);
                Ok(bulk::tuned(c.tasks().update_stream(items), batch)?.stream())
            };
            return bulk::run(args, ctx, update).await;
        }
        TasksCommand::Complete(args) => {
            if args.result.trim().is_empty() {
                return Err(Failure::input("--result: a task's result is not blank"));
            }
            let client = ctx.client().await?;
            let done = client.tasks().complete(args.id, &args.result).await?;
            ctx.out
                .json_line(&json!({"id": done.id, "updated_at": done.updated_at}))?;
            return Ok(ctx.out.flush()?);
        }
        TasksCommand::Get(_) => {}
    }
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        TasksCommand::List(args) => {
            let call = args
                .order
                .apply(args.filter.apply(client.tasks().list())?)?;
            section::list(call, &args.pages, out).await
        }
        TasksCommand::Get(arg) => section::get(client.tasks().get(arg.id).send(), out).await,
        TasksCommand::Add(_) | TasksCommand::Update(_) | TasksCommand::Complete(_) => Ok(()),
    }
}

impl Paged for Task {
    const LIMIT_HELP: &'static str =
        "Tasks per page, 1..=250 (the API's default is 50; with --all, 250)";
}

impl QueryHelp for Task {
    const ORDER_HELP: &'static str = "Sort order, FIELD=asc|desc (created_at, complete_till, \
        id): 'complete_till=asc' sends order[complete_till]=asc";
}

impl View for Task {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |t| t.id.to_string()),
        Column::left("TEXT", |t| text(t.text.as_deref())),
        Column::right("TYPE", |t| number(t.task_type_id)),
        Column::left("ENTITY", |t| match (&t.entity_type, t.entity_id) {
            (Some(kind), Some(id)) => format!("{} {id}", clean(kind)),
            _ => "-".to_owned(),
        }),
        Column::right("RESPONSIBLE", |t| number(t.responsible_user_id)),
        Column::left("DUE", |t| date(t.complete_till)),
        Column::left("DONE", |t| yes_no(t.is_completed).to_owned()),
    ];
}
