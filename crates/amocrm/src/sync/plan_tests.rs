//! The plan against a simulated server whose entities change between requests.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::*;
use crate::sync::answer::Stamped;

/// A server's entities (`id` → `updated_at`) and its clock.
struct Server {
    now: i64,
    rows: BTreeMap<i64, i64>,
    /// Ties of `updated_at` ordered by id descending: the plan must not rely on the
    /// order within a second.
    ties_desc: bool,
}

type Row = (i64, i64);

impl Server {
    fn new(now: i64, rows: impl IntoIterator<Item = Row>) -> Server {
        Server {
            now,
            rows: rows.into_iter().collect(),
            ties_desc: true,
        }
    }

    fn answer(&self, ask: Ask) -> Answer<Row, i64> {
        let Ask::Page {
            from,
            to,
            page,
            limit,
            by_id,
        } = ask
        else {
            return Answer {
                date: Some(self.now),
                entries: Vec::new(),
            };
        };
        let mut rows: Vec<Row> = self
            .rows
            .iter()
            .filter(|(_, u)| (from..=to.unwrap_or(i64::MAX)).contains(*u))
            .map(|(id, u)| (*id, *u))
            .collect();
        if !by_id {
            rows.sort_by_key(|&(id, u)| (u, if self.ties_desc { -id } else { id }));
        }
        let entries = rows
            .into_iter()
            .skip((page as usize - 1) * limit as usize)
            .take(limit as usize)
            .map(|(id, u)| Stamped {
                key: id,
                second: u,
                item: Ok((id, u)),
            })
            .collect();
        Answer {
            date: Some(self.now),
            entries,
        }
    }

    /// Changes `id` now.
    fn touch(&mut self, id: i64) {
        self.rows.insert(id, self.now);
    }
}

/// A small seeded generator.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Runs a plan from `mark` to its end, calling `between` before each request; the states
/// handed out and the cursor after them.
fn run(
    server: &mut Server,
    mark: Mark<i64>,
    limit: u32,
    mut between: impl FnMut(&mut Server),
) -> Result<(Vec<Row>, Mark<i64>, i64)> {
    let mut plan = ChangesPlan::<Row, i64>::new(mark.clone(), limit, 0);
    let mut cursor = mark;
    let mut out = VecDeque::new();
    let mut got = Vec::new();
    let mut requests = 0;
    while let Some(ask) = plan.ask() {
        requests += 1;
        assert!(requests < 10_000, "the plan does not end");
        between(server);
        plan.absorb(ask, server.answer(ask), &mut out)?;
        for next in out.drain(..) {
            match next {
                Out::Jump(second) => cursor.jump(second),
                Out::Item { item, second, key } => {
                    cursor.pass(second, &key);
                    got.push(item?);
                }
            }
        }
    }
    Ok((got, cursor, plan.horizon()))
}

/// No state handed out twice; every state stamped before `horizon` that `from` does not
/// cover handed out.
fn check(server: &Server, from: &Mark<i64>, got: &[Row], horizon: i64) {
    let unique: BTreeSet<Row> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "a state was handed out twice");
    for (&id, &u) in &server.rows {
        if u < horizon && !from.covers(u, &id) {
            assert!(unique.contains(&(id, u)), "lead {id} at {u} was missed");
        }
    }
}

#[test]
fn a_quiet_account_is_handed_out_once_with_ties_beyond_a_page() {
    // 1,000 entities over 100 seconds, and 600 in one second.
    let rows = (1..=1_000)
        .map(|id| (id, 1_000 + id % 100))
        .chain((1_001..=1_600).map(|id| (id, 1_050)));
    let mut server = Server::new(2_000, rows);
    let (got, cursor, horizon) = run(&mut server, Mark::at(0), 250, |_| {}).unwrap();
    assert_eq!(horizon, 2_000);
    assert_eq!(got.len(), 1_600);
    check(&server, &Mark::at(0), &got, horizon);
    assert_eq!(cursor, Mark::at(2_000));
    // Ordered by updated_at.
    assert!(got.windows(2).all(|w| w[0].1 <= w[1].1));
    // Nothing new: nothing handed out.
    let (again, _, _) = run(&mut server, cursor, 250, |_| {}).unwrap();
    assert!(again.is_empty());
}

