//! [`MemoryPacer`]: the pacer of one process, one schedule per account, and the schedule
//! itself ([`Lane`]): slots an interval apart, pauses, and departures checked as they
//! happen.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::time::Instant;

use super::Pacer;
use super::rate_limit::RateLimit;
use crate::error::PaceError;

/// The in-process pacer: one schedule per account, shared by every client (and clone)
/// given this pacer. Slots of an account are one [`RateLimit::interval`] apart (or
/// unspaced with `None`, only paused); after a pause the requests that waited leave one
/// interval apart again; a request that gives up waiting gives its slot back.
///
/// Processes do not see each other's slots: a fleet of processes sharing accounts needs a
/// shared engine (the `amocrm-redis` crate).
///
/// ```
/// use amocrm::pace::{MemoryPacer, RateLimit};
///
/// let pacer = MemoryPacer::new(Some(RateLimit::AMOCRM));
/// assert_eq!(pacer.rate_limit(), Some(RateLimit::AMOCRM));
/// ```
#[derive(Debug)]
pub struct MemoryPacer {
    limit: Option<RateLimit>,
    lanes: Mutex<Lanes>,
    /// Blocked accounts, and until when.
    blocked: Mutex<HashMap<String, Instant>>,
}

/// The schedules by account, pruned of those that hold nothing.
#[derive(Debug, Default)]
struct Lanes {
    by_account: HashMap<String, Arc<Lane>>,
    /// The number of lanes that starts the next pruning.
    prune_at: usize,
}

/// Lanes kept before the first pruning: below it, pruning is not worth a scan.
const PRUNE_FROM: usize = 1024;

impl MemoryPacer {
    /// Spaced by `limit` per account, or only paused (`None`).
    pub fn new(limit: Option<RateLimit>) -> Self {
        MemoryPacer {
            limit,
            lanes: Mutex::new(Lanes::default()),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    /// The limit every account is paced at.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.limit
    }

    fn blocks(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.blocked.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long `account` is still blocked, if it is.
    fn block_left(&self, account: &str) -> Option<Duration> {
        let mut blocked = self.blocks();
        let until = *blocked.get(account)?;
        let now = Instant::now();
        if until <= now {
            blocked.remove(account);
            return None;
        }
        Some(until - now)
    }

    /// The lane of `account`, made on first use. Making one past the pruning size first
    /// drops the lanes that hold nothing ([`Lane::holds_nothing`]: no request waiting, no
    /// pause ahead, their last window passed): a new lane in their place schedules
    /// exactly as they would, so memory follows the accounts active in the last second or
    /// so, not every account ever paced. The size doubles what is left, so the scans cost
    /// a constant per lane made.
    fn lane(&self, account: &str) -> Arc<Lane> {
        let mut lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(lane) = lanes.by_account.get(account) {
            return lane.clone();
        }
        if lanes.by_account.len() >= lanes.prune_at.max(PRUNE_FROM) {
            let now = Instant::now();
            // A lane a caller holds (a request waiting for its slot) stays.
            lanes
                .by_account
                .retain(|_, lane| Arc::strong_count(lane) > 1 || !lane.holds_nothing(now));
            lanes.prune_at = lanes.by_account.len().saturating_mul(2);
        }
        let lane = Arc::new(Lane::new(self.limit));
        lanes.by_account.insert(account.to_owned(), lane.clone());
        lane
    }

    /// Lanes kept now.
    #[cfg(test)]
    fn lanes(&self) -> usize {
        let lanes = self.lanes.lock().unwrap_or_else(PoisonError::into_inner);
        lanes.by_account.len()
    }
}

impl Default for MemoryPacer {
    /// amoCRM's 7 requests/second per account.
    fn default() -> Self {
        MemoryPacer::new(Some(RateLimit::AMOCRM))
    }
}

impl Pacer for MemoryPacer {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        if let Some(left) = self.block_left(account) {
            return Box::pin(async move { Err(PaceError::blocked(left)) });
        }
        let lane = self.lane(account);
        Box::pin(async move {
            lane.acquire().await;
            Ok(())
        })
    }

    fn pause<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        self.lane(account).pause(pause_end(Instant::now(), delay));
        Box::pin(async { Ok(()) })
    }

