//! `amocrm webhooks list|subscribe URL --events …|unsubscribe URL` end to end against the
//! fake: a subscription made, listed as a table and NDJSON, removed; a bad URL exits 2 with
//! nothing sent.

use amocrm_fake::FakeServer;

use crate::support::amocrm;

#[tokio::test]
async fn subscribe_list_and_unsubscribe() {
    let fake = FakeServer::start().await.expect("the fake server starts");
    let url = "https://example.com/hooks/s3cr3t";
    let run = amocrm(
        &fake,
        &[
            "webhooks",
            "subscribe",
            url,
            "--events",
            "add_lead,status_lead",
            "--sort",
            "3",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("add_lead, status_lead"), "{run:#?}");

    let run = amocrm(&fake, &["webhooks", "list"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(lines.len(), 2, "{run:#?}");
    assert!(
        lines[0].contains("DESTINATION") && lines[0].contains("EVENTS"),
        "{run:#?}"
    );
    assert!(
        lines[1].contains(url) && lines[1].contains("add_lead, status_lead"),
        "{run:#?}"
    );

    let run = amocrm(&fake, &["--json", "webhooks", "list", "--destination", url]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let hooks = run.json_lines();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["settings"][1], "status_lead");
    assert_eq!(hooks[0]["sort"], 3);

    let run = amocrm(&fake, &["webhooks", "unsubscribe", url]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.lines(), [format!("unsubscribed {url}")]);
    let run = amocrm(&fake, &["webhooks", "list"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.lines().len(), 1, "the header only: {run:#?}");
    let run = amocrm(&fake, &["webhooks", "unsubscribe", url]).await;
    assert_eq!(run.code, 3, "not found: {run:#?}");
}

#[tokio::test]
async fn a_bad_destination_exits_2_with_nothing_sent() {
    let fake = FakeServer::start().await.expect("the fake server starts");
    let before = fake.requests().len();
    let run = amocrm(
        &fake,
        &["webhooks", "subscribe", "/relative", "--events", "add_lead"],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("destination"), "{run:#?}");
    assert_eq!(fake.requests().len(), before);
}
