//! The lead pipelines of an account and their statuses (stages), seeded as amoCRM seeds a
//! new account: the main pipeline "Воронка" with its unsorted stage, three stages of work,
//! and the two closing stages every pipeline shares, 142 (won) and 143 (lost).

use serde::Serialize;

/// amoCRM's limit of pipelines in one account.
pub(crate) const MAX_PIPELINES: usize = 50;

/// The first pipeline of the default account; each account's ids start
/// [`MAX_PIPELINES`] further on, so no two accounts share one.
const FIRST_PIPELINE_ID: i64 = 3_177_727;

/// A pipeline, its fields in amoCRM's order (its statuses go under `_embedded`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Pipeline {
    pub id: i64,
    pub name: String,
    pub sort: i64,
    pub is_main: bool,
    pub is_unsorted_on: bool,
    pub is_archive: bool,
    pub account_id: i64,
    #[serde(skip)]
    pub statuses: Vec<Status>,
}

/// A status (stage) of a pipeline, its fields in amoCRM's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Status {
    pub id: i64,
    pub name: String,
    pub sort: i64,
    pub is_editable: bool,
    pub pipeline_id: i64,
    pub color: String,
    /// 1 for the unsorted stage ("Неразобранное"), 0 for every other.
    #[serde(rename = "type")]
    pub kind: u8,
    pub account_id: i64,
}

/// One stage of a seeded pipeline: its id (`None`: the pipeline's own, derived from the
/// pipeline id), name, sort, whether it can be edited, color and type.
type Stage = (Option<i64>, &'static str, i64, bool, &'static str, u8);

/// The stages of a new pipeline, with the colors amoCRM gives them.
const STAGES: [Stage; 6] = [
    (None, "Неразобранное", 10, false, "#c1c1c1", 1),
    (None, "Первичный контакт", 20, true, "#99ccff", 0),
    (None, "Переговоры", 30, true, "#ffff99", 0),
    (None, "Принимают решение", 40, true, "#ffcc66", 0),
    (
        Some(142),
        "Успешно реализовано",
        10_000,
        false,
        "#CCFF66",
        0,
    ),
    (
        Some(143),
        "Закрыто и не реализовано",
        11_000,
        false,
        "#D5D8DB",
        0,
    ),
];

/// The `count` pipelines of the account with index `account` (0: the default one) and id
/// `account_id`: the first is the main one, "Воронка"; the others "Воронка 2", … Each has
/// the [`STAGES`]; a stage's own id is its pipeline's id times ten plus its position.
pub(crate) fn seed(account: i64, account_id: i64, count: usize) -> Vec<Pipeline> {
    (0..count.min(MAX_PIPELINES) as i64)
        .map(|n| {
            let id = FIRST_PIPELINE_ID + account * MAX_PIPELINES as i64 + n;
            let statuses = (1..)
                .zip(STAGES)
                .map(
                    |(k, (fixed, name, sort, is_editable, color, kind))| Status {
                        id: fixed.unwrap_or(id * 10 + k),
                        name: name.to_owned(),
                        sort,
                        is_editable,
                        pipeline_id: id,
                        color: color.to_owned(),
                        kind,
                        account_id,
                    },
                )
                .collect();
            Pipeline {
                id,
                name: match n {
                    0 => "Воронка".to_owned(),
                    _ => format!("Воронка {}", n + 1),
                },
                sort: n + 1,
                is_main: n == 0,
                is_unsorted_on: true,
                is_archive: false,
                account_id,
                statuses,
            }
        })
        .collect()
}

/// The account's pipelines as the API changes them, and the next ID a pipeline or a
/// status added gets (never one used before, as amoCRM never reuses one).
#[derive(Debug)]
pub(crate) struct Pipelines {
    pub list: Vec<Pipeline>,
    pub next_id: i64,
}

impl Pipelines {
    /// The seeded pipelines of the account with index `account`; IDs of added ones start
    /// in a block of the account's own, past every seeded pipeline's and status's.
    pub fn new(account: i64, list: Vec<Pipeline>) -> Self {
        Pipelines {
            list,
            next_id: 900_000_000 + account * 1_000_000,
        }
    }

    /// A fresh ID.
    pub fn take_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_main_pipeline_with_unsorted_working_and_closing_stages() {
        let pipelines = seed(0, 7, 1);
        assert_eq!(pipelines.len(), 1);
        let main = &pipelines[0];
        assert_eq!(
            (main.id, main.name.as_str(), main.sort),
            (FIRST_PIPELINE_ID, "Воронка", 1)
        );
        assert!(main.is_main && main.is_unsorted_on && !main.is_archive);
        let ids: Vec<i64> = main.statuses.iter().map(|s| s.id).collect();
        let base = FIRST_PIPELINE_ID * 10;
        assert_eq!(ids, [base + 1, base + 2, base + 3, base + 4, 142, 143]);
        let kinds: Vec<u8> = main.statuses.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, [1, 0, 0, 0, 0, 0]);
        let editable: Vec<bool> = main.statuses.iter().map(|s| s.is_editable).collect();
        assert_eq!(editable, [false, true, true, true, false, false]);
        assert!(main.statuses.windows(2).all(|w| w[0].sort < w[1].sort));
        assert!(
            main.statuses
                .iter()
                .all(|s| s.pipeline_id == main.id && s.account_id == 7)
        );
    }

    #[test]
    fn ids_are_unique_across_pipelines_and_accounts() {
        let mut ids = std::collections::HashSet::new();
        for account in 0..3 {
            for pipeline in seed(account, 100 + account, MAX_PIPELINES) {
                assert!(ids.insert(pipeline.id), "pipeline {}", pipeline.id);
                for status in &pipeline.statuses[..4] {
                    assert!(ids.insert(status.id), "status {}", status.id);
                }
            }
        }
        let many = seed(1, 8, MAX_PIPELINES + 5);
        assert_eq!(many.len(), MAX_PIPELINES);
        assert_eq!(many[1].name, "Воронка 2");
        assert!(!many[1].is_main && many.iter().filter(|p| p.is_main).count() == 1);
        assert_eq!(many[0].id, FIRST_PIPELINE_ID + MAX_PIPELINES as i64);
        // In the order they were made, as amoCRM numbers them.
        assert!(many.windows(2).all(|w| w[1].id == w[0].id + 1));
    }
}
