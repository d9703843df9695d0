//! The way in: subcommand help without the global options, the one exit-code table (in
//! `--help`, and what each code's case returns), and errors that say what to do next
//! (the token source of a 401, the nearest settings key, the `--set-json` form, a
//! transport failure in one line with a hint, `--json` errors as one JSON object).

use std::collections::BTreeMap;
use std::process::Stdio;

use serde_json::Value;

use crate::support::{TempDir, amocrm, command, fake, run_env};

/// A loopback port nothing listens on.
fn absent_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// The exit-code table at the end of `amocrm --help`: kind → code.
async fn help_table() -> BTreeMap<String, i32> {
    let run = run_env(&[], &["--help"], "no-secret-here-Q7").await;
    assert_eq!(run.code, 0, "{run:#?}");
    let table = run
        .stdout
        .split("Exit codes:\n")
        .nth(1)
        .expect("--help has the exit codes");
    let mut codes = BTreeMap::new();
    for line in table.lines().take_while(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let [code, kind, ..] = words.as_slice()
            && let Ok(code) = code.parse::<i32>()
        {
            codes.insert((*kind).to_owned(), code);
        }
    }
    codes
}

#[tokio::test]
async fn subcommand_help_is_short_and_keeps_the_global_options_out_of_the_way() {
    let fake = fake(0).await;
    let widgets = amocrm(&fake, &["widgets", "--help"]).await;
    assert_eq!(widgets.code, 0, "{widgets:#?}");
    let lines = widgets.stdout.lines().count();
    assert!(
        lines < 40,
        "widgets --help is {lines} lines:\n{}",
        widgets.stdout
    );
    // Named at the end, not described: the whole description is in amocrm --help.
    assert!(
        !widgets.stdout.contains("--base-url <URL>"),
        "{}",
        widgets.stdout
    );
    assert!(
        widgets.stdout.contains("Global options"),
        "{}",
        widgets.stdout
    );
    for flag in ["--base-url", "--token-file", "--client-id", "--json"] {
        assert!(widgets.stdout.contains(flag), "{flag}: {}", widgets.stdout);
    }
    let top = amocrm(&fake, &["--help"]).await;
    for heading in ["Connection:", "OAuth:", "Output:"] {
        assert!(top.stdout.contains(heading), "{heading}: {}", top.stdout);
    }
    assert!(top.stdout.contains("--base-url <URL>"), "{}", top.stdout);
    // The settings table before the options of widgets install.
    let install = amocrm(&fake, &["widgets", "install", "--help"]).await;
    let table = install
        .stdout
        .find("users_lp     --set-json")
        .expect("the table");
    let options = install.stdout.find("Options:").expect("the options");
    assert!(table < options, "{}", install.stdout);
    // A global option after the subcommand still works.
    let run = amocrm(&fake, &["widgets", "list", "--json", "--limit", "1"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json_lines().len(), 1, "{run:#?}");
}

#[cfg(unix)]
#[tokio::test]
async fn each_exit_code_of_the_help_table_is_what_its_case_returns() {
    let table = help_table().await;
    let kinds: Vec<&str> = table.keys().map(String::as_str).collect();
    assert_eq!(
        kinds,
        ["api", "auth", "input", "ok", "output", "transport"],
        "{table:?}"
    );
    let fake = fake(0).await;
    let base = fake.base_url();
    let absent = format!("http://127.0.0.1:{}", absent_port());
    let store = TempDir::new();
    let tokens = store.path().join("tokens.json");
    let tokens = tokens.to_str().expect("UTF-8");
    let b = base.as_str();
    let cases: [(&str, Vec<&str>); 5] = [
        (
            "ok",
            vec!["--base-url", b, "--token", fake.token(), "widgets", "list"],
        ),
        (
            "input",
            vec![
                "--base-url",
                b,
                "--token",
                "t",
                "widgets",
                "list",
                "--page",
                "x",
            ],
        ),
        (
            "api",
            vec![
                "--base-url",
                b,
                "--token",
                "not-the-token",
                "widgets",
                "list",
            ],
        ),
        (
            "transport",
            vec!["--base-url", &absent, "--token", "t", "widgets", "list"],
        ),
        (
            "auth",
            vec!["--base-url", b, "--token-store", tokens, "auth", "status"],
        ),
    ];
    for (kind, args) in cases {
        let run = run_env(&[], &args, "not-the-token").await;
        assert_eq!(Some(&run.code), table.get(kind), "{kind}: {run:#?}");
    }
    // Output that cannot be written.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let status = command(
        &["--base-url", &base, "--token", fake.token(), "account"],
        &[],
    )
    .stdout(Stdio::from(full))
    .stderr(Stdio::null())
    .status()
    .await
    .expect("the binary runs");
    assert_eq!(status.code(), table.get("output").copied(), "{status:?}");
}

