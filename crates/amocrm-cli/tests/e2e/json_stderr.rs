//! With `--json`, every line on stderr is one JSON object: a missing subcommand's usage
//! error, the warnings (a token file others can read), the `-v` lines; and an unreachable
//! token endpoint is one line and a hint, as an unreachable API is.

use crate::support::{TempDir, fake, run_env};

/// A loopback port nothing listens on.
fn absent_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

#[tokio::test]
async fn a_missing_subcommand_is_one_json_object_with_its_usage_and_exits_2() {
    let run = run_env(&[], &["--json", "widgets"], "no-secret-Q7").await;
    assert_eq!(run.code, 2, "{run:#?}");
    let lines = run.stderr_json();
    assert_eq!(lines.len(), 1, "{run:#?}");
    assert_eq!(lines[0]["kind"], "input", "{run:#?}");
    assert_eq!(lines[0]["exit_code"], 2, "{run:#?}");
    let message = lines[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("subcommand is required"), "{run:#?}");
    assert!(message.contains("Usage: amocrm widgets"), "{run:#?}");

    // Without --json: clap's help text on stderr, exit 2, as before.
    let text = run_env(&[], &["widgets"], "no-secret-Q7").await;
    assert_eq!(text.code, 2, "{text:#?}");
    assert!(text.stderr.contains("Usage: amocrm widgets"), "{text:#?}");
    assert!(!text.stderr.starts_with('{'), "{text:#?}");
}

#[cfg(unix)]
#[tokio::test]
async fn a_warning_is_a_json_object_and_the_run_goes_on() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    let file = dir.file("shared.token", fake.token(), 0o666);
    let args = [
        "--json",
        "--base-url",
        &base,
        "--token-file",
        &file,
        "widgets",
        "get",
        "amo_dropbox",
    ];
    let run = run_env(&[], &args, fake.token()).await;
    // A --token-file others can write is used, with a warning (exit 0, not 2).
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.stderr_json();
    assert_eq!(lines.len(), 2, "read and write: {run:#?}");
    let warning = lines[0]["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("can be read by other users"), "{run:#?}");
    assert!(!warning.starts_with("warning:"), "{run:#?}");
    let warning = lines[1]["warning"].as_str().unwrap_or_default();
    assert!(
        warning.contains("can be changed by other users"),
        "{run:#?}"
    );
}

#[tokio::test]
async fn with_json_the_v_lines_are_json_unless_text_is_asked_for() {
    let fake = fake(1).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let run = run_env(&env, &["--json", "-v", "widgets", "list"], fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(!run.stderr_json().is_empty(), "{run:#?}");
    let args = ["--json", "-v", "--log-format", "text", "widgets", "list"];
    let text = run_env(&env, &args, fake.token()).await;
    assert_eq!(text.code, 0, "{text:#?}");
    assert!(
        text.stderr.lines().any(|l| !l.starts_with('{')),
        "{text:#?}"
    );
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_one_line_and_a_hint() {
    let absent = format!("http://127.0.0.1:{}", absent_port());
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    let store = store.to_str().expect("a UTF-8 path");
    let env = [
        ("AMOCRM_CLIENT_ID", "client-a"),
        ("AMOCRM_CLIENT_SECRET", "s3cr3t-b"),
        ("AMOCRM_REDIRECT_URI", "https://example.com/cb"),
    ];
    let args = [
        "--base-url",
        &absent,
        "--token-store",
        store,
        "auth",
        "login",
        "--code",
        "c0de-x",
    ];
    let run = run_env(&env, &args, "s3cr3t-b").await;
    assert_eq!(run.code, 4, "{run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{run:#?}");
    assert!(
        lines[0].starts_with(&format!(
            "error: the request to the token endpoint {absent}/"
        )),
        "{run:#?}"
    );
    assert!(lines[0].contains("refused"), "{run:#?}");
    assert!(lines[1].contains("is the base URL reachable?"), "{run:#?}");
    assert!(!run.stderr.contains("c0de-x"), "{run:#?}");

    let mut json = vec!["--json"];
    json.extend(args);
    let run = run_env(&env, &json, "s3cr3t-b").await;
    let lines = run.stderr_json();
    assert_eq!(lines.len(), 1, "{run:#?}");
    assert_eq!(lines[0]["kind"], "transport", "{run:#?}");
    assert_eq!(lines[0]["exit_code"], 4, "{run:#?}");
}
