//! What the sections of the API share in the CLI, so that a read-only one (list + get) is
//! mostly its columns: the paging flags of a list and its run (one page, or every page
//! printed as it arrives, NDJSON or a table, entries that could not be decoded warned of),
//! and the run of a get (one JSON line or the entry's view; a missing entity is the API's
//! 404, exit 3).

use std::future::{Future, IntoFuture};
use std::io::{self, Write};
use std::marker::PhantomData;

use clap::Args;
use futures::{Stream, StreamExt};

use crate::failure::Failure;
use crate::output::{List, Output, View, clean};
use crate::sdk::{self, Listed, Page};

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

/// The entries of a list that pages.
pub trait Paged {
    /// The help of `--limit`; a section says its own noun (and its own maximum, where it
    /// is not 250).
    const LIMIT_HELP: &'static str =
        "Entries per page, 1..=250 (the API's default is 50; with --all, 250)";
}

/// A list call of the library, as the CLI drives it: the one place that knows the shape
/// of the library's list builders.
pub trait ListCall: Sized {
    /// One entry.
    type Item: View + Listed + Paged;
    /// The largest page the API gives (what `--all` asks for).
    const MAX_LIMIT: u32;
    /// Starts at this page.
    fn page(self, page: u32) -> Self;
    /// This many entries per page.
    fn limit(self, limit: u32) -> Self;
    /// The one page.
    fn send(self) -> impl Future<Output = sdk::Result<Page<Self::Item>>>;
    /// Every page from the first (or the one set) on.
    fn pages(self) -> impl Stream<Item = sdk::Result<Page<Self::Item>>>;
}

impl ListCall for sdk::ListWidgets {
    type Item = sdk::Widget;
    const MAX_LIMIT: u32 = sdk::MAX_LIMIT;

    fn page(self, page: u32) -> Self {
        sdk::ListWidgets::page(self, page)
    }

    fn limit(self, limit: u32) -> Self {
        sdk::ListWidgets::limit(self, limit)
    }

    fn send(self) -> impl Future<Output = sdk::Result<Page<Self::Item>>> {
        sdk::ListWidgets::send(self)
    }

    fn pages(self) -> impl Stream<Item = sdk::Result<Page<Self::Item>>> {
        sdk::ListWidgets::pages(self)
    }
}

/// `… list`: one page, or with `--all` every page from `--page` on, each printed as it
/// arrives, with `page N: TOTAL <entries>` on stderr when progress is on. Entries that
/// could not be decoded are warned of on stderr; the others are printed, and the list
/// then fails with exit code 4.
pub async fn list<L: ListCall>(
    call: L,
    args: &ListArgs<L::Item>,
    out: &mut Output,
) -> Result<(), Failure> {
    let noun = <L::Item as Listed>::NOUN;
    let failed = |error| Failure::List {
        noun,
        error: Box::new(error),
    };
    let mut printer = List::<L::Item>::new(out);
    let mut call = call;
    if let Some(page) = args.page {
        call = call.page(page);
    }
    if !args.all {
        if let Some(limit) = args.limit {
            call = call.limit(limit);
        }
        let page = call.send().await.map_err(failed)?;
        printer.page(out, &page.items)?;
        printer.finish(out)?;
        let skipped = report_undecodable(&page);
        if out.progress() {
            let next = page
                .next_page()
                .map(|next| format!("; more with --page {next} or --all"))
                .unwrap_or_default();
            let _ = writeln!(
                io::stderr(),
                "page {}: {} {noun}s{next}",
                page.page,
                page.items.len()
            );
        }
        return incomplete(noun, skipped);
    }
    let mut pages = std::pin::pin!(call.limit(args.limit.unwrap_or(L::MAX_LIMIT)).pages());
    let mut total = 0usize;
    let mut skipped = 0usize;
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(error) => {
                // What was printed stays printed; end the table cleanly first.
                printer.finish(out)?;
                return Err(failed(error));
            }
        };
        printer.page(out, &page.items)?;
        skipped += report_undecodable(&page);
        total += page.items.len();
        if out.progress() {
            let _ = writeln!(io::stderr(), "page {}: {total} {noun}s", page.page);
        }
    }
    printer.finish(out)?;
    incomplete(noun, skipped)
}

/// `… get`: the entry as one JSON line, or its view.
pub async fn get<T: View>(
    call: impl IntoFuture<Output = sdk::Result<T>>,
    out: &mut Output,
) -> Result<(), Failure> {
    let item = call.await?;
    Ok(out.show(&item)?)
}

/// Reports each entry of `page` that could not be decoded on stderr (by its key or index
/// and what was wrong, never a value); returns how many there were.
fn report_undecodable<T>(page: &Page<T>) -> usize {
    for failed in &page.failed {
        let _ = writeln!(io::stderr(), "warning: {}", clean(&failed.to_string()));
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
