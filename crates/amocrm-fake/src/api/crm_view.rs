//! What the CRM sections' views share: the context a view is written in (the links'
//! origin, the CRM, the shapes switch), `_links.self`, embedded tags, entity references
//! and catalog elements, and the deterministic spread of the real-world shapes.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use crate::model::crm::Crm;
use crate::model::crm::records::{ElementLink, Tag};
use crate::model::crm::values::ValueShapes;
use crate::model::rng::mix;

/// A view's surroundings.
pub(super) struct Ctx<'a> {
    /// `http://host[:port]` and the account's prefix.
    pub origin: &'a str,
    pub crm: &'a Crm,
}

impl Ctx<'_> {
    /// `_links` with `self` at `path` (which starts with `/api/v4/`).
    pub fn links(&self, path: std::fmt::Arguments<'_>) -> SelfLinks {
        SelfLinks(format!("{}{path}", self.origin))
    }

    /// Whether the entity `id` carries the real-world surprise `salt`: about one in
    /// `one_in`, always the same entities, only with the real-world shapes on.
    pub fn quirk(&self, id: i64, salt: u64, one_in: u64) -> bool {
        self.crm.real_world
            && mix(id as u64 ^ salt.wrapping_mul(0x9E37_79B9)).is_multiple_of(one_in)
    }

    /// How the entity `id`'s custom field values are written.
    pub fn value_shapes(&self, id: i64) -> ValueShapes {
        ValueShapes {
            numbers_as_text: self.crm.real_world,
            dates_as_text: self.quirk(id, 3, 9),
        }
    }
}

/// `{"self": {"href": …}}`.
pub(super) struct SelfLinks(pub String);

impl Serialize for SelfLinks {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("self", &Href(&self.0))?;
        m.end()
    }
}

struct Href<'a>(&'a str);

impl Serialize for Href<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("href", self.0)?;
        m.end()
    }
}

/// An entity's tags: `[{id, name, color}]` from its dictionary.
pub(super) struct TagsView<'a> {
    pub tags: &'a [u32],
    pub dictionary: &'a [Tag],
}

impl Serialize for TagsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.tags.len()))?;
        for tag in self
            .tags
            .iter()
            .filter_map(|at| self.dictionary.get(*at as usize))
        {
            seq.serialize_element(&TagView(tag))?;
        }
        seq.end()
    }
}

/// A tag as amoCRM writes it.
pub(super) struct TagView<'a>(pub &'a Tag);

impl Serialize for TagView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("id", &self.0.id)?;
        m.serialize_entry("name", &self.0.name)?;
        m.serialize_entry("color", &self.0.color)?;
        m.end()
    }
}

/// Linked entities by id: `[{id, _links}]` (with `is_main` for a lead's contacts: the first).
pub(super) struct RefsView<'a> {
    pub ctx: &'a Ctx<'a>,
    pub ids: &'a [i64],
    pub path: &'static str,
    pub is_main: bool,
}

impl Serialize for RefsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.ids.len()))?;
        for (n, id) in self.ids.iter().enumerate() {
            seq.serialize_element(&RefView {
                ctx: self.ctx,
                id: *id,
                path: self.path,
                is_main: self.is_main.then_some(n == 0),
            })?;
        }
        seq.end()
    }
}

struct RefView<'a> {
    ctx: &'a Ctx<'a>,
    id: i64,
    path: &'static str,
    is_main: Option<bool>,
}

impl Serialize for RefView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        if let Some(main) = self.is_main {
            m.serialize_entry("is_main", &main)?;
        }
        m.serialize_entry(
            "_links",
            &self
                .ctx
                .links(format_args!("/api/v4/{}/{}", self.path, self.id)),
        )?;
        m.end()
    }
}

/// Linked catalog elements: `{id, metadata: {quantity, catalog_id, price_id}}`, or (a
/// real-world surprise, `flat`) those keys beside `id`.
pub(super) struct ElementsView<'a> {
    pub ctx: &'a Ctx<'a>,
    pub elements: &'a [ElementLink],
    pub flat: bool,
}

impl Serialize for ElementsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.elements.len()))?;
        for e in self.elements {
            let metadata = serde_json::json!({"quantity": quantity(e.quantity), "catalog_id": e.catalog_id, "price_id": e.price_id});
            let links = self.ctx.links(format_args!(
                "/api/v4/catalogs/{}/elements/{}",
                e.catalog_id, e.element_id
            ));
            let mut item = serde_json::json!({"id": e.element_id});
            if self.flat {
                if let (Some(item), Some(meta)) = (item.as_object_mut(), metadata.as_object()) {
                    item.extend(meta.clone());
                }
            } else {
                item["metadata"] = metadata;
            }
            item["_links"] = serde_json::to_value(&links).unwrap_or_default();
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

/// A quantity: an integer when whole, else a fraction.
pub(super) fn quantity(q: f64) -> serde_json::Value {
    if q.fract() == 0.0 {
        serde_json::json!(q as i64)
    } else {
        serde_json::json!(q)
    }
}

/// `Some(value)`, or `None` for an entity in the trash (whose fields amoCRM nulls).
pub(super) fn alive<T>(deleted: bool, value: T) -> Option<T> {
    (!deleted).then_some(value)
}
