//! `amocrm pipelines add|update|delete`, `pipelines statuses add|update|delete` and
//! `custom-fields add|update|delete` against the fake: input in amoCRM's field names,
//! checked before sending (exit 2, nothing sent), the definitions written printed.

use amocrm_fake::{CrmSize, FakeServer};

use crate::support::{amocrm, run_stdin};

async fn fake() -> FakeServer {
    FakeServer::builder()
        .crm(CrmSize::default())
        .start()
        .await
        .expect("the fake server starts")
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
async fn pipelines_and_statuses_are_added_changed_and_deleted() {
    let fake = fake().await;
    let input = r##"{"name":"Sales","sort":20,"is_main":false,"is_unsorted_on":true,"_embedded":{"statuses":[{"name":"New","sort":10,"color":"#fffeb2"}]}}"##;
    let run = with_stdin(&fake, &["--json", "pipelines", "add", "--file", "-"], input).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let added = run.json_lines();
    let id = added[0]["id"].as_i64().expect("id").to_string();
    assert_eq!(added[0]["name"], "Sales");
    let run = with_stdin(
        &fake,
        &["--json", "pipelines", "update", &id, "--file", "-"],
        r#"{"name":"Sales 2"}"#,
    )
    .await;
    assert_eq!(
        (run.code, run.json_lines()[0]["name"].as_str()),
        (0, Some("Sales 2")),
        "{run:#?}"
    );
    let run = with_stdin(
        &fake,
        &["--json", "pipelines", "statuses", "add", &id, "--file", "-"],
        r#"[{"name":"Hot","sort":15}]"#,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let status = run.json_lines()[0]["id"]
        .as_i64()
        .expect("status id")
        .to_string();
    let run = with_stdin(
        &fake,
        &[
            "pipelines",
            "statuses",
            "update",
            &id,
            &status,
            "--file",
            "-",
        ],
        r##"{"color":"#ff8f92"}"##,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let run = amocrm(&fake, &["pipelines", "statuses", "delete", &id, &status]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout.contains(&format!("status {status} deleted")),
        "{}",
        run.stdout
    );
    let run = amocrm(&fake, &["pipelines", "delete", &id]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let run = amocrm(&fake, &["--json", "pipelines", "list"]).await;
    assert!(!run.stdout.contains("Sales"), "{}", run.stdout);
}

#[tokio::test]
async fn what_amocrm_documents_as_invalid_exits_2_and_sends_nothing() {
    let fake = fake().await;
    let before = fake.requests().len();
    let run = amocrm(
        &fake,
        &["pipelines", "statuses", "delete", "3177727", "142"],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("142"), "{}", run.stderr);
    let bad_colour = r##"[{"name":"x","sort":1,"color":"#c1c1c1"}]"##;
    let run = with_stdin(
        &fake,
        &["pipelines", "statuses", "add", "3177727", "--file", "-"],
        bad_colour,
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("0.color"), "{}", run.stderr);
    let run = with_stdin(
        &fake,
        &["custom-fields", "add", "leads", "--file", "-"],
        r#"{"name":"P","type":"multitext"}"#,
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("0.type"), "{}", run.stderr);
    // Only the token checks of the runs reached the fake; no write did.
    let writes = fake
        .requests()
        .into_iter()
        .skip(before)
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 0);
}

#[tokio::test]
async fn custom_fields_are_added_changed_and_deleted() {
    let fake = fake().await;
    let input = r#"{"name":"Source","type":"select","enums":[{"value":"Web","sort":1}]}"#;
    let run = with_stdin(
        &fake,
        &["--json", "custom-fields", "add", "leads", "--file", "-"],
        input,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let id = run.json_lines()[0]["id"].as_i64().expect("id");
    let patch = format!(r#"[{{"id":{id},"name":"Channel"}}]"#);
    let run = with_stdin(
        &fake,
        &["--json", "custom-fields", "update", "leads", "--file", "-"],
        &patch,
    )
    .await;
    assert_eq!(
        (run.code, run.json_lines()[0]["name"].as_str()),
        (0, Some("Channel")),
        "{run:#?}"
    );
    let run = amocrm(
        &fake,
        &["custom-fields", "delete", "leads", &id.to_string()],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let run = amocrm(&fake, &["custom-fields", "get", "leads", &id.to_string()]).await;
    assert_ne!(run.code, 0, "{run:#?}");
}

#[tokio::test]
async fn a_catalogs_custom_fields_are_added_changed_and_deleted() {
    let fake = fake().await;
    let run = amocrm(&fake, &["--json", "catalogs", "list"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let catalog = run.json_lines()[0]["id"]
        .as_i64()
        .expect("catalog")
        .to_string();
    let input = r#"{"name":"Size","type":"category","nested":[{"value":"S","sort":1}]}"#;
    let add = [
        "--json",
        "custom-fields",
        "add",
        "catalog",
        "--catalog",
        &catalog,
        "--file",
        "-",
    ];
    let run = with_stdin(&fake, &add, input).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let made = &run.json_lines()[0];
    assert_eq!(
        made["catalog_id"].as_i64().map(|c| c.to_string()),
        Some(catalog.clone())
    );
    let id = made["id"].as_i64().expect("id").to_string();
    // The catalog's read lists it.
    let run = amocrm(&fake, &["--json", "catalogs", "fields", &catalog]).await;
    assert!(run.stdout.contains("\"Size\""), "{run:#?}");
    let patch = format!(r#"[{{"id":{id},"name":"Sizes"}}]"#);
    let update = [
        "--json",
        "custom-fields",
        "update",
        "catalog",
        "--catalog",
        &catalog,
        "--file",
        "-",
    ];
    let run = with_stdin(&fake, &update, &patch).await;
    assert_eq!(
        (run.code, run.json_lines()[0]["name"].as_str()),
        (0, Some("Sizes")),
        "{run:#?}"
    );
    // A lead's type is not a catalog's: refused before sending; no --catalog is usage.
    let writes = |fake: &FakeServer| fake.requests().iter().filter(|r| r.method != "GET").count();
    let before = writes(&fake);
    let run = with_stdin(&fake, &add, r#"{"name":"B","type":"birthday"}"#).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("0.type"), "{}", run.stderr);
    let run = amocrm(&fake, &["custom-fields", "delete", "catalog", &id]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(writes(&fake), before);
    let delete = [
        "custom-fields",
        "delete",
        "catalog",
        "--catalog",
        &catalog,
        &id,
    ];
    let run = amocrm(&fake, &delete).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let run = amocrm(&fake, &["catalogs", "fields", &catalog]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        !run.stdout.trim().is_empty(),
        "the catalog's other fields are listed"
    );
    assert!(!run.stdout.contains("Sizes"), "{run:#?}");
}
