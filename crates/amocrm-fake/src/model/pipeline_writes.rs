//! Pipelines and statuses added, changed and deleted, checked as amoCRM checks them: the
//! required fields and their types (400 with `validation-errors` per `request_id`), the
//! account's limits, the last pipeline, a pipeline with leads and the system statuses
//! (422). A request is applied whole or not at all; the leads' stages (`Crm::stages`)
//! follow.

use serde_json::{Map, Value};

use crate::model::crm::Crm;
use crate::model::crm::write::Refused;
use crate::model::crm::write::check::{Wrong, items, request_id};
use crate::model::pipelines::{MAX_PIPELINES, Pipeline, Pipelines, Status};
use crate::model::problem::Problem;

/// The most statuses a pipeline holds, its three system ones included.
pub(crate) const MAX_STATUSES: usize = 100;

/// amoCRM's palette of status colours.
const COLORS: [&str; 21] = [
    "#fffeb2", "#fffd7f", "#fff000", "#ffeab2", "#ffdc7f", "#ffce5a", "#ffdbdb", "#ffc8c8",
    "#ff8f92", "#d6eaff", "#c1e0ff", "#98cbff", "#ebffb1", "#deff81", "#87f2c0", "#f9deff",
    "#f3beff", "#ccc8f9", "#eb93ff", "#f2f3f4", "#e6e8ea",
];

/// Why a write was not applied.
#[derive(Debug)]
pub(crate) enum Failure {
    /// 400 with `validation-errors`, or a body that is no write body.
    Refused(Refused),
    /// Any other refusal (404, 422).
    Problem(Problem),
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Self {
        Failure::Problem(problem)
    }
}

type Done<T> = Result<T, Failure>;

fn unprocessable(detail: &'static str) -> Failure {
    Failure::Problem(Problem::new(422, detail))
}

fn object<'a>(item: &'a Value, at: &str, wrong: &mut Vec<Wrong>) -> Option<&'a Map<String, Value>> {
    let map = item.as_object();
    if map.is_none() {
        wrong.push(("InvalidType", at.trim_end_matches('.').to_owned()));
    }
    map
}

/// Checks the keys and values of a pipeline (`status: false`) or a status.
fn check(map: &Map<String, Value>, at: &str, status: bool, add: bool, wrong: &mut Vec<Wrong>) {
    let (keys, required): (&[&str], &[&str]) = match (status, add) {
        (false, true) => (
            &[
                "name",
                "sort",
                "is_main",
                "is_unsorted_on",
                "request_id",
                "_embedded",
            ],
            &["name", "sort", "is_main", "is_unsorted_on"],
        ),
        (false, false) => (&["name", "sort", "is_main", "is_unsorted_on"], &[]),
        (true, true) => (
            &["name", "sort", "color", "descriptions", "request_id"],
            &["name", "sort"],
        ),
        (true, false) => (&["name", "sort", "color", "descriptions"], &[]),
    };
    for key in required.iter().filter(|k| !map.contains_key(**k)) {
        wrong.push(("FieldMissing", format!("{at}{key}")));
    }
    for (key, value) in map {
        let p = format!("{at}{key}");
        if !keys.contains(&key.as_str()) {
            wrong.push(("FieldNotExpected", p));
            continue;
        }
        let ok = match key.as_str() {
            "name" => value.as_str().is_some_and(|n| !n.trim().is_empty()),
            "sort" => value.is_i64(),
            "is_main" | "is_unsorted_on" => value.is_boolean(),
            "request_id" => value.is_string(),
            "color" => {
                let known = value
                    .as_str()
                    .is_some_and(|c| COLORS.contains(&c.to_ascii_lowercase().as_str()));
                if !known {
                    wrong.push(("NotSupportedChoice", p));
                }
                continue;
            }
            "descriptions" => {
                descriptions(value, &p, wrong);
                continue;
            }
            // A new pipeline's statuses: `embedded_statuses`.
            _ => true,
        };
        if !ok {
            wrong.push(("InvalidType", p));
        }
    }
}

