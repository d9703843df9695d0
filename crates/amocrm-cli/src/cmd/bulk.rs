//! The bulk writes of leads, contacts and companies (`add`, `update`, leads'
//! `complex-add`): entities in amoCRM's own field names, NDJSON or one JSON array, from
//! `--file PATH` or stdin (`-`), NDJSON read line by line as it is written, a JSON array
//! read whole and checked first (see `bulk_input`); written by the library's batch writer;
//! one NDJSON line per input item, in input order: `{"index":i,"id":N}` or
//! `{"index":i,"error":{"code":…,"path":…}}`.

use std::time::Duration;

use clap::Args;
use futures::{FutureExt, StreamExt};
use serde_json::{Value, json};

use super::bulk_input::Skipped;
pub use super::bulk_input::{Entities, Input, open, read};
use super::context::Ctx;
use crate::failure::{EXIT_TRANSPORT, Failure, client_exit_code};
use crate::sdk::{
    Client, EntityKind, Error, FieldDefs, Invalid, Item, WriteError, WriteErrorKind, WriteStream,
    Writer, Written,
};

/// The flags of a bulk write.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// The entities: NDJSON (one object a line) or a JSON array of objects, in amoCRM's
    /// own field names; `-` reads stdin
    ///
    /// NDJSON is read line by line as it is written (a batch not full yet is sent once
    /// no line came for 200 ms); a line that is not a JSON object is its item's error
    /// line (code NotJson or NotAnObject), the others are written. A JSON array is read
    /// whole: an element that is not an object refuses the whole input, nothing sent
    #[arg(long, value_name = "PATH")]
    pub file: String,
    /// Entities a request, 1..=250 (a complex add: 1..=50)
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub batch: usize,
}

/// The flags of a bulk write of leads, contacts or companies: [`WriteArgs`] and
/// `--check-fields`.
#[derive(Debug, Args)]
pub struct CheckedWriteArgs {
    #[command(flatten)]
    pub write: WriteArgs,
    /// Read the account's custom field definitions first and check each entity's custom
    /// field values against them (an unknown field, an option the field does not have, a
    /// value of the wrong shape): such an entity is not sent, its line says why
    #[arg(long)]
    pub check_fields: bool,
}

/// A bulk write of an entity type with custom fields: [`WriteCall`] with the definitions
/// to check the values against, when asked for.
pub type CheckedCall =
    fn(&Client, Entities, usize, Option<FieldDefs>) -> Result<WriteStream, Error>;

/// How long a batch not full yet waits for the input's next line before it is sent.
pub const FLUSH_AFTER: Duration = Duration::from_millis(200);

/// `writer` in batches of `batch`, a partial batch sent after [`FLUSH_AFTER`] without
/// input (a pipe that writes slowly).
pub fn tuned<T: Item>(writer: Writer<T>, batch: usize) -> Result<Writer<T>, Error> {
    Ok(writer.batch(batch)?.flush_after(FLUSH_AFTER))
}

/// `writer` in batches of `batch` ([`tuned`]), checking the values against `defs`, when
/// given.
pub fn checking<T: Item>(
    writer: Writer<T>,
    batch: usize,
    defs: Option<FieldDefs>,
) -> Result<Writer<T>, Error> {
    let writer = tuned(writer, batch)?;
    match defs {
        Some(defs) => writer.fields(defs),
        None => Ok(writer),
    }
}

/// Reads the entities, loads `kind`'s field definitions when `--check-fields` asks for
/// them, writes the entities with `call`, prints a line per item.
pub async fn run_checked(
    args: &CheckedWriteArgs,
    ctx: &mut Ctx<'_>,
    kind: EntityKind,
    call: CheckedCall,
) -> Result<(), Failure> {
    let input = open(&args.write.file).await?;
    let client = ctx.client().await?;
    let defs = match args.check_fields {
        true => Some(FieldDefs::load(&client, kind).await?),
        false => None,
    };
    let results = call(&client, input.entities, args.write.batch, defs)?;
    print_input(results, &input.skipped, ctx).await
}

/// A section's bulk write: the entities and the batch size in, the writer's stream out
/// (or the batch size refused).
pub type WriteCall = fn(&Client, Entities, usize) -> Result<WriteStream, Error>;

/// Reads the entities, writes them with `call`, prints a line per item.
pub async fn run(args: &WriteArgs, ctx: &mut Ctx<'_>, call: WriteCall) -> Result<(), Failure> {
    let input = open(&args.file).await?;
    write(input, args.batch, ctx, call).await
}

