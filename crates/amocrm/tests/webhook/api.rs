//! `client.webhooks()` against the fake: subscribe, list (filtered), resubscribe, unsubscribe,
//! and the destination checked before anything is sent.

use amocrm::ErrorKind;
use amocrm::webhooks::WebhookEvent;
use amocrm_fake::FakeServer;

#[tokio::test]
async fn subscribe_list_and_unsubscribe() {
    let fake = FakeServer::start().await.unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let hooks = client.webhooks();
    assert!(hooks.list().send().await.unwrap().is_empty(), "204: none");

    let url = "https://example.com/hooks/s3cr3t";
    let events = [
        WebhookEvent::AddLead,
        WebhookEvent::StatusLead,
        "add_unsorted".into(),
    ];
    let hook = hooks
        .subscribe(url, events.clone())
        .sort(5)
        .send()
        .await
        .unwrap();
    assert_eq!(hook.destination, url);
    assert_eq!(hook.settings, events);
    assert_eq!(hook.sort, Some(5));
    assert_eq!(hook.disabled, Some(false));
    let other = "http://127.0.0.1:9/other";
    hooks
        .subscribe(other, [WebhookEvent::UpdateContact])
        .send()
        .await
        .unwrap();

    assert_eq!(hooks.list().send().await.unwrap().len(), 2);
    let only = hooks.list().destination(url).send().await.unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].id, hook.id);

    // Subscribing again replaces the events (one webhook, not two).
    let again = hooks
        .subscribe(url, [WebhookEvent::DeleteLead])
        .send()
        .await
        .unwrap();
    assert_eq!(again.id, hook.id);
    assert_eq!(again.settings, [WebhookEvent::DeleteLead]);
    assert_eq!(hooks.list().send().await.unwrap().len(), 2);

    hooks.unsubscribe(url).send().await.unwrap();
    let left = hooks.list().send().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].destination, other);
    let again = hooks.unsubscribe(url).send().await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn bad_destinations_and_events_are_refused_before_sending() {
    let fake = FakeServer::start().await.unwrap();
    let client = amocrm_test_support::fake::client(&fake);
    let hooks = client.webhooks();
    let before = fake.requests().len();
    for bad in [
        "",
        "/hooks",
        "ftp://example.com/h",
        "https://u:p@example.com/h",
    ] {
        let e = hooks
            .subscribe(bad, [WebhookEvent::AddLead])
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{bad}");
        let e = hooks.unsubscribe(bad).send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{bad}");
        let e = hooks.list().destination(bad).send().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Invalid, "{bad}");
    }
    let url = "https://example.com/h";
    let none: [WebhookEvent; 0] = [];
    assert_eq!(
        hooks.subscribe(url, none).send().await.unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let blank = [WebhookEvent::from("")];
    assert_eq!(
        hooks.subscribe(url, blank).send().await.unwrap_err().kind(),
        ErrorKind::Invalid
    );
    let odd = [WebhookEvent::from("add lead&x=1")];
    assert_eq!(
        hooks.subscribe(url, odd).send().await.unwrap_err().kind(),
        ErrorKind::Invalid
    );
    assert_eq!(fake.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn a_user_without_admin_rights_is_refused() {
    let fake = FakeServer::start().await.unwrap();
    let client = amocrm::Client::builder()
        .account(amocrm::AccountUrl::base_url(fake.base_url()))
        .token(fake.user_token())
        .rate_limit(None)
        .build()
        .unwrap();
    let e = client.webhooks().list().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
}
