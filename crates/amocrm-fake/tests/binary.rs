//! The `amocrm-fake` binary: --account, --catalogue, --continuation, and its errors.
#![cfg(feature = "cli")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_amocrm-fake");

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("amocrm-fake-bin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn accounts_catalogue_and_continuations_from_flags() {
    let catalogue = temp_file(
        "mine.yml",
        "- code: my_widget\n  settings_template:\n    - {key: api_key, type: text, is_required: true}\n",
    );
    let mut child = Command::new(BIN)
        .args(["--port", "0", "--account", "acc1", "--account", "acc2"])
        .arg("--catalogue")
        .arg(&catalogue)
        .args([
            "--continuation",
            "acc1:salesbot:5:abc",
            "--pending",
            "marketingbot:6:d",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start amocrm-fake");
    let stdout = child.stdout.take().unwrap();
    let _running = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = Vec::new();
    let mut acc1 = None;
    let mut acc2 = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        printed.push(line.clone());
        let url = |line: &str| line.split_whitespace().nth(2).map(str::to_owned);
        if line.starts_with("account acc1: ") {
            acc1 = url(&line);
        }
        if line.starts_with("account acc2: ") {
            acc2 = url(&line);
            break;
        }
    }
    let (acc1, acc2) = (acc1.expect("acc1 URL"), acc2.expect("acc2 URL"));
    assert!(
        acc1.starts_with("http://127.0.0.1:") && acc1.ends_with("/acc1"),
        "{printed:?}"
    );
    assert!(acc2.ends_with("/acc2"), "{printed:?}");
    assert!(printed.iter().any(|l| l.contains("1 yours")), "{printed:?}");
    assert!(
        printed.iter().any(|l| l.contains("token: fake-token-acc1")),
        "{printed:?}"
    );
    let root = acc1.trim_end_matches("/acc1").to_owned();

    let http = reqwest::Client::new();
    let get = |url: String| http.get(url).send();
    let seen: Value = get(format!("{acc1}/_fake/continuations"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen["pending"],
        json!([{"bot": "salesbot", "bot_id": 5, "continue_id": "abc", "left": 1}])
    );
    let seen: Value = get(format!("{root}/_fake/continuations"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["pending"][0]["bot"], "marketingbot");
    let seen: Value = get(format!("{acc2}/_fake/continuations"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(seen["pending"], json!([]));

    // Your widget from the file, on every account, validated against your template.
    let resp = http
        .post(format!("{acc2}/api/v4/widgets/my_widget"))
        .bearer_auth("fake-token-acc2")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = http
        .post(format!("{acc2}/api/v4/widgets/my_widget"))
        .bearer_auth("fake-token-acc2")
        .json(&json!({"api_key": "k"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[test]
fn a_bad_catalogue_or_account_is_a_clear_error() {
    let bad = temp_file(
        "bad.yaml",
        "widgets:\n  - code: a\n    rating: 1\n    flavour: x\n",
    );
    let out = Command::new(BIN)
        .args(["--port", "0", "--catalogue"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml") && err.contains("flavour") && err.contains("line 4"),
        "{err}"
    );

    let out = Command::new(BIN)
        .args(["--port", "0", "--account", "api"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("account name \"api\""));

    let out = Command::new(BIN)
        .args(["--port", "0", "--continuation", "acc9:salesbot:1:x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--account acc9"), "{err}");

    let out = Command::new(BIN)
        .args(["--continuation", "salesbot:0:x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid bot id"));
}