/// Writes entities (`--file`'s, or one entity of a command's flags) with `call`, in
/// batches of `batch`, and prints a line per item.
pub async fn write(
    input: Input,
    batch: usize,
    ctx: &mut Ctx<'_>,
    call: impl FnOnce(&Client, Entities, usize) -> Result<WriteStream, Error>,
) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let results = call(&client, input.entities, batch)?;
    print_input(results, &input.skipped, ctx).await
}

/// Prints a line per item of a writer's `results`, in input order; the exit says whether
/// some were refused (3) or may not have been written (4).
pub async fn print(results: WriteStream, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    print_input(results, &Skipped::default(), ctx).await
}

/// [`print`] with the input's bad lines in their places: the writer saw only the
/// objects, so its results are renumbered by input index (`request_id` stays the one
/// sent). A bad line's error line comes when the items before it are printed.
async fn print_input(
    mut results: WriteStream,
    skipped: &Skipped,
    ctx: &mut Ctx<'_>,
) -> Result<(), Failure> {
    let (mut refused, mut unknown, mut failed) = (0, 0, 0);
    let mut index = 0u64;
    loop {
        refused += bad_lines(skipped, &mut index, ctx)?;
        // What is printed goes out before waiting for more (a pipe fed slowly); `next`
        // is cancel-safe: a result is taken only when it is ready.
        let next = match results.next().now_or_never() {
            Some(next) => next,
            None => {
                ctx.out.flush()?;
                results.next().await
            }
        };
        let Some(result) = next else {
            break;
        };
        // Bad lines the reader met while the writer pulled this result's batch come
        // before it (a bad line right after a full batch is read only then).
        refused += bad_lines(skipped, &mut index, ctx)?;
        let mut line = match result {
            Ok(written) => written_line(&written),
            Err(error) => {
                match &error.kind {
                    // An item missing from a 200 answer was most likely written: as an
                    // unknown outcome, never as refused (a re-run would add it twice).
                    WriteErrorKind::OutcomeUnknown { .. } | WriteErrorKind::NotAnswered => {
                        unknown += 1
                    }
                    WriteErrorKind::Failed(e) if client_exit_code(e) == EXIT_TRANSPORT => {
                        failed += 1
                    }
                    _ => refused += 1,
                }
                error_line(&error)
            }
        };
        line["index"] = index.into();
        index += 1;
        ctx.out.json_line(&line)?;
    }
    refused += bad_lines(skipped, &mut index, ctx)?;
    ctx.out.flush()?;
    if let Some(problem) = skipped.failed() {
        return Err(Failure::input(format!(
            "the input stopped at {problem}: the items after it were not read"
        )));
    }
    if refused + unknown + failed > 0 {
        return Err(Failure::Unwritten {
            refused,
            unknown,
            failed,
        });
    }
    Ok(())
}

/// Prints the bad lines from `index` on, up to the next item that is not one; how many.
fn bad_lines(skipped: &Skipped, index: &mut u64, ctx: &mut Ctx<'_>) -> Result<usize, Failure> {
    let mut count = 0;
    while let Some(bad) = skipped.take(*index) {
        let detail =
            json!({"code": bad.code, "path": null, "request_id": null, "message": bad.message});
        ctx.out
            .json_line(&json!({"index": bad.index, "error": detail}))?;
        count += 1;
        *index += 1;
    }
    Ok(count)
}

fn written_line(written: &Written) -> Value {
    let mut line = json!({"index": written.index, "id": written.id});
    if let Some(contact) = written.contact_id {
        line["contact_id"] = contact.into();
    }
    if let Some(company) = written.company_id {
        line["company_id"] = company.into();
    }
    line
}

fn error_line(error: &WriteError) -> Value {
    let (code, path): (&str, Option<&str>) = match &error.kind {
        WriteErrorKind::Refused(fields) => match fields.first() {
            Some(first) => (&first.code, Some(&first.path)),
            None => ("Refused", None),
        },
        WriteErrorKind::Invalid(Invalid::CustomField { path, .. }) => {
            ("Invalid", Some(path.as_str()))
        }
        WriteErrorKind::Invalid(Invalid::Field { field, .. }) => ("Invalid", Some(field.as_str())),
        WriteErrorKind::Invalid(_) => ("Invalid", None),
        WriteErrorKind::OutcomeUnknown { .. } => ("OutcomeUnknown", None),
        WriteErrorKind::NotAnswered => ("NotAnswered", None),
        _ => ("Failed", None),
    };
    let mut detail = json!({"code": code, "path": path, "request_id": error.request_id});
    if let WriteErrorKind::Refused(fields) = &error.kind
        && fields.len() > 1
    {
        detail["errors"] = json!(fields);
    }
    if !matches!(error.kind, WriteErrorKind::Refused(_)) {
        detail["message"] = error.to_string().into();
    }
    json!({"index": error.index, "error": detail})
}