    fn block<'a>(
        &'a self,
        account: &'a str,
        delay: Duration,
    ) -> BoxFuture<'a, Result<(), PaceError>> {
        let until = pause_end(Instant::now(), delay);
        self.lane(account).pause(until);
        let mut blocked = self.blocks();
        let entry = blocked.entry(account.to_owned()).or_insert(until);
        *entry = (*entry).max(until);
        Box::pin(async { Ok(()) })
    }

    fn blocked<'a>(
        &'a self,
        account: &'a str,
    ) -> BoxFuture<'a, Result<Option<Duration>, PaceError>> {
        let left = self.block_left(account);
        Box::pin(async move { Ok(left) })
    }

    fn reached_late<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.lane(account).reached_late(Instant::now());
        Box::pin(async { Ok(()) })
    }

    fn forget<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.lanes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .by_account
            .remove(account);
        self.blocks().remove(account);
        Box::pin(async { Ok(()) })
    }
}

/// The longest pause taken; a longer `Retry-After` (or one too long to represent) is cut
/// to it.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// `now + delay`, at most [`MAX_PAUSE`] ahead.
fn pause_end(now: Instant, delay: Duration) -> Instant {
    let delay = delay.min(MAX_PAUSE);
    now.checked_add(delay).unwrap_or(now)
}

/// When each request to one account may leave: one slot every
/// [`RateLimit::interval`], none during a `Retry-After` pause, and after a pause again one
/// slot an interval, never the queue at once. As requests actually leave, any `n + 1` of
/// them span at least `n` intervals (`n` = [`RateLimit::requests_per_second`]): the
/// property the server enforces, which a late wake-up cannot break and does not carry over.
///
/// Two operations: [`Lane::acquire`] waits for a slot, [`Lane::pause`] stops every slot
/// until an instant. A slot granted before a pause that falls inside it is given up and a
/// new one taken after the pause, behind those already granted there.
#[derive(Debug)]
struct Lane {
    /// `None`: no spacing, only pauses.
    interval: Option<Duration>,
    /// The departures checked as they happen; `None` with no limit.
    window: Option<Window>,
    schedule: Mutex<Schedule>,
}

/// How requests leave, as they do: `n + 1` departures span at least `span`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    /// The limit's requests per second.
    n: usize,
    /// `n` intervals: a second and the margin.
    span: Duration,
}

impl Window {
    fn of(limit: RateLimit) -> Window {
        let n = limit.requests_per_second();
        Window {
            n: usize::try_from(n).unwrap_or(usize::MAX),
            span: limit.interval().saturating_mul(n),
        }
    }
}

/// A slot granted to a request still waiting for it.
struct Booking<'a> {
    pacer: &'a Lane,
    /// `None` once the request left.
    slot: Option<Instant>,
}

impl Drop for Booking<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot {
            self.pacer.schedule().release(slot, self.pacer.interval);
        }
    }
}

/// The pacer's state.
#[derive(Debug, Default)]
struct Schedule {
    /// The earliest instant the next slot may have; `None` before the first.
    next: Option<Instant>,
    /// No slot before it (a `Retry-After`).
    paused_until: Option<Instant>,
    /// When the last `n` requests actually left, oldest first.
    left: VecDeque<Instant>,
    /// Slots granted whose requests gave up waiting (a dropped future): granted again
    /// first, so that callers who give up leave no gap in the schedule.
    released: std::collections::BTreeSet<Instant>,
}

/// What a request that woke up for its slot does.
#[derive(Debug, PartialEq, Eq)]
enum Turn {
    /// Leave now.
    Go,
    /// The slot is inside a pause set since: take a new one.
    Void,
    /// The departure `n` back left less than `n` intervals ago (requests woke up late and
    /// caught up): wait until then, keeping the slot.
    Wait(Instant),
}

