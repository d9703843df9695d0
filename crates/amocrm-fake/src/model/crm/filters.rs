//! The documented filters of leads, contacts and companies (`filter[id]`, `[name]`,
//! `[price]`, `[statuses]`, `[pipeline_id]`, the users, the date ranges,
//! `[custom_fields_values][FIELD_ID]`) and their full-text search, as predicates on the
//! model's records.

use crate::model::crm::fields::{FieldType, Fields};
use crate::model::crm::query::Php;
use crate::model::crm::records::{Lead, Party};
use crate::model::crm::terms::{self, Errors, Needle, Range};
use crate::model::crm::values::{FieldValues, Val};
use crate::model::problem::FieldError;

/// One custom field's condition: values (any of), or a range.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FieldCondition {
    /// Texts or numbers (text, numeric, url, textarea, streetaddress, multitext…).
    Values(Vec<String>),
    /// Option ids (select, multiselect, radiobutton, category).
    Options(Vec<i64>),
    /// `1` or `0` (checkbox).
    Flag(bool),
    /// `[from]`/`[to]` (date, date_time, birthday, numeric).
    Range(Range),
}

/// The filters of a lead, contact or company list. Every condition must hold; within one,
/// any of its values.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct EntityFilter {
    pub ids: Option<Vec<i64>>,
    pub names: Option<Vec<String>>,
    pub price: Option<Range>,
    pub statuses: Option<Vec<(i64, i64)>>,
    pub pipelines: Option<Vec<i64>>,
    pub created_by: Option<Vec<i64>>,
    pub updated_by: Option<Vec<i64>>,
    pub responsible: Option<Vec<i64>>,
    pub created_at: Option<Range>,
    pub updated_at: Option<Range>,
    pub closed_at: Option<Range>,
    pub closest_task_at: Option<Range>,
    /// `(field position, condition)`.
    pub fields: Vec<(u16, FieldCondition)>,
    pub search: Option<Needle>,
}

impl EntityFilter {
    /// The filters of `query` for an entity with these `fields`; `leads` admits the lead
    /// filters (price, statuses, pipelines, closed_at).
    pub fn parse(query: &Php, fields: &Fields, leads: bool, errors: &mut Errors) -> EntityFilter {
        let mut filter = EntityFilter {
            search: Needle::parse(query),
            ..EntityFilter::default()
        };
        let Some(f) = terms::filter(query, errors) else {
            return filter;
        };
        let path = |key: &str| format!("filter[{key}]");
        let ints =
            |key: &str, errors: &mut Errors| terms::ints(f.get(key), &path(key), false, errors);
        let range = |key: &str, errors: &mut Errors| terms::range(f.get(key), &path(key), errors);
        filter.ids = ints("id", errors);
        filter.names = terms::strings(f.get("name"), "filter[name]", false, errors);
        filter.created_by = ints("created_by", errors);
        filter.updated_by = ints("updated_by", errors);
        filter.responsible = ints("responsible_user_id", errors);
        filter.created_at = range("created_at", errors);
        filter.updated_at = range("updated_at", errors);
        filter.closest_task_at = range("closest_task_at", errors);
        if leads {
            filter.price = range("price", errors);
            filter.closed_at = range("closed_at", errors);
            filter.pipelines = ints("pipeline_id", errors);
            filter.statuses = statuses(f.get("statuses"), errors);
        }
        if let Some(custom) = f.get("custom_fields_values") {
            filter.fields = custom_fields(custom, fields, errors);
        }
        filter
    }

    /// Whether the filter admits every row (a page is then found without a scan).
    pub fn is_empty(&self) -> bool {
        *self == EntityFilter::default()
    }

    fn common(
        &self,
        id: i64,
        name: &str,
        users: [i64; 3],
        times: [i64; 2],
        closest: Option<i64>,
        values: &[FieldValues],
    ) -> bool {
        let any = |list: &Option<Vec<i64>>, v: i64| list.as_ref().is_none_or(|l| l.contains(&v));
        let within = |range: &Option<Range>, v: Option<i64>| range.is_none_or(|r| r.contains(v));
        any(&self.ids, id)
            && self
                .names
                .as_ref()
                .is_none_or(|n| n.iter().any(|n| n == name))
            && any(&self.created_by, users[0])
            && any(&self.updated_by, users[1])
            && any(&self.responsible, users[2])
            && within(&self.created_at, Some(times[0]))
            && within(&self.updated_at, Some(times[1]))
            && within(&self.closest_task_at, closest)
            && self
                .fields
                .iter()
                .all(|(at, condition)| field_holds(values, *at, condition))
    }

    pub fn lead(&self, lead: &Lead, fields: &Fields) -> bool {
        let any = |list: &Option<Vec<i64>>, v: i64| list.as_ref().is_none_or(|l| l.contains(&v));
        self.common(
            lead.id,
            &lead.name,
            [lead.created_by, lead.updated_by, lead.responsible_user_id],
            [lead.created_at, lead.updated_at],
            lead.closest_task_at,
            &lead.fields,
        ) && self.price.is_none_or(|r| r.contains(Some(lead.price)))
            && self.closed_at.is_none_or(|r| r.contains(lead.closed_at))
            && any(&self.pipelines, lead.pipeline_id)
            && self
                .statuses
                .as_ref()
                .is_none_or(|s| s.contains(&(lead.pipeline_id, lead.status_id)))
            && self.search.as_ref().is_none_or(|needle| {
                needle.found_in(&lead.name) || values_found(needle, &lead.fields, fields)
            })
    }

