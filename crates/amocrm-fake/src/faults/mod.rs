//! Fault injection: error answers, delays and broken connections that a test (or the
//! binary's `--fault`) asks for, per route or for every route, switchable at run time.
//!
//! A [`Fault`] is a *target* (every route, an operation such as `list`, or a method and a
//! path pattern), an *action* (an error status, latency, a connection reset, a truncated
//! body) and *when* it fires (always, once, N times, only the Nth matching request, with a
//! seeded probability). Faults are applied by one middleware in front of the routes, after
//! the request was recorded and passed the rate limit.
//!
//! The spec grammar and the order faults apply in are documented on [`Fault`].

pub(crate) mod fault;
pub(crate) mod inject;
mod rng;
pub(crate) mod spec;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::Method;

use crate::faults::fault::{Action, Fault};
use crate::faults::rng::SplitMix64;
use crate::faults::spec::ParseFaultError;
use crate::model::lock;

/// Identifies a fault added to [`Faults`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultId(u64);

/// How often a fault matched and fired so far.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FaultReport {
    /// The fault's id.
    pub id: FaultId,
    /// The fault.
    pub fault: Fault,
    /// Requests its target matched.
    pub matched: u64,
    /// Times it was applied.
    pub fired: u64,
}

#[derive(Debug)]
struct Armed {
    id: FaultId,
    fault: Fault,
    rng: SplitMix64,
    matched: u64,
    fired: u64,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    armed: Vec<Armed>,
}

/// The faults of a running [`FakeServer`](crate::FakeServer), switchable while it serves:
/// a cheap handle ([`Clone`] shares it) from [`FakeServer::faults`](crate::FakeServer::faults).
///
/// ```
/// use amocrm_fake::{Fault, FakeServer, Operation};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let server = FakeServer::start().await?;
/// let faults = server.faults();
/// let id = faults.add(Fault::status(500).operation(Operation::Get).once());
/// let url = format!("{}/api/v4/widgets/amo_dropbox", server.base_url());
/// let get = || reqwest::Client::new().get(&url).bearer_auth(server.token()).send();
/// assert_eq!(get().await?.status(), 500);
/// assert_eq!(get().await?.status(), 200);
/// assert_eq!(faults.fired(id), 1);
/// faults.clear();
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Faults {
    table: Arc<Mutex<Table>>,
}

/// What the middleware does with one request.
pub(crate) struct Plan {
    pub(crate) delay: Duration,
    pub(crate) answer: Option<Fault>,
}

impl Faults {
    /// An empty table, for a server about to start.
    pub(crate) fn new() -> Faults {
        Faults {
            table: Arc::default(),
        }
    }

    /// Adds a fault after the others; it applies from the next request on.
    pub fn add(&self, fault: Fault) -> FaultId {
        let mut table = lock(&self.table);
        let id = FaultId(table.next_id);
        table.next_id += 1;
        table.armed.push(Armed {
            id,
            rng: SplitMix64(fault.seed),
            fault,
            matched: 0,
            fired: 0,
        });
        id
    }

    /// Parses a spec (grammar: [`Fault`]) and adds it.
    pub fn add_spec(&self, spec: &str) -> Result<FaultId, ParseFaultError> {
        Ok(self.add(spec.parse()?))
    }

    /// Removes one fault; whether it was there.
    pub fn remove(&self, id: FaultId) -> bool {
        let mut table = lock(&self.table);
        let before = table.armed.len();
        table.armed.retain(|armed| armed.id != id);
        table.armed.len() != before
    }

    /// Removes every fault: the server answers normally again.
    pub fn clear(&self) {
        lock(&self.table).armed.clear();
    }

    /// How many times the fault was applied (0 for an unknown or removed one).
    pub fn fired(&self, id: FaultId) -> u64 {
        lock(&self.table)
            .armed
            .iter()
            .find(|armed| armed.id == id)
            .map_or(0, |armed| armed.fired)
    }

    /// Every fault in order, with its counts.
    pub fn report(&self) -> Vec<FaultReport> {
        lock(&self.table)
            .armed
            .iter()
            .map(|armed| FaultReport {
                id: armed.id,
                fault: armed.fault.clone(),
                matched: armed.matched,
                fired: armed.fired,
            })
            .collect()
    }

