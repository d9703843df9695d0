//! `amocrm tasks list|get ID`: to-dos, calls and meetings, with filters and an order.

use clap::{Args, Subcommand};

use super::prelude::*;
use super::query::{self, FilterArg, OrderArg, QueryHelp};
use super::section::IdArg;
use crate::output::table::date;
use crate::sdk::Task;

/// `amocrm tasks …`
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// List tasks: one page, or every page with --all (printed as they arrive)
    List(TasksList),
    /// Show one task by its ID
    Get(IdArg),
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
    if let TasksCommand::List(args) = command {
        query::check([args.filter.problems(), args.order.problems()])?;
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
