//! The plan of an events feed: events are never changed, but amoCRM documents no order
//! for their list (it answers newest first), so the plan does not rely on one.
//!
//! 1. Ask the server's clock; the run's present `H` is its second less the settle time.
//! 2. A window `filter[created_at][from]=cursor&[to]=…` below `H`, page 1: a page that is
//!    not full is the whole window (nothing new lands in a closed second): yield it
//!    oldest first, move the cursor past the window and widen the next one when it was
//!    sparse. A full page: halve the window and ask again.
//! 3. A full page of a single second (more events than a page in one second): page
//!    through that second by number. Its events are fixed (a closed second, events never
//!    change), so its pages do not shift, as long as amoCRM orders a fixed set the same
//!    way each time; the ids seen are skipped.

use std::collections::VecDeque;

use super::answer::{Answer, Ask, Stamped};
use super::cursor::Mark;
use super::stream::{Out, Planner, broken};
use crate::error::Result;

/// The first window, in seconds.
const FIRST_WIDTH: i64 = 3_600;
/// The widest window: 30 days.
const MAX_WIDTH: i64 = 30 * 86_400;

#[derive(Debug)]
enum Step {
    Clock,
    Window,
    Second { second: i64, page: u32 },
    Done,
}

/// The plan of one run of an events feed.
#[derive(Debug)]
pub(crate) struct EventsPlan<T> {
    mark: Mark<String>,
    horizon: i64,
    settle: i64,
    limit: u32,
    width: i64,
    step: Step,
    _item: std::marker::PhantomData<fn() -> T>,
}

impl<T> EventsPlan<T> {
    pub(crate) fn new(mark: Mark<String>, limit: u32, settle: i64) -> Self {
        EventsPlan {
            mark,
            horizon: 0,
            settle,
            limit,
            width: FIRST_WIDTH,
            step: Step::Clock,
            _item: std::marker::PhantomData,
        }
    }

    /// The window asked now: from the cursor, `width` seconds, below the present.
    fn window(&self) -> (i64, i64) {
        let from = self.mark.second;
        let to = from.saturating_add(self.width - 1).min(self.horizon - 1);
        (from, to)
    }

    /// Hands out what the mark does not cover, oldest first (then by id).
    fn emit(&mut self, mut entries: Vec<Stamped<T, String>>, out: &mut VecDeque<Out<T, String>>) {
        entries.sort_by(|a, b| (a.second, &a.key).cmp(&(b.second, &b.key)));
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

    /// Everything up to `last` is handed out: on past it, or done.
    fn past(&mut self, last: i64, out: &mut VecDeque<Out<T, String>>) {
        let next = last.saturating_add(1);
        self.mark.jump(next);
        out.push_back(Out::Jump(next));
        self.step = if next >= self.horizon {
            Step::Done
        } else {
            Step::Window
        };
    }

    fn check(entries: &[Stamped<T, String>], from: i64, to: i64) -> Result<()> {
        match entries.iter().find(|e| !(from..=to).contains(&e.second)) {
            Some(e) => Err(broken(format!(
                "an event created at {} answered filter[created_at] {from}..={to}",
                e.second
            ))),
            None => Ok(()),
        }
    }
}

impl<T: Send + 'static> Planner for EventsPlan<T> {
    type Item = T;
    type Key = String;

    fn ask(&self) -> Option<Ask> {
        let (from, to, page) = match self.step {
            Step::Clock => return Some(Ask::Clock),
            Step::Done => return None,
            Step::Window => {
                let (from, to) = self.window();
                (from, to, 1)
            }
            Step::Second { second, page } => (second, second, page),
        };
        Some(Ask::Page {
            from,
            to: Some(to),
            page,
            limit: self.limit,
            by_id: false,
        })
    }

    fn absorb(
        &mut self,
        ask: Ask,
        answer: Answer<T, String>,
        out: &mut VecDeque<Out<T, String>>,
    ) -> Result<()> {
        let Ask::Page { from, to, page, .. } = ask else {
            let date = answer.date.ok_or_else(|| {
                broken("the answer has no Date header: the server's clock is unknown")
            })?;
            self.horizon = date.saturating_sub(self.settle);
            self.step = if self.horizon > self.mark.second {
                Step::Window
            } else {
                Step::Done
            };
            return Ok(());
        };
        let to = to.unwrap_or(from);
        Self::check(&answer.entries, from, to)?;
        let full = answer.entries.len() >= self.limit as usize;
        if !full {
            let sparse = answer.entries.len() * 2 < self.limit as usize;
            self.emit(answer.entries, out);
            if matches!(self.step, Step::Window) && sparse {
                self.width = self.width.saturating_mul(2).min(MAX_WIDTH);
            }
            self.past(to, out);
        } else if to > from {
            self.width = ((to - from + 1) / 2).max(1);
        } else {
            // One second holds more than a page: through its pages.
            self.emit(answer.entries, out);
            self.step = Step::Second {
                second: from,
                page: page.saturating_add(1),
            };
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