impl Schedule {
    /// A slot no earlier than `now`, the pause's end and the next free one; books it.
    fn grant(&mut self, now: Instant, interval: Option<Duration>) -> Instant {
        let mut slot = now;
        if let Some(until) = self.paused_until {
            slot = slot.max(until);
        }
        // A slot given back that is still ahead and outside any pause comes first.
        self.released = self.released.split_off(&slot);
        if let Some(given_back) = self.released.pop_first() {
            return given_back;
        }
        if let Some(next) = self.next {
            slot = slot.max(next);
        }
        if let Some(interval) = interval {
            // An instant this far ahead does not overflow (the interval is at most 1.01 s);
            // if it did, the slot after it would simply be unbounded: keep the last one.
            self.next = Some(slot.checked_add(interval).unwrap_or(slot));
        }
        slot
    }

    /// The slot of a request that gave up before leaving, to be granted again.
    /// Kept only while it can still be granted: a slot booked ahead (with a limit), and
    /// those past or inside a pause are dropped by the next grant.
    fn release(&mut self, slot: Instant, interval: Option<Duration>) {
        if interval.is_some() {
            self.released.insert(slot);
        }
    }

    /// Whether a slot granted earlier still holds: not inside a pause set since.
    fn holds(&self, slot: Instant) -> bool {
        self.paused_until.is_none_or(|until| slot >= until)
    }

    /// Whether the request of `slot`, awake at `now`, leaves. Slots are booked ahead, so
    /// requests that woke up late could leave right before the next ones: departures are
    /// therefore also checked as they happen, `n + 1` of them spanning at least `n`
    /// intervals. Only that window is kept, not the gap to the last departure: one late
    /// wake-up is not carried into every later slot.
    fn depart(&mut self, slot: Instant, now: Instant, window: Option<Window>) -> Turn {
        if !self.holds(slot) {
            return Turn::Void;
        }
        let Some(window) = window else {
            return Turn::Go;
        };
        if let Some(back) = self.left.len().checked_sub(window.n)
            && let Some(oldest) = self.left.get(back)
            && let Some(earliest) = oldest.checked_add(window.span)
            && now < earliest
        {
            return Turn::Wait(earliest);
        }
        self.left.push_back(now);
        while self.left.len() > window.n {
            self.left.pop_front();
        }
        Turn::Go
    }

    /// Whether a schedule made anew at `now` would grant and let go exactly as this one:
    /// no slot booked ahead, no pause ahead, no slot given back ahead, and the window of
    /// the last departure passed.
    fn holds_nothing(&self, now: Instant, window: Option<Window>) -> bool {
        let ahead = |instant: &Instant| *instant > now;
        let window_passed = match (self.left.back(), window) {
            (None, _) => true,
            (Some(last), Some(window)) => {
                last.checked_add(window.span).is_some_and(|end| end <= now)
            }
            (Some(_), None) => true,
        };
        !self.next.as_ref().is_some_and(ahead)
            && !self.paused_until.as_ref().is_some_and(ahead)
            && !self.released.iter().any(ahead)
            && window_passed
    }

    /// A request that left earlier may have reached the server only at `now` (its
    /// connection's setup delayed it): counted as a departure at `now` besides its own, so
    /// the window holds at the server whenever it arrived. The departures stay in order
    /// and only the last `n` are kept.
    fn reached_late(&mut self, now: Instant, window: Option<Window>) {
        let Some(window) = window else {
            return;
        };
        let at = self.left.partition_point(|left| *left <= now);
        self.left.insert(at, now);
        while self.left.len() > window.n {
            self.left.pop_front();
        }
    }

    /// No slot before `until` (a later pause extends an earlier one, never shortens it);
    /// [`Schedule::grant`] then starts from `until` at the earliest.
    fn pause(&mut self, until: Instant) {
        if self.paused_until.is_none_or(|current| current < until) {
            self.paused_until = Some(until);
        }
    }
}

impl Lane {
    /// Spaced by `limit`'s interval, or only paused (`None`).
    fn new(limit: Option<RateLimit>) -> Self {
        Lane {
            interval: limit.map(|limit| limit.interval()),
            window: limit.map(Window::of),
            schedule: Mutex::new(Schedule::default()),
        }
    }

    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// See [`Schedule::holds_nothing`].
    fn holds_nothing(&self, now: Instant) -> bool {
        self.schedule().holds_nothing(now, self.window)
    }

