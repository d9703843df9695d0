//! Changes to leads, contacts and companies while clients read them: each bumps the
//! entity's `updated_at` to the clock's time and records the event amoCRM records for it
//! (`lead_status_changed`, `sale_field_changed`, `custom_field_value_changed`,
//! `entity_responsible_changed`, `name_field_changed`, `…_deleted`).

use serde_json::{Value, json};

use crate::model::crm::Crm;
use crate::model::crm::records::{Event, Kind, Lead, Party};
use crate::model::crm::values::{FieldValues, Val};

/// Which entities a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CrmEntity {
    /// Leads (`/api/v4/leads`).
    Leads,
    /// Contacts (`/api/v4/contacts`).
    Contacts,
    /// Companies (`/api/v4/companies`).
    Companies,
}

impl CrmEntity {
    pub(crate) fn kind(self) -> Kind {
        match self {
            CrmEntity::Leads => Kind::Leads,
            CrmEntity::Contacts => Kind::Contacts,
            CrmEntity::Companies => Kind::Companies,
        }
    }

    /// `leads`, `contacts` or `companies`.
    pub fn as_str(self) -> &'static str {
        self.kind().plural()
    }
}

impl std::str::FromStr for CrmEntity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "leads" => Ok(CrmEntity::Leads),
            "contacts" => Ok(CrmEntity::Contacts),
            "companies" => Ok(CrmEntity::Companies),
            _ => Err(format!("{s:?}: leads, contacts or companies")),
        }
    }
}

/// An entity's id and latest `updated_at` ([`FakeCrm::snapshot`](crate::FakeCrm::snapshot)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Stamp {
    /// The entity's id.
    pub id: i64,
    /// Its latest `updated_at` (Unix seconds).
    pub updated_at: i64,
}

/// A change to one lead ([`FakeCrm::update_lead`](crate::FakeCrm::update_lead)): each part
/// given is applied and recorded as its event.
///
/// ```
/// let change = amocrm_fake::LeadChange::new().name("Renamed").price(1_500).numeric_field(0, 42.0);
/// # let _ = change;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadChange {
    name: Option<String>,
    price: Option<i64>,
    status: Option<(i64, i64)>,
    responsible: Option<i64>,
    numeric: Option<(usize, f64)>,
}

impl LeadChange {
    /// A change of nothing yet.
    pub fn new() -> Self {
        LeadChange::default()
    }
    /// A new name (`name_field_changed`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// A new budget (`sale_field_changed`).
    pub fn price(mut self, price: i64) -> Self {
        self.price = Some(price);
        self
    }
    /// A new stage, `(pipeline_id, status_id)` (`lead_status_changed`).
    pub fn status(mut self, pipeline_id: i64, status_id: i64) -> Self {
        self.status = Some((pipeline_id, status_id));
        self
    }
    /// A new responsible user (`entity_responsible_changed`).
    pub fn responsible(mut self, user_id: i64) -> Self {
        self.responsible = Some(user_id);
        self
    }
    /// A new value of the lead's `nth` numeric custom field, counted among the numeric
    /// fields of leads (`custom_field_value_changed`).
    pub fn numeric_field(mut self, nth: usize, value: f64) -> Self {
        self.numeric = Some((nth, value));
        self
    }
}

impl Crm {
    pub(super) fn record(
        &mut self,
        kind: &str,
        (entity, id): (Kind, i64),
        by: i64,
        at: i64,
        after: Value,
        before: Value,
    ) {
        self.events.push(Event {
            kind: kind.to_owned(),
            entity_type: entity.singular(),
            entity_id: id,
            catalog_id: None,
            created_by: by,
            created_at: at,
            value_after: after,
            value_before: before,
            linked_talk_contact_id: None,
        });
    }

