//! `amocrm tasks add|update|complete` and `amocrm notes add|update`: a line per item in
//! input order, exit 0 when all were written, 3 when amoCRM refused some, 2 (nothing
//! sent) for bad input; what was written reads back.

use amocrm_fake::{CrmEntity, CrmSize, FakeServer};
use serde_json::{Value, json};

use crate::support::{amocrm, run_stdin};

async fn fake() -> FakeServer {
    let builder = FakeServer::builder().crm(CrmSize::default());
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

/// The JSON bodies the fake received with `method` on `path`.
fn bodies(fake: &FakeServer, method: &str, path: &str) -> Vec<Value> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .map(|r| serde_json::from_slice(&r.body).expect("JSON"))
        .collect()
}

#[tokio::test]
async fn tasks_add_update_and_complete() {
    let fake = fake().await;
    let lead = fake.crm().ids(CrmEntity::Leads)[0];
    let input = format!(
        "{{\"text\":\"Call\",\"complete_till\":1767225600,\"entity_id\":{lead},\"entity_type\":\"leads\"}}\n\
         {{\"text\":\"No deadline\"}}\n\
         {{\"text\":\"Meet\",\"complete_till\":1767225600,\"task_type_id\":77}}\n"
    );
    let run = with_stdin(&fake, &["tasks", "add", "--file", "-"], &input).await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    assert!(lines[0]["id"].is_i64(), "{lines:?}");
    assert_eq!(
        lines[1]["error"]["code"], "Invalid",
        "refused before sending"
    );
    assert_eq!(lines[2]["error"]["code"], "NotSupportedChoice");
    assert_eq!(lines[2]["error"]["path"], "task_type_id");
    let id = lines[0]["id"].as_i64().unwrap();
    let sent = bodies(&fake, "POST", "/api/v4/tasks");
    assert_eq!(sent[0].as_array().unwrap().len(), 2, "{sent:?}");

    let patch = format!("[{{\"id\":{id},\"text\":\"Call again\"}}]");
    let run = with_stdin(&fake, &["tasks", "update", "--file", "-"], &patch).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json_lines()[0]["id"], id);

    let run = amocrm(
        &fake,
        &["tasks", "complete", &id.to_string(), "--result", "Done"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json_lines()[0]["id"], id);
    assert_eq!(
        bodies(&fake, "PATCH", &format!("/api/v4/tasks/{id}")),
        [json!({"is_completed": true, "result": {"text": "Done"}})]
    );
    let shown = amocrm(&fake, &["--json", "tasks", "get", &id.to_string()]).await;
    let task: Value = serde_json::from_str(shown.stdout.trim()).expect("a task");
    assert_eq!(task["text"], "Call again");
    assert_eq!(task["is_completed"], true);
    assert_eq!(task["result"]["text"], "Done");

    let blank = amocrm(
        &fake,
        &["tasks", "complete", &id.to_string(), "--result", " "],
    )
    .await;
    assert_eq!(blank.code, 2, "{blank:#?}");
    assert_eq!(
        bodies(&fake, "PATCH", &format!("/api/v4/tasks/{id}")).len(),
        1
    );
}

#[tokio::test]
async fn notes_add_text_json_and_file() {
    let fake = fake().await;
    let leads = fake.crm().ids(CrmEntity::Leads);
    let lead = leads[0].to_string();
    let run = amocrm(
        &fake,
        &[
            "notes",
            "add",
            "leads",
            &lead,
            "--text",
            "Asked for a discount",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let id = run.json_lines()[0]["id"].as_i64().expect("an id");
    let call = r#"{"note_type":"call_out","params":{"uniq":"a1","duration":30,"source":"pbx","phone":"+7999"}}"#;
    let run = amocrm(&fake, &["notes", "add", "leads", &lead, "--json", call]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let path = format!("/api/v4/leads/{lead}/notes");
    assert_eq!(
        bodies(&fake, "POST", &path)[0],
        json!([{"note_type": "common", "params": {"text": "Asked for a discount"}, "request_id": "0"}])
    );
    let shown = amocrm(&fake, &["--json", "notes", "get", "leads", &id.to_string()]).await;
    let note: Value = serde_json::from_str(shown.stdout.trim()).expect("a note");
    assert_eq!(note["params"]["text"], "Asked for a discount");

    let file = format!(
        "{{\"entity_id\":{},\"note_type\":\"common\",\"params\":{{\"text\":\"a\"}}}}\n\
         {{\"note_type\":\"common\",\"params\":{{\"text\":\"no entity\"}}}}\n\
         {{\"entity_id\":{},\"note_type\":\"sms_in\",\"params\":{{\"text\":\"b\"}}}}\n",
        leads[1], leads[2]
    );
    let run = with_stdin(&fake, &["notes", "add", "leads", "--file", "-"], &file).await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    assert!(lines[0]["id"].is_i64());
    assert_eq!(lines[1]["error"]["code"], "Invalid");
    assert_eq!(lines[2]["error"]["path"], "params.phone");

    let patch =
        format!("{{\"id\":{id},\"note_type\":\"common\",\"params\":{{\"text\":\"fixed\"}}}}");
    let run = with_stdin(
        &fake,
        &["notes", "update", "leads", &lead, "--file", "-"],
        &patch,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    // amoCRM's edit takes type and params whole, on the type's path the entity too, and
    // no author: each patch short of that is refused before sending, a line each.
    let sent = |fake: &FakeServer| {
        let patches = fake.requests().into_iter();
        patches.filter(|r| r.method == "PATCH").count()
    };
    let before = sent(&fake);
    let patches = format!(
        "{{\"id\":{id},\"note_type\":\"common\",\"params\":{{\"text\":\"x\"}}}}\n\
         {{\"id\":{id},\"entity_id\":{lead},\"note_type\":\"common\"}}\n\
         {{\"id\":{id},\"entity_id\":{lead},\"note_type\":\"common\",\"params\":{{\"text\":\"x\"}},\"created_by\":0}}\n"
    );
    let run = with_stdin(
        &fake,
        &["notes", "update", "leads", "--file", "-"],
        &patches,
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    let paths: Vec<_> = lines.iter().map(|l| l["error"]["path"].clone()).collect();
    assert_eq!(
        paths,
        [json!("entity_id"), json!("params"), json!("created_by")]
    );
    assert_eq!(sent(&fake), before, "none sent");

    for bad in [
        vec!["notes", "add", "leads", "--text", "no id"],
        vec!["notes", "add", "leads", &lead, "--text", " "],
        vec!["notes", "add", "leads", &lead, "--json", "[1]"],
        vec!["notes", "add", "leads", &lead],
    ] {
        let run = amocrm(&fake, &bad).await;
        assert_eq!(run.code, 2, "{bad:?}: {run:#?}");
    }
}
