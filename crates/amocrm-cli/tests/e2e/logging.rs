//! `-v`, `-vv` and `--log-format json` on stderr: the client's call spans (and with `-vv`
//! its attempts), never the token, and the summary line of the run counted from them.

use amocrm_fake::{FakeServer, Fault};
use serde_json::Value;

use crate::support::amocrm;

async fn fake_with_a_503() -> FakeServer {
    FakeServer::builder()
        .widgets(3)
        .fault("list=503".parse::<Fault>().unwrap().once())
        .start()
        .await
        .expect("the fake server starts")
}

#[tokio::test]
async fn v_logs_each_call_and_a_summary() {
    let fake = fake_with_a_503().await;
    let run = amocrm(&fake, &["-v", "widgets", "list", "--all"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("amocrm.request"), "{run:#?}");
    assert!(
        run.stderr.contains(r#"url.template="/api/v4/widgets""#),
        "{run:#?}"
    );
    // Attempts are DEBUG: not with -v.
    assert!(!run.stderr.contains("amocrm.attempt{"), "{run:#?}");
    let summary = run
        .stderr
        .lines()
        .find(|line| line.contains("summary"))
        .unwrap_or_else(|| panic!("no summary: {run:#?}"));
    // The 503 was retried: two attempts of the list.
    assert!(summary.contains("retries=1"), "{summary}");
    // Requests are what was sent: the list's two.
    assert!(summary.contains("requests=2"), "{summary}");
}

#[tokio::test]
async fn vv_logs_each_attempt() {
    let fake = fake_with_a_503().await;
    let run = amocrm(&fake, &["-vv", "widgets", "list"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("amocrm.attempt"), "{run:#?}");
    assert!(run.stderr.contains("status_503"), "{run:#?}");
}

#[tokio::test]
async fn log_format_json_writes_one_object_per_line() {
    let fake = fake_with_a_503().await;
    let run = amocrm(
        &fake,
        &["-vv", "--log-format", "json", "widgets", "list", "--all"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines: Vec<Value> = run
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let closed_calls: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["name"] == "amocrm.request" && l["fields"]["message"] == "close")
        .collect();
    assert!(!closed_calls.is_empty(), "{lines:#?}");
    let call = &closed_calls[0]["span"];
    assert_eq!(call["amocrm.operation"], "list_widgets", "{call}");
    assert_eq!(call["http.response.status_code"], 200, "{call}");
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "summary" && l["fields"]["retries"] == 1),
        "{lines:#?}"
    );
    // Nothing without -v: stderr stays empty (no summary off a terminal either).
    let quiet = amocrm(&fake, &["--log-format", "json", "widgets", "list"]).await;
    assert_eq!(quiet.code, 0, "{quiet:#?}");
    assert!(quiet.stderr.is_empty(), "{quiet:#?}");
}
