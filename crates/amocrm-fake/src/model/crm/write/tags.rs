//! Tags added to an entity type's dictionary (`POST /api/v4/{entity_type}/tags`): every
//! tag read first (a name, not blank; a colour of the palette, leads' tags only), then
//! all added or none. A name the dictionary has is answered with its tag, not added again.

use serde_json::{Value, json};

use crate::model::crm::Crm;
use crate::model::crm::records::{Kind, Tag};
use crate::model::crm::write::check::{Wrong, request_id};
use crate::model::crm::write::{MAX_ITEMS, Refused, entities};

/// The colours amoCRM documents for leads' tags.
pub(crate) const COLORS: [&str; 23] = [
    "EBEBEB", "D0D0D0", "F2DDF7", "D1A4DC", "FF8F92", "FFC8C8", "C7DB8C", "DDEBB5", "8699DA",
    "AABDFF", "FFCE5A", "FFE193", "90CDB0", "C6F4DE", "A9A5D7", "D8D5FF", "86C0FC", "832161",
    "6A0F49", "0C7C59", "10599D", "9D2B32", "247BA0",
];

/// Adds the tags of `body` to `kind`'s dictionary: each as the answer lists it.
pub(crate) fn add(crm: &mut Crm, kind: Kind, body: &Value) -> Result<Vec<Value>, Refused> {
    let list = entities(body, MAX_ITEMS)?;
    let mut asked = Vec::with_capacity(list.len());
    let mut refused = Vec::new();
    for (index, item) in list.iter().enumerate() {
        match read(kind, item) {
            Ok(tag) => asked.push((request_id(item, index), tag)),
            Err(wrong) => refused.push((request_id(item, index), wrong)),
        }
    }
    if !refused.is_empty() {
        return Err(Refused::Entities(refused));
    }
    let mut answer = Vec::with_capacity(asked.len());
    for (request_id, (name, color)) in asked {
        let dictionary = &crm.tags[kind.index()];
        let tag = match dictionary.iter().find(|t| t.name == name) {
            Some(tag) => tag.clone(),
            None => {
                let id = crm.tags.iter().flatten().map(|t| t.id).max().unwrap_or(0) + 1;
                let tag = Tag { id, name, color };
                crm.tags[kind.index()].push(tag.clone());
                tag
            }
        };
        answer.push(json!({
            "id": tag.id, "name": tag.name, "color": tag.color, "request_id": request_id,
        }));
    }
    Ok(answer)
}

fn read(kind: Kind, item: &Value) -> Result<(String, Option<&'static str>), Vec<Wrong>> {
    let Some(item) = item.as_object() else {
        return Err(vec![("InvalidType", String::new())]);
    };
    let mut wrong = Vec::new();
    let (mut name, mut color) = (None, None);
    for (key, value) in item {
        match key.as_str() {
            "request_id" if value.is_string() => {}
            "name" => match value.as_str() {
                Some(n) if !n.trim().is_empty() => name = Some(n.to_owned()),
                Some(_) => wrong.push(("NotSupportedChoice", key.clone())),
                None => wrong.push(("InvalidType", key.clone())),
            },
            "color" if value.is_null() => {}
            "color" if kind == Kind::Leads => match value.as_str() {
                Some(c) => match COLORS.iter().find(|k| **k == c) {
                    Some(known) => color = Some(*known),
                    None => wrong.push(("NotSupportedChoice", key.clone())),
                },
                None => wrong.push(("InvalidType", key.clone())),
            },
            _ => wrong.push(("FieldNotExpected", key.clone())),
        }
    }
    if !item.contains_key("name") {
        wrong.push(("FieldMissing", "name".to_owned()));
    }
    match name {
        Some(name) if wrong.is_empty() => Ok((name, color)),
        _ => Err(wrong),
    }
}