    /// Counts the request against every fault and decides what happens to it.
    pub(crate) fn plan(&self, method: &Method, path: &str, original_path: Option<&str>) -> Plan {
        let mut plan = Plan {
            delay: Duration::ZERO,
            answer: None,
        };
        let mut table = lock(&self.table);
        for armed in table.armed.iter_mut() {
            let target = &armed.fault.target;
            if !(target.matches(method, path)
                || original_path.is_some_and(|original| target.matches(method, original)))
            {
                continue;
            }
            armed.matched += 1;
            let fault = &armed.fault;
            let drawn = fault.probability.is_none_or(|p| armed.rng.next_f64() < p);
            let fires = drawn
                && fault.nth.is_none_or(|n| n == armed.matched)
                && fault.times.is_none_or(|n| armed.fired < n);
            if !fires {
                continue;
            }
            match fault.action {
                Action::Latency { min, max } => {
                    plan.delay = plan.delay.saturating_add(armed.rng.between(min, max));
                }
                _ if plan.answer.is_some() => continue,
                _ => plan.answer = Some(fault.clone()),
            }
            armed.fired += 1;
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::fault::Operation;

    fn parse_ok(spec: &str) -> Fault {
        spec.parse()
            .unwrap_or_else(|e| panic!("{spec:?} should parse: {e}"))
    }

    fn fired_sequence(faults: &Faults, n: usize) -> String {
        (0..n)
            .map(|_| {
                let plan = faults.plan(&Method::GET, "/api/v4/widgets", None);
                if plan.answer.is_some() { 'x' } else { '.' }
            })
            .collect()
    }

    #[test]
    fn once_times_nth_and_always() {
        let faults = Faults::new();
        let once = faults.add(Fault::status(500).once());
        assert_eq!(fired_sequence(&faults, 3), "x..");
        faults.clear();
        let twice = faults.add(Fault::status(500).times(2));
        assert_eq!(fired_sequence(&faults, 4), "xx..");
        assert_eq!(faults.fired(twice), 2);
        assert_eq!(faults.fired(once), 0, "cleared");
        faults.clear();
        let third = faults.add(parse_ok("*=503@3"));
        assert_eq!(fired_sequence(&faults, 5), "..x..");
        assert_eq!(faults.report()[0].matched, 5);
        assert_eq!(faults.fired(third), 1);
        assert!(faults.remove(third));
        assert!(!faults.remove(third));
        faults.add(Fault::status(500));
        assert_eq!(fired_sequence(&faults, 3), "xxx");
        // Other routes are not counted.
        faults.clear();
        let list = faults.add(Fault::status(500).operation(Operation::Get).nth(2));
        faults.plan(&Method::GET, "/api/v4/widgets", None);
        faults.plan(&Method::GET, "/api/v4/widgets/a", None);
        assert!(
            faults
                .plan(&Method::GET, "/api/v4/widgets/a", None)
                .answer
                .is_some()
        );
        assert_eq!(faults.report()[0].matched, 2);
        assert_eq!(faults.fired(list), 1);
    }

    #[test]
    fn the_first_answer_wins_and_latencies_add_up() {
        let faults = Faults::new();
        faults.add(Fault::latency(Duration::from_millis(5)));
        let first = faults.add(Fault::status(500).once());
        let second = faults.add(Fault::reset().once());
        faults.add(Fault::latency(Duration::from_millis(7)));
        let plan = faults.plan(&Method::GET, "/", None);
        assert_eq!(plan.delay, Duration::from_millis(12));
        assert_eq!(plan.answer, Some(Fault::status(500).once()));
        let plan = faults.plan(&Method::GET, "/", None);
        assert_eq!(plan.answer, Some(Fault::reset().once()));
        assert_eq!((faults.fired(first), faults.fired(second)), (1, 1));
        assert_eq!(faults.report()[3].fired, 2);
    }

    #[test]
    fn probability_is_deterministic_by_seed() {
        let run = |seed| {
            let faults = Faults::new();
            faults.add(Fault::status(500).probability(0.3).seed(seed));
            fired_sequence(&faults, 64)
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
        let hits = run(42).matches('x').count();
        assert!((8..=32).contains(&hits), "{hits} of 64 at p=0.3");
        // The sequence is fixed by the generator, not by the platform or a crate version.
        assert_eq!(SplitMix64(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        let never = Faults::new();
        never.add(Fault::status(500).probability(0.0));
        assert_eq!(fired_sequence(&never, 10), "..........");
        let always = Faults::new();
        always.add(parse_ok("*=500:p=1"));
        assert_eq!(fired_sequence(&always, 10), "xxxxxxxxxx");
    }

    #[test]
    fn latency_ranges_are_deterministic_and_in_range() {
        let delays = |seed| {
            let faults = Faults::new();
            faults.add(
                Fault::latency_between(Duration::from_millis(10), Duration::from_millis(50))
                    .seed(seed),
            );
            (0..32)
                .map(|_| faults.plan(&Method::GET, "/", None).delay)
                .collect::<Vec<_>>()
        };
        let a = delays(7);
        assert_eq!(a, delays(7));
        assert_ne!(a, delays(8));
        assert!(
            a.iter()
                .all(|d| (Duration::from_millis(10)..=Duration::from_millis(50)).contains(d))
        );
        assert!(a.iter().any(|d| *d != a[0]));
        // Both ends are drawn: the range is inclusive, to the nanosecond.
        let mut rng = SplitMix64(3);
        let (min, max) = (Duration::from_nanos(5), Duration::from_nanos(6));
        let drawn: Vec<Duration> = (0..64).map(|_| rng.between(min, max)).collect();
        assert!(drawn.contains(&min) && drawn.contains(&max), "{drawn:?}");
    }
}
