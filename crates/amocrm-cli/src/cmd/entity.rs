//! What the groups of amoCRM's main entities share (leads, contacts, companies): `list`
//! with the paging flags and every query flag, `get ID` with `--with`, `changes` (see
//! `changes`), the entity types of
//! tags, notes, links and custom fields, and the custom fields part of a view.

use std::borrow::Cow;
use std::io::{self, Write};

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use serde_json::Value;

use super::bulk::{self, CheckedCall, CheckedWriteArgs};
use super::changes::{self, ChangesArgs};
use super::context::Ctx;
use super::query::{self, FilterArg, OrderArg, QueryArg, QueryHelp, WithArg};
use super::section::{self, IdArg, ListArgs, Paged};
use crate::failure::Failure;
use crate::output::table::{Align, date, text, write_table};
use crate::output::{View, clean};
use crate::sdk::{self, Client, CrmGet, CrmList, CrmQuery, EntityKind, GetRequest, ListRequest};

/// The entity type a command reads the tags, notes, links or custom fields of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EntityArg {
    /// Leads (deals)
    Leads,
    /// Contacts
    Contacts,
    /// Companies
    Companies,
    /// Customers (periodic purchases)
    Customers,
}

impl EntityArg {
    /// The library's entity type.
    pub fn kind(self) -> EntityKind {
        match self {
            EntityArg::Leads => EntityKind::Leads,
            EntityArg::Contacts => EntityKind::Contacts,
            EntityArg::Companies => EntityKind::Companies,
            EntityArg::Customers => EntityKind::Customers,
        }
    }
}

/// `… list` and `… get ID` of an entity.
#[derive(Debug, Subcommand)]
pub enum EntityCommand<T: Paged + QueryHelp + Send + Sync + 'static> {
    /// List them: one page, or every page with --all (printed as they arrive)
    List(EntityList<T>),
    /// Show one by its ID, with its custom fields
    Get(EntityGet<T>),
    /// Every one changed since a time (or a saved cursor), once each in its latest state,
    /// oldest change first; the cursor to resume from is printed on stderr
    Changes(ChangesArgs<T>),
    /// Add them from NDJSON or a JSON array in amoCRM's field names, in batches; one line
    /// per item on stdout: {"index":i,"id":N} or {"index":i,"error":{"code":…,"path":…}}
    Add(CheckedWriteArgs),
    /// Update them (each object with its "id") from NDJSON or a JSON array, in batches;
    /// only the fields given are sent; one line per item as for add
    Update(CheckedWriteArgs),
}

/// The flags of `… list`.
#[derive(Debug, Args)]
pub struct EntityList<T: Paged + QueryHelp + Send + Sync + 'static> {
    #[command(flatten)]
    pub pages: ListArgs<T>,
    #[command(flatten)]
    pub with: WithArg<T>,
    #[command(flatten)]
    pub filter: FilterArg,
    #[command(flatten)]
    pub order: OrderArg<T>,
    #[command(flatten)]
    pub query: QueryArg,
}

/// The flags of `… get ID`.
#[derive(Debug, Args)]
pub struct EntityGet<T: QueryHelp + Send + Sync + 'static> {
    #[command(flatten)]
    pub id: IdArg,
    #[command(flatten)]
    pub with: WithArg<T>,
}

/// A section's list call.
pub type ListCall<T> = fn(&Client) -> ListRequest<T, CrmQuery<T>>;
/// A section's get call.
pub type GetCall<T> = fn(&Client, i64) -> GetRequest<T, CrmGet<T>>;

/// A section's calls: `list`, `get`, and the bulk `add` and `update`.
pub struct Calls<T: CrmList> {
    /// `list`.
    pub list: ListCall<T>,
    /// `get ID`.
    pub get: GetCall<T>,
    /// Whose custom fields `--check-fields` reads.
    pub kind: EntityKind,
    /// `add`.
    pub add: CheckedCall,
    /// `update`.
    pub update: CheckedCall,
}

