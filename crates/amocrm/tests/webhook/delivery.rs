//! The fake posting webhooks to a loopback receiver built with the axum extractor: what a
//! lead's change delivers, a wrong secret refused (and retried by the fake on its
//! compressed schedule), a failing destination switched off.

use std::sync::Arc;
use std::time::Duration;

use amocrm::webhook::axum::WebhookDelivery;
use amocrm::webhook::{Action, Event, Received, WebhookReceiver};
use amocrm::webhooks::WebhookEvent;
use amocrm_fake::{CrmEntity, FakeServer, LeadChange, WebhookSchedule};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::sync::mpsc;

const SECRET: &str = "k3iM2bT9xQ0fLw7Z-loopback";

/// A receiver at `/hooks/{secret}` sending what it accepts to the returned channel, and a
/// route `/broken` answering 500; its origin.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Received>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let hook = move |WebhookDelivery(received): WebhookDelivery| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(received);
            StatusCode::OK
        }
    };
    let app = Router::new()
        .route("/hooks/{secret}", post(hook))
        .route(
            "/broken",
            post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
        )
        .with_state(Arc::new(WebhookReceiver::new(SECRET).unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (origin, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Received>) -> Received {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("a delivery within 5 s")
        .expect("open")
}

async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..250 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("not within 5 s: {what}");
}

#[tokio::test]
async fn a_lead_moved_on_is_delivered_in_amocrms_shape() {
    let fake = FakeServer::builder()
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let (origin, mut rx) = receiver().await;
    let events = [
        WebhookEvent::StatusLead,
        WebhookEvent::UpdateLead,
        WebhookEvent::DeleteLead,
    ];
    let url = format!("{origin}/hooks/{SECRET}");
    client
        .webhooks()
        .subscribe(&url, events)
        .send()
        .await
        .unwrap();

    let crm = fake.crm();
    let lead = crm.ids(CrmEntity::Leads)[0];
    let now = client.leads().get(lead).send().await.unwrap();
    let (pipeline, status) = (now.pipeline_id.unwrap(), now.status_id.unwrap());
    let won = if status == 142 { 143 } else { 142 };
    let events = crm.event_count();
    assert!(crm.update_lead(lead, &LeadChange::new().status(pipeline, won)));
    assert!(crm.event_count() > events, "the change is in the feed");

    let Received::New(delivery) = next(&mut rx).await else {
        panic!("a new delivery")
    };
    assert_eq!(delivery.account.subdomain.as_deref(), Some("example"));
    assert!(delivery.account.id.is_some());
    let events: Vec<(Action, i64, Option<i64>)> = delivery
        .events
        .iter()
        .map(|e| match e.as_ref().unwrap() {
            Event::Lead { action, lead } => (action.clone(), lead.id, lead.status_id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        events,
        [
            (Action::Status, lead, Some(won)),
            (Action::Update, lead, Some(won))
        ]
    );
    let Ok(Event::Lead { lead: moved, .. }) = &delivery.events[0] else {
        unreachable!()
    };
    assert_eq!(moved.old_status_id, Some(status));
    assert_eq!(moved.pipeline_id, Some(pipeline));
    let text = won.to_string();
    assert_eq!(
        moved.fields["status_id"].as_text(),
        Some(text.as_str()),
        "strings, as amoCRM sends"
    );

    // A change of another kind the destination did not subscribe to: nothing; a delete: one.
    assert!(crm.delete(CrmEntity::Contacts, crm.ids(CrmEntity::Contacts)[0]));
    assert!(crm.delete(CrmEntity::Leads, lead));
    let Received::New(delivery) = next(&mut rx).await else {
        panic!()
    };
    let deleted = lead;
    assert!(matches!(
        delivery.events[..],
        [Ok(Event::Lead { action: Action::Delete, ref lead })] if lead.id == deleted
    ));
    assert!(
        fake.webhook_attempts()
            .iter()
            .all(|a| a.status == Some(200))
    );
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_the_fake_retries_then_gives_up() {
    let fake = FakeServer::builder()
        .webhook_schedule(WebhookSchedule::compressed(3000))
        .start()
        .await
        .unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let (origin, mut rx) = receiver().await;
    let wrong = format!("{origin}/hooks/not-the-secret-at-all");
    client
        .webhooks()
        .subscribe(&wrong, [WebhookEvent::UpdateLead])
        .send()
        .await
        .unwrap();
    fake.crm().touch_random(CrmEntity::Leads, 1);

    // 404 → tried again after 100 ms and 300 ms (attempts 2 and 3), then not any more.
    eventually("three attempts", || fake.webhook_attempts().len() == 3).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let attempts = fake.webhook_attempts();
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    assert!(attempts.iter().all(|a| a.status == Some(404)));
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(rx.try_recv().is_err(), "the receiver did no work");
}

#[tokio::test]
async fn a_destination_that_keeps_failing_is_switched_off() {
    // Waits of 10 to 120 ms; the failures counted over a minute, however slow the machine.
    let schedule = WebhookSchedule::compressed(30_000)
        .disable_after(3)
        .window(Duration::from_secs(60));
    let fake = FakeServer::builder()
        .webhook_schedule(schedule)
        .start()
        .await
        .unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let (origin, _rx) = receiver().await;
    let broken = format!("{origin}/broken");
    client
        .webhooks()
        .subscribe(&broken, [WebhookEvent::UpdateLead])
        .send()
        .await
        .unwrap();
    fake.crm().touch_random(CrmEntity::Leads, 1);

    // 500s are retried up to 5 attempts; the 4th failure within the window switches it off.
    eventually("switched off", || fake.webhook_attempts().len() >= 4).await;
    let hooks = client
        .webhooks()
        .list()
        .destination(&broken)
        .send()
        .await
        .unwrap();
    assert_eq!(hooks[0].disabled, Some(true));
    let before = fake.webhook_attempts().len();
    assert_eq!(before, 4);
    fake.crm().touch_random(CrmEntity::Leads, 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        fake.webhook_attempts().len(),
        before,
        "nothing posted once off"
    );
    // Subscribing again switches it back on.
    let again = client
        .webhooks()
        .subscribe(&broken, [WebhookEvent::UpdateLead])
        .send()
        .await;
    assert_eq!(again.unwrap().disabled, Some(false));
}

/// A full in-memory dedupe lets deliveries through (200, worked on) rather than answer
/// 503, which would get the destination switched off.
#[tokio::test]
async fn a_full_dedupe_memory_answers_200_not_503() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let hook = move |WebhookDelivery(received): WebhookDelivery| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(received);
            StatusCode::OK
        }
    };
    let guard = Arc::new(amocrm::widget_request::MemoryReplayGuard::with_capacity(1));
    let receiver = WebhookReceiver::new(SECRET).unwrap().replay_guard(guard);
    let app = Router::new()
        .route("/hooks/{secret}", post(hook))
        .with_state(Arc::new(receiver));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/{SECRET}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    for id in 1..=3 {
        let answer = http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("leads[delete][0][id]={id}&account[id]=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "delivery {id}");
        assert!(
            matches!(next(&mut rx).await, Received::New(_)),
            "delivery {id}"
        );
    }
}