fn descriptions(value: &Value, at: &str, wrong: &mut Vec<Wrong>) {
    let Some(list) = value.as_array() else {
        return wrong.push(("InvalidType", at.to_owned()));
    };
    let mut seen = Vec::new();
    for (i, d) in list.iter().enumerate() {
        let level = d.get("level").and_then(Value::as_str);
        match level {
            Some(l @ ("newbie" | "candidate" | "master")) if !seen.contains(&l) => seen.push(l),
            _ => wrong.push(("NotSupportedChoice", format!("{at}.{i}.level"))),
        }
        let text = d.get("description").and_then(Value::as_str);
        if text.is_none_or(|t| t.chars().count() > 1000) {
            wrong.push(("InvalidType", format!("{at}.{i}.description")));
        }
    }
}

/// A new pipeline's own statuses, and its closing ones renamed (ID, name).
type Statuses<'a> = (Vec<&'a Map<String, Value>>, Vec<(i64, String)>);

/// The statuses of a new pipeline's `_embedded`: its own, and the closing ones renamed.
fn embedded_statuses<'a>(map: &'a Map<String, Value>, wrong: &mut Vec<Wrong>) -> Statuses<'a> {
    let (mut own, mut renamed) = (Vec::new(), Vec::new());
    let Some(embedded) = map.get("_embedded") else {
        return (own, renamed);
    };
    let Some(list) = embedded
        .as_object()
        .and_then(|e| e.get("statuses"))
        .and_then(Value::as_array)
    else {
        wrong.push(("InvalidType", "_embedded.statuses".into()));
        return (own, renamed);
    };
    for (i, status) in list.iter().enumerate() {
        let at = format!("_embedded.statuses.{i}.");
        let Some(status) = object(status, &at, wrong) else {
            continue;
        };
        match status.get("id").map(Value::as_i64) {
            None => {
                check(status, &at, true, true, wrong);
                own.push(status);
            }
            Some(Some(id @ (142 | 143))) => {
                for key in status.keys().filter(|k| *k != "id" && *k != "name") {
                    wrong.push(("FieldNotExpected", format!("{at}{key}")));
                }
                match status.get("name").and_then(Value::as_str) {
                    Some(name) if !name.trim().is_empty() => renamed.push((id, name.to_owned())),
                    _ => wrong.push(("FieldMissing", format!("{at}name"))),
                }
            }
            Some(_) => wrong.push(("NotSupportedChoice", format!("{at}id"))),
        }
    }
    (own, renamed)
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn new_status(pipelines: &mut Pipelines, pipeline: &Pipeline, map: &Map<String, Value>) -> Status {
    Status {
        id: pipelines.take_id(),
        name: text(map, "name").unwrap_or_default(),
        sort: map.get("sort").and_then(Value::as_i64).unwrap_or_default(),
        is_editable: true,
        pipeline_id: pipeline.id,
        color: text(map, "color").map_or_else(|| COLORS[0].to_owned(), |c| c.to_ascii_lowercase()),
        kind: 0,
        account_id: pipeline.account_id,
    }
}

