//! The CRM sections end to end (leads, contacts, companies, tasks, catalogs, custom
//! fields, users, tags, notes, links, events) against the fake's seeded account: the
//! query the fake received for `--filter`/`--order`/`--with`/`--query`, NDJSON in
//! amoCRM's field names, `--all` across pages, a missing entity (exit 3), malformed flags
//! (exit 2, nothing sent), and an entity that does not decode (warned of, the rest
//! printed).

use amocrm_fake::{CrmSize, FakeServer};
use serde_json::Value;

use crate::support::{Run, amocrm, canned, run_env};

async fn fake() -> FakeServer {
    let builder = FakeServer::builder().crm(CrmSize::default());
    builder.start().await.expect("the fake server starts")
}

/// `%XX` and `+` of a query string decoded (UTF-8).
pub fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'%' if at + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[at + 1..at + 3]).expect("ASCII");
                out.push(u8::from_str_radix(hex, 16).expect("two hex digits"));
                at += 3;
            }
            b'+' => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The decoded `key=value` pairs of the last request the fake received.
fn last_query(fake: &FakeServer) -> (String, Vec<(String, String)>) {
    let sent = fake.requests().pop().expect("a request");
    let pairs = sent
        .query
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect();
    (sent.path, pairs)
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_owned(), value.to_owned())
}

fn ids(run: &Run) -> Vec<i64> {
    let lines = run.json_lines();
    lines
        .iter()
        .map(|l| l["id"].as_i64().expect("an id"))
        .collect()
}

