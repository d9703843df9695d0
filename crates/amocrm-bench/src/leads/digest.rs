//! What the benchmark's consumer reads of each lead — its ID, name, budget, stage, last
//! change, tags, company and every custom field value — folded into one number, the same
//! for the hand-written struct and the generated (ergonomic and raw) types, so every run is
//! checked to have read the same leads.

use amocrm_raw::ScalarOrJson;

use super::hand;

/// What a run saw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Leads.
    pub leads: usize,
    /// Pages.
    pub pages: usize,
    /// The leads' digests, folded in order.
    pub checksum: u64,
    /// Custom field values read.
    pub values: usize,
}

impl Tally {
    /// Adds one lead's digest and its number of custom field values.
    pub fn add(&mut self, (digest, values): (u64, usize)) {
        self.leads += 1;
        self.values += values;
        self.checksum = self.checksum.wrapping_mul(31).wrapping_add(digest);
    }
}

fn mix(acc: u64, value: u64) -> u64 {
    acc.wrapping_mul(0x100_0000_01b3).wrapping_add(value)
}

/// A lead of the hand-written struct: (digest, custom field values read).
pub fn hand(lead: &hand::Lead) -> (u64, usize) {
    let mut acc = head(
        lead.id,
        lead.name.len(),
        lead.price,
        lead.status_id,
        lead.updated_at,
    );
    acc = mix(
        acc,
        lead.embedded.tags.iter().map(|t| t.name.len() as u64).sum(),
    );
    acc = mix(
        acc,
        lead.embedded.companies.first().map_or(0, |c| c.id as u64),
    );
    let mut count = 0;
    for field in lead.custom_fields_values.as_deref().unwrap_or_default() {
        acc = mix(acc, field.field_id as u64);
        for item in &field.values {
            let v = hand::value_digest(item.value.as_ref(), item.enum_id, item.catalog_element_id);
            acc = mix(acc, v);
            count += 1;
        }
    }
    (acc, count)
}

/// A lead of the generated types (`amocrm::leads::Lead` is `amocrm_raw::types::Lead`).
pub fn raw(lead: &amocrm_raw::types::Lead) -> (u64, usize) {
    let mut acc = head(
        lead.id,
        lead.name.as_ref().map_or(0, String::len),
        lead.price.as_ref().and_then(|p| p.as_i64()).unwrap_or(0),
        lead.status_id.unwrap_or(0),
        lead.updated_at.unwrap_or(0),
    );
    let embedded = lead.embedded.as_ref().and_then(|e| e.0.as_ref());
    let tags: u64 = embedded.map_or(0, |e| {
        e.tags
            .iter()
            .map(|t| t.name.as_ref().map_or(0, String::len) as u64)
            .sum()
    });
    acc = mix(acc, tags);
    let company = embedded.and_then(|e| e.companies.first());
    acc = mix(acc, company.map_or(0, |c| c.id as u64));
    let mut count = 0;
    for field in lead.custom_fields() {
        acc = mix(acc, field.field_id as u64);
        for item in field.items() {
            let value = match &item.value {
                None | Some(ScalarOrJson::Null) => 0,
                Some(ScalarOrJson::Bool(flag)) => u64::from(*flag),
                Some(ScalarOrJson::Number(n)) => n
                    .as_i64()
                    .unwrap_or_else(|| n.as_f64().unwrap_or(0.0) as i64)
                    as u64,
                Some(ScalarOrJson::String(text)) => text.len() as u64,
                Some(ScalarOrJson::Json(json)) => hand::value_digest(Some(json), None, None),
            };
            let v = value
                .wrapping_add(item.enum_id.unwrap_or(0) as u64)
                .wrapping_add(item.catalog_element_id.unwrap_or(0) as u64);
            acc = mix(acc, v);
            count += 1;
        }
    }
    (acc, count)
}

fn head(id: i64, name_len: usize, price: i64, status: i64, updated_at: i64) -> u64 {
    [
        name_len as u64,
        price as u64,
        status as u64,
        updated_at as u64,
    ]
    .into_iter()
    .fold(id as u64, mix)
}
