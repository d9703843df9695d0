//! `amocrm leads add|update|complex-add`, `contacts|companies add|update`: entities from
//! NDJSON or a JSON array (a file or stdin), one line per item in input order, exit 0 when
//! all were written, 3 when amoCRM refused some, 4 when an outcome is unknown, 2 (nothing
//! sent) for a bad JSON array or no entity at all.

use amocrm_fake::{CrmEntity, CrmSize, FakeServer, Fault};
use serde_json::json;

use crate::support::{TempDir, amocrm, run_stdin};

async fn fake(fault: Option<Fault>) -> FakeServer {
    let builder = FakeServer::builder().crm(CrmSize::default());
    let builder = match fault {
        Some(fault) => builder.fault(fault),
        None => builder,
    };
    builder.start().await.expect("the fake server starts")
}

async fn with_stdin(fake: &FakeServer, args: &[&str], stdin: &str) -> crate::support::Run {
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    run_stdin(&env, args, Some(stdin.as_bytes()), fake.token()).await
}

#[tokio::test]
async fn leads_add_prints_a_line_per_item_and_exits_3_when_some_were_refused() {
    let fake = fake(None).await;
    let input = "{\"name\":\"a\"}\n{\"name\":\"b\",\"bogus\":1}\n{\"name\":\"c\",\"price\":5}\n";
    let run = with_stdin(
        &fake,
        &["leads", "add", "--file", "-", "--batch", "2"],
        input,
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["index"], 0);
    assert!(lines[0]["id"].is_i64());
    assert_eq!(lines[1]["index"], 1);
    assert_eq!(lines[1]["error"]["code"], "FieldNotExpected");
    assert_eq!(lines[1]["error"]["path"], "bogus");
    assert_eq!(lines[2]["index"], 2);
    let names = fake.crm().names(CrmEntity::Leads);
    let written: Vec<&str> = names
        .iter()
        .map(|(_, n)| n.as_str())
        .filter(|n| n.len() == 1)
        .collect();
    assert_eq!(written, ["a", "c"]);
    assert!(
        run.stderr.contains("1 items were not written"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn contacts_update_from_a_json_array_file_exits_0() {
    let fake = fake(None).await;
    let ids = fake.crm().ids(CrmEntity::Contacts);
    let dir = TempDir::new();
    let body =
        json!([{"id": ids[0], "name": "Ivan"}, {"id": ids[1], "first_name": "Olga"}]).to_string();
    let file = dir.file("contacts.json", &body, 0o600);
    let run = amocrm(&fake, &["contacts", "update", "--file", &file]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(
        (lines[0]["id"].as_i64(), lines[1]["id"].as_i64()),
        (Some(ids[0]), Some(ids[1]))
    );
    let companies = amocrm(
        &fake,
        &[
            "companies",
            "add",
            "--file",
            &dir.file("c.ndjson", "{\"name\":\"X LLC\"}\n", 0o600),
        ],
    )
    .await;
    assert_eq!(companies.code, 0, "{companies:#?}");
}

#[tokio::test]
async fn leads_complex_add_prints_the_contact_and_company() {
    let fake = fake(None).await;
    let input = json!([{"name": "Order", "_embedded": {"contacts": [{"first_name": "Ivan"}], "companies": [{"name": "Y LLC"}]}}]);
    let run = with_stdin(
        &fake,
        &["leads", "complex-add", "--file", "-"],
        &input.to_string(),
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let line = &run.json_lines()[0];
    assert!(
        line["contact_id"].is_i64() && line["company_id"].is_i64(),
        "{line}"
    );
}

#[tokio::test]
async fn an_add_of_unknown_outcome_exits_4_and_bad_input_sends_nothing() {
    let fake = fake(Some(Fault::cut().route("POST", "/api/v4/leads"))).await;
    let run = with_stdin(
        &fake,
        &["leads", "add", "--file", "-"],
        "{\"name\":\"a\"}\n{\"name\":\"b\"}\n",
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2);
    assert!(
        lines.iter().all(|l| l["error"]["code"] == "OutcomeUnknown"),
        "{lines:?}"
    );
    assert!(run.stderr.contains("look its items up"), "{}", run.stderr);
    let sent = fake.requests().len();
    // A JSON array is read whole and checked first: one element that is not an object
    // refuses it all (NDJSON's bad lines are their items' errors: `bulk_streaming`).
    let bad = with_stdin(
        &fake,
        &["leads", "add", "--file", "-"],
        "[{\"name\":\"a\"}, [1]]",
    )
    .await;
    assert_eq!(bad.code, 2, "{bad:#?}");
    let empty = with_stdin(&fake, &["leads", "add", "--file", "-"], "\n \n").await;
    assert_eq!(empty.code, 2, "{empty:#?}");
    let big = with_stdin(
        &fake,
        &["leads", "complex-add", "--file", "-", "--batch", "51"],
        "{}\n",
    )
    .await;
    assert_eq!(big.code, 2, "{big:#?}");
    assert_eq!(fake.requests().len(), sent, "nothing sent");
}

#[tokio::test]
async fn json_a_setter_would_refuse_is_an_item_error_and_never_sent() {
    let fake = fake(None).await;
    let input = "{\"name\":\"ok\"}\n{\"name\":\"big\",\"price\":2147483648}\n";
    let run = with_stdin(&fake, &["leads", "add", "--file", "-"], input).await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    assert!(lines[0]["id"].is_i64(), "{lines:?}");
    assert_eq!(lines[1]["error"]["code"], "Invalid");
    assert_eq!(lines[1]["error"]["path"], "price");
    let update = with_stdin(
        &fake,
        &["leads", "update", "--file", "-"],
        "{\"name\":\"x\"}\n",
    )
    .await;
    assert_eq!(update.json_lines()[0]["error"]["path"], "id", "{update:#?}");
    let names = fake.crm().names(CrmEntity::Leads);
    assert!(names.iter().any(|(_, n)| n == "ok"));
    assert!(!names.iter().any(|(_, n)| n == "big" || n == "x"));
    let writes = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(writes, 0, "an update without an id is not sent");
}

#[tokio::test]
async fn catalog_flags_without_a_catalog_target_are_refused_before_sending() {
    let fake = fake(None).await;
    let lead = fake.crm().ids(CrmEntity::Leads)[0].to_string();
    let contact = format!("contacts:{}", fake.crm().ids(CrmEntity::Contacts)[0]);
    let before = fake.requests().len();
    let args = [
        "links",
        "link",
        "leads",
        &lead,
        "--to",
        &contact,
        "--quantity",
        "3",
    ];
    let run = with_stdin(&fake, &args, "").await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("catalog_elements"), "{}", run.stderr);
    assert_eq!(fake.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn check_fields_refuses_a_value_that_does_not_fit_before_sending_it() {
    let fake = fake(None).await;
    let input = concat!(
        "{\"name\":\"fits\"}\n",
        "{\"name\":\"unknown field\",\"custom_fields_values\":[{\"field_id\":999999999,\"values\":[{\"value\":\"SECRET\"}]}]}\n",
    );
    let args = ["contacts", "add", "--file", "-", "--check-fields"];
    let run = with_stdin(&fake, &args, input).await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    assert!(lines[0]["id"].is_i64(), "{lines:?}");
    assert_eq!(lines[1]["index"], 1);
    assert_eq!(lines[1]["error"]["code"], "Invalid");
    assert_eq!(lines[1]["error"]["path"], "custom_fields_values.0.field_id");
    assert!(!run.stdout.contains("SECRET") && !run.stderr.contains("SECRET"));
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.method == "GET" && r.path == "/api/v4/contacts/custom_fields")
    );
    let adds: Vec<_> = requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v4/contacts")
        .collect();
    assert_eq!(adds.len(), 1);
    let sent: serde_json::Value = serde_json::from_slice(&adds[0].body).expect("json");
    assert_eq!(sent.as_array().map(Vec::len), Some(1));
    // Without the flag the value goes to amoCRM, which refuses it.
    let run = with_stdin(&fake, &args[..4], input).await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert_eq!(run.json_lines()[1]["error"]["code"], "NotSupportedChoice");
}
