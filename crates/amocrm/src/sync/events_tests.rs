//! The events plan against a simulated feed that answers newest first and grows while
//! it is read.

use std::collections::{BTreeSet, VecDeque};

use super::*;

/// Events as (id, created_at), in the order they were created.
struct Feed {
    now: i64,
    events: Vec<(String, i64)>,
}

impl Feed {
    fn add(&mut self, n: usize) {
        for _ in 0..n {
            let id = format!("ev{:05}", self.events.len());
            self.events.push((id, self.now));
        }
    }

    fn answer(&self, ask: Ask) -> Answer<(String, i64), String> {
        let Ask::Page {
            from,
            to,
            page,
            limit,
            ..
        } = ask
        else {
            return Answer {
                date: Some(self.now),
                entries: Vec::new(),
            };
        };
        let entries = self
            .events
            .iter()
            .rev()
            .filter(|(_, at)| (from..=to.unwrap_or(i64::MAX)).contains(at))
            .skip((page as usize - 1) * limit as usize)
            .take(limit as usize)
            .map(|(id, at)| Stamped {
                key: id.clone(),
                second: *at,
                item: Ok((id.clone(), *at)),
            })
            .collect();
        Answer {
            date: Some(self.now),
            entries,
        }
    }
}

/// A run from `mark`, the feed growing by `grow` events before each request.
fn run(
    feed: &mut Feed,
    mark: Mark<String>,
    grow: usize,
) -> (Vec<(String, i64)>, Mark<String>, i64, usize) {
    let mut plan = EventsPlan::new(mark.clone(), 100, 0);
    let mut cursor = mark;
    let mut out = VecDeque::new();
    let (mut got, mut requests) = (Vec::new(), 0);
    while let Some(ask) = plan.ask() {
        requests += 1;
        assert!(requests < 10_000, "the plan does not end");
        feed.add(grow);
        feed.now += (requests % 3 == 0) as i64;
        plan.absorb(ask, feed.answer(ask), &mut out).unwrap();
        for next in out.drain(..) {
            match next {
                Out::Jump(second) => cursor.jump(second),
                Out::Item { item, second, key } => {
                    cursor.pass(second, &key);
                    got.push(item.unwrap());
                }
            }
        }
    }
    (got, cursor, plan.horizon, requests)
}

#[test]
fn every_event_once_while_the_feed_grows() {
    let mut feed = Feed {
        now: 1_000,
        events: Vec::new(),
    };
    // Sparse history, a burst of 250 in one second, a dense hour.
    for second in (1_000..1_000 + 86_400).step_by(3_000) {
        feed.now = second;
        feed.add(2);
    }
    feed.now = 90_000;
    feed.add(250);
    for second in 90_001..93_600 {
        feed.now = second;
        feed.add(usize::from(second % 7 == 0));
    }
    feed.now = 100_000;
    let (first, cursor, horizon, requests) = run(&mut feed, Mark::at(0), 3);
    let unique: BTreeSet<&(String, i64)> = first.iter().collect();
    assert_eq!(unique.len(), first.len(), "an event twice");
    let before: Vec<_> = feed.events.iter().filter(|e| e.1 < horizon).collect();
    assert_eq!(first.len(), before.len());
    assert!(first.windows(2).all(|w| w[0].1 <= w[1].1), "oldest first");
    assert!(requests < 80, "{requests} requests");
    // The next run: what arrived meanwhile, once.
    feed.now += 1;
    let (second, _, _, _) = run(&mut feed, cursor, 0);
    let all: BTreeSet<_> = first.iter().chain(&second).cloned().collect();
    assert_eq!(all.len(), first.len() + second.len());
    assert_eq!(all.len(), feed.events.len());
}

#[test]
fn a_cursor_inside_a_crowded_second_resumes_there() {
    let mut feed = Feed {
        now: 50,
        events: Vec::new(),
    };
    feed.add(230);
    feed.now = 60;
    let mut mark = Mark::at(50);
    let seen: Vec<String> = feed.events.iter().take(120).map(|e| e.0.clone()).collect();
    for id in &seen {
        mark.pass(50, id);
    }
    let (got, cursor, _, _) = run(&mut feed, mark, 0);
    assert_eq!(got.len(), 110);
    assert!(got.iter().all(|e| !seen.contains(&e.0)));
    assert_eq!(cursor, Mark::at(60));
}

#[test]
fn an_event_outside_its_window_is_an_error() {
    let mut plan = EventsPlan::<(String, i64)>::new(Mark::at(10), 100, 0);
    let mut out = VecDeque::new();
    let clock = Answer {
        date: Some(100),
        entries: Vec::new(),
    };
    plan.absorb(Ask::Clock, clock, &mut out).unwrap();
    let ask = plan.ask().unwrap();
    let stray = Answer {
        date: Some(100),
        entries: vec![Stamped {
            key: "x".to_owned(),
            second: 5,
            item: Ok(("x".to_owned(), 5)),
        }],
    };
    let error = plan.absorb(ask, stray, &mut out).unwrap_err();
    assert!(
        error.to_string().contains("filter[created_at] 10..=99"),
        "{error}"
    );
}