    /// Waits until this request may leave.
    async fn acquire(&self) {
        // Dropped before leaving (the caller gave up), the booking gives its slot back.
        let mut booking = Booking {
            pacer: self,
            slot: Some(self.schedule().grant(Instant::now(), self.interval)),
        };
        let mut wake = booking.slot.unwrap_or_else(Instant::now);
        while let Some(slot) = booking.slot {
            // A slot already due leaves without a trip through the timer, which would round
            // it up to its next millisecond tick.
            if wake > Instant::now() {
                tokio::time::sleep_until(wake).await;
            }
            let turn = self.schedule().depart(slot, Instant::now(), self.window);
            match turn {
                Turn::Go => booking.slot = None,
                // A pause set while waiting voids a slot inside it: take a new one after it.
                Turn::Void => {
                    let slot = self.schedule().grant(Instant::now(), self.interval);
                    booking.slot = Some(slot);
                    wake = slot;
                }
                Turn::Wait(until) => wake = until,
            }
        }
    }

    /// See [`Schedule::reached_late`].
    fn reached_late(&self, now: Instant) {
        self.schedule().reached_late(now, self.window);
    }

    /// No request leaves before `until`; those after it are spaced again.
    fn pause(&self, until: Instant) {
        self.schedule().pause(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pace::DEFAULT_JITTER_MARGIN;

    /// The slots a schedule grants to `n` requests asking at `now`.
    fn slots(schedule: &mut Schedule, now: Instant, n: usize, every: Duration) -> Vec<Instant> {
        (0..n).map(|_| schedule.grant(now, Some(every))).collect()
    }

    #[test]
    fn slots_are_spaced_by_the_interval_from_now() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let granted = slots(&mut schedule, now, 4, every);
        let expected: Vec<Instant> = (0..4).map(|i| now + every * i).collect();
        assert_eq!(granted, expected);
        assert!(granted.iter().all(|slot| schedule.holds(*slot)));
        // Idle for a while: the next slot is now, not in the past.
        let later = now + Duration::from_secs(5);
        assert_eq!(schedule.grant(later, Some(every)), later);
        assert_eq!(schedule.grant(later, Some(every)), later + every);
        // Without a limit every request may leave at once.
        let mut free = Schedule::default();
        assert_eq!(slots(&mut free, now, 3, Duration::ZERO), vec![now; 3]);
        assert_eq!(free.grant(now, None), now);
        assert_eq!(free.grant(now, None), now);
    }

    #[test]
    fn a_pause_voids_the_slots_inside_it_and_the_queue_is_spaced_after_it() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        // 16 requests queue: slots now, +100 ms, ... +1.5 s.
        let before = slots(&mut schedule, now, 16, every);
        // A 429 with Retry-After: 1 s arrives at once.
        let until = now + Duration::from_secs(1);
        schedule.pause(until);
        let (void, kept): (Vec<Instant>, Vec<Instant>) =
            before.iter().partition(|slot| !schedule.holds(**slot));
        assert_eq!(void.len(), 10, "{void:?}");
        assert!(kept.iter().all(|slot| *slot >= until));
        // Those voided take new slots (in their order), after the ones still held.
        let retaken = slots(&mut schedule, now + every * 3, void.len(), every);
        let mut all: Vec<Instant> = kept.into_iter().chain(retaken).collect();
        all.sort();
        assert!(all[0] >= until);
        for pair in all.windows(2) {
            assert!(pair[1] - pair[0] >= every, "{pair:?}");
        }
        assert_eq!(all.len(), 16);
    }

