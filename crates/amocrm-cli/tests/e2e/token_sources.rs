//! Where the token comes from: a file (its newline trimmed, a warning when others can read
//! it), stdin (never a terminal), or `--token`; exactly one source; the token never printed,
//! not in `--help` and not in `-v` logs.

use std::time::Duration;

use amocrm_fake::FakeServer;

use crate::support::{self, TempDir, fake, run_env, run_stdin};

/// Whether the request the fake recorded last carried its admin token (the fake masks the
/// Authorization header it records; `has_bearer` compares it).
fn carried_the_token(fake: &FakeServer) -> bool {
    fake.requests()
        .last()
        .is_some_and(|r| r.has_bearer(fake.token()))
}

#[tokio::test]
async fn the_token_comes_from_a_file_with_its_newline_trimmed() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    let file = dir.file("a.token", &format!("{}\n", fake.token()), 0o600);
    let args = [
        "--base-url",
        &base,
        "--token-file",
        &file,
        "widgets",
        "get",
        "amo_dropbox",
    ];
    let run = run_env(&[], &args, fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stderr.is_empty(),
        "a private file warns of nothing: {run:#?}"
    );
    assert!(carried_the_token(&fake));

    // AMOCRM_TOKEN_FILE stands for the flag.
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN_FILE", file.as_str()),
    ];
    let run = run_env(&env, &["widgets", "get", "amo_dropbox"], fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(fake.requests().len(), 2);

    // A file saved by Windows Notepad: a byte order mark and CRLF; neither is sent.
    let notepad = dir.file(
        "notepad.token",
        &format!("\u{feff}{}\r\n", fake.token()),
        0o600,
    );
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN_FILE", notepad.as_str()),
    ];
    let run = run_env(&env, &["widgets", "get", "amo_dropbox"], fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(carried_the_token(&fake));
}

#[cfg(unix)]
#[tokio::test]
async fn a_token_file_others_can_read_is_used_with_a_warning() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    for mode in [0o644, 0o640] {
        let file = dir.file("shared.token", fake.token(), mode);
        let args = [
            "--base-url",
            &base,
            "--token-file",
            &file,
            "widgets",
            "get",
            "amo_dropbox",
        ];
        let run = run_env(&[], &args, fake.token()).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(
            run.stderr.contains("can be read by other users")
                && run.stderr.contains(&format!("chmod 600 {file}")),
            "{mode:o}: {run:#?}"
        );
    }
}

#[tokio::test]
async fn an_empty_unreadable_or_odd_token_file_exits_2_without_its_content() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    let empty = dir.file("empty.token", "\n", 0o600);
    let two_lines = dir.file("two.token", "s3cr3t-first\ns3cr3t-second\n", 0o600);
    let missing = dir.path().join("missing.token");
    let missing = missing.to_str().unwrap_or_default();
    let folder = dir.path().to_str().unwrap_or_default();
    for (file, says) in [
        (empty.as_str(), "is empty"),
        (two_lines.as_str(), "more than one token"),
        (missing, "cannot read the token file"),
        (folder, "is a directory"),
    ] {
        let args = [
            "--base-url",
            &base,
            "--token-file",
            file,
            "widgets",
            "get",
            "amo_dropbox",
        ];
        let run = run_env(&[], &args, "s3cr3t").await;
        assert_eq!(run.code, 2, "{file}: {run:#?}");
        assert!(run.stderr.contains(says), "{file}: {run:#?}");
        assert!(run.stderr.contains(file), "the file is named: {run:#?}");
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn the_token_comes_from_stdin() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let args = [
        "--base-url",
        &base,
        "--token-stdin",
        "widgets",
        "get",
        "amo_dropbox",
    ];
    let input = format!("{}\n", fake.token());
    let run = run_stdin(&[], &args, Some(input.as_bytes()), fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(carried_the_token(&fake));

    // Nothing on stdin: exit 2, nothing sent.
    let run = run_stdin(&[], &args, Some(b""), fake.token()).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains("standard input (--token-stdin) is empty"),
        "{run:#?}"
    );
    let run = run_env(&[], &args, fake.token()).await; // stdin is /dev/null
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(fake.requests().len(), 1);
}