    pub fn party(&self, party: &Party, fields: &Fields) -> bool {
        self.common(
            party.id,
            &party.name,
            [
                party.created_by,
                party.updated_by,
                party.responsible_user_id,
            ],
            [party.created_at, party.updated_at],
            party.closest_task_at,
            &party.fields,
        ) && self.search.as_ref().is_none_or(|needle| {
            needle.found_in(&party.name) || values_found(needle, &party.fields, fields)
        })
    }
}

/// Whether the needle is in one of the entity's text values (phones and e-mails too).
fn values_found(needle: &Needle, values: &[FieldValues], fields: &Fields) -> bool {
    values.iter().any(|fv| {
        fields.defs.get(usize::from(fv.field)).is_some_and(|def| {
            fv.values.iter().any(|v| {
                matches!(v, Val::Text(_) | Val::Coded(..))
                    && v.text(def).is_some_and(|t| needle.found_in(&t))
            })
        })
    })
}

/// `filter[statuses][i][pipeline_id]` with `[status_id]`: both required in every pair.
fn statuses(node: Option<&Php>, errors: &mut Errors) -> Option<Vec<(i64, i64)>> {
    let Php::Map(pairs) = node? else {
        errors.push(FieldError::new(
            "InvalidType",
            "filter[statuses]",
            "This value should be a list of {pipeline_id, status_id}.",
        ));
        return None;
    };
    let mut out = Vec::new();
    for (i, pair) in pairs {
        let get = |key: &str| pair.get(key).and_then(Php::as_str).and_then(terms::int);
        match (get("pipeline_id"), get("status_id")) {
            (Some(p), Some(s)) => out.push((p, s)),
            (p, _) => {
                let missing = if p.is_none() {
                    "pipeline_id"
                } else {
                    "status_id"
                };
                errors.push(FieldError::new(
                    "NotBlank",
                    format!("filter[statuses][{i}][{missing}]"),
                    "Both pipeline_id and status_id are required.",
                ));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `filter[custom_fields_values][FIELD_ID]`, read by each field's type.
fn custom_fields(node: &Php, fields: &Fields, errors: &mut Errors) -> Vec<(u16, FieldCondition)> {
    let Php::Map(entries) = node else {
        errors.push(FieldError::new(
            "InvalidType",
            "filter[custom_fields_values]",
            "This value should be keyed by field id.",
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, value) in entries {
        let path = format!("filter[custom_fields_values][{id}]");
        let Some((at, def)) =
            terms::int(id).and_then(|id| fields.defs.iter().enumerate().find(|(_, d)| d.id == id))
        else {
            errors.push(FieldError::new(
                "NotSupportedChoice",
                path,
                "No custom field of this entity has this id.",
            ));
            continue;
        };
        let is_range = value.get("from").is_some() || value.get("to").is_some();
        let condition = match def.kind {
            FieldType::Date | FieldType::DateTime | FieldType::Birthday | FieldType::Numeric
                if is_range =>
            {
                terms::range(Some(value), &path, errors).map(FieldCondition::Range)
            }
            FieldType::Select
            | FieldType::Multiselect
            | FieldType::Radiobutton
            | FieldType::Category => {
                terms::ints(Some(value), &path, false, errors).map(FieldCondition::Options)
            }
            FieldType::Checkbox => match terms::strings(Some(value), &path, false, errors)
                .as_deref()
            {
                Some([one]) if one == "1" || one == "0" => Some(FieldCondition::Flag(one == "1")),
                Some(_) => {
                    errors.push(FieldError::new(
                        "NotSupportedChoice",
                        path,
                        "A checkbox is filtered by 1 or 0.",
                    ));
                    None
                }
                None => None,
            },
            _ => terms::strings(Some(value), &path, false, errors).map(FieldCondition::Values),
        };
        if let Some(condition) = condition {
            out.push((at as u16, condition));
        }
    }
    out
}

/// Whether the entity's values of the field at `at` meet `condition`; an empty field
/// meets none (amoCRM cannot filter for an empty value).
fn field_holds(values: &[FieldValues], at: u16, condition: &FieldCondition) -> bool {
    let Some(fv) = values.iter().find(|fv| fv.field == at) else {
        return false;
    };
    fv.values.iter().any(|v| match (condition, v) {
        (FieldCondition::Options(ids), Val::Choice(id) | Val::Coded(_, id)) => ids.contains(id),
        (FieldCondition::Flag(want), Val::Flag(b)) => want == b,
        (FieldCondition::Range(r), Val::Time(t)) => r.contains(Some(*t)),
        (FieldCondition::Range(r), Val::Number(n)) => r.holds(*n),
        (FieldCondition::Values(list), Val::Number(n)) => list
            .iter()
            .any(|s| s.trim().parse::<f64>().ok() == Some(*n)),
        (FieldCondition::Values(list), Val::Text(t) | Val::Coded(t, _)) => {
            list.iter().any(|s| s == &**t)
        }
        (FieldCondition::Values(list), Val::Time(t)) => {
            list.iter().any(|s| terms::int(s) == Some(*t))
        }
        _ => false,
    })
}
