//! The `amocrm-fake` binary: its flags (accounts, catalogue, continuations, raw widgets,
//! strict Accept, PHP empty pages, faults, the uninstall hook's URL), what it prints, and its
//! errors.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use amocrm_fake::DEFAULT_TOKEN;
use reqwest::{Client, StatusCode};
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
async fn binary_serves_and_prints_its_address() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args([
                "--port",
                "0",
                "--widgets",
                "7",
                "--token",
                "bin-token",
                "--rate-limit",
                "100",
                "--pending",
                "salesbot:123:abc",
                "--pending",
                "marketingbot:4:x",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let rest = first
        .strip_prefix("amocrm-fake listening on ")
        .unwrap_or_else(|| panic!("unexpected banner {first:?}"));
    let (base, token) = rest.split_once(' ').unwrap();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_ne!(base, "http://127.0.0.1:0");
    assert_eq!(token, "(token: bin-token)");
    assert!(second.contains("10 widgets"), "{second}");

    let client = Client::new();
    let body: Value = client
        .get(format!("{base}/api/v4/widgets?limit=250"))
        .bearer_auth("bin-token")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["_embedded"]["widgets"].as_array().unwrap().len(), 10);
    for path in ["salesbot/123/continue/abc", "marketingbot/4/continue/x"] {
        let resp = client
            .post(format!("{base}/api/v4/{path}"))
            .bearer_auth("bin-token")
            .json(&json!({"data": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED, "{path}");
    }
}

#[test]
fn binary_rejects_bad_arguments() {
    for args in [
        &["--pending", "chatbot:1:a"][..],
        &["--pending", "salesbot:x:a"],
        &["--pending", "salesbot:1"],
        &["--port", "99999"],
        &["--raw-widget", "{not json"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args(args)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}");
    }
}

#[tokio::test]
async fn binary_serves_raw_widgets_strict_accept_and_php_empty_pages() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args([
                "--port",
                "0",
                "--widgets",
                "2",
                "--raw-widget",
                r#"{"code": "odd_one", "version": 3}"#,
                "--strict-accept",
                "--php-empty-page",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    assert!(
        second.contains("6 widgets (3 seed + 1 raw + 2 generated)"),
        "{second}"
    );
    let base = first
        .strip_prefix("amocrm-fake listening on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(base, _)| base.to_owned())
        .unwrap();
    let get = |path: &str, accept: &'static str| {
        Client::new()
            .get(format!("{base}{path}"))
            .bearer_auth(DEFAULT_TOKEN)
            .header("accept", accept)
            .send()
    };
    let both = "application/hal+json, application/problem+json";
    let resp = get("/api/v4/widgets/odd_one", "application/json")
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_ACCEPTABLE);
    let body: Value = get("/api/v4/widgets/odd_one", both)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"code": "odd_one", "version": 3}));
    let body: Value = get("/api/v4/widgets?page=9", both)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({"_page": 9, "_links": [], "_embedded": []}));
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

    // OAuth from outside: the client printed at start-up, a code from the admin route,
    // exchanged at the account's token endpoint for a pair that works there.
    let oauth = printed
        .iter()
        .find(|l| l.starts_with("oauth: "))
        .expect("the OAuth client is printed");
    let word = |after: &str| {
        let rest = oauth.split(after).nth(1).expect(after);
        rest.split([',', ';', ' '])
            .find(|w| !w.is_empty())
            .unwrap()
            .to_owned()
    };
    let resp = http
        .post(format!("{acc2}/_fake/authorization_code"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let code: Value = resp.json().await.unwrap();
    let grant = json!({"client_id": word("client_id "), "client_secret": word("client_secret "),
        "redirect_uri": word("redirect_uri "), "grant_type": "authorization_code",
        "code": code["code"]});
    let resp = http
        .post(format!("{acc2}/oauth2/access_token"))
        .json(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pair: Value = resp.json().await.unwrap();
    let resp = http
        .get(format!("{acc2}/api/v4/widgets"))
        .bearer_auth(pair["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Runs the binary with `args`, expecting it to refuse them and exit: its output. A binary
/// still running after 20 s fails the test instead of hanging it.
fn refused(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("amocrm-fake {args:?} is still running: it should have refused them");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "{args:?}");
    out
}

#[test]
fn a_bad_catalogue_or_account_is_a_clear_error() {
    let bad = temp_file(
        "bad.yaml",
        "widgets:\n  - code: a\n    rating: 1\n    flavour: x\n",
    );
    let out = refused(&["--port", "0", "--catalogue", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml") && err.contains("flavour") && err.contains("line 4"),
        "{err}"
    );

    let out = refused(&["--port", "0", "--account", "api"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("account name \"api\""));

    let out = refused(&["--port", "0", "--continuation", "acc9:salesbot:1:x"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--account acc9"), "{err}");

    let out = refused(&["--continuation", "salesbot:0:x"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid bot id"));
}

#[tokio::test]
async fn binary_injects_the_faults_of_its_flags() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
            .args([
                "--port",
                "0",
                "--fault",
                "list=429:retry-after=2:html",
                "--fault",
                "GET /api/v4/widgets/*=503@2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    // Kept open to the end: the server writes more lines, and a closed pipe would end it.
    let mut stdout = BufReader::new(stdout).lines();
    let first = stdout.next().unwrap().unwrap();
    let base = first
        .strip_prefix("amocrm-fake listening on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(base, _)| base.to_owned())
        .unwrap_or_else(|| panic!("unexpected banner {first:?}"));
    let stderr = child.0.stderr.take().unwrap();
    let mut stderr = BufReader::new(stderr).lines();
    let announced: Vec<String> = stderr.by_ref().take(2).map(Result::unwrap).collect();
    assert_eq!(
        announced,
        [
            "amocrm-fake: injecting fault list=429:html:retry-after=2",
            "amocrm-fake: injecting fault GET /api/v4/widgets/*=503@2"
        ]
    );

    let client = Client::new();
    let get = |path: &str| {
        client
            .get(format!("{base}{path}"))
            .bearer_auth(amocrm_fake::DEFAULT_TOKEN)
            .send()
    };
    let resp = get("/api/v4/widgets").await.unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "2");
    assert!(resp.text().await.unwrap().contains("<html>"));
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(get("/api/v4/widgets/amo_dropbox").await.unwrap().status());
    }
    assert_eq!(statuses, [200, 503, 200]);
}

#[test]
fn binary_refuses_a_bad_fault_and_documents_the_grammar() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
        .args(["--port", "0", "--fault", "list=explode"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown action \"explode\""), "{stderr}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_amocrm-fake"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--fault <SPEC>",
        "retry-after=",
        "latency:",
        "reset",
        "truncate",
        "*=503@3",
    ] {
        assert!(help.contains(needle), "{needle} in {help}");
    }
}

#[tokio::test]
async fn binary_sends_the_uninstall_hook_to_its_flags_url() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/oauth/disable",
        axum::routing::get(
            move |axum::extract::RawQuery(query): axum::extract::RawQuery| {
                record.lock().unwrap().push(query.unwrap_or_default());
                async { "ok" }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/oauth/disable", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut child = Running(
        Command::new(BIN)
            .args(["--port", "0", "--uninstall-hook-url", &hook])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines().map(Result::unwrap);
    let banner: Vec<String> = lines
        .by_ref()
        .take_while(|l| !l.starts_with("port="))
        .collect();
    let base = banner[0]
        .strip_prefix("amocrm-fake listening on ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(base, _)| base.to_owned())
        .unwrap();
    assert!(
        banner.contains(&format!(
            "uninstall hook: {hook} (sent by POST {{account_url}}/_fake/uninstall)"
        )),
        "{banner:?}"
    );
    let answer: Value = Client::new()
        .post(format!("{base}/_fake/uninstall"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["hook"]["status"], 200, "{answer}");
    let queries = seen.lock().unwrap().clone();
    assert_eq!(queries.len(), 1);
    assert!(queries[0].starts_with("account_id="), "{queries:?}");
    assert!(queries[0].contains("&signature="), "{queries:?}");
}
