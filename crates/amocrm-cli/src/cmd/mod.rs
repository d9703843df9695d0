//! The subcommands, one module per group: its arguments, its run function and its views.
//! Each builds its request from the flags, sends it with the client and prints the result
//! on stdout (progress and errors go to stderr).

pub mod account;
pub mod auth;
pub mod bots;
pub mod catalogs;
pub mod companies;
pub mod completions;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod leads;
pub mod links;
pub mod notes;
pub mod pipelines;
pub mod tags;
pub mod tasks;
pub mod users;
pub mod webhooks;
pub mod widgets;

mod bulk;
mod bulk_input;
mod changes;
mod context;
mod definitions;
mod entity;
mod links_write;
mod prelude;
mod query;
mod section;
mod tags_write;

use clap::Subcommand;

pub use context::Ctx;

use crate::failure::Failure;
use crate::sdk;

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, install and uninstall widgets
    #[command(subcommand)]
    Widgets(widgets::WidgetsCommand),
    /// Salesbot and Marketingbot widget steps
    #[command(subcommand)]
    Bot(bots::BotCommand),
    /// Show the account's parameters
    Account(account::AccountArgs),
    /// List and show the lead pipelines with their statuses; add, change and delete
    /// pipelines and statuses (administrators)
    #[command(subcommand)]
    Pipelines(pipelines::PipelinesCommand),
    /// List, show, add and update leads (filters, order, search, with; bulk writes)
    #[command(subcommand)]
    Leads(leads::LeadsCommand),
    /// List, show, add and update contacts (filters, order, search, with; bulk writes)
    #[command(subcommand)]
    Contacts(entity::EntityCommand<sdk::Contact>),
    /// List, show, add and update companies (filters, order, search, with; bulk writes)
    #[command(subcommand)]
    Companies(entity::EntityCommand<sdk::Company>),
    /// List and show tasks
    #[command(subcommand)]
    Tasks(tasks::TasksCommand),
    /// List and show catalogs and their elements
    #[command(subcommand)]
    Catalogs(catalogs::CatalogsCommand),
    /// List and show the custom fields of leads, contacts, companies or customers; add,
    /// change and delete them (administrators)
    #[command(subcommand)]
    CustomFields(custom_fields::CustomFieldsCommand),
    /// List and show the account's users
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// List the tags of an entity type
    #[command(subcommand)]
    Tags(tags::TagsCommand),
    /// List and show notes of an entity type or of one entity
    #[command(subcommand)]
    Notes(notes::NotesCommand),
    /// List the links of one entity
    #[command(subcommand)]
    Links(links::LinksCommand),
    /// List and show the account's events
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// The account's webhooks: list, subscribe a URL to events, unsubscribe it
    #[command(subcommand)]
    Webhooks(webhooks::WebhooksCommand),
    /// Print a shell completion script on stdout
    #[command(after_help = completions::AFTER_HELP)]
    Completions(completions::CompletionsArgs),
    /// OAuth token pairs in the token store: import, login, status, refresh
    #[command(subcommand, after_help = auth::AFTER_HELP)]
    Auth(auth::AuthCommand),
}

/// Runs `command`; stdout is flushed (and unlocked) when it returns.
pub async fn run(command: &Command, mut ctx: Ctx<'_>) -> Result<(), Failure> {
    match command {
        Command::Widgets(command) => widgets::run(command, &mut ctx).await,
        Command::Bot(command) => bots::run(command, &mut ctx).await,
        Command::Account(args) => account::run(args, &mut ctx).await,
        Command::Pipelines(command) => pipelines::run(command, &mut ctx).await,
        Command::Leads(command) => leads::run(command, &mut ctx).await,
        Command::Contacts(command) => contacts::run(command, &mut ctx).await,
        Command::Companies(command) => companies::run(command, &mut ctx).await,
        Command::Tasks(command) => tasks::run(command, &mut ctx).await,
        Command::Catalogs(command) => catalogs::run(command, &mut ctx).await,
        Command::CustomFields(command) => custom_fields::run(command, &mut ctx).await,
        Command::Users(command) => users::run(command, &mut ctx).await,
        Command::Tags(command) => tags::run(command, &mut ctx).await,
        Command::Notes(command) => notes::run(command, &mut ctx).await,
        Command::Links(command) => links::run(command, &mut ctx).await,
        Command::Events(command) => events::run(command, &mut ctx).await,
        Command::Webhooks(command) => webhooks::run(command, &mut ctx).await,
        Command::Auth(command) => auth::run(command, &mut ctx).await,
        Command::Completions(args) => completions::run(args, &mut ctx),
    }
}
