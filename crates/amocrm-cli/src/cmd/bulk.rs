//! The bulk writes of leads, contacts and companies (`add`, `update`, leads'
//! `complex-add`): entities in amoCRM's own field names, NDJSON or one JSON array, from
//! `--file PATH` or stdin (`-`), read whole and checked before anything is sent; written
//! by the library's batch writer; one NDJSON line per input item, in input order:
//! `{"index":i,"id":N}` or `{"index":i,"error":{"code":…,"path":…}}`.

use std::io::Read;

use clap::Args;
use futures::StreamExt;
use serde_json::{Map, Value, json};

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

/// `writer` checking the values against `defs`, when given.
pub fn checking<T: Item>(writer: Writer<T>, defs: Option<FieldDefs>) -> Result<Writer<T>, Error> {
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
    let entities = read(&args.write.file)?;
    let client = ctx.client().await?;
    let defs = match args.check_fields {
        true => Some(FieldDefs::load(&client, kind).await?),
        false => None,
    };
    let results = call(&client, entities, args.write.batch, defs)?;
    print(results, ctx).await
}

/// The entities to write, as the library's writer of one section takes them.
pub type Entities = Vec<Map<String, Value>>;

/// A section's bulk write: the entities and the batch size in, the writer's stream out
/// (or the batch size refused).
pub type WriteCall = fn(&Client, Entities, usize) -> Result<WriteStream, Error>;

/// Reads the entities, writes them with `call`, prints a line per item.
pub async fn run(args: &WriteArgs, ctx: &mut Ctx<'_>, call: WriteCall) -> Result<(), Failure> {
    let entities = read(&args.file)?;
    write(entities, args.batch, ctx, call).await
}

/// Writes entities already read (the file of `--file`, or one entity of a command's
/// flags) with `call`, in batches of `batch`, and prints a line per item.
pub async fn write(
    entities: Entities,
    batch: usize,
    ctx: &mut Ctx<'_>,
    call: impl FnOnce(&Client, Entities, usize) -> Result<WriteStream, Error>,
) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let results = call(&client, entities, batch)?;
    print(results, ctx).await
}

/// Prints a line per item of a writer's `results`, in input order; the exit says whether
/// some were refused (3) or may not have been written (4).
pub async fn print(mut results: WriteStream, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let (mut refused, mut unknown, mut failed) = (0, 0, 0);
    while let Some(result) = results.next().await {
        let line = match result {
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
        ctx.out.json_line(&line)?;
    }
    ctx.out.flush()?;
    if refused + unknown + failed > 0 {
        return Err(Failure::Unwritten {
            refused,
            unknown,
            failed,
        });
    }
    Ok(())
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

/// The entities of `path` (`-`: stdin): a JSON array of objects, or one object a line.
pub fn read(path: &str) -> Result<Entities, Failure> {
    let mut text = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| Failure::input(format!("--file {path}: {e}")))?;
    parse(&text).map_err(|problems| {
        Failure::Input(
            problems
                .into_iter()
                .map(|p| format!("--file {path}: {p}"))
                .collect(),
        )
    })
}

fn parse(text: &str) -> Result<Entities, Vec<String>> {
    let object = |value: Value, at: String| match value {
        Value::Object(map) => Ok(map),
        _ => Err(format!("{at} is not a JSON object")),
    };
    let mut problems = Vec::new();
    let mut entities = Vec::new();
    if text.trim_start().starts_with('[') {
        let values: Vec<Value> =
            serde_json::from_str(text).map_err(|e| vec![format!("not a JSON array: {e}")])?;
        for (i, value) in values.into_iter().enumerate() {
            match object(value, format!("element {i}")) {
                Ok(map) => entities.push(map),
                Err(problem) => problems.push(problem),
            }
        }
    } else {
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let at = format!("line {}", n + 1);
            match serde_json::from_str(line) {
                Ok(value) => match object(value, at) {
                    Ok(map) => entities.push(map),
                    Err(problem) => problems.push(problem),
                },
                Err(e) => problems.push(format!("{at} is not JSON: {e}")),
            }
        }
    }
    if entities.is_empty() && problems.is_empty() {
        problems.push("no entity to write".into());
    }
    if problems.is_empty() {
        Ok(entities)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn ndjson_and_arrays_of_objects_are_read_and_anything_else_refused() {
        assert_eq!(
            parse("{\"name\":\"a\"}\n\n{\"name\":\"b\"}\n")
                .unwrap()
                .len(),
            2
        );
        assert_eq!(parse(" [{\"name\":\"a\"},{}]").unwrap().len(), 2);
        assert_eq!(parse("{}\n[1]\nnope").unwrap_err().len(), 2);
        assert!(parse("[1]").is_err());
        assert!(parse("\n").is_err());
    }
}