/// `POST /api/v4/leads/pipelines`: the pipelines added, with their `request_id`s.
pub(crate) fn add_pipelines(
    crm: &mut Crm,
    pipelines: &mut Pipelines,
    body: &Value,
) -> Done<Vec<(String, i64)>> {
    let list = items(body, MAX_PIPELINES).map_err(|e| Failure::Refused(Refused::Body(e)))?;
    let mut groups = Vec::new();
    let mut plans = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let mut wrong = Vec::new();
        if let Some(map) = object(item, "", &mut wrong) {
            check(map, "", false, true, &mut wrong);
            let (own, renamed) = embedded_statuses(map, &mut wrong);
            if own.len() + 3 > MAX_STATUSES {
                wrong.push(("TooManyValues", "_embedded.statuses".into()));
            }
            plans.push((request_id(item, i), map, own, renamed));
        }
        if !wrong.is_empty() {
            groups.push((request_id(item, i), wrong));
        }
    }
    if !groups.is_empty() {
        return Err(Failure::Refused(Refused::Entities(groups)));
    }
    if pipelines.list.len() + plans.len() > MAX_PIPELINES {
        return Err(unprocessable("An account holds at most 50 pipelines"));
    }
    let account_id = crm.account_id;
    let mut added = Vec::new();
    for (request_id, map, own, renamed) in plans {
        let id = pipelines.take_id();
        let is_main = map.get("is_main").and_then(Value::as_bool).unwrap_or(false);
        if is_main {
            pipelines.list.iter_mut().for_each(|p| p.is_main = false);
        }
        let mut pipeline = Pipeline {
            id,
            name: text(map, "name").unwrap_or_default(),
            sort: map.get("sort").and_then(Value::as_i64).unwrap_or_default(),
            is_main,
            is_unsorted_on: map
                .get("is_unsorted_on")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            is_archive: false,
            account_id,
            statuses: Vec::new(),
        };
        let unsorted = pipelines.take_id();
        let system = |id: i64, name: &str, sort: i64, color: &str, kind: u8| Status {
            id,
            name: renamed
                .iter()
                .find(|(r, _)| *r == id)
                .map_or(name, |(_, n)| n)
                .to_owned(),
            sort,
            is_editable: false,
            pipeline_id: pipeline.id,
            color: color.to_owned(),
            kind,
            account_id,
        };
        let mut statuses = vec![
            system(unsorted, "Неразобранное", 10, "#c1c1c1", 1),
            system(142, "Успешно реализовано", 10_000, "#CCFF66", 0),
            system(143, "Закрыто и не реализовано", 11_000, "#D5D8DB", 0),
        ];
        for status in own {
            statuses.push(new_status(pipelines, &pipeline, status));
        }
        statuses.sort_by_key(|s| (s.kind == 0, s.id == 142 || s.id == 143, s.sort));
        crm.stages.extend(statuses.iter().map(|s| (s.id, id)));
        pipeline.statuses = statuses;
        pipelines.list.push(pipeline);
        added.push((request_id, id));
    }
    Ok(added)
}

/// The changes of a pipeline or a status: one object, at least one key.
fn patch(body: &Value, status: bool) -> Done<&Map<String, Value>> {
    let mut wrong = Vec::new();
    let Some(map) = body.as_object() else {
        return Err(Failure::Refused(Refused::Body(
            "The body is one JSON object".into(),
        )));
    };
    check(map, "", status, false, &mut wrong);
    if map.is_empty() {
        return Err(Failure::Refused(Refused::Body(
            "The body changes nothing".into(),
        )));
    }
    if !wrong.is_empty() {
        return Err(Failure::Refused(Refused::Entities(vec![(
            "0".into(),
            wrong,
        )])));
    }
    Ok(map)
}

fn find(pipelines: &mut Pipelines, id: i64) -> Done<&mut Pipeline> {
    let found = pipelines.list.iter_mut().find(|p| p.id == id);
    found.ok_or_else(|| Problem::not_found("Pipeline not found").into())
}

/// `PATCH /api/v4/leads/pipelines/{id}`.
pub(crate) fn update_pipeline(pipelines: &mut Pipelines, id: i64, body: &Value) -> Done<()> {
    let map = patch(body, false)?;
    find(pipelines, id)?;
    if map.get("is_main") == Some(&Value::Bool(true)) {
        pipelines.list.iter_mut().for_each(|p| p.is_main = false);
    }
    let pipeline = find(pipelines, id)?;
    for (key, value) in map {
        match key.as_str() {
            "name" => pipeline.name = value.as_str().unwrap_or_default().to_owned(),
            "sort" => pipeline.sort = value.as_i64().unwrap_or_default(),
            "is_main" => pipeline.is_main = value.as_bool().unwrap_or_default(),
            "is_unsorted_on" => pipeline.is_unsorted_on = value.as_bool().unwrap_or_default(),
            _ => {}
        }
    }
    Ok(())
}

/// `DELETE /api/v4/leads/pipelines/{id}`: not the last one, not one with leads.
pub(crate) fn delete_pipeline(crm: &mut Crm, pipelines: &mut Pipelines, id: i64) -> Done<()> {
    find(pipelines, id)?;
    if pipelines.list.len() == 1 {
        return Err(unprocessable(
            "The account's last pipeline cannot be deleted",
        ));
    }
    if crm.leads.rows().iter().any(|l| l.pipeline_id == id) {
        return Err(unprocessable("A pipeline with leads cannot be deleted"));
    }
    pipelines.list.retain(|p| p.id != id);
    crm.stages.retain(|(_, p)| *p != id);
    Ok(())
}

