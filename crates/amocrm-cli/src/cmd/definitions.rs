//! The definition writes of the CLI (account administrators): `amocrm pipelines
//! add|update|delete`, `amocrm pipelines statuses add|update|delete` and `amocrm
//! custom-fields add|update|delete` (an entity type's fields, or a catalog's with
//! `--catalog ID`). Input in amoCRM's own field names (NDJSON or a JSON
//! array from `--file PATH` or stdin, `-`), checked by the library before anything is
//! sent; the definitions written are printed as `get` prints one (JSON lines with `--json`).

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Map, Value, json};

use super::bulk;
use super::entity::EntityArg;
use super::prelude::*;
use crate::sdk::{
    CustomFieldPatch, EntityKind, NewCustomField, NewPipeline, NewStatus, PipelinePatch,
    StatusPatch,
};

/// `--file PATH`: NDJSON or a JSON array of objects in amoCRM's field names.
#[derive(Debug, Args)]
pub struct FileArg {
    /// The objects: NDJSON or a JSON array, in amoCRM's field names; `-` reads stdin
    #[arg(long, value_name = "PATH")]
    pub file: String,
}

/// The writes of `amocrm pipelines`.
#[derive(Debug, Subcommand)]
pub enum PipelineWrites {
    /// Add pipelines (administrators): "name", "sort", "is_main", "is_unsorted_on" and
    /// "_embedded": {"statuses": [{"name", "sort", "color"}]}; at most 50
    Add(FileArg),
    /// Change a pipeline (administrators): one object with any of "name", "sort",
    /// "is_main", "is_unsorted_on"
    Update(PipelineUpdate),
    /// Delete a pipeline (administrators; not the last one, not one with leads)
    Delete(PipelineId),
    /// Add, change or delete a pipeline's statuses (administrators)
    #[command(subcommand)]
    Statuses(StatusWrites),
}

/// The arguments of `pipelines update`.
#[derive(Debug, Args)]
pub struct PipelineUpdate {
    /// The pipeline's ID
    pub id: u64,
    #[command(flatten)]
    pub input: FileArg,
}

/// The pipeline of `pipelines delete`.
#[derive(Debug, Args)]
pub struct PipelineId {
    /// The pipeline's ID
    pub id: u64,
}

/// `amocrm pipelines statuses …`
#[derive(Debug, Subcommand)]
pub enum StatusWrites {
    /// Add statuses to a pipeline: "name", "sort", "color" (amoCRM's palette),
    /// "descriptions"
    Add(StatusesAdd),
    /// Change a status: one object with any of "name", "sort", "color", "descriptions"
    /// (never 142 or 143)
    Update(StatusUpdate),
    /// Delete a status; its leads move to the pipeline's first stage (never 142 or 143)
    Delete(StatusId),
}

/// The arguments of `pipelines statuses add`.
#[derive(Debug, Args)]
pub struct StatusesAdd {
    /// The pipeline's ID
    pub pipeline_id: u64,
    #[command(flatten)]
    pub input: FileArg,
}

/// The arguments of `pipelines statuses update`.
#[derive(Debug, Args)]
pub struct StatusUpdate {
    /// The pipeline's ID
    pub pipeline_id: u64,
    /// The status's ID
    pub id: u64,
    #[command(flatten)]
    pub input: FileArg,
}

/// The arguments of `pipelines statuses delete`.
#[derive(Debug, Args)]
pub struct StatusId {
    /// The pipeline's ID
    pub pipeline_id: u64,
    /// The status's ID
    pub id: u64,
}

/// The writes of `amocrm custom-fields`.
#[derive(Debug, Subcommand)]
pub enum FieldWrites {
    /// Add custom fields (administrators): "name", "type" and, by type, "enums",
    /// "currency", "remind", …; a catalog's (--catalog ID): "nested", "is_required", …
    Add(FieldsInput),
    /// Change custom fields (administrators): each object with its "id" and the keys to
    /// change
    Update(FieldsInput),
    /// Delete a custom field and its values (administrators)
    Delete(FieldDelete),
}

/// Whose definitions a write is of: an entity type's, or (`catalog --catalog ID`) a
/// catalog's. The catalog is a flag, not a second positional: `delete`'s field ID follows.
#[derive(Debug, Args)]
pub struct Whose {
    /// Whose fields (catalog: the catalog of --catalog)
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: FieldsOf,
    /// The catalog whose fields are written (with ENTITY catalog)
    #[arg(long, value_name = "ID", required_if_eq("entity", "catalog"))]
    pub catalog: Option<i64>,
}

/// The owners of custom field definitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FieldsOf {
    /// Leads (deals)
    Leads,
    /// Contacts
    Contacts,
    /// Companies
    Companies,
    /// Customers (periodic purchases)
    Customers,
    /// A catalog (a list), named by --catalog
    Catalog,
}

/// The two owners `Whose` names.
enum Owner {
    Entity(EntityKind),
    Catalog(i64),
}