/// `--token-stdin` on a terminal, or a token file that is one (`/dev/stdin`, `/dev/tty`),
/// does not wait for what the user types (and would show on screen): it exits 2 at once.
/// The terminal is a pseudo-terminal of `script` (util-linux); where there is none, or it
/// cannot make a terminal, the test says so and passes.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_token_from_a_terminal_exits_2_without_waiting() {
    use std::process::Stdio;
    let fake = fake(0).await;
    let dir = TempDir::new();
    for (flags, says) in [
        ("--token-stdin", "standard input is a terminal"),
        (
            "--token-file /dev/stdin",
            "the token file /dev/stdin is a terminal",
        ),
    ] {
        let line = format!(
            "'{}' --base-url {} {flags} widgets get amo_dropbox",
            support::BIN,
            fake.base_url()
        );
        let mut script = tokio::process::Command::new("script");
        for var in support::ENV_VARS {
            script.env_remove(var);
        }
        // stdin stays open (piped, never written): the terminal gets no end of input.
        script
            .args(["-qfec", &line, "/dev/null"])
            .env("XDG_CONFIG_HOME", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let Ok(mut child) = script.spawn() else {
            eprintln!(
                "a_token_from_a_terminal_exits_2_without_waiting did not run: no `script` \
                 (util-linux) to give the binary a terminal; install it and rerun"
            );
            return;
        };
        // Held until the end: wait_with_output would close it, and script would pass that
        // on as an end of input.
        let _stdin = child.stdin.take();
        let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
            .await
            .expect("a token from a terminal must not wait for input")
            .expect("script runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if stderr.starts_with("script:") || text.starts_with("script:") {
            eprintln!(
                "a_token_from_a_terminal_exits_2_without_waiting did not run: script could \
                 not make a terminal ({stderr}{text}); rerun where /dev/pts is available"
            );
            return;
        }
        assert_eq!(output.status.code(), Some(2), "{flags}: {text}");
        assert!(text.contains(says), "{flags}: {text}");
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

/// A variable set to the empty string (what a CI system gives for a missing secret)
/// counts as unset, not as an empty value or a second account.
#[tokio::test]
async fn empty_variables_count_as_unset() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let mut env = vec![
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    for var in [
        "AMOCRM_SUBDOMAIN",
        "AMOCRM_DOMAIN",
        "AMOCRM_TOKEN_FILE",
        "AMOCRM_PROFILE",
        "AMOCRM_CONFIG",
        "AMOCRM_TIMEOUT",
    ] {
        env.push((var, ""));
    }
    let run = run_env(&env, &["widgets", "get", "amo_dropbox"], fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(carried_the_token(&fake));
    // An empty token is no token.
    let env = [("AMOCRM_BASE_URL", base.as_str()), ("AMOCRM_TOKEN", "")];
    let run = run_env(&env, &["widgets", "get", "amo_dropbox"], fake.token()).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("no token"), "{run:#?}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn token_sources_exclude_each_other() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    let file = dir.file("a.token", fake.token(), 0o600);
    let get = ["widgets", "get", "amo_dropbox"];
    let with = |flags: &[&str]| -> Vec<String> {
        ["--base-url", base.as_str()]
            .iter()
            .chain(flags)
            .chain(&get)
            .map(|s| (*s).to_owned())
            .collect()
    };
    let token = fake.token();
    for (env, flags, names) in [
        (
            vec![],
            vec!["--token", token, "--token-file", &file],
            "--token and --token-file",
        ),
        (
            vec![],
            vec!["--token-file", &file, "--token-stdin"],
            "--token-file and --token-stdin",
        ),
        (
            vec![],
            vec!["--token", token, "--token-stdin"],
            "--token and --token-stdin",
        ),
        (
            vec![
                ("AMOCRM_TOKEN", token),
                ("AMOCRM_TOKEN_FILE", file.as_str()),
            ],
            vec![],
            "--token and --token-file",
        ),
    ] {
        let args = with(&flags);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run_stdin(&env, &args, Some(token.as_bytes()), token).await;
        assert_eq!(run.code, 2, "{flags:?}: {run:#?}");
        assert!(
            run.stderr
                .contains(&format!("give one token source, not {names}")),
            "{run:#?}"
        );
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // A flag wins over the variable of another source.
    let env = [("AMOCRM_TOKEN", "wrong-token")];
    let run = run_env(
        &env,
        &with(&["--token-file", &file])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        token,
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(carried_the_token(&fake));
}

#[tokio::test]
async fn help_and_debug_logs_never_show_the_token() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let run = run_env(&env, &["--help"], fake.token()).await;
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("[env: AMOCRM_TOKEN]"), "{run:#?}");
    assert!(run.stdout.contains("Exit codes:"), "{run:#?}");
    let run = run_env(&env, &["widgets", "install", "--help"], fake.token()).await;
    assert_eq!(run.code, 0);
    let run = run_env(&env, &["-v", "widgets", "get", "amo_dropbox"], fake.token()).await;
    assert_eq!(run.code, 0, "{run:#?}");
}
