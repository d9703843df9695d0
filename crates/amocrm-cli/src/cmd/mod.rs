//! The subcommands: each builds its request from the flags, sends it with the client and
//! prints the result on stdout (progress and errors go to stderr).

use std::io::{self, IsTerminal, Write};

use amocrm::{Client, MAX_LIMIT};
use clap::{ArgMatches, CommandFactory};
use futures::StreamExt;
use serde::Serialize;

use crate::cli::{
    BotCommand, Cli, Command, ContinueArgs, InstallArgs, ListArgs, When, WidgetsCommand,
};
use crate::connect as connection;
use crate::failure::Failure;
use crate::output;

pub mod auth;
pub mod bots;
pub mod completions;
pub mod widgets;

use bots::handlers;
use widgets::settings_input;

/// Runs the command of `cli`; `matches` are the parsed arguments it came from (for the
/// sources of connection values and the order of handler flags).
pub async fn run(cli: Cli, matches: &ArgMatches) -> Result<(), Failure> {
    let progress = match cli.output.progress {
        When::Always => true,
        When::Never => false,
        When::Auto => io::stderr().is_terminal(),
    };
    let json = cli.output.json;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match &cli.command {
        Command::Widgets(command) => {
            let client = connection::client(&cli.connection, matches).await?;
            match command {
                WidgetsCommand::List(args) => list(&client, args, json, progress, &mut out).await,
                WidgetsCommand::Get(args) => {
                    let widget = client.widgets().get(&args.code).await?;
                    Ok(output::widget(&mut out, &widget, json)?)
                }
                WidgetsCommand::Install(args) => install(&client, args, json, &mut out).await,
                WidgetsCommand::Uninstall(args) => {
                    client.widgets().uninstall(&args.code).await?;
                    done(
                        &mut out,
                        json,
                        &Uninstalled {
                            code: &args.code,
                            uninstalled: true,
                        },
                        || format!("uninstalled {}", output::clean(&args.code)),
                    )
                }
            }
        }
        Command::Account(args) => {
            let client = connection::client(&cli.connection, matches).await?;
            let account = args
                .with
                .iter()
                .fold(client.account().get(), |get, part| get.with(*part))
                .await?;
            Ok(output::account(&mut out, &account, json)?)
        }
        Command::Auth(command) => {
            auth::run(command, &cli.connection, matches, json, &mut out).await
        }
        Command::Completions(args) => {
            // Generated into memory first: clap_complete panics when its writer fails, and
            // a closed pipe (`| head`) must end quietly.
            let script = completions::script(args.shell, &mut Cli::command());
            out.write_all(&script)?;
            out.flush()?;
            Ok(())
        }
        Command::Bot(BotCommand::Continue(args)) => {
            // Check the request before building the client, so input problems come first.
            let sub = matches
                .subcommand_matches("bot")
                .and_then(|m| m.subcommand_matches("continue"));
            let request = handlers::request(args, sub).map_err(Failure::Input)?;
            request.validate().map_err(amocrm::Error::from)?;
            let client = connection::client(&cli.connection, matches).await?;
            continue_bot(&client, args, &request, json, &mut out).await
        }
    }
}

/// `widgets list`: one page, or with `--all` every page from `--page` on, each printed as
/// it arrives, with `page N: TOTAL widgets` on stderr when `progress` is on.
async fn list(
    client: &Client,
    args: &ListArgs,
    json: bool,
    progress: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut printer = output::ListPrinter::new(json);
    let mut call = client.widgets().list();
    if let Some(page) = args.page {
        call = call.page(page);
    }
    if !args.all {
        if let Some(limit) = args.limit {
            call = call.limit(limit);
        }
        let page = call.send().await?;
        printer.page(out, &page.items)?;
        printer.finish(out)?;
        let skipped = report_undecodable(&page);
        if progress {
            let next = page
                .next_page()
                .map(|next| format!("; more with --page {next} or --all"))
                .unwrap_or_default();
            let _ = writeln!(
                io::stderr(),
                "page {}: {} widgets{next}",
                page.page,
                page.items.len()
            );
        }
        return incomplete(skipped);
    }
    let mut pages = std::pin::pin!(call.limit(args.limit.unwrap_or(MAX_LIMIT)).pages());
    let mut total = 0usize;
    let mut skipped = 0usize;
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                // What was printed stays printed; end the table cleanly first.
                printer.finish(out)?;
                return Err(error.into());
            }
        };
        printer.page(out, &page.items)?;
        skipped += report_undecodable(&page);
        total += page.items.len();
        if progress {
            let _ = writeln!(io::stderr(), "page {}: {total} widgets", page.page);
        }
    }
    printer.finish(out)?;
    incomplete(skipped)
}

/// Reports each entry of `page` that could not be decoded on stderr (by code or index and
/// what was wrong, never a value); returns how many there were.
fn report_undecodable(page: &amocrm::WidgetPage) -> usize {
    for failed in &page.failed {
        let _ = writeln!(
            io::stderr(),
            "warning: {}",
            output::clean(&failed.to_string())
        );
    }
    page.failed.len()
}

/// A list that skipped entries fails (exit code 4) after printing the rest.
fn incomplete(skipped: usize) -> Result<(), Failure> {
    match skipped {
        0 => Ok(()),
        n => Err(Failure::Incomplete(n)),
    }
}

/// `widgets install`: fetch the widget, build and check the settings against its
/// template, then install; nothing is installed when a setting does not fit.
async fn install(
    client: &Client,
    args: &InstallArgs,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let widget = client.widgets().get(&args.code).await?;
    let settings = settings_input::build(&widget.settings_template, &args.set, &args.set_json)
        .map_err(Failure::Input)?;
    settings
        .check(&widget.settings_template)
        .map_err(amocrm::Error::from)?;
    let installed = client.widgets().install(&args.code, &settings).await?;
    Ok(output::widget(out, &installed, json)?)
}

/// `bot continue`, with a request already checked against the API's limits.
async fn continue_bot(
    client: &Client,
    args: &ContinueArgs,
    request: &amocrm::ContinueRequest,
    json: bool,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let kind = amocrm::BotKind::from(args.kind);
    client
        .bots()
        .continue_bot(kind, args.bot_id, &args.continue_id, request)
        .await?;
    let report = Continued {
        bot: kind,
        bot_id: args.bot_id,
        continue_id: &args.continue_id,
        handlers: request.handler_list().len(),
        accepted: true,
    };
    done(out, json, &report, || {
        format!(
            "{} {} continued ({}, {} handlers)",
            report.bot,
            report.bot_id,
            output::clean(report.continue_id),
            report.handlers
        )
    })
}

#[derive(Serialize)]
struct Uninstalled<'a> {
    code: &'a str,
    uninstalled: bool,
}

#[derive(Serialize)]
struct Continued<'a> {
    bot: amocrm::BotKind,
    bot_id: u64,
    continue_id: &'a str,
    handlers: usize,
    accepted: bool,
}

/// Prints the outcome of a call without a body: `value` as JSON, or `text()`.
fn done(
    out: &mut impl Write,
    json: bool,
    value: &impl Serialize,
    text: impl FnOnce() -> String,
) -> Result<(), Failure> {
    if json {
        output::write_json_line(out, value)?;
    } else {
        writeln!(out, "{}", text())?;
    }
    out.flush()?;
    Ok(())
}
