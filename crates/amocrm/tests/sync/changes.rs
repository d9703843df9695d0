//! The changes stream of leads (and contacts, companies) against the fake, whose clock the
//! tests move.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use amocrm::sync::{Company, Contact, Cursor, Lead};
use amocrm::{Client, Error};
use amocrm_fake::{CrmEntity, CrmSize, FakeClock, FakeServer};
use amocrm_test_support::churn::{self, Churn, client_of};
use futures::{StreamExt, TryStreamExt};

const NOW: i64 = 1_800_000_000;

async fn fake(leads: usize) -> FakeServer {
    FakeServer::builder()
        .crm(CrmSize::default().leads(leads).contacts(300).companies(100))
        .clock(FakeClock::manual(NOW))
        .record_requests(true)
        .start()
        .await
        .unwrap()
}

/// Every lead a run hands out, as (id, updated_at), and the cursor after it.
async fn run(client: &Client, cursor: Cursor) -> (Vec<(i64, i64)>, Cursor) {
    let mut stream = client
        .changes::<Lead>(cursor)
        .settle(Duration::ZERO)
        .stream();
    let mut got = Vec::new();
    while let Some(lead) = stream.next().await {
        let lead = lead.unwrap();
        got.push((lead.id, lead.updated_at.unwrap()));
    }
    (got, stream.cursor())
}

#[tokio::test]
async fn five_percent_of_ten_thousand_leads_change_while_it_pages() {
    let server = fake(10_000).await;
    let tally = churn::changes(&server, Churn::share(10_000, 0.05))
        .await
        .unwrap();
    let live = server.crm().leads_snapshot().len();
    assert!(tally.changed * 20 >= live, "5%: {tally:?}");
    assert_eq!((tally.missed, tally.repeated), (0, 0), "{tally:?}");
    // Each changed lead is read once more, in its new state.
    assert!(
        tally.read > live && tally.read <= live + tally.changed,
        "{tally:?}"
    );
}

#[tokio::test]
async fn a_page_number_scan_of_the_same_churn_misses_and_repeats() {
    let server = fake(10_000).await;
    let tally = churn::page_scan(&server, Churn::share(10_000, 0.05))
        .await
        .unwrap();
    assert!(tally.changed * 20 >= server.crm().leads_snapshot().len());
    assert!(tally.missed > 0 && tally.repeated > 0, "{tally:?}");
}

#[tokio::test]
async fn six_hundred_leads_in_one_second() {
    let server = fake(2_000).await;
    let crm = server.crm();
    let client = client_of(&server);
    let (all, cursor) = run(&client, Cursor::since(0)).await;
    assert_eq!(all.len(), crm.leads_snapshot().len());
    assert_eq!(cursor.updated_at(), NOW);
    let changed: BTreeSet<i64> = crm
        .touch_random(CrmEntity::Leads, 600)
        .into_iter()
        .collect();
    server.clock().advance(1);
    // While the crowded second is swept, 40 of its leads change again (a second later).
    let mut stream = client
        .changes::<Lead>(cursor.clone())
        .settle(Duration::ZERO)
        .stream();
    let mut got = Vec::new();
    let mut moved = Vec::new();
    while let Some(lead) = stream.next().await {
        let lead = lead.unwrap();
        got.push((lead.id, lead.updated_at.unwrap()));
        if got.len() == 100 {
            let late: Vec<i64> = changed.iter().rev().take(40).copied().collect();
            moved = crm.touch_leads(&late);
        }
    }
    let ids: BTreeSet<i64> = got.iter().map(|s| s.0).collect();
    assert_eq!(ids.len(), got.len(), "no lead twice");
    assert!(got.iter().all(|s| s.1 == NOW));
    // Every lead that stayed in the second is read; one that left it is read or left
    // for the next run, in its new state.
    for id in &changed {
        assert!(ids.contains(id) || moved.contains(id), "lead {id} missed");
    }
    let (next, _) = run(&client, stream.cursor()).await;
    assert!(
        next.is_empty(),
        "the moved leads are stamped at the open second"
    );
    server.clock().advance(1);
    let (next, _) = run(&client, stream.cursor()).await;
    let next: BTreeSet<i64> = next.iter().map(|s| s.0).collect();
    assert_eq!(next, moved.iter().copied().collect());
    // The sweep asked by id, within the second.
    let swept = server
        .requests()
        .iter()
        .filter(|r| {
            r.query
                .as_deref()
                .unwrap_or("")
                .contains("order%5Bid%5D=asc")
        })
        .count();
    assert!(swept >= 3, "{swept}");
}

#[tokio::test]
async fn a_stored_cursor_resumes_where_a_dropped_stream_stopped() {
    let server = fake(3_000).await;
    let crm = server.crm();
    // A crowded second in the middle of the account's history too.
    crm.touch_random(CrmEntity::Leads, 700);
    server.clock().advance(1);
    let client = client_of(&server);
    for stop in [1, 250, 1_000, 2_500, 2_999] {
        let mut stream = client
            .changes::<Lead>(Cursor::since(0))
            .settle(Duration::ZERO)
            .stream();
        let mut got = Vec::new();
        let mut stored = String::new();
        while let Some(lead) = stream.next().await {
            let lead = lead.unwrap();
            got.push(lead.id);
            stored = serde_json::to_string(&stream.cursor()).unwrap();
            if got.len() == stop {
                break;
            }
        }
        drop(stream);
        let cursor: Cursor = serde_json::from_str(&stored).unwrap();
        let (rest, _) = run(&client, cursor).await;
        got.extend(rest.iter().map(|s| s.0));
        let mut counts: HashMap<i64, usize> = HashMap::new();
        for id in &got {
            *counts.entry(*id).or_default() += 1;
        }
        assert!(
            counts.values().all(|&n| n == 1),
            "stopped at {stop}: a lead twice"
        );
        assert_eq!(
            counts.len(),
            crm.leads_snapshot().len(),
            "stopped at {stop}"
        );
    }
}

#[tokio::test]
async fn contacts_and_companies_and_what_the_stream_refuses() {
    let server = fake(10).await;
    let client = client_of(&server);
    let contacts: Vec<Contact> = client
        .changes::<Contact>(Cursor::since(0))
        .settle(Duration::ZERO)
        .limit(50)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        contacts.len(),
        server.crm().snapshot(CrmEntity::Contacts).len()
    );
    let companies: Vec<Company> = client
        .changes::<Company>(Cursor::since(0))
        .with(["contacts"])
        .settle(Duration::ZERO)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        companies.len(),
        server.crm().snapshot(CrmEntity::Companies).len()
    );
    let sent = server.requests().len();
    for bad in [
        client.changes::<Lead>(Cursor::since(0)).limit(251).stream(),
        client
            .changes::<Lead>(Cursor::since(0))
            .with(["a,b"])
            .stream(),
    ] {
        let items: Vec<_> = bad.collect().await;
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Err(Error::Invalid(_))), "{:?}", items[0]);
    }
    assert_eq!(server.requests().len(), sent, "nothing sent");
    // The default settle leaves changes for a later run until they are over 5 s old.
    server.crm().touch_random(CrmEntity::Leads, 3);
    server.clock().advance(5);
    let recent: Vec<Lead> = client
        .changes::<Lead>(Cursor::since(NOW as u32))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(recent.is_empty());
    server.clock().advance(1);
    let recent: Vec<Lead> = client
        .changes::<Lead>(Cursor::since(NOW as u32))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(recent.len(), 3);
}
