//! The plan of a changes stream (leads, contacts, companies): which page to ask for next
//! and what each answer yields, as pure logic over answers (tested here without a server).
//!
//! 1. Ask the server's clock; `H` = its second minus the settle time. Seconds before `H`
//!    are closed: amoCRM stamps a change with its own present, so no new state lands
//!    there, and an entity changed again leaves them (its `updated_at` moves to `H` or
//!    later, for the next run).
//! 2. Scan: page 1, always, of `filter[updated_at][from]=cursor`, `order[updated_at]=asc`.
//!    A page that is not full, or that reaches `H`, holds every remaining entity stamped
//!    before `H`: yield those the cursor does not cover, then the cursor is `H`. A full page whose
//!    last second `m` is past the cursor holds every entity stamped before `m`: yield
//!    those, move the cursor to `m` and scan again. Page numbers are never used here:
//!    pages shift while the CRM changes.
//! 3. A full page all of one second `s` (more entities share it than a page holds):
//!    sweep `s` by id (`[from]=[to]=s`, both inclusive, `order[id]=asc`) in windows (`page`, `limit`)
//!    chosen to overlap the last id taken. The entities of a closed second can only
//!    leave it, so positions only move down; a window whose first id is not past the
//!    last id taken is contiguous with what was taken, and one that starts past it
//!    (entities left in between) is asked again further back. Then the cursor is `s + 1`.

use std::collections::VecDeque;

use super::answer::{Answer, Ask, Key};
use super::cursor::Mark;
use super::stream::{Out, Planner, broken};
use crate::error::Result;

/// Where the plan is.
#[derive(Debug)]
enum Step<K> {
    Clock,
    Scan,
    Sweep(Sweep<K>),
    Done,
}

/// A sweep of one closed second by id.
#[derive(Debug)]
struct Sweep<K> {
    second: i64,
    /// The largest id taken: every id up to it still at `second` has been handled.
    taken: Option<K>,
    /// A position the next window must hold (not as its last): where `taken` was, or
    /// before it.
    at: usize,
    /// Windows in a row that started past `taken`.
    misses: u32,
}

