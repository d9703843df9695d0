//! A CRM whose leads change while a client reads them: the changes stream
//! ([`amocrm::sync`]) and a page-number scan by `order[updated_at]=asc` under the same
//! churn, each tallied against the leads' final states. What the sync tests assert and
//! the bench reports.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use amocrm::Client;
use amocrm::sync::{Cursor, Lead};
use amocrm_fake::{CrmEntity, FakeCrm, FakeServer};
use futures::StreamExt;

/// How the CRM changes while it is read: after every `every` leads read, `burst` random
/// leads change; the clock moves a second on after every `tick` bursts.
#[derive(Debug, Clone, Copy)]
pub struct Churn {
    /// Leads read between bursts.
    pub every: usize,
    /// Leads changed in a burst.
    pub burst: usize,
    /// Bursts a second.
    pub tick: usize,
}

impl Churn {
    /// `share` of `leads` changed over one read of them, in bursts of a page's worth of
    /// reading (250 leads), a second passing every other burst.
    pub fn share(leads: usize, share: f64) -> Churn {
        let bursts = leads.div_ceil(250).max(1);
        let changed = (leads as f64 * share).round() as usize;
        Churn {
            every: 250,
            burst: changed.div_ceil(bursts),
            tick: 2,
        }
    }
}

/// What one way of reading saw, against the leads' final states.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Leads read (every state handed out, repeats included).
    pub read: usize,
    /// Final states (id, `updated_at`) of live leads never handed out.
    pub missed: usize,
    /// States handed out again after they had been handed out once.
    pub repeated: usize,
    /// Leads changed while reading.
    pub changed: usize,
    /// Requests made.
    pub requests: u64,
    /// Wall time of the reading.
    pub wall: Duration,
}

/// The churn as it is applied: counts the leads read and changes some on schedule.
struct Churning<'a> {
    crm: &'a FakeCrm,
    churn: Option<Churn>,
    read: usize,
    bursts: usize,
    changed: usize,
}

impl Churning<'_> {
    fn one_read(&mut self) {
        self.read += 1;
        let Some(churn) = self.churn else { return };
        if churn.every > 0 && self.read.is_multiple_of(churn.every) {
            self.changed += self.crm.touch_random(CrmEntity::Leads, churn.burst).len();
            self.bursts += 1;
            if churn.tick > 0 && self.bursts.is_multiple_of(churn.tick) {
                self.crm.clock().advance(1);
            }
        }
    }
}

/// An unpaced client of the fake's account ([`crate::fake::client`]).
pub fn client_of(server: &FakeServer) -> Client {
    crate::fake::client(server)
}

/// Final states handed out, counted.
fn tally(crm: &FakeCrm, states: &[(i64, i64)], churning: &Churning<'_>, requests: u64) -> Tally {
    let mut once = HashSet::new();
    let repeated = states.iter().filter(|s| !once.insert(**s)).count();
    let missed = crm
        .leads_snapshot()
        .iter()
        .filter(|s| !once.contains(&(s.id, s.updated_at)))
        .count();
    Tally {
        read: states.len(),
        missed,
        repeated,
        changed: churning.changed,
        requests,
        wall: Duration::ZERO,
    }
}

/// The changes stream of leads from the beginning under `churn`, then, the churn over
/// and a second passed, a second run from the stored cursor (a job's next run).
pub async fn changes(server: &FakeServer, churn: Churn) -> amocrm::Result<Tally> {
    let client = client_of(server);
    let crm = server.crm();
    let mut churning = Churning {
        crm: &crm,
        churn: Some(churn),
        read: 0,
        bursts: 0,
        changed: 0,
    };
    let started = Instant::now();
    let mut states = Vec::new();
    // What a job stores: the cursor as JSON, after each lead and after each run.
    let mut stored = serde_json::to_string(&Cursor::since(0)).expect("a cursor");
    let mut requests = 0;
    for run in 0..2 {
        if run == 1 {
            churning.churn = None;
            crm.clock().advance(1);
        }
        let cursor: Cursor = serde_json::from_str(&stored).expect("a stored cursor");
        let mut stream = client
            .changes::<Lead>(cursor)
            .settle(Duration::ZERO)
            .stream();
        while let Some(lead) = stream.next().await {
            let lead = lead?;
            states.push((lead.id, lead.updated_at.unwrap_or_default()));
            // Stored after each lead (the run's end stores the final one).
            let _ = serde_json::to_string(&stream.cursor()).expect("a cursor");
            churning.one_read();
        }
        stored = serde_json::to_string(&stream.cursor()).expect("a cursor");
        requests += stream.requests();
    }
    let wall = started.elapsed();
    Ok(Tally {
        wall,
        ..tally(&crm, &states, &churning, requests)
    })
}

/// The same reading by page numbers: `filter[updated_at][from]=T`,
/// `order[updated_at]=asc`, pages 1, 2, … until a short page; `T` is then the largest
/// `updated_at` read (inclusive, so that the leads of that second are not lost), and a
/// second run pages again from it.
pub async fn page_scan(server: &FakeServer, churn: Churn) -> amocrm::Result<Tally> {
    let client = client_of(server);
    let crm = server.crm();
    let mut churning = Churning {
        crm: &crm,
        churn: Some(churn),
        read: 0,
        bursts: 0,
        changed: 0,
    };
    let started = Instant::now();
    let mut states = Vec::new();
    let (mut from, mut requests) = (0i64, 0u64);
    for run in 0..2 {
        if run == 1 {
            churning.churn = None;
            crm.clock().advance(1);
        }
        let mut highest = from;
        for page in 1.. {
            requests += 1;
            let leads = scan_page(&client, from, page).await?;
            let count = leads.len();
            for lead in leads {
                let updated_at = lead.updated_at.unwrap_or_default();
                highest = highest.max(updated_at);
                states.push((lead.id, updated_at));
                churning.one_read();
            }
            if count < 250 {
                break;
            }
        }
        from = highest;
    }
    let wall = started.elapsed();
    Ok(Tally {
        wall,
        ..tally(&crm, &states, &churning, requests)
    })
}

/// Page `page` of the leads updated from `from` on, oldest first (empty past the end).
async fn scan_page(client: &Client, from: i64, page: u64) -> amocrm::Result<Vec<Lead>> {
    let mut filter = amocrm_raw::PhpQuery::new();
    filter.push_path("filter", &["updated_at", "from"], from);
    let order: amocrm_raw::PhpQuery = [("order[updated_at]", "asc")].into_iter().collect();
    let call = client.raw().list_leads(
        Some(&filter),
        std::num::NonZeroU64::new(250),
        Some(&order),
        std::num::NonZeroU64::new(page),
        None,
        None,
    );
    match call.await {
        Ok(list) => Ok(list
            .into_inner()
            .embedded
            .into_option()
            .map(|e| e.leads)
            .unwrap_or_default()),
        Err(amocrm_raw::Error::UnexpectedResponse(r)) if r.status().as_u16() == 204 => {
            Ok(Vec::new())
        }
        Err(error) => Err(amocrm::Error::from_raw(error).await),
    }
}
