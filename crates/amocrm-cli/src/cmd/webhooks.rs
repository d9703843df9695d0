//! `amocrm webhooks list|subscribe URL --events …|unsubscribe URL`: the account's webhook
//! subscriptions.

use clap::{Args, Subcommand};
use serde::Serialize;

use super::prelude::*;
use crate::output::List;
use crate::sdk::{Webhook, WebhookEvent};

/// `amocrm webhooks …`
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List the account's webhooks (or the one of --destination)
    List(ListWebhooksArgs),
    /// Subscribe a destination URL to events (a subscribed one has its events replaced)
    Subscribe(SubscribeArgs),
    /// Unsubscribe a destination URL
    Unsubscribe(DestinationArg),
}

/// `webhooks list`.
#[derive(Debug, Args)]
pub struct ListWebhooksArgs {
    /// Only the webhook of this exact destination URL
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
}

/// `webhooks subscribe`.
#[derive(Debug, Args)]
pub struct SubscribeArgs {
    /// The destination: an absolute https:// (or http://) URL
    pub url: String,
    /// Event codes, comma-separated: add_lead,status_lead,update_contact,… (any code
    /// amoCRM takes, known to this tool or not)
    #[arg(long, value_delimiter = ',', required = true, value_name = "EVENTS")]
    pub events: Vec<String>,
    /// The webhook's place among the account's webhooks
    #[arg(long)]
    pub sort: Option<i64>,
}

/// A destination URL.
#[derive(Debug, Args)]
pub struct DestinationArg {
    /// The destination URL
    pub url: String,
}

/// Runs `amocrm webhooks …`.
pub async fn run(command: &WebhooksCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let out = &mut ctx.out;
    match command {
        WebhooksCommand::List(args) => {
            let mut call = client.webhooks().list();
            if let Some(url) = &args.destination {
                call = call.destination(url);
            }
            let hooks = call.send().await?;
            let mut printer = List::<Webhook>::new(out);
            printer.page(out, &hooks)?;
            Ok(printer.finish(out)?)
        }
        WebhooksCommand::Subscribe(args) => {
            let events = args.events.iter().map(|e| WebhookEvent::from(e.trim()));
            let mut call = client.webhooks().subscribe(&args.url, events);
            if let Some(sort) = args.sort {
                call = call.sort(sort);
            }
            let hook = call.send().await?;
            Ok(out.show(&hook)?)
        }
        WebhooksCommand::Unsubscribe(args) => {
            client.webhooks().unsubscribe(&args.url).send().await?;
            let done = Unsubscribed {
                destination: &args.url,
                unsubscribed: true,
            };
            let text = || format!("unsubscribed {}", clean(&args.url));
            Ok(out.done(&done, text)?)
        }
    }
}

/// What `webhooks unsubscribe --json` prints.
#[derive(Serialize)]
struct Unsubscribed<'a> {
    destination: &'a str,
    unsubscribed: bool,
}

impl View for Webhook {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |w| w.id.map(|id| id.to_string()).unwrap_or_default()),
        Column::left("DESTINATION", |w| clean(&w.destination)),
        Column::left("EVENTS", |w| joined(&w.settings, |e| e.as_str())),
        Column::right("SORT", |w| {
            w.sort.map(|s| s.to_string()).unwrap_or_default()
        }),
        Column::left("DISABLED", |w| yes_no(w.disabled).to_owned()),
    ];
}