    #[test]
    fn a_pause_beyond_the_queue_starts_the_schedule_at_its_end() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let before = slots(&mut schedule, now, 3, every);
        let until = now + Duration::from_secs(3);
        schedule.pause(until);
        assert!(before.iter().all(|slot| !schedule.holds(*slot)));
        // A slot is never before the pause's end, whoever asks and when.
        assert_eq!(schedule.grant(now, Some(every)), until);
        assert_eq!(schedule.grant(now + every, Some(every)), until + every);
        assert_eq!(schedule.grant(now, None), until + every * 2);
        // Without a limit, only the pause holds requests back.
        let mut free = Schedule::default();
        free.pause(until);
        assert_eq!(free.grant(now, None), until);
        assert_eq!(free.grant(now, None), until);
        assert!(free.holds(until) && !free.holds(until - Duration::from_nanos(1)));
        // A longer pause after a shorter one extends it.
        let mut extended = Schedule::default();
        extended.pause(now + every);
        extended.pause(until);
        assert!(!extended.holds(until - Duration::from_nanos(1)));
        assert_eq!(extended.grant(now, Some(every)), until);
        // A shorter pause after a longer one shortens nothing.
        schedule.pause(now + Duration::from_secs(1));
        assert!(!schedule.holds(until - Duration::from_nanos(1)));
        assert!(schedule.grant(now, Some(every)) >= until + every * 2);
        // An exact pause end is a valid slot.
        let mut exact = Schedule::default();
        exact.pause(until);
        assert!(exact.holds(until));
    }

    /// 3 per window of 300 ms: slots 100 ms apart.
    const EVERY: Duration = Duration::from_millis(100);
    const WINDOW: Window = Window {
        n: 3,
        span: Duration::from_millis(300),
    };

    #[test]
    fn the_window_is_n_intervals_of_the_limit() {
        let window = Window::of(RateLimit::AMOCRM);
        assert_eq!(window.n, 7);
        assert_eq!(window.span, RateLimit::AMOCRM.interval() * 7);
        assert!(window.span >= Duration::from_secs(1) + DEFAULT_JITTER_MARGIN);
    }

    #[test]
    fn a_late_departure_does_not_delay_the_next_slot() {
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let granted = slots(&mut schedule, now, 3, EVERY);
        assert_eq!(
            schedule.depart(granted[0], granted[0], Some(WINDOW)),
            Turn::Go
        );
        // The second wakes up 5 ms late; the third, on time, leaves 95 ms after it.
        let late = granted[1] + Duration::from_millis(5);
        assert_eq!(schedule.depart(granted[1], late, Some(WINDOW)), Turn::Go);
        assert_eq!(
            schedule.depart(granted[2], granted[2], Some(WINDOW)),
            Turn::Go
        );
        assert!(granted[2] - late < EVERY);
    }

    #[test]
    fn n_plus_one_departures_never_fall_within_the_window() {
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let granted = slots(&mut schedule, now, 6, EVERY);
        // The first wakes up 30 ms late, the others on time.
        let mut left = vec![granted[0] + Duration::from_millis(30)];
        assert_eq!(schedule.depart(granted[0], left[0], Some(WINDOW)), Turn::Go);
        for slot in &granted[1..3] {
            assert_eq!(schedule.depart(*slot, *slot, Some(WINDOW)), Turn::Go);
            left.push(*slot);
        }
        // The fourth would make 4 departures within 270 ms: it waits, keeping its slot.
        let until = left[0] + WINDOW.span;
        assert_eq!(
            schedule.depart(granted[3], granted[3], Some(WINDOW)),
            Turn::Wait(until)
        );
        let early = until - Duration::from_nanos(1);
        assert_eq!(
            schedule.depart(granted[3], early, Some(WINDOW)),
            Turn::Wait(until)
        );
        assert_eq!(schedule.depart(granted[3], until, Some(WINDOW)), Turn::Go);
        left.push(until);
        // The next ones are on their slots again.
        for slot in &granted[4..] {
            assert_eq!(schedule.depart(*slot, *slot, Some(WINDOW)), Turn::Go);
            left.push(*slot);
        }
        for four in left.windows(4) {
            assert!(four[3] - four[0] >= WINDOW.span, "{four:?}");
        }
        assert_eq!(schedule.left.len(), WINDOW.n);
    }

    #[test]
    fn a_request_that_reached_the_server_late_counts_from_then() {
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let granted = slots(&mut schedule, now, 4, EVERY);
        for slot in &granted[..3] {
            assert_eq!(schedule.depart(*slot, *slot, Some(WINDOW)), Turn::Go);
        }
        // The first one's answer (over a new connection) came 50 ms after it left: it may
        // have reached the server only then.
        let reached = granted[0] + Duration::from_millis(50);
        schedule.reached_late(reached, Some(WINDOW));
        assert!(schedule.left.iter().is_sorted());
        assert_eq!(schedule.left.len(), WINDOW.n);
        // The fourth waits for a window after the first's arrival, not after its slot.
        assert_eq!(
            schedule.depart(granted[3], granted[3], Some(WINDOW)),
            Turn::Wait(reached + WINDOW.span)
        );
        // Without a limit nothing is kept.
        let mut free = Schedule::default();
        free.reached_late(now, None);
        assert!(free.left.is_empty());
    }

    #[test]
    fn without_a_limit_only_pauses_hold_departures_back() {
        let now = Instant::now();
        let mut free = Schedule::default();
        assert_eq!(free.depart(now, now, None), Turn::Go);
        assert_eq!(free.depart(now, now, None), Turn::Go);
        free.pause(now + EVERY);
        assert_eq!(free.depart(now, now, None), Turn::Void);
        assert_eq!(free.depart(now + EVERY, now + EVERY, None), Turn::Go);
        assert!(free.left.is_empty());
        // A voided slot is voided even when its wait is over.
        let mut schedule = Schedule::default();
        let granted = slots(&mut schedule, now, 4, EVERY);
        for slot in &granted[..3] {
            assert_eq!(schedule.depart(*slot, *slot, Some(WINDOW)), Turn::Go);
        }
        let held = schedule.depart(granted[3], granted[3], Some(WINDOW));
        assert_eq!(held, Turn::Go);
        schedule.pause(now + EVERY * 10);
        let next = schedule.grant(now, Some(EVERY));
        assert_eq!(next, now + EVERY * 10);
        assert_eq!(schedule.depart(granted[3], next, Some(WINDOW)), Turn::Void);
        assert_eq!(schedule.depart(next, next, Some(WINDOW)), Turn::Go);
    }

    #[tokio::test]
    async fn acquire_waits_out_a_pause_set_while_it_waited() {
        let pacer = Arc::new(Lane::new(RateLimit::per_second(100)));
        let started = Instant::now();
        pacer.acquire().await;
        let waiting = {
            let pacer = pacer.clone();
            tokio::spawn(async move {
                pacer.acquire().await;
                Instant::now()
            })
        };
        // The second slot is ~10 ms away; a 300 ms pause comes first.
        pacer.pause(started + Duration::from_millis(300));
        let left = waiting.await.unwrap();
        assert!(
            left - started >= Duration::from_millis(300),
            "{:?}",
            left - started
        );
    }

    #[test]
    fn a_slot_given_back_is_granted_again_and_none_outside_the_schedule() {
        let every = Duration::from_millis(100);
        let now = Instant::now();
        let mut schedule = Schedule::default();
        let booked = slots(&mut schedule, now, 5, every);
        // The waiters of the last three give up, in any order: their slots are free again.
        for slot in [booked[3], booked[2], booked[4]] {
            schedule.release(slot, Some(every));
        }
        let again = slots(&mut schedule, now, 4, every);
        assert_eq!(
            again,
            vec![booked[2], booked[3], booked[4], now + every * 5]
        );
        // A slot given back inside a pause, or already past, is not granted again.
        let mut paused = Schedule::default();
        let booked = slots(&mut paused, now, 3, every);
        paused.release(booked[0], Some(every));
        paused.release(booked[2], Some(every));
        paused.pause(now + every * 2 + Duration::from_millis(1));
        assert_eq!(paused.grant(now, Some(every)), now + every * 3);
        // Without a limit nothing is booked, so nothing is given back.
        let mut free = Schedule::default();
        free.release(now, None);
        assert_eq!(free.grant(now + every, None), now + every);
        assert!(free.released.is_empty());
    }

    #[tokio::test]
    async fn waiters_that_give_up_leave_no_gap_in_the_schedule() {
        // 10/s: slots 101 ms apart. 30 requests queue, 29 of them give up after 150 ms
        // (a caller's timeout): the next request must not wait behind their slots (~3 s).
        let pacer = Arc::new(Lane::new(RateLimit::per_second(10)));
        let waiters: Vec<_> = (0..30)
            .map(|_| {
                let pacer = pacer.clone();
                tokio::spawn(async move {
                    tokio::time::timeout(Duration::from_millis(150), pacer.acquire())
                        .await
                        .is_ok()
                })
            })
            .collect();
        let mut left = 0;
        for waiter in waiters {
            left += usize::from(waiter.await.unwrap());
        }
        assert!(left <= 3, "{left}");
        let asked = Instant::now();
        pacer.acquire().await;
        let waited = asked.elapsed();
        assert!(waited < Duration::from_millis(600), "{waited:?}");
    }

    #[tokio::test]
    async fn accounts_are_paced_apart_and_huge_pauses_do_not_overflow() {
        let pacer = MemoryPacer::new(RateLimit::per_second(2));
        let started = Instant::now();
        // Two accounts: each has its first slot now.
        pacer.acquire("a").await.unwrap();
        pacer.acquire("b").await.unwrap();
        assert!(started.elapsed() < Duration::from_millis(200));
        pacer.acquire("a").await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(500));
        pacer.pause("c", Duration::MAX).await.unwrap();
        pacer
            .pause("c", Duration::from_secs(u64::MAX / 2))
            .await
            .unwrap();
        let paused = tokio::time::timeout(Duration::from_millis(50), pacer.acquire("c")).await;
        assert!(paused.is_err());
        assert!(pause_end(started, Duration::MAX) <= started + MAX_PAUSE);
    }

    #[test]
    fn a_schedule_holds_nothing_once_its_last_window_passed() {
        let limit = RateLimit::AMOCRM;
        let (every, window) = (limit.interval(), Some(Window::of(limit)));
        let now = Instant::now();
        let mut schedule = Schedule::default();
        assert!(schedule.holds_nothing(now, window));
        let slot = schedule.grant(now, Some(every));
        assert_eq!(schedule.depart(slot, now, window), Turn::Go);
        // The next slot is booked ahead, then the departure's window runs.
        assert!(!schedule.holds_nothing(now, window));
        assert!(!schedule.holds_nothing(now + every, window));
        let span = window.map(|w| w.span).unwrap_or_default();
        assert!(schedule.holds_nothing(now + span, window));
        // A pause ahead holds.
        schedule.pause(now + span * 3);
        assert!(!schedule.holds_nothing(now + span * 2, window));
        assert!(schedule.holds_nothing(now + span * 3, window));
    }

    #[tokio::test]
    async fn lanes_that_hold_nothing_are_pruned_and_memory_follows_the_active_accounts() {
        let pacer = MemoryPacer::new(Some(RateLimit::AMOCRM));
        for n in 0..PRUNE_FROM {
            pacer.acquire(&format!("a{n}")).await.unwrap();
        }
        // The pruning size reached: inside their window every lane holds its departure,
        // none goes.
        pacer.pause("paused", MAX_PAUSE).await.unwrap();
        assert_eq!(pacer.lanes(), PRUNE_FROM + 1);
        tokio::time::sleep(Window::of(RateLimit::AMOCRM).span + Duration::from_millis(50)).await;
        // New accounts until the next pruning: then only they and the paused lane stay.
        let mut made = 0;
        loop {
            pacer.acquire(&format!("b{made}")).await.unwrap();
            made += 1;
            if pacer.lanes() <= made + 1 {
                break;
            }
            assert!(made < 4 * PRUNE_FROM, "never pruned");
        }
        assert_eq!(pacer.lanes(), made + 1);
        let paused = tokio::time::timeout(Duration::from_millis(50), pacer.acquire("paused")).await;
        assert!(paused.is_err(), "the pause survived pruning");
    }
}
