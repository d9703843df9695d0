//! `amocrm tags add ENTITY NAME...` (new tags of an entity type's dictionary, a line per
//! name as the bulk writes print them) and `amocrm tags attach|detach ENTITY ID TAG...`
//! (one entity's PATCH with `tags_to_add` or `tags_to_delete`).

use clap::Args;
use serde_json::json;

use super::bulk;
use super::entity::EntityArg;
use super::prelude::*;
use crate::sdk::{NewTag, TagRef};

/// The flags of `tags add`.
#[derive(Debug, Args)]
pub struct TagsAdd {
    /// Whose dictionary
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The names of the tags (a name the dictionary has answers its tag)
    #[arg(value_name = "NAME", required = true)]
    pub names: Vec<String>,
    /// Their colour, one of amoCRM's palette (e.g. DDEBB5); leads' tags only
    #[arg(long, value_name = "HEX")]
    pub color: Option<String>,
    /// Tags a request, 1..=250
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub batch: usize,
}

/// The flags of `tags attach` and `tags detach`.
#[derive(Debug, Args)]
pub struct TagsChange {
    /// The entity's type (leads, contacts or companies)
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The entity's ID
    #[arg(value_name = "ID")]
    pub id: i64,
    /// The tags: a number is a tag's ID, anything else its name
    #[arg(value_name = "TAG", required = true)]
    pub tags: Vec<String>,
    /// Take every TAG as a name, numbers too
    #[arg(long)]
    pub names: bool,
}

/// Runs `amocrm tags add`.
pub async fn add(args: &TagsAdd, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let client = ctx.client().await?;
    let color = args.color.clone();
    let tags: Vec<NewTag> = args
        .names
        .iter()
        .map(|name| {
            let tag = NewTag::new(name.clone());
            match &color {
                Some(color) => tag.color(color.clone()),
                None => tag,
            }
        })
        .collect();
    let writer = client
        .tags(args.entity.kind())
        .add(tags)
        .batch(args.batch)?;
    bulk::print(writer.stream(), ctx).await
}

/// Runs `amocrm tags attach` (`detach` false) or `detach`: one line, the entity's
/// `{"id":N,"updated_at":T}`.
pub async fn change(args: &TagsChange, detach: bool, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let tags: Vec<TagRef> = args
        .tags
        .iter()
        .map(|tag| match tag.parse::<i64>() {
            Ok(id) if !args.names => TagRef::Id(id),
            _ => TagRef::Name(tag.clone()),
        })
        .collect();
    let client = ctx.client().await?;
    let calls = client.tags(args.entity.kind());
    let updated = match detach {
        false => calls.attach(args.id, tags).await?,
        true => calls.detach(args.id, tags).await?,
    };
    ctx.out
        .json_line(&json!({"id": updated.id, "updated_at": updated.updated_at}))?;
    ctx.out.flush()?;
    Ok(())
}
