//! One batch of a writer: its items' bodies with their `request_id`s, sent, and on a 400
//! that names some of them, sent again without those; an add that may have reached
//! amoCRM is never sent again. An item amoCRM would fold into an earlier one of the batch
//! (the same link, the same tag name) is refused unsent: which of them an answer
//! answers would be a guess.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Invalid, Problem};
use crate::write::defs::FieldDefs;
use crate::write::entities::Item;
use crate::write::op::{Answered, Op};
use crate::write::outcome::{FieldError, WriteError, WriteErrorKind, Written};

/// The results of one batch, in input order, and whether an add's outcome is unknown.
pub(super) struct Done {
    pub results: Vec<Result<Written, WriteError>>,
    pub unknown: bool,
}

/// Writes `items`, the input's items from index `first` on.
/// With `defs`, each item's custom field values are checked against them first.
pub(super) async fn write<T: Item>(
    client: &Client,
    op: Op,
    defs: Option<&FieldDefs>,
    first: u64,
    items: Vec<T>,
) -> Done {
    let mut results: Vec<Option<Result<Written, WriteError>>> = Vec::with_capacity(items.len());
    let mut live: Vec<(usize, String)> = Vec::with_capacity(items.len());
    let mut body: Vec<Map<String, Value>> = Vec::with_capacity(items.len());
    // What amoCRM would fold into one answer: the later item is refused unsent.
    let mut folded = HashSet::new();
    for (at, item) in items.into_iter().enumerate() {
        let index = first + at as u64;
        let request_id = index.to_string();
        let body_of = item
            .into_body()
            .and_then(|map| match defs {
                Some(defs) => defs.check_body(&map).map(|()| map),
                None => Ok(map),
            })
            .and_then(|map| match op.folded(&map) {
                Some(fold) if folded.contains(&fold.key) => Err(Invalid::Field {
                    field: fold.field.into(),
                    reason: fold.reason,
                }),
                Some(fold) => {
                    folded.insert(fold.key);
                    Ok(map)
                }
                None => Ok(map),
            });
        match body_of {
            Ok(mut map) => {
                map.insert("request_id".into(), request_id.clone().into());
                body.push(map);
                live.push((at, request_id));
                results.push(None);
            }
            Err(invalid) => results.push(Some(Err(WriteError {
                index,
                request_id,
                kind: WriteErrorKind::Invalid(invalid),
            }))),
        }
    }
    let mut unknown = false;
    let fail = |live: &[(usize, String)], results: &mut Vec<_>, kind: &WriteErrorKind| {
        for (at, request_id) in live {
            results[*at] = Some(Err(WriteError {
                index: first + *at as u64,
                request_id: request_id.clone(),
                kind: kind.clone(),
            }));
        }
    };
    while !live.is_empty() {
        match op.send(client, body.clone()).await {
            Ok(answers) => {
                let mut by_id: HashMap<&str, &Answered> = HashMap::new();
                // An update's answer may leave `request_id` out (amoCRM's own examples
                // of contact edits do): such an entry is matched by the entity's ID,
                // which every update carries.
                let mut by_entity: HashMap<i64, &Answered> = HashMap::new();
                for answer in &answers {
                    for request_id in &answer.request_ids {
                        by_id.insert(request_id, answer);
                    }
                    if answer.request_ids.is_empty() {
                        by_entity.insert(answer.id, answer);
                    }
                }
                for (i, (at, request_id)) in live.iter().enumerate() {
                    let index = first + *at as u64;
                    let sent_id = body[i].get("id").and_then(Value::as_i64);
                    let answer = by_id
                        .get(request_id.as_str())
                        .or_else(|| sent_id.and_then(|id| by_entity.get(&id)));
                    results[*at] = Some(match answer {
                        Some(a) => Ok(Written {
                            index,
                            request_id: request_id.clone(),
                            id: a.id,
                            updated_at: a.updated_at,
                            contact_id: a.contact_id,
                            company_id: a.company_id,
                            merged: a.merged,
                        }),
                        None => {
                            // An add missing from a 200 answer was most likely written:
                            // its outcome is unknown (OnUnknown::Stop stops after it).
                            unknown |= op.adds();
                            Err(WriteError {
                                index,
                                request_id: request_id.clone(),
                                kind: WriteErrorKind::NotAnswered,
                            })
                        }
                    });
                }
                break;
            }
            Err(Error::Api { problem }) if problem.status == 400 => {
                let named = named(&problem, &live);
                if named.is_empty() {
                    let error = Arc::new(Error::Api { problem });
                    fail(&live, &mut results, &WriteErrorKind::Failed(error));
                    break;
                }
                let mut keep = vec![true; live.len()];
                for (i, (at, request_id)) in live.iter().enumerate() {
                    if let Some(errors) = named.get(request_id.as_str()) {
                        keep[i] = false;
                        results[*at] = Some(Err(WriteError {
                            index: first + *at as u64,
                            request_id: request_id.clone(),
                            kind: WriteErrorKind::Refused(errors.clone()),
                        }));
                    }
                }
                let mut flags = keep.iter();
                live.retain(|_| *flags.next().unwrap_or(&false));
                let mut flags = keep.iter();
                body.retain(|_| *flags.next().unwrap_or(&false));
                tracing::info!(
                    operation = ?op,
                    refused = keep.iter().filter(|k| !**k).count(),
                    left = live.len(),
                    "amoCRM refused some items of a batch; sending the rest again"
                );
            }
            Err(error) if op.adds() && may_have_arrived(&error) => {
                let request_ids: Arc<[String]> = live.iter().map(|(_, r)| r.clone()).collect();
                tracing::warn!(operation = ?op, items = live.len(),
                    error = %crate::observe::loggable(&error),
                    "an add may have reached amoCRM; its items are reported as outcome unknown");
                let kind = WriteErrorKind::OutcomeUnknown {
                    request_ids,
                    cause: Arc::new(error),
                };
                fail(&live, &mut results, &kind);
                unknown = true;
                break;
            }
            Err(error) => {
                fail(
                    &live,
                    &mut results,
                    &WriteErrorKind::Failed(Arc::new(error)),
                );
                break;
            }
        }
    }
    Done {
        results: results.into_iter().flatten().collect(),
        unknown,
    }
}

/// The field errors of `problem` by the `request_id`s of `live` they name.
fn named<'a>(problem: &Problem, live: &'a [(usize, String)]) -> HashMap<&'a str, Vec<FieldError>> {
    let mut named: HashMap<&str, Vec<FieldError>> = HashMap::new();
    for e in &problem.validation_errors {
        let Some(request_id) = e.request_id.as_deref() else {
            continue;
        };
        if let Some((_, ours)) = live.iter().find(|(_, r)| r == request_id) {
            named.entry(ours.as_str()).or_default().push(FieldError {
                code: e.code.clone(),
                path: e.path.clone(),
            });
        }
    }
    named
}

/// Whether a failed request may have been applied: its body may have been sent and
/// amoCRM's answer is missing, unread or a server error.
fn may_have_arrived(error: &Error) -> bool {
    match error {
        Error::Transport(e) => !e.is_connect() && !e.is_builder(),
        // A success amoCRM documents otherwise (202, 204) may well have written the batch.
        Error::UnexpectedStatus { status, .. } => *status >= 500 || (200..300).contains(status),
        Error::Api { problem } => problem.status >= 500,
        Error::Decode { .. } | Error::ResponseTooLarge { .. } | Error::Protocol(_) => true,
        _ => false,
    }
}