#[tokio::test]
async fn the_query_flags_send_amocrm_s_bracket_form() {
    let fake = fake().await;
    let first = amocrm(&fake, &["--json", "leads", "list", "--limit", "3"]).await;
    assert_eq!(first.code, 0, "{first:#?}");
    let some = ids(&first);
    assert_eq!(some.len(), 3, "{first:#?}");

    let (a, b) = (some[0].to_string(), some[2].to_string());
    let (filter_a, filter_b) = (format!("id[]={a}"), format!("id[]={b}"));
    let run = amocrm(
        &fake,
        &[
            "--json",
            "leads",
            "list",
            "--filter",
            &filter_a,
            "--filter",
            &filter_b,
            "--filter",
            "updated_at[from]=1600000000",
            "--order",
            "updated_at=desc",
            "--with",
            "contacts,loss_reason",
            "--limit",
            "10",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let (path, query) = last_query(&fake);
    assert_eq!(path, "/api/v4/leads");
    for expected in [
        pair("filter[id][]", &a),
        pair("filter[id][]", &b),
        pair("filter[updated_at][from]", "1600000000"),
        pair("order[updated_at]", "desc"),
        pair("with", "contacts,loss_reason"),
        pair("limit", "10"),
    ] {
        assert!(query.contains(&expected), "{expected:?} not in {query:?}");
    }
    // The fake applied them: the two leads, newest change first, with their contacts.
    let mut got = ids(&run);
    got.sort_unstable();
    assert_eq!(got, [some[0], some[2]], "{run:#?}");
    let lines = run.json_lines();
    let updated: Vec<i64> = lines
        .iter()
        .map(|l| l["updated_at"].as_i64().unwrap_or(0))
        .collect();
    assert!(updated[0] >= updated[1], "{updated:?}");

    // --query sends query=TEXT as given.
    let run = amocrm(&fake, &["contacts", "list", "--query", "Иван Петров"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let (path, query) = last_query(&fake);
    assert_eq!(path, "/api/v4/contacts");
    assert!(query.contains(&pair("query", "Иван Петров")), "{query:?}");
}

#[tokio::test]
async fn ndjson_lines_are_entities_in_amocrm_s_field_names() {
    let fake = fake().await;
    let run = amocrm(
        &fake,
        &[
            "--json", "leads", "list", "--limit", "5", "--with", "contacts",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 5);
    for lead in &lines {
        for key in [
            "id",
            "name",
            "price",
            "status_id",
            "pipeline_id",
            "responsible_user_id",
        ] {
            assert!(lead.get(key).is_some(), "no {key} in {lead}");
        }
        let fields = lead["custom_fields_values"]
            .as_array()
            .expect("custom fields kept");
        assert!(
            fields
                .iter()
                .all(|f| f["field_id"].is_i64() && f["values"].is_array())
        );
    }
    assert!(
        lines.iter().any(|l| l["_embedded"]["contacts"].is_array()),
        "{lines:?}"
    );

    let id = lines[0]["id"].as_i64().unwrap_or_default().to_string();
    let run = amocrm(
        &fake,
        &["--json", "leads", "get", &id, "--with", "contacts"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json_lines(), [lines[0].clone()]);
    let (path, query) = last_query(&fake);
    assert_eq!(path, format!("/api/v4/leads/{id}"));
    assert_eq!(query, [pair("with", "contacts")]);

    // The table of one lead: its fields, then its custom fields.
    let run = amocrm(&fake, &["leads", "get", &id]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .starts_with(&format!("id:                {id}\n")),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains("\ncustom fields:\nFIELD ID  NAME"),
        "{run:#?}"
    );
}

#[tokio::test]
async fn all_streams_every_page_in_order() {
    let fake = fake().await;
    let whole = amocrm(&fake, &["--json", "leads", "list", "--limit", "250"]).await;
    let every = ids(&whole);
    assert!(every.len() > 40, "{whole:#?}");

    fake.clear_requests();
    let run = amocrm(
        &fake,
        &["--json", "leads", "list", "--all", "--limit", "20"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(ids(&run), every, "every lead once, in the list's order");
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v4/leads")
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), every.len().div_ceil(20), "{pages:?}");
    for (n, query) in pages.iter().enumerate() {
        assert!(query.contains(&format!("page={}", n + 1)), "{pages:?}");
        assert!(query.contains("limit=20"), "{pages:?}");
    }

    // A table across pages has one header.
    let contacts = amocrm(&fake, &["--json", "contacts", "list", "--all"]).await;
    let run = amocrm(&fake, &["contacts", "list", "--all", "--limit", "25"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(lines.len(), 1 + contacts.json_lines().len(), "{run:#?}");
    assert!(lines[0].trim_start().starts_with("ID  NAME"), "{run:#?}");
    assert!(lines[0].ends_with("RESPONSIBLE  UPDATED"), "{run:#?}");
}

#[tokio::test]
async fn a_missing_entity_exits_3_and_malformed_flags_exit_2_before_sending() {
    let fake = fake().await;
    for section in [
        "leads",
        "contacts",
        "companies",
        "tasks",
        "users",
        "catalogs",
    ] {
        let run = amocrm(&fake, &[section, "get", "7"]).await;
        assert_eq!(run.code, 3, "{run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
        assert!(run.stderr.contains("(not found)"), "{run:#?}");
    }

    let before = fake.requests().len();
    for (args, message) in [
        (
            &["leads", "list", "--filter", "id[=5"][..],
            "--filter 'id[=5': a '[' is not closed",
        ),
        (&["leads", "list", "--filter", "id"][..], "there is no '='"),
        (
            &["contacts", "list", "--filter", "]x=1"][..],
            "without its '['",
        ),
        (
            &["leads", "list", "--order", "updated_at=up"][..],
            "the direction is asc or desc",
        ),
        (
            &["leads", "list", "--with", "contacts,"][..],
            "--with: an empty name",
        ),
        (&["leads", "list", "--limit", "251"][..], "limit"),
        (&["events", "list", "--limit", "101"][..], "limit"),
    ] {
        let run = amocrm(&fake, args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains("nothing was sent"), "{run:#?}");
        assert!(run.stderr.contains(message), "{args:?}: {run:#?}");
    }
    assert_eq!(fake.requests().len(), before, "nothing was sent");

    // Every problem at once, and before connecting: no token or account is needed.
    let args = [
        "leads", "list", "--filter", "price", "--order", "id=up", "--query", "",
    ];
    let run = run_env(&[], &args, "no token").await;
    assert_eq!(run.code, 2, "{run:#?}");
    let problems: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("  - "))
        .collect();
    assert_eq!(problems.len(), 3, "{run:#?}");
    assert!(problems[0].contains("--filter 'price'"), "{run:#?}");
    assert!(problems[1].contains("--order 'id=up'"), "{run:#?}");
    assert!(problems[2].contains("--query"), "{run:#?}");
}

#[tokio::test]
async fn an_entity_that_does_not_decode_is_warned_of_and_the_rest_printed() {
    let body = r#"{"_page":1,"_links":{"self":{"href":"/api/v4/leads"}},
        "_embedded":{"leads":[{"id":11,"name":"first"},{"id":"twelve"},{"id":13,"name":"third"}]}}"#;
    let server = canned(200, "application/hal+json", body).await;
    let env = [
        ("AMOCRM_BASE_URL", server.base_url()),
        ("AMOCRM_TOKEN", "t0ken"),
    ];
    let run = run_env(&env, &["--json", "leads", "list"], "t0ken").await;
    assert_eq!(run.code, 4, "{run:#?}");
    let got: Vec<Value> = run.json_lines();
    assert_eq!(got.len(), 2, "{run:#?}");
    assert_eq!(
        (got[0]["id"].clone(), got[1]["id"].clone()),
        (11.into(), 13.into())
    );
    // With --json every stderr line is a JSON object: the warning, then the failure.
    let stderr = run.stderr_json();
    assert_eq!(stderr.len(), 2, "{run:#?}");
    assert!(
        stderr[0]["warning"]
            .as_str()
            .is_some_and(|w| w.starts_with("lead")),
        "{run:#?}"
    );
    assert_eq!(stderr[1]["kind"], "transport", "{run:#?}");
    let message = stderr[1]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("1 lead entries could not be decoded"),
        "{run:#?}"
    );
    assert!(!message.contains("see above"), "{run:#?}");
}