/// Runs an [`EntityCommand`] with the section's calls.
pub async fn run<T>(
    command: &EntityCommand<T>,
    ctx: &mut Ctx<'_>,
    calls: Calls<T>,
) -> Result<(), Failure>
where
    T: View + Paged + QueryHelp + CrmList<Paging = sdk::Paged> + sdk::Changing + Sync,
{
    match command {
        EntityCommand::List(args) => {
            let (with, filter) = (args.with.problems(), args.filter.problems());
            query::check([with, filter, args.order.problems(), args.query.problems()])?;
            let client = ctx.client().await?;
            let call = args.with.apply((calls.list)(&client))?;
            let call = args.filter.apply(call)?;
            let call = args.query.apply(args.order.apply(call)?)?;
            section::list(call, &args.pages, &mut ctx.out).await
        }
        EntityCommand::Get(args) => {
            query::check([args.with.problems()])?;
            let client = ctx.client().await?;
            let call = args.with.apply((calls.get)(&client, args.id.id))?;
            section::get(call.send(), &mut ctx.out).await
        }
        EntityCommand::Changes(args) => changes::run(args, ctx).await,
        EntityCommand::Add(args) => bulk::run_checked(args, ctx, calls.kind, calls.add).await,
        EntityCommand::Update(args) => bulk::run_checked(args, ctx, calls.kind, calls.update).await,
    }
}

/// Phones or e-mails (`contact.phones().map(|p| p.value)`) in one cell, comma-separated,
/// or `-` when there are none.
pub fn channels<'a>(values: impl Iterator<Item = Option<Cow<'a, str>>>) -> String {
    let texts: Vec<String> = values.flatten().map(|text| clean(&text)).collect();
    if texts.is_empty() {
        "-".to_owned()
    } else {
        texts.join(", ")
    }
}

/// The custom fields of an entity (its `custom_fields_values`) after its own lines:
/// `custom fields:` and a table of them, or `custom fields: none`. They are read from their
/// JSON, in amoCRM's names, so that every field type shows (an unknown one too).
pub fn write_custom_fields(
    out: &mut impl Write,
    fields: &(impl Serialize + ?Sized),
) -> io::Result<()> {
    let fields = serde_json::to_value(fields).map_err(io::Error::other)?;
    let fields = fields.as_array().map(Vec::as_slice).unwrap_or_default();
    writeln!(out)?;
    if fields.is_empty() {
        return writeln!(out, "custom fields: none");
    }
    writeln!(out, "custom fields:")?;
    let rows = fields
        .iter()
        .map(|field| {
            let name = |key: &str| text(field.get(key).and_then(Value::as_str));
            let id = field.get("field_id").map_or_else(|| "-".to_owned(), cell);
            let values = field.get("values").and_then(Value::as_array);
            let dated = matches!(
                field.get("field_type").and_then(Value::as_str),
                Some("date" | "date_time" | "birthday")
            );
            let values = values.map_or_else(|| "-".to_owned(), |v| values_cell(v, dated));
            vec![
                id,
                name("field_name"),
                name("field_code"),
                name("field_type"),
                values,
            ]
        })
        .collect();
    let headers = ["FIELD ID", "NAME", "CODE", "TYPE", "VALUES"];
    let aligns = [
        Align::Right,
        Align::Left,
        Align::Left,
        Align::Left,
        Align::Left,
    ];
    write_table(out, &headers, &aligns, rows)
}

/// The values of a field in one cell: each value's `value` (`CODE: value` for one with an
/// `enum_code`, a phone's `WORK`; a date field's Unix time as a UTC date), or the whole
/// value as JSON when it has no `value`.
fn values_cell(values: &[Value], dated: bool) -> String {
    let cells: Vec<String> = values
        .iter()
        .map(|item| {
            let value = match item.get("value") {
                Some(Value::Number(n)) if dated && n.is_i64() => date(n.as_i64()),
                Some(value) => cell(value),
                None => cell(item),
            };
            match item.get("enum_code").and_then(Value::as_str) {
                Some(code) => format!("{}: {value}", clean(code)),
                None => value,
            }
        })
        .collect();
    if cells.is_empty() {
        "-".to_owned()
    } else {
        cells.join(", ")
    }
}

/// A JSON value in a cell: a string as it is, anything else as compact JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::String(text) => clean(text),
        other => clean(&other.to_string()),
    }
}
