//! NDJSON bulk writes stream: each line is read as the writer takes it (a line's result
//! comes out while stdin is still open), and a line that is not a JSON object is its
//! item's error line while the others are written.

use std::process::Stdio;
use std::time::Duration;

use amocrm_fake::{CrmEntity, CrmSize, FakeServer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::support::{command, run_stdin};

async fn fake() -> FakeServer {
    FakeServer::builder()
        .crm(CrmSize::default())
        .start()
        .await
        .expect("the fake server starts")
}

fn lead_names(fake: &FakeServer) -> Vec<String> {
    let mut names: Vec<String> = (fake.crm().names(CrmEntity::Leads).into_iter())
        .map(|(_, name)| name)
        .filter(|name| name.starts_with("stream-"))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_line_is_written_and_answered_before_stdin_closes() {
    let fake = fake().await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let mut cmd = command(&["leads", "add", "--file", "-"], &env);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let within = Duration::from_secs(30);
    for (at, name) in ["stream-1", "stream-2"].into_iter().enumerate() {
        let line = format!("{{\"name\":\"{name}\"}}\n");
        stdin.write_all(line.as_bytes()).await.expect("a line in");
        stdin.flush().await.expect("flushed");
        // stdin stays open: the answer comes from a batch of one, sent once no line came.
        let out = tokio::time::timeout(within, stdout.next_line())
            .await
            .expect("the line's result comes while stdin is open")
            .expect("stdout reads")
            .expect("a line out");
        let out: serde_json::Value = serde_json::from_str(&out).expect("a JSON line");
        assert_eq!(out["index"], at, "{out}");
        assert!(out["id"].is_i64(), "{out}");
        assert_eq!(
            lead_names(&fake).len(),
            at + 1,
            "written before the input ended"
        );
    }
    drop(stdin);
    let status = tokio::time::timeout(within, child.wait())
        .await
        .expect("the binary ends once stdin closes")
        .expect("the binary runs");
    assert_eq!(status.code(), Some(0));
    assert_eq!(lead_names(&fake), ["stream-1", "stream-2"]);
}

#[tokio::test]
async fn a_bad_line_in_the_middle_is_its_items_error_and_the_others_are_written() {
    let fake = fake().await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let input = "{\"name\":\"stream-a\"}\n\n[\"secret-array\"]\n{\"name\": secret-text\n\
        {\"name\":\"stream-b\"}\n{\"name\":\"stream-c\"}\n\"secret-string\"\n";
    let args = ["leads", "add", "--file", "-", "--batch", "2"];
    let run = run_stdin(&env, &args, Some(input.as_bytes()), fake.token()).await;
    assert_eq!(run.code, 3, "{run:#?}");
    let lines = run.json_lines();
    let codes: Vec<(u64, String)> = (lines.iter())
        .map(|l| {
            let code = l["error"]["code"].as_str().unwrap_or("written");
            (l["index"].as_u64().expect("an index"), code.to_owned())
        })
        .collect();
    let expected = [
        (0, "written"),
        (1, "NotAnObject"),
        (2, "NotJson"),
        (3, "written"),
        (4, "written"),
        (5, "NotAnObject"),
    ];
    let expected: Vec<(u64, String)> = expected.map(|(i, c)| (i, c.to_owned())).into();
    assert_eq!(codes, expected, "{run:#?}");
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 3")
    );
    assert!(lines[2]["error"]["path"].is_null());
    assert!(
        !run.stdout.contains("secret") && !run.stderr.contains("secret"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("3 items were not written"),
        "{}",
        run.stderr
    );
    assert_eq!(lead_names(&fake), ["stream-a", "stream-b", "stream-c"]);
}

#[tokio::test]
async fn a_bad_line_right_after_a_full_batch_keeps_its_place() {
    // With batch 1 the reader meets `nope` only when the writer pulls the second batch:
    // its error line must still come before the second lead's.
    let fake = fake().await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let input = "{\"name\":\"stream-a\"}\nnope\n{\"name\":\"stream-b\"}\n";
    let args = ["leads", "add", "--file", "-", "--batch", "1"];
    let run = run_stdin(&env, &args, Some(input.as_bytes()), fake.token()).await;
    assert_eq!(run.code, 3, "{run:#?}");
    let codes: Vec<(u64, String)> = (run.json_lines().iter())
        .map(|l| {
            let code = l["error"]["code"].as_str().unwrap_or("written");
            (l["index"].as_u64().expect("an index"), code.to_owned())
        })
        .collect();
    let expected: Vec<(u64, String)> = [(0, "written"), (1, "NotJson"), (2, "written")]
        .map(|(i, c)| (i, c.to_owned()))
        .into();
    assert_eq!(codes, expected, "{run:#?}");
    assert_eq!(lead_names(&fake), ["stream-a", "stream-b"]);
}
