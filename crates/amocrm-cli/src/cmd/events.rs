//! `amocrm events list`: the account's event log (what changed, when, by whom), with
//! filters by type, entity and time.

use clap::{Args, Subcommand};

use super::prelude::*;
use super::query::{self, FilterArg, QueryHelp, WithArg};
use crate::output::table::date;
use crate::sdk::Event;

/// `amocrm events …`
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List events: one page, or every page with --all
    #[command(after_help = LIST_AFTER_HELP)]
    List(EventsList),
    /// Show one event by its ID (a string, e.g. 01pz58t6p04ymgsgfbmfyfy1mf)
    Get(EventGet),
}

const LIST_AFTER_HELP: &str = "\
Filters amoCRM documents for events (each --filter is sent as filter[KEY]):
  --filter 'type[]=lead_status_changed'      an event type (repeatable)
  --filter 'entity[]=lead'                   lead, contact, company, task, …
  --filter 'entity_id[]=3177727'             one entity (with entity[])
  --filter 'created_at[from]=1700000000'     since a Unix time ([to] until one)
  --filter 'created_by[]=504141'             by a user";

/// The flags of `events list`.
#[derive(Debug, Args)]
pub struct EventsList {
    #[command(flatten)]
    pub pages: ListArgs<Event>,
    #[command(flatten)]
    pub with: WithArg<Event>,
    #[command(flatten)]
    pub filter: FilterArg,
}

/// The arguments of `events get`.
#[derive(Debug, Args)]
pub struct EventGet {
    /// The event's ID
    pub id: String,
    #[command(flatten)]
    pub with: WithArg<Event>,
}

/// Runs `amocrm events …`.
pub async fn run(command: &EventsCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match command {
        EventsCommand::List(args) => {
            query::check([args.with.problems(), args.filter.problems()])?;
            let client = ctx.client().await?;
            let call = args
                .filter
                .apply(args.with.apply(client.events().list())?)?;
            section::list(call, &args.pages, &mut ctx.out).await
        }
        EventsCommand::Get(args) => {
            query::check([args.with.problems()])?;
            let client = ctx.client().await?;
            let events = client.events();
            let call = args.with.apply(events.get(&args.id))?;
            section::get(call.send(), &mut ctx.out).await
        }
    }
}

impl Paged for Event {
    const LIMIT_HELP: &'static str =
        "Events per page, 1..=100 (the API's default is 50; with --all, 100)";
}

impl QueryHelp for Event {
    const WITH_HELP: &'static str = "Names of the entities, comma-separated: \
        'lead_name,contact_name' sends with=lead_name,contact_name (contact_name, lead_name, \
        company_name, catalog_element_name, customer_name, catalog_name)";
}

impl View for Event {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::left("ID", |e| clean(&e.id)),
        Column::left("TYPE", |e| {
            e.type_
                .as_ref()
                .map_or_else(|| "-".to_owned(), |t| clean(&t.as_str()))
        }),
        Column::left("ENTITY", |e| match (&e.entity_type, e.entity_id) {
            (Some(kind), Some(id)) => format!("{} {id}", clean(kind)),
            _ => "-".to_owned(),
        }),
        Column::left("NAME", |e| {
            let embedded = e.embedded.as_ref().and_then(|x| x.0.as_ref());
            let entity = embedded
                .and_then(|x| x.entity.as_ref())
                .and_then(|x| x.0.as_ref());
            text(entity.and_then(|x| x.name.as_deref()))
        }),
        Column::right("BY", |e| number(e.created_by)),
        Column::left("CREATED", |e| date(e.created_at)),
    ];
}
