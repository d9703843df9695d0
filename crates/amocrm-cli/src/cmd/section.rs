//! What the sections of the API share in the CLI, so that a read-only one (list + get) is
//! mostly its columns: the paging flags of a list and its run (one page, or every page
//! printed as it arrives, NDJSON or a table, entries that could not be decoded warned of),
//! and the run of a get (one JSON line or the entry's view; a missing entity is the API's
//! 404, exit 3).

use std::future::Future;
use std::marker::PhantomData;

use clap::{Args, Subcommand};
use futures::StreamExt;

use super::context::Ctx;
use crate::failure::Failure;
use crate::output::{self, List, Output, View};
use crate::sdk::{self, Client, GetRequest, ListRequest, Listed, Page};

/// `--page`, `--limit` and `--all` of a list of `T`.
#[derive(Debug, Args)]
pub struct ListArgs<T: Paged> {
    /// Page to fetch (with --all: the page to start at); pages start at 1
    #[arg(long, value_name = "N")]
    pub page: Option<u32>,

    #[arg(long, value_name = "N", help = T::LIMIT_HELP)]
    pub limit: Option<u32>,

    /// Every page, following the next links; each page is printed as it arrives
    #[arg(long)]
    pub all: bool,

    #[arg(skip)]
    entries: PhantomData<T>,
}

/// The ID of the CRM entity a `… get` shows (the models' `i64`).
#[derive(Debug, Args)]
pub struct IdArg {
    /// Its ID, e.g. 3177727
    pub id: i64,
}

/// The ID of the pipeline a `pipelines get` shows.
#[derive(Debug, Args)]
pub struct WholeIdArg {
    /// Its ID, e.g. 3177727
    pub id: u64,
}

/// The entries of a list that pages.
pub trait Paged {
    /// The help of `--limit`; a section says its own noun (and its own maximum, where it
    /// is not 250).
    const LIMIT_HELP: &'static str =
        "Entries per page, 1..=250 (the API's default is 50; with --all, 250)";
}

/// `… list`: one page, or with `--all` every page from `--page` on, each printed as it
/// arrives, with `page N: TOTAL <entries>` on stderr when progress is on. Entries that
/// could not be decoded are warned of on stderr; the others are printed, and the list
/// then fails with exit code 4.
pub async fn list<T, Q>(
    call: ListRequest<T, Q>,
    args: &ListArgs<T>,
    out: &mut Output,
) -> Result<(), Failure>
where
    T: View + Paged + Listed<Paging = sdk::Paged>,
    Q: Send + Sync + 'static,
{
    let noun = T::NOUN;
    let mut call = call;
    if let Some(page) = args.page {
        call = call.page(page);
    }
    if !args.all {
        if let Some(limit) = args.limit {
            call = call.limit(limit);
        }
        return one_page(call, out).await;
    }
    let mut printer = List::<T>::new(out);
    let mut pages = std::pin::pin!(call.limit(args.limit.unwrap_or(T::MAX_LIMIT)).pages());
    let mut total = 0usize;
    let mut skipped = 0usize;
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                // What was printed stays printed; end the table cleanly first.
                printer.finish(out)?;
                return Err(failed(noun, error));
            }
        };
        printer.page(out, &page.items)?;
        skipped += report_undecodable(&page);
        total += page.items.len();
        if out.progress() {
            output::notice("progress", &format!("page {}: {total} {noun}s", page.page));
        }
    }
    printer.finish(out)?;
    incomplete(noun, skipped)
}

/// `… list` and `… get ID` of a section whose list amoCRM sends whole (no paging).
#[derive(Debug, Subcommand)]
pub enum WholeCommand {
    /// List them all (amoCRM sends them in one answer)
    List,
    /// Show one by its ID
    Get(WholeIdArg),
}

/// Runs a [`WholeCommand`] with the section's `list` and `get` calls: the list printed as a
/// page of [`list`] is, the entry as [`get`] prints it.
pub async fn run_whole<T>(
    command: &WholeCommand,
    ctx: &mut Ctx<'_>,
    list: fn(&Client) -> ListRequest<T>,
    get_one: fn(&Client, u64) -> GetRequest<T>,
) -> Result<(), Failure>
where
    T: View + Listed<Paging = sdk::Unpaged>,
{
    let client = ctx.client().await?;
    match command {
        WholeCommand::List => one_page(list(&client), &mut ctx.out).await,
        WholeCommand::Get(arg) => get(get_one(&client, arg.id).send(), &mut ctx.out).await,
    }
}

/// One page of `call`, printed; `page N: COUNT <entries>` on stderr when progress is on,
/// with the way to the next page of a list that pages.
async fn one_page<T, Q>(call: ListRequest<T, Q>, out: &mut Output) -> Result<(), Failure>
where
    T: View + Listed,
    Q: Send + Sync + 'static,
{
    let noun = T::NOUN;
    let page = call.send().await.map_err(|error| failed(noun, error))?;
    let mut printer = List::<T>::new(out);
    printer.page(out, &page.items)?;
    printer.finish(out)?;
    let skipped = report_undecodable(&page);
    if out.progress() {
        let next = page
            .next_page()
            .filter(|_| <T::Paging as sdk::Paging>::PAGED)
            .map(|next| format!("; more with --page {next} or --all"))
            .unwrap_or_default();
        let line = format!("page {}: {} {noun}s{next}", page.page, page.items.len());
        output::notice("progress", &line);
    }
    incomplete(noun, skipped)
}

/// A list that failed as a whole.
fn failed(noun: &'static str, error: sdk::Error) -> Failure {
    Failure::List {
        noun,
        error: Box::new(error),
    }
}

/// `… get`: the entry (a request's `.send()`) as one JSON line, or its view.
pub async fn get<T: View>(
    sent: impl Future<Output = sdk::Result<T>>,
    out: &mut Output,
) -> Result<(), Failure> {
    let item = sent.await?;
    Ok(out.show(&item)?)
}

/// Reports each entry of `page` that could not be decoded on stderr (by its key or index
/// and what was wrong, never a value); returns how many there were.
fn report_undecodable<T>(page: &Page<T>) -> usize {
    for failed in &page.failed {
        output::warn(&failed.to_string());
    }
    page.failed.len()
}

/// A list that skipped entries fails (exit code 4) after printing the rest.
fn incomplete(noun: &'static str, skipped: usize) -> Result<(), Failure> {
    match skipped {
        0 => Ok(()),
        count => Err(Failure::Incomplete { noun, count }),
    }
}