#[test]
fn changes_while_it_pages_are_never_missed_nor_repeated() {
    for seed in 1..=20u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let rows = (1..=3_000).map(|id| (id, 1_000 + (id * 7 % 300)));
        // Some seconds hold more than a page.
        let rows = rows.chain((3_001..=3_700).map(|id| (id, 1_100 + id % 2)));
        let mut server = Server::new(5_000, rows);
        server.ties_desc = seed % 2 == 0;
        let mut all = Vec::new();
        let mut cursor = Mark::at(0);
        for round in 0..3 {
            let (got, next, horizon) = run(&mut server, cursor.clone(), 250, |server| {
                if round < 2 {
                    for _ in 0..rng.below(40) {
                        let id = 1 + rng.below(3_700) as i64;
                        server.touch(id);
                    }
                    if rng.below(3) == 0 {
                        server.now += 1;
                    }
                }
            })
            .unwrap();
            check(&server, &cursor, &got, horizon);
            all.extend(got);
            cursor = next;
            server.now += 1;
        }
        // Over the runs: every entity's latest state, and no state twice.
        check(&server, &Mark::at(0), &all, i64::MAX);
    }
}

#[test]
fn a_sweep_survives_entities_leaving_its_second() {
    for seed in 1..=30u64 {
        let mut rng = Rng(seed);
        let mut server = Server::new(500, (1..=1_300).map(|id| (id * 3, 100)));
        let mut left = BTreeSet::new();
        let (got, cursor, _) = run(&mut server, Mark::at(100), 250, |server| {
            for _ in 0..rng.below(60) {
                let id = 3 * (1 + rng.below(1_300) as i64);
                server.touch(id);
                left.insert(id);
            }
        })
        .unwrap();
        let got: BTreeSet<i64> = got
            .into_iter()
            .filter(|r| r.1 == 100)
            .map(|r| r.0)
            .collect();
        for id in (1..=1_300).map(|id| id * 3) {
            assert!(
                got.contains(&id) || left.contains(&id),
                "seed {seed}: {id} missed"
            );
        }
        assert_eq!(cursor.second, 500);
    }
}

#[test]
fn a_resumed_run_skips_what_its_cursor_saw() {
    let mut server = Server::new(300, (1..=700).map(|id| (id, 200)));
    let mut mark = Mark::at(200);
    for id in 1..=400 {
        mark.pass(200, &id);
    }
    let (got, cursor, _) = run(&mut server, mark, 250, |_| {}).unwrap();
    let ids: Vec<i64> = got.iter().map(|r| r.0).collect();
    assert_eq!(ids, (401..=700).collect::<Vec<_>>());
    assert_eq!(cursor, Mark::at(300));
}

#[test]
fn the_open_second_waits_for_the_next_run() {
    let mut server = Server::new(100, [(1, 99), (2, 100), (3, 101)]);
    let (got, cursor, _) = run(&mut server, Mark::at(0), 250, |_| {}).unwrap();
    assert_eq!(got, [(1, 99)]);
    assert_eq!(cursor, Mark::at(100));
    server.now = 102;
    let (got, _, _) = run(&mut server, cursor, 250, |_| {}).unwrap();
    assert_eq!(got, [(2, 100), (3, 101)]);
}

#[test]
fn answers_that_break_the_rules_are_errors() {
    let mut plan = ChangesPlan::<Row, i64>::new(Mark::at(10), 250, 0);
    let mut out = VecDeque::new();
    let undated = Answer {
        date: None,
        entries: Vec::new(),
    };
    let error = plan.absorb(Ask::Clock, undated, &mut out).unwrap_err();
    assert!(error.to_string().contains("Date"), "{error}");
    let stamped = |id, second| Stamped {
        key: id,
        second,
        item: Ok((id, second)),
    };
    let ask = Ask::Page {
        from: 10,
        to: None,
        page: 1,
        limit: 250,
        by_id: false,
    };
    for (entries, says) in [
        (vec![stamped(1, 9)], "filter[updated_at][from]=10"),
        (vec![stamped(1, 12), stamped(2, 11)], "not ordered"),
    ] {
        let mut plan = ChangesPlan::<Row, i64>::new(Mark::at(10), 250, 0);
        plan.horizon = 100;
        plan.step = Step::Scan;
        let answer = Answer {
            date: Some(100),
            entries,
        };
        let error = plan.absorb(ask, answer, &mut out).unwrap_err();
        assert!(error.to_string().contains(says), "{error}");
    }
    assert!(out.is_empty());
}

#[test]
fn windows_hold_their_position_and_go_past_it() {
    for max in [1u32, 2, 50, 250] {
        for at in 0..3_000usize {
            let (page, limit) = window(at, max);
            let start = (page as usize - 1) * limit as usize;
            assert!(limit <= max.max(SWEEP_MIN) && limit >= 2);
            assert!(
                start <= at && at + 2 <= start + limit as usize,
                "{at} {max}"
            );
        }
    }
    assert_eq!(window(0, 250), (1, 250));
    assert_eq!(window(249, 250), (2, 249));
    // A small limit still sweeps, with windows of up to 50.
    assert_eq!(window(0, 1), (1, 50));
}