    /// Applies `change` to lead `id` at `now` by user `by`; false when there is no such
    /// (live) lead.
    pub fn update_lead(&mut self, id: i64, change: &LeadChange, now: i64, by: i64) -> bool {
        let numeric = change.numeric.and_then(|(nth, value)| {
            let defs = &self.fields[Kind::Leads.index()].defs;
            let at = defs
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind == super::fields::FieldType::Numeric)
                .nth(nth)?
                .0;
            Some((at as u16, defs[at].id, defs[at].kind.code(), value))
        });
        let Some(before) = self.leads.update(id, |lead| {
            let before = lead.clone();
            if let Some(name) = &change.name {
                lead.name.clone_from(name);
            }
            if let Some(price) = change.price {
                lead.price = price;
            }
            if let Some((pipeline, status)) = change.status {
                (lead.pipeline_id, lead.status_id) = (pipeline, status);
                lead.closed_at = matches!(status, 142 | 143).then_some(now);
            }
            if let Some(user) = change.responsible {
                lead.responsible_user_id = user;
            }
            if let Some((at, _, _, value)) = numeric {
                set_field(&mut lead.fields, at, vec![Val::Number(value)]);
            }
            lead.updated_at = now;
            lead.updated_by = by;
            before
        }) else {
            return false;
        };
        let after = self.leads.get(id).cloned().expect("just updated");
        self.lead_events(
            &before,
            &after,
            numeric.map(|(_, field, code, value)| (field, code, value)),
            now,
            by,
        );
        true
    }

    pub(super) fn lead_events(
        &mut self,
        before: &Lead,
        after: &Lead,
        numeric: Option<(i64, i64, f64)>,
        now: i64,
        by: i64,
    ) {
        let id = after.id;
        if before.name != after.name {
            self.record(
                "name_field_changed",
                (Kind::Leads, id),
                by,
                now,
                json!([{"name_field_value": {"name": after.name}}]),
                json!([{"name_field_value": {"name": before.name}}]),
            );
        }
        if before.price != after.price {
            self.record(
                "sale_field_changed",
                (Kind::Leads, id),
                by,
                now,
                json!([{"sale_field_value": {"sale": after.price}}]),
                json!([{"sale_field_value": {"sale": before.price}}]),
            );
        }
        if (before.pipeline_id, before.status_id) != (after.pipeline_id, after.status_id) {
            let status = |l: &Lead| json!([{"lead_status": {"id": l.status_id, "pipeline_id": l.pipeline_id}}]);
            self.record(
                "lead_status_changed",
                (Kind::Leads, id),
                by,
                now,
                status(after),
                status(before),
            );
        }
        if before.responsible_user_id != after.responsible_user_id {
            self.responsible_event(
                Kind::Leads,
                id,
                by,
                now,
                after.responsible_user_id,
                before.responsible_user_id,
            );
        }
        if let Some((field, code, value)) = numeric {
            let text = super::values::number_text(value);
            self.record("custom_field_value_changed", (Kind::Leads, id), by, now, json!([{"custom_field_value": {"field_id": field, "field_type": code, "enum_id": null, "text": text}}]), json!([]));
        }
    }

    pub(super) fn responsible_event(
        &mut self,
        kind: Kind,
        id: i64,
        by: i64,
        now: i64,
        after: i64,
        before: i64,
    ) {
        self.record(
            "entity_responsible_changed",
            (kind, id),
            by,
            now,
            json!([{"responsible_user": {"id": after}}]),
            json!([{"responsible_user": {"id": before}}]),
        );
    }

    /// Applies one seeded, realistic change to each of `ids` that is a live entity: a lead
    /// moves on a stage, changes its budget, a numeric field or its responsible user; a
    /// contact or company is renamed, reassigned or gets a new custom field value. Returns
    /// the ids changed.
    pub fn touch(&mut self, entity: CrmEntity, ids: &[i64], now: i64) -> Vec<i64> {
        let mut changed = Vec::with_capacity(ids.len());
        for &id in ids {
            let by = self.users[self.rng.below(self.users.len() as u64) as usize].id;
            let pick = self.rng.below(4);
            let done = match entity {
                CrmEntity::Leads => {
                    let Some((pipeline, status, price, responsible)) = self
                        .leads
                        .get(id)
                        .map(|l| (l.pipeline_id, l.status_id, l.price, l.responsible_user_id))
                    else {
                        continue;
                    };
                    let change = match pick {
                        0 => {
                            let next = self.next_stage(pipeline, status);
                            LeadChange::new().status(pipeline, next)
                        }
                        1 => LeadChange::new().price(price + 100 * (1 + self.rng.below(50) as i64)),
                        2 => LeadChange::new()
                            .numeric_field(0, self.rng.range(1_000, 99_999_999) as f64),
                        _ => match self.other_user(responsible) {
                            Some(user) => LeadChange::new().responsible(user),
                            None => LeadChange::new().price(price + 100),
                        },
                    };
                    self.update_lead(id, &change, now, by)
                }
                CrmEntity::Contacts | CrmEntity::Companies => {
                    self.touch_party(entity.kind(), id, pick, now, by)
                }
            };
            if done {
                changed.push(id);
            }
        }
        changed
    }

    /// A user other than `current`, at random; `None` in a one-user account.
    fn other_user(&mut self, current: i64) -> Option<i64> {
        let others: Vec<i64> = self
            .users
            .iter()
            .map(|u| u.id)
            .filter(|id| *id != current)
            .collect();
        (!others.is_empty()).then(|| *self.rng.pick(&others))
    }

    /// The stage after `status` in its pipeline (the first after the last).
    fn next_stage(&self, pipeline: i64, status: i64) -> i64 {
        let stages: Vec<i64> = self
            .stages
            .iter()
            .filter(|(_, p)| *p == pipeline)
            .map(|(s, _)| *s)
            .collect();
        let at = stages
            .iter()
            .position(|s| *s == status)
            .map_or(0, |at| (at + 1) % stages.len().max(1));
        stages.get(at).copied().unwrap_or(status)
    }

    fn touch_party(&mut self, kind: Kind, id: i64, pick: u64, now: i64, by: i64) -> bool {
        let field = self.fields[kind.index()]
            .defs
            .iter()
            .position(|d| d.kind == super::fields::FieldType::Multitext && d.code == Some("PHONE"));
        let field_meta = field.map(|at| (at as u16, self.fields[kind.index()].defs[at].id));
        let phone = format!("+7999{:07}", self.rng.below(10_000_000));
        let other = self.users[self.rng.below(self.users.len() as u64) as usize].id;
        let option = field
            .and_then(|at| {
                self.fields[kind.index()].defs[at]
                    .enums
                    .first()
                    .map(|e| e.id)
            })
            .unwrap_or(0);
        let table = match kind {
            Kind::Contacts => &mut self.contacts,
            _ => &mut self.companies,
        };
        let Some(before) = table.update(id, |party: &mut Party| {
            let before = party.clone();
            match (pick, field_meta) {
                (0, _) => {
                    party.name = format!(
                        "{} ({})",
                        before.name.split(" (").next().unwrap_or(""),
                        now % 1_000
                    )
                }
                (1, _) if other != party.responsible_user_id => party.responsible_user_id = other,
                (_, Some((at, _))) => set_field(
                    &mut party.fields,
                    at,
                    vec![Val::Coded(phone.clone().into(), option)],
                ),
                (_, None) => {
                    party.name = format!(
                        "{} ({})",
                        before.name.split(" (").next().unwrap_or(""),
                        now % 1_000
                    )
                }
            }
            party.updated_at = now;
            party.updated_by = by;
            before
        }) else {
            return false;
        };
        let after = table.get(id).cloned().expect("just updated");
        if before.name != after.name {
            self.record(
                "name_field_changed",
                (kind, id),
                by,
                now,
                json!([{"name_field_value": {"name": after.name}}]),
                json!([{"name_field_value": {"name": before.name}}]),
            );
        } else if before.responsible_user_id != after.responsible_user_id {
            self.responsible_event(
                kind,
                id,
                by,
                now,
                after.responsible_user_id,
                before.responsible_user_id,
            );
        } else if let Some((_, field_id)) = field_meta {
            self.record("custom_field_value_changed", (kind, id), by, now, json!([{"custom_field_value": {"field_id": field_id, "field_type": 8, "enum_id": option, "text": phone}}]), json!([]));
        }
        true
    }

    /// Changes `count` distinct live entities chosen at random (all of them when there are
    /// fewer), as [`Crm::touch`]; returns their ids.
    pub fn touch_random(&mut self, entity: CrmEntity, count: usize, now: i64) -> Vec<i64> {
        let ids: Vec<i64> = match entity {
            CrmEntity::Leads => self.leads.rows().iter().map(|l| l.id).collect(),
            CrmEntity::Contacts => self.contacts.rows().iter().map(|c| c.id).collect(),
            CrmEntity::Companies => self.companies.rows().iter().map(|c| c.id).collect(),
        };
        // A partial Fisher–Yates shuffle: the first `count` are a uniform sample.
        let mut ids = ids;
        let count = count.min(ids.len());
        for i in 0..count {
            let j = i + self.rng.below((ids.len() - i) as u64) as usize;
            ids.swap(i, j);
        }
        ids.truncate(count);
        self.touch(entity, &ids, now)
    }

    /// Moves a live entity to the trash (`…_deleted`); false when there is none.
    pub fn delete(&mut self, entity: CrmEntity, id: i64, now: i64) -> bool {
        let by = self.users[0].id;
        let moved = match entity {
            CrmEntity::Leads => self.leads.remove(id).map(|mut l| {
                (l.updated_at, l.updated_by) = (now, by);
                self.trash.0.insert(l);
            }),
            CrmEntity::Contacts => self.contacts.remove(id).map(|mut c| {
                (c.updated_at, c.updated_by) = (now, by);
                self.trash.1.insert(c);
            }),
            CrmEntity::Companies => self.companies.remove(id).map(|mut c| {
                (c.updated_at, c.updated_by) = (now, by);
                self.trash.2.insert(c);
            }),
        };
        if moved.is_some() {
            let kind = entity.kind();
            self.record(
                &format!("{}_deleted", kind.singular()),
                (kind, id),
                by,
                now,
                json!([]),
                json!([]),
            );
        }
        moved.is_some()
    }

    /// Every live entity's id and `updated_at`, by id.
    pub fn snapshot(&self, entity: CrmEntity) -> Vec<Stamp> {
        match entity {
            CrmEntity::Leads => self
                .leads
                .rows()
                .iter()
                .map(|l| Stamp {
                    id: l.id,
                    updated_at: l.updated_at,
                })
                .collect(),
            CrmEntity::Contacts => self
                .contacts
                .rows()
                .iter()
                .map(|c| Stamp {
                    id: c.id,
                    updated_at: c.updated_at,
                })
                .collect(),
            CrmEntity::Companies => self
                .companies
                .rows()
                .iter()
                .map(|c| Stamp {
                    id: c.id,
                    updated_at: c.updated_at,
                })
                .collect(),
        }
    }
}

/// Sets the values of the field at `at`, adding it (in field order) when the entity has
/// none yet.
fn set_field(fields: &mut Vec<FieldValues>, at: u16, values: Vec<Val>) {
    match fields.binary_search_by_key(&at, |f| f.field) {
        Ok(i) => fields[i].values = values,
        Err(i) => fields.insert(i, FieldValues { field: at, values }),
    }
}
