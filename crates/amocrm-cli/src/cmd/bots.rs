//! `amocrm bot continue`: let a Salesbot or Marketingbot go on after a widget step, with
//! data and handlers (their order on the command line is kept, see [`handlers`]).

pub mod handlers;

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use super::context::Ctx;
use crate::failure::Failure;
use crate::output::{Output, clean};
use crate::sdk::{self, BotKind, Client, ContinueRequest};

/// `amocrm bot …`
#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Let a bot go on after a widget step (POST /api/v4/{bot}/{bot_id}/continue/{continue_id})
    #[command(after_help = CONTINUE_AFTER_HELP)]
    Continue(ContinueArgs),
}

const CONTINUE_AFTER_HELP: &str = "\
Handlers run in the order they are given on the command line. Each --button belongs
to the closest --show-buttons before it, each --button-url to the closest
--show-buttons-url before it. The API's limits (10 handlers, 80 characters of text,
25 buttons) are checked before sending; a request that breaks one exits 2 and is not
sent.

Example:
  amocrm bot continue salesbot 123 a1b2c3 --data status=success \\
    --show-text 'Done' --show-buttons 'Next?' --button Yes --button No --goto question:5";

/// `amocrm bot continue`.
#[derive(Debug, Args)]
pub struct ContinueArgs {
    /// Which bot runs the step
    #[arg(value_enum)]
    pub kind: BotKindArg,

    /// The bot's ID
    pub bot_id: u64,

    /// The continue_id the widget step received
    pub continue_id: String,

    /// The data and the handlers.
    #[command(flatten)]
    pub body: handlers::BodyArgs,
}

/// Which bot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BotKindArg {
    /// Salesbot
    Salesbot,
    /// Marketingbot
    Marketingbot,
}

impl From<BotKindArg> for BotKind {
    fn from(kind: BotKindArg) -> Self {
        match kind {
            BotKindArg::Salesbot => BotKind::Salesbot,
            BotKindArg::Marketingbot => BotKind::Marketingbot,
        }
    }
}

/// Runs `amocrm bot …`.
pub async fn run(command: &BotCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let BotCommand::Continue(args) = command;
    // Check the request before building the client, so input problems come first.
    let sub = ctx
        .matches
        .subcommand_matches("bot")
        .and_then(|m| m.subcommand_matches("continue"));
    let request = handlers::request(&args.body, sub).map_err(Failure::Input)?;
    request.validate().map_err(sdk::Error::from)?;
    let client = ctx.client().await?;
    continue_bot(&client, args, &request, &mut ctx.out).await
}

/// `bot continue`, with a request already checked against the API's limits.
async fn continue_bot(
    client: &Client,
    args: &ContinueArgs,
    request: &ContinueRequest,
    out: &mut Output,
) -> Result<(), Failure> {
    let kind = BotKind::from(args.kind);
    client
        .bots()
        .continue_bot(kind.clone(), args.bot_id, &args.continue_id, request)
        .send()
        .await?;
    let report = Continued {
        bot: kind,
        bot_id: args.bot_id,
        continue_id: &args.continue_id,
        handlers: request.handler_list().len(),
        accepted: true,
    };
    let text = || {
        format!(
            "{} {} continued ({}, {} handlers)",
            report.bot,
            report.bot_id,
            clean(report.continue_id),
            report.handlers
        )
    };
    Ok(out.done(&report, text)?)
}

/// What `bot continue --json` prints.
#[derive(Serialize)]
struct Continued<'a> {
    bot: BotKind,
    bot_id: u64,
    continue_id: &'a str,
    handlers: usize,
    accepted: bool,
}
