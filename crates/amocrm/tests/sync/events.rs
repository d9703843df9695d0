//! The events feed against the fake, which answers newest first and records an event for
//! each change a test makes.

use std::collections::BTreeSet;
use std::time::Duration;

use amocrm::sync::{Event, EventCursor};
use amocrm_fake::{CrmEntity, CrmSize, FakeClock, FakeServer};
use amocrm_test_support::churn::client_of;
use futures::{StreamExt, TryStreamExt};

const NOW: i64 = 1_800_000_000;

/// The events of one run from `cursor`, and the cursor after it.
async fn run(server: &FakeServer, cursor: EventCursor) -> (Vec<Event>, EventCursor) {
    let client = client_of(server);
    let mut feed = client.events_since(cursor).settle(Duration::ZERO).stream();
    let mut got = Vec::new();
    while let Some(event) = feed.next().await {
        got.push(event.unwrap());
    }
    (got, feed.cursor())
}

#[tokio::test]
async fn every_event_once_and_the_new_ones_on_the_next_run() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(500).events(400))
        .clock(FakeClock::manual(NOW))
        .start()
        .await
        .unwrap();
    let crm = server.crm();
    let (all, cursor) = run(&server, EventCursor::since(0)).await;
    let ids: BTreeSet<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), all.len(), "no event twice");
    assert_eq!(all.len(), crm.event_count());
    assert!(
        all.windows(2).all(|w| w[0].created_at <= w[1].created_at),
        "oldest first"
    );
    // 300 leads change in one second: more events than a page at once.
    crm.touch_random(CrmEntity::Leads, 300);
    let before = crm.event_count();
    let (none, cursor) = run(&server, cursor).await;
    assert!(none.is_empty(), "the open second waits");
    server.clock().advance(1);
    // The cursor stored in the middle of the crowded second, and resumed from.
    let client = client_of(&server);
    let mut feed = client.events_since(cursor).settle(Duration::ZERO).stream();
    let mut first = Vec::new();
    for _ in 0..150 {
        first.push(feed.next().await.unwrap().unwrap());
    }
    let stored = serde_json::to_string(&feed.cursor()).unwrap();
    drop(feed);
    let (rest, end) = run(&server, serde_json::from_str(&stored).unwrap()).await;
    let new: BTreeSet<String> = first.iter().chain(&rest).map(|e| e.id.clone()).collect();
    assert_eq!(new.len(), first.len() + rest.len(), "no event twice");
    assert_eq!(new.len(), crm.event_count() - all.len());
    assert!(new.len() >= 300 && before > all.len());
    assert!(first.iter().chain(&rest).all(|e| e.created_at == Some(NOW)));
    assert_eq!(end.created_at(), NOW + 1);
}

#[tokio::test]
async fn types_narrow_the_feed_and_bad_input_is_refused() {
    let server = FakeServer::builder()
        .crm(CrmSize::default().leads(50))
        .clock(FakeClock::manual(NOW))
        .start()
        .await
        .unwrap();
    let client = client_of(&server);
    let deleted = server.crm().ids(CrmEntity::Leads)[0];
    assert!(server.crm().delete(CrmEntity::Leads, deleted));
    server.clock().advance(1);
    let events: Vec<Event> = client
        .events_since(EventCursor::since(NOW as u32))
        .types(["lead_deleted"])
        .settle(Duration::ZERO)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].entity_id, Some(deleted));
    for bad in [
        client
            .events_since(EventCursor::since(0))
            .limit(101)
            .stream(),
        client
            .events_since(EventCursor::since(0))
            .types(["custom_field_5_value_changed", "lead_added"])
            .stream(),
    ] {
        let items: Vec<_> = bad.collect().await;
        assert!(
            matches!(items[..], [Err(amocrm::Error::Invalid(_))]),
            "{items:?}"
        );
    }
}