impl Whose {
    fn owner(&self) -> Result<Owner, Failure> {
        let entity = |e: EntityArg| Ok(Owner::Entity(e.kind()));
        match (self.entity, self.catalog) {
            (FieldsOf::Catalog, Some(catalog)) => Ok(Owner::Catalog(catalog)),
            (FieldsOf::Catalog, None) => Err(Failure::input("catalog: --catalog ID is required")),
            (_, Some(_)) => Err(Failure::input("--catalog goes with ENTITY catalog only")),
            (FieldsOf::Leads, None) => entity(EntityArg::Leads),
            (FieldsOf::Contacts, None) => entity(EntityArg::Contacts),
            (FieldsOf::Companies, None) => entity(EntityArg::Companies),
            (FieldsOf::Customers, None) => entity(EntityArg::Customers),
        }
    }
}

/// The arguments of `custom-fields add|update`.
#[derive(Debug, Args)]
pub struct FieldsInput {
    #[command(flatten)]
    pub whose: Whose,
    #[command(flatten)]
    pub input: FileArg,
}

/// The arguments of `custom-fields delete`.
#[derive(Debug, Args)]
pub struct FieldDelete {
    #[command(flatten)]
    pub whose: Whose,
    /// The field's ID
    pub id: i64,
}

/// The one object of `--file` (an update's).
fn one(path: &str) -> Result<Map<String, Value>, Failure> {
    let mut objects = bulk::read(path)?;
    match objects.len() {
        1 => Ok(objects.remove(0)),
        n => Err(Failure::input(format!(
            "--file {path}: one object expected, {n} given"
        ))),
    }
}

fn shown<T: View>(items: &[T], ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    for item in items {
        ctx.out.show(item)?;
    }
    Ok(())
}

fn deleted(what: &str, id: u64, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let value = json!({"deleted": what, "id": id});
    Ok(ctx.out.done(&value, || format!("{what} {id} deleted"))?)
}

/// Runs a pipeline or status write.
pub async fn pipelines(command: &PipelineWrites, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match command {
        PipelineWrites::Add(input) => {
            let items = bulk::read(&input.file)?;
            let client = ctx.client().await?;
            let added = client
                .pipelines()
                .add(items.into_iter().map(NewPipeline::from_json))
                .await?;
            shown(&added, ctx)
        }
        PipelineWrites::Update(args) => {
            let patch = PipelinePatch::from_json(one(&args.input.file)?);
            let client = ctx.client().await?;
            let changed = client.pipelines().update(args.id, patch).await?;
            shown(&[changed], ctx)
        }
        PipelineWrites::Delete(args) => {
            let client = ctx.client().await?;
            client.pipelines().delete(args.id).await?;
            deleted("pipeline", args.id, ctx)
        }
        PipelineWrites::Statuses(StatusWrites::Add(args)) => {
            let items = bulk::read(&args.input.file)?;
            let client = ctx.client().await?;
            let statuses = client.pipelines().statuses(args.pipeline_id);
            let added = statuses
                .add(items.into_iter().map(NewStatus::from_json))
                .await?;
            shown(&added, ctx)
        }
        PipelineWrites::Statuses(StatusWrites::Update(args)) => {
            let patch = StatusPatch::from_json(one(&args.input.file)?);
            let client = ctx.client().await?;
            let changed = client
                .pipelines()
                .statuses(args.pipeline_id)
                .update(args.id, patch)
                .await?;
            shown(&[changed], ctx)
        }
        PipelineWrites::Statuses(StatusWrites::Delete(args)) => {
            let client = ctx.client().await?;
            client
                .pipelines()
                .statuses(args.pipeline_id)
                .delete(args.id)
                .await?;
            deleted("status", args.id, ctx)
        }
    }
}

/// Runs a custom field definition write.
pub async fn fields(command: &FieldWrites, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    match command {
        FieldWrites::Add(args) => {
            let owner = args.whose.owner()?;
            let items = bulk::read(&args.input.file)?;
            let items = items.into_iter().map(NewCustomField::from_json);
            let client = ctx.client().await?;
            let made = match owner {
                Owner::Entity(kind) => client.custom_fields(kind).add(items).await?,
                Owner::Catalog(id) => client.catalogs().add_custom_fields(id, items).await?,
            };
            shown(&made, ctx)
        }
        FieldWrites::Update(args) => {
            let owner = args.whose.owner()?;
            let items = bulk::read(&args.input.file)?;
            let items = items.into_iter().map(CustomFieldPatch::from_json);
            let client = ctx.client().await?;
            let changed = match owner {
                Owner::Entity(kind) => client.custom_fields(kind).update(items).await?,
                Owner::Catalog(id) => client.catalogs().update_custom_fields(id, items).await?,
            };
            shown(&changed, ctx)
        }
        FieldWrites::Delete(args) => {
            let owner = args.whose.owner()?;
            let client = ctx.client().await?;
            match owner {
                Owner::Entity(kind) => client.custom_fields(kind).delete(args.id).await?,
                Owner::Catalog(id) => client.catalogs().delete_custom_field(id, args.id).await?,
            }
            deleted("custom field", args.id.unsigned_abs(), ctx)
        }
    }
}
