//! `amocrm leads|contacts|companies changes`: every entity changed since a time, then
//! only what changed since the printed cursor, against the fake's seeded account with its
//! clock moved by the test.

use amocrm_fake::{CrmEntity, CrmSize, FakeClock, FakeServer};

use crate::support::{Run, amocrm};

async fn fake() -> FakeServer {
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .clock(FakeClock::manual(1_800_000_000))
        .record_requests(true)
        .start()
        .await;
    fake.expect("the fake server starts")
}

/// The cursor a `--json` run printed on stderr (`{"changed": N, "cursor": {…}}`).
fn cursor_of(run: &Run) -> String {
    let lines = run.stderr_json();
    let line = lines.iter().find(|l| l.get("cursor").is_some());
    let line = line.unwrap_or_else(|| panic!("no cursor on stderr: {run:#?}"));
    line["cursor"].to_string()
}

fn ids(run: &Run) -> Vec<i64> {
    let mut ids: Vec<i64> = run
        .json_lines()
        .iter()
        .map(|lead| lead["id"].as_i64().expect("an id"))
        .collect();
    ids.sort_unstable();
    ids
}

#[tokio::test]
async fn every_change_once_then_only_what_changed_since_the_cursor() {
    let fake = fake().await;
    let crm = fake.crm();
    // Every seeded change is older than the stream's settling time.
    crm.clock().advance(60);
    let first = amocrm(&fake, &["leads", "changes", "--since", "0", "--json"]).await;
    assert_eq!(first.code, 0, "{first:#?}");
    assert_eq!(
        ids(&first),
        crm.ids(CrmEntity::Leads),
        "every live lead, once"
    );
    let cursor = cursor_of(&first);

    let mut touched = crm.touch_leads(&crm.ids(CrmEntity::Leads)[..3]);
    touched.sort_unstable();
    crm.clock().advance(60);
    let next = amocrm(&fake, &["leads", "changes", "--cursor", &cursor, "--json"]).await;
    assert_eq!(next.code, 0, "{next:#?}");
    assert_eq!(
        ids(&next),
        touched,
        "only the leads changed since the cursor"
    );
    assert_eq!(next.stderr_json()[0]["changed"], 3, "{next:#?}");

    let table = amocrm(&fake, &["contacts", "changes", "--since", "0"]).await;
    assert_eq!(table.code, 0, "{table:#?}");
    assert!(
        table.lines()[0].trim_start().starts_with("ID  NAME"),
        "{table:#?}"
    );
    assert!(table.stderr.contains(" changed; cursor: {"), "{table:#?}");
    let contacts = crm.snapshot(CrmEntity::Contacts);
    assert_eq!(table.lines().len(), 1 + contacts.len(), "{contacts:?}");
}

#[tokio::test]
async fn a_bad_cursor_or_none_at_all_is_an_input_error() {
    let fake = fake().await;
    let bad = amocrm(&fake, &["leads", "changes", "--cursor", "{\"x\":1}"]).await;
    assert_eq!(bad.code, 2, "{bad:#?}");
    assert!(bad.stderr.contains("--cursor"), "{bad:#?}");
    let none = amocrm(&fake, &["companies", "changes"]).await;
    assert_eq!(none.code, 2, "{none:#?}");
    let both = amocrm(
        &fake,
        &["leads", "changes", "--since", "1", "--cursor", "{}"],
    )
    .await;
    assert_eq!(both.code, 2, "{both:#?}");
    assert!(fake.requests().is_empty(), "nothing was sent");
}