/// The plan of one run of a changes stream.
#[derive(Debug)]
pub(crate) struct ChangesPlan<T, K: Ord> {
    mark: Mark<K>,
    horizon: i64,
    settle: i64,
    limit: u32,
    step: Step<K>,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T, K: Key> ChangesPlan<T, K> {
    /// A run from `mark`, `limit` entities a page, the present taken `settle` seconds
    /// before the server's clock.
    pub(crate) fn new(mark: Mark<K>, limit: u32, settle: i64) -> Self {
        ChangesPlan {
            mark,
            horizon: 0,
            settle,
            limit,
            step: Step::Clock,
            _item: std::marker::PhantomData,
        }
    }

    /// The second after which this run leaves changes to the next (known once the clock
    /// is read).
    #[cfg(test)]
    pub(crate) fn horizon(&self) -> i64 {
        self.horizon
    }

    /// Hands out the entries the mark does not cover, moving it past them.
    fn emit(
        &mut self,
        entries: impl IntoIterator<Item = super::answer::Stamped<T, K>>,
        out: &mut VecDeque<Out<T, K>>,
    ) {
        for entry in entries {
            if self.mark.covers(entry.second, &entry.key) {
                continue;
            }
            self.mark.pass(entry.second, &entry.key);
            out.push_back(Out::Item {
                item: entry
                    .item
                    .map_err(|e| crate::Error::UndecodableEntry(Box::new(e))),
                second: entry.second,
                key: entry.key,
            });
        }
    }

    fn jump(&mut self, second: i64, out: &mut VecDeque<Out<T, K>>) {
        self.mark.jump(second);
        out.push_back(Out::Jump(second));
    }

    /// The second `s` is done: on to the next, or the run is.
    fn after(&mut self, second: i64, out: &mut VecDeque<Out<T, K>>) {
        let next = second.saturating_add(1).min(self.horizon);
        self.jump(next, out);
        self.step = if next >= self.horizon {
            Step::Done
        } else {
            Step::Scan
        };
    }

    fn scanned(&mut self, answer: Answer<T, K>, out: &mut VecDeque<Out<T, K>>) -> Result<()> {
        let from = self.mark.second;
        let full = answer.entries.len() >= self.limit as usize;
        let mut last = from;
        for entry in &answer.entries {
            if entry.second < from {
                return Err(broken(format!(
                    "an entity updated at {} answered filter[updated_at][from]={from}",
                    entry.second
                )));
            }
            if entry.second < last {
                return Err(broken("a page is not ordered by updated_at"));
            }
            last = entry.second;
        }
        let mut kept = answer.entries;
        let before = kept.len();
        kept.retain(|e| e.second < self.horizon);
        if !full || kept.len() < before {
            // Every entity left before the horizon is here.
            self.emit(kept, out);
            let horizon = self.horizon;
            self.jump(horizon, out);
            self.step = Step::Done;
            return Ok(());
        }
        let last = kept.last().map_or(from, |e| e.second);
        if last > from {
            kept.retain(|e| e.second < last);
            self.emit(kept, out);
            self.jump(last, out);
        } else {
            self.step = Step::Sweep(Sweep {
                second: from,
                taken: None,
                at: 0,
                misses: 0,
            });
        }
        Ok(())
    }

    fn swept(
        &mut self,
        (page, limit): (u32, u32),
        answer: Answer<T, K>,
        out: &mut VecDeque<Out<T, K>>,
    ) -> Result<()> {
        let Step::Sweep(sweep) = &mut self.step else {
            return Ok(());
        };
        let second = sweep.second;
        for (i, entry) in answer.entries.iter().enumerate() {
            if entry.second != second {
                return Err(broken(format!(
                    "an entity updated at {} answered filter[updated_at] {second}..={second}",
                    entry.second
                )));
            }
            if i > 0 && answer.entries[i - 1].key >= entry.key {
                return Err(broken("a page is not ordered by id"));
            }
        }
        let start = (page as usize - 1) * limit as usize;
        let contiguous = start == 0
            || matches!((&sweep.taken, answer.entries.first()), (Some(taken), Some(first)) if first.key <= *taken);
        if !contiguous {
            // Entities left the second before this window: ask further back.
            sweep.misses += 1;
            sweep.at = start.saturating_sub(1 << sweep.misses.min(20));
            return Ok(());
        }
        sweep.misses = 0;
        let count = answer.entries.len();
        let fresh: Vec<_> = match &sweep.taken {
            Some(taken) => {
                let taken = taken.clone();
                answer
                    .entries
                    .into_iter()
                    .filter(|e| e.key > taken)
                    .collect()
            }
            None => answer.entries,
        };
        if count > 0 {
            // Where the window's last id stood; `taken` stands there or later.
            sweep.at = start + count - 1;
        }
        if let Some(last) = fresh.last() {
            sweep.taken = Some(last.key.clone());
        }
        let end = count < limit as usize;
        self.emit(fresh, out);
        if end {
            self.after(second, out);
        }
        Ok(())
    }
}

/// The smallest largest window of a sweep: some limit from 2 to 50 puts any position
/// (below 2^64) before the end of its window, since lcm(2..=50) > 2^64.
pub(crate) const SWEEP_MIN: u32 = 50;

/// The window (`page`, `limit`) of at most `max` entries (at least [`SWEEP_MIN`]) that
/// holds position `at` and goes furthest past it: `(page - 1) * limit <= at <= page *
/// limit - 2`.
pub(crate) fn window(at: usize, max: u32) -> (u32, u32) {
    let max = max.max(SWEEP_MIN);
    let mut best = (1, max, 0usize);
    for limit in (2..=max).rev() {
        let l = limit as usize;
        let offset = at % l;
        if offset + 2 > l {
            continue;
        }
        let past = l - 1 - offset;
        if past > best.2 {
            let page = u32::try_from(at / l + 1).unwrap_or(u32::MAX);
            best = (page, limit, past);
        }
    }
    (best.0, best.1)
}

impl<T: Send + 'static, K: Key> Planner for ChangesPlan<T, K> {
    type Item = T;
    type Key = K;

    fn ask(&self) -> Option<Ask> {
        match &self.step {
            Step::Clock => Some(Ask::Clock),
            Step::Scan => Some(Ask::Page {
                from: self.mark.second,
                // Not bounded by the present: what is newer is dropped here, so the
                // scan does not depend on how amoCRM reads `[to]`.
                to: None,
                page: 1,
                limit: self.limit,
                by_id: false,
            }),
            Step::Sweep(sweep) => {
                let (page, limit) = window(sweep.at, self.limit);
                Some(Ask::Page {
                    from: sweep.second,
                    to: Some(sweep.second),
                    page,
                    limit,
                    by_id: true,
                })
            }
            Step::Done => None,
        }
    }

    fn absorb(
        &mut self,
        ask: Ask,
        answer: Answer<T, K>,
        out: &mut VecDeque<Out<T, K>>,
    ) -> Result<()> {
        match (ask, &self.step) {
            (Ask::Clock, _) => {
                let date = answer.date.ok_or_else(|| {
                    broken("the answer has no Date header: the server's clock is unknown")
                })?;
                self.horizon = date.saturating_sub(self.settle);
                self.step = if self.horizon > self.mark.second {
                    Step::Scan
                } else {
                    Step::Done
                };
                Ok(())
            }
            (Ask::Page { by_id: false, .. }, _) => self.scanned(answer, out),
            (Ask::Page { page, limit, .. }, _) => self.swept((page, limit), answer, out),
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