/// `POST /api/v4/leads/pipelines/{pipeline_id}/statuses`.
pub(crate) fn add_statuses(
    crm: &mut Crm,
    pipelines: &mut Pipelines,
    pipeline_id: i64,
    body: &Value,
) -> Done<Vec<(String, i64)>> {
    let held = find(pipelines, pipeline_id)?.statuses.len();
    let list = items(body, 250).map_err(|e| Failure::Refused(Refused::Body(e)))?;
    let mut groups = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let mut wrong = Vec::new();
        if let Some(map) = object(item, "", &mut wrong) {
            check(map, "", true, true, &mut wrong);
        }
        if !wrong.is_empty() {
            groups.push((request_id(item, i), wrong));
        }
    }
    if !groups.is_empty() {
        return Err(Failure::Refused(Refused::Entities(groups)));
    }
    if held + list.len() > MAX_STATUSES {
        return Err(unprocessable("A pipeline holds at most 100 statuses"));
    }
    let pipeline = find(pipelines, pipeline_id)?.clone();
    let made: Vec<(String, Status)> = list
        .iter()
        .enumerate()
        .filter_map(|(i, item)| Some((request_id(item, i), item.as_object()?)))
        .map(|(r, map)| (r, new_status(pipelines, &pipeline, map)))
        .collect();
    crm.stages
        .extend(made.iter().map(|(_, s)| (s.id, pipeline_id)));
    let target = find(pipelines, pipeline_id)?;
    let added = made.iter().map(|(r, s)| (r.clone(), s.id)).collect();
    target.statuses.extend(made.into_iter().map(|(_, s)| s));
    target
        .statuses
        .sort_by_key(|s| (s.kind == 0, s.id == 142 || s.id == 143, s.sort));
    Ok(added)
}

/// The editable status `id` of the pipeline.
fn editable(pipelines: &mut Pipelines, pipeline_id: i64, id: i64) -> Done<&mut Status> {
    let pipeline = find(pipelines, pipeline_id)?;
    let status = pipeline.statuses.iter_mut().find(|s| s.id == id);
    let status = status.ok_or(Problem::not_found("Status not found"))?;
    if !status.is_editable {
        return Err(unprocessable(
            "A system status cannot be changed or deleted",
        ));
    }
    Ok(status)
}

/// `PATCH /api/v4/leads/pipelines/{pipeline_id}/statuses/{id}`.
pub(crate) fn update_status(
    pipelines: &mut Pipelines,
    pipeline_id: i64,
    id: i64,
    body: &Value,
) -> Done<()> {
    let map = patch(body, true)?;
    let status = editable(pipelines, pipeline_id, id)?;
    for (key, value) in map {
        match key.as_str() {
            "name" => status.name = value.as_str().unwrap_or_default().to_owned(),
            "sort" => status.sort = value.as_i64().unwrap_or_default(),
            "color" => status.color = value.as_str().unwrap_or_default().to_ascii_lowercase(),
            _ => {}
        }
    }
    let pipeline = find(pipelines, pipeline_id)?;
    pipeline
        .statuses
        .sort_by_key(|s| (s.kind == 0, s.id == 142 || s.id == 143, s.sort));
    Ok(())
}

/// `DELETE /api/v4/leads/pipelines/{pipeline_id}/statuses/{id}`: its leads move to the
/// pipeline's first working stage.
pub(crate) fn delete_status(
    crm: &mut Crm,
    pipelines: &mut Pipelines,
    pipeline_id: i64,
    id: i64,
) -> Done<()> {
    editable(pipelines, pipeline_id, id)?;
    let pipeline = find(pipelines, pipeline_id)?;
    pipeline.statuses.retain(|s| s.id != id);
    let first = pipeline
        .statuses
        .iter()
        .find(|s| s.is_editable)
        .or(pipeline.statuses.first());
    let first = first.map_or(0, |s| s.id);
    let moved: Vec<i64> = crm
        .leads
        .rows()
        .iter()
        .filter(|l| l.status_id == id && l.pipeline_id == pipeline_id)
        .map(|l| l.id)
        .collect();
    for lead in moved {
        crm.leads.update(lead, |l| l.status_id = first);
    }
    crm.stages.retain(|s| *s != (id, pipeline_id));
    Ok(())
}