#[tokio::test]
async fn a_401_names_the_token_source_never_the_token() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    let file = dir.file("example.token", "bad-file-token-Q1\n", 0o600);
    let cases = [
        (
            vec![],
            vec!["--token", "bad-flag-token-Q1"],
            "the token came from --token",
        ),
        (
            vec![("AMOCRM_TOKEN", "bad-flag-token-Q1")],
            vec![],
            "the token came from AMOCRM_TOKEN",
        ),
        (
            vec![],
            vec!["--token-file", file.as_str()],
            "the token came from --token-file",
        ),
    ];
    for (env, args, source) in cases {
        let mut all = vec!["--base-url", base.as_str()];
        all.extend(args);
        all.extend(["widgets", "list"]);
        let run = run_env(&env, &all, "bad-flag-token-Q1").await;
        assert_eq!(run.code, 3, "{run:#?}");
        assert!(run.stderr.contains(source), "{source}: {run:#?}");
        assert!(!run.stderr.contains("bad-file-token-Q1"), "{run:#?}");
        assert!(run.stderr.contains("hint:"), "{run:#?}");
    }
}

#[tokio::test]
async fn settings_errors_suggest_the_key_and_the_set_json_form() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "logn=x",
            "--set",
            "password=p",
            "--set",
            "script_path=s",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains(r#"did you mean "login"?"#), "{run:#?}");
    assert!(
        run.stderr
            .contains("its keys: login, password, phones, script_path"),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains(r#"--set-json phones='{"504141":"1039"}'"#),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("=x"), "no value repeated: {run:#?}");
    assert_eq!(crate::support::posts(&fake), 0, "nothing installed");
}

#[tokio::test]
async fn a_refused_connection_is_one_line_and_a_hint() {
    let absent = format!("http://127.0.0.1:{}", absent_port());
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-t")],
        &["--base-url", &absent, "widgets", "list"],
        "tok-t",
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{run:#?}");
    assert!(
        lines[0].starts_with(&format!("error: the request to {absent}/")),
        "{run:#?}"
    );
    assert!(lines[0].contains("refused"), "{run:#?}");
    assert!(lines[1].contains("is the base URL reachable?"), "{run:#?}");
}

#[tokio::test]
async fn with_json_an_error_is_one_json_object_on_stderr() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let absent = format!("http://127.0.0.1:{}", absent_port());
    let cases = [
        (
            vec![
                "--base-url",
                base.as_str(),
                "--token",
                "nope-Z",
                "widgets",
                "list",
            ],
            "api",
            3,
            "401",
        ),
        (
            vec![
                "--base-url",
                &absent,
                "--token",
                "nope-Z",
                "widgets",
                "list",
            ],
            "transport",
            4,
            "reachable",
        ),
        (
            vec![
                "--base-url",
                base.as_str(),
                "widgets",
                "list",
                "--page",
                "x",
            ],
            "input",
            2,
            "--page",
        ),
        (
            vec![
                "--base-url",
                base.as_str(),
                "--token",
                fake.token(),
                "widgets",
                "install",
                "amo_asterisk",
                "--set",
                "logn=x",
            ],
            "input",
            2,
            "did you mean",
        ),
    ];
    for (args, kind, code, needle) in cases {
        let mut all = vec!["--json"];
        all.extend(args);
        let run = run_env(&[], &all, "nope-Z").await;
        assert_eq!(run.code, code, "{run:#?}");
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {run:#?}");
        let error: Value = serde_json::from_str(lines[0]).expect("a JSON object");
        assert_eq!(error["kind"], kind, "{error}");
        assert_eq!(error["exit_code"], code, "{error}");
        let message = error["message"].as_str().expect("a message");
        assert!(message.contains(needle), "{needle}: {error}");
        assert!(!message.starts_with("error:"), "{error}");
    }
}
