//! `amocrm links link|unlink ENTITY ID --to ENTITY:ID...`: entities linked to or
//! unlinked from one lead, contact, company or customer, a line per target as the bulk
//! writes print them; the metadata flags apply to the targets that take them.

use clap::Args;

use super::bulk;
use super::entity::EntityArg;
use super::prelude::*;
use crate::sdk::{LinkTo, Target};

/// The flags of `links link` and `links unlink`.
#[derive(Debug, Args)]
pub struct LinksChange {
    /// The entity's type
    #[arg(value_enum, value_name = "ENTITY")]
    pub entity: EntityArg,
    /// The entity's ID
    #[arg(value_name = "ID")]
    pub id: i64,
    /// A target, TYPE:ID (leads, contacts, companies, customers, catalog_elements), e.g.
    /// contacts:457282; repeatable
    #[arg(long = "to", value_name = "ENTITY:ID", required = true, value_parser = target)]
    pub to: Vec<(Target, i64)>,
    /// The catalog of the catalog_elements targets (required with one)
    #[arg(long, value_name = "ID")]
    pub catalog: Option<i64>,
    /// How many of each catalog element (a fraction too); link only
    #[arg(long, value_name = "Q")]
    pub quantity: Option<f64>,
    /// The price field that applies to the catalog elements; link only
    #[arg(long, value_name = "ID")]
    pub price_id: Option<i64>,
    /// The contacts target is the main contact; link only, one contacts target
    #[arg(long)]
    pub main: bool,
    /// The user on whose behalf it is done (0: the integration)
    #[arg(long, value_name = "USER")]
    pub updated_by: Option<i64>,
    /// Targets a request, 1..=250
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub batch: usize,
}

fn target(text: &str) -> Result<(Target, i64), String> {
    let (kind, id) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not TYPE:ID"))?;
    let target = Target::from_name(kind).ok_or_else(|| {
        format!("{kind:?} is not leads, contacts, companies, customers or catalog_elements")
    })?;
    let id = id
        .parse::<i64>()
        .map_err(|_| format!("{id:?} is not an ID"))?;
    Ok((target, id))
}

/// Runs `amocrm links link` (`unlink` false) or `unlink`.
pub async fn run(args: &LinksChange, unlink: bool, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let contacts = args
        .to
        .iter()
        .filter(|(t, _)| *t == Target::Contacts)
        .count();
    if args.main && contacts != 1 {
        return Err(Failure::input("--main needs exactly one contacts target"));
    }
    // Catalog flags apply to catalog element targets only: given without one, they would
    // be dropped without a word.
    let elements = args.to.iter().any(|(t, _)| *t == Target::CatalogElements);
    let catalog_flags =
        args.catalog.is_some() || args.quantity.is_some() || args.price_id.is_some();
    if catalog_flags && !elements {
        return Err(Failure::input(
            "--catalog, --quantity and --price-id need a catalog_elements:ID target",
        ));
    }
    let targets: Vec<LinkTo> = args.to.iter().map(|(t, id)| to(args, *t, *id)).collect();
    let client = ctx.client().await?;
    let calls = client.links(args.entity.kind()).of(args.id);
    let writer = match unlink {
        false => calls.link(targets),
        true => calls.unlink(targets),
    };
    bulk::print(writer.batch(args.batch)?.stream(), ctx).await
}

/// One target with the metadata flags that apply to its type (the library refuses what
/// the request does not take).
fn to(args: &LinksChange, target: Target, id: i64) -> LinkTo {
    let mut to = LinkTo::new(target, id);
    if target == Target::CatalogElements {
        if let Some(catalog) = args.catalog {
            to = to.catalog_id(catalog);
        }
        if let Some(quantity) = args.quantity {
            to = to.quantity(quantity);
        }
        if let Some(price) = args.price_id {
            to = to.price_id(Some(price));
        }
    }
    if target == Target::Contacts && args.main {
        to = to.main(true);
    }
    if let Some(user) = args.updated_by {
        to = to.updated_by(user);
    }
    to
}
