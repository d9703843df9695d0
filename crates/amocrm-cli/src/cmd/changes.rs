//! `amocrm leads|contacts|companies changes --since UNIX_TS`: every entity changed since a
//! time (or since a saved cursor), once, in its latest state, oldest change first — the
//! library's changes stream, which neither misses nor repeats an entity while the CRM
//! changes (amoCRM's page numbers would). The cursor to resume from is printed on stderr.

use std::io::{self, Write as _};
use std::pin::pin;

use clap::Args;
use futures::StreamExt;

use super::context::Ctx;
use super::query::{QueryHelp, TakesWith, WithArg};
use crate::failure::Failure;
use crate::output::{self, List, View};
use crate::sdk::{self, Changes, ChangesRequest, Changing, Cursor};

/// Rows printed at once in a table (their widths are taken from the first batch).
const BATCH: usize = 250;

/// The flags of `… changes`.
#[derive(Debug, Args)]
pub struct ChangesArgs<T: QueryHelp + Send + Sync + 'static> {
    /// Start at this Unix time (seconds): every entity whose latest change is at or after
    /// it
    #[arg(long, value_name = "UNIX_TS", required_unless_present = "cursor")]
    pub since: Option<u32>,

    /// Resume from a cursor a previous run printed (JSON, as printed after "cursor:" on
    /// stderr)
    #[arg(long, value_name = "JSON", conflicts_with = "since")]
    pub cursor: Option<String>,

    #[command(flatten)]
    pub with: WithArg<T>,
}

impl<T: Changing> TakesWith for ChangesRequest<T> {
    fn with_name(self, name: &str) -> Self {
        self.with([name])
    }
}

/// Runs `… changes`: prints every changed entity as it arrives, then the cursor.
pub async fn run<T>(args: &ChangesArgs<T>, ctx: &mut Ctx<'_>) -> Result<(), Failure>
where
    T: View + QueryHelp + Changing + sdk::Listed + Sync,
{
    super::query::check([args.with.problems()])?;
    let cursor = match (&args.cursor, args.since) {
        (Some(json), _) => serde_json::from_str::<Cursor>(json).map_err(|error| {
            Failure::input(format!(
                "--cursor is not a cursor this command printed: {error}"
            ))
        })?,
        (None, Some(since)) => Cursor::since(since),
        (None, None) => return Err(Failure::input("give --since UNIX_TS or --cursor JSON")),
    };
    let client = ctx.client().await?;
    let call = args.with.apply(client.changes::<T>(cursor))?;
    let mut changes = pin!(call.stream());
    let out = &mut ctx.out;
    let mut printer = List::<T>::new(out);
    let mut batch = Vec::new();
    let (mut total, mut skipped) = (0usize, 0usize);
    let outcome = loop {
        match changes.next().await {
            None => break Ok(()),
            Some(Ok(entity)) => batch.push(entity),
            Some(Err(sdk::Error::UndecodableEntry(entry))) => {
                output::warn(&entry.to_string());
                skipped += 1;
            }
            Some(Err(error)) => {
                break Err(Failure::List {
                    noun: <T as sdk::Listed>::NOUN,
                    error: Box::new(error),
                });
            }
        }
        if batch.len() >= BATCH {
            total += batch.len();
            printer.page(out, &batch)?;
            batch.clear();
        }
    };
    // What was read is printed, whatever ended the stream.
    if !batch.is_empty() {
        total += batch.len();
        printer.page(out, &batch)?;
    }
    printer.finish(out)?;
    report_cursor(&changes, total);
    outcome?;
    match skipped {
        0 => Ok(()),
        count => Err(Failure::Incomplete {
            noun: <T as sdk::Listed>::NOUN,
            count,
        }),
    }
}

/// The cursor to resume from, on stderr (stdout holds only the entities); with `--json`
/// the object `{"changed": N, "cursor": {...}}`.
fn report_cursor<T: Changing>(changes: &Changes<T>, total: usize) {
    if output::json_stderr() {
        let line = match serde_json::to_value(changes.cursor()) {
            Ok(cursor) => serde_json::json!({ "changed": total, "cursor": cursor }),
            Err(error) => serde_json::json!({ "changed": total, "warning": error.to_string() }),
        };
        let _ = output::write_json_line(&mut io::stderr(), &line);
        return;
    }
    match serde_json::to_string(&changes.cursor()) {
        Ok(json) => {
            let _ = writeln!(io::stderr(), "{total} changed; cursor: {json}");
        }
        Err(error) => {
            let _ = writeln!(io::stderr(), "{total} changed; the cursor: {error}");
        }
    }
}
