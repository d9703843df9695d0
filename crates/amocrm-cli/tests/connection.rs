//! End-to-end tests of where the connection comes from: the token from a file or stdin,
//! profiles of the config file, and `--timeout`; the real `amocrm` binary against the
//! fake amoCRM server (or a server that never answers).

mod support;

use std::time::{Duration, Instant};

use amocrm_fake::FakeServer;
use support::{TempDir, fake, run_env, run_stdin};

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

/// Two fakes with their own tokens, and a config file with a profile for each.
struct Profiles {
    main: FakeServer,
    other: FakeServer,
    dir: TempDir,
    config: String,
}

async fn profiles() -> Profiles {
    let main = FakeServer::builder()
        .token("main-token-Xq1")
        .start()
        .await
        .expect("the fake starts");
    let other = FakeServer::builder()
        .token("other-token-Zr2")
        .start()
        .await
        .expect("the fake starts");
    let dir = TempDir::new();
    dir.file("amocrm/main.token", "main-token-Xq1\n", 0o600);
    let other_file = dir.file("tokens/other.token", "other-token-Zr2\n", 0o600);
    let text = format!(
        "# profiles for the tests\n\
         default_profile = \"main\"\n\
         \n\
         [profiles.main]\n\
         base_url = \"{}\"\n\
         token_file = \"main.token\"\n\
         timeout = \"20s\"\n\
         \n\
         [profiles.other]\n\
         base_url = \"{}\"\n\
         token_file = \"{}\"\n\
         \n\
         [profiles.stored]\n\
         subdomain = \"example\"\n\
         domain = \"kommo.com\"\n\
         token_store = \"example-tokens.json\"\n",
        main.base_url(),
        other.base_url(),
        other_file.replace('\\', "\\\\"),
    );
    let config = dir.file("amocrm/config.toml", &text, 0o600);
    Profiles {
        main,
        other,
        dir,
        config,
    }
}

/// Runs `widgets get amo_dropbox` with `env` and `flags`; returns the exit code and which
/// fake got the request ("main", "other" or "none").
async fn which(p: &Profiles, env: &[(&str, &str)], flags: &[&str]) -> (i32, &'static str, String) {
    let (main_before, other_before) = (p.main.requests().len(), p.other.requests().len());
    let mut args = flags.to_vec();
    args.extend(["widgets", "get", "amo_dropbox"]);
    let run = run_env(env, &args, "main-token-Xq1").await;
    assert!(
        !run.stdout.contains("other-token-Zr2") && !run.stderr.contains("other-token-Zr2"),
        "the token leaked: {run:#?}"
    );
    let got = match (
        p.main.requests().len() > main_before,
        p.other.requests().len() > other_before,
    ) {
        (true, false) => "main",
        (false, true) => "other",
        (false, false) => "none",
        (true, true) => "both",
    };
    (run.code, got, run.stderr)
}

#[tokio::test]
async fn profiles_are_chosen_by_flag_env_or_default_and_flags_override_them() {
    let p = profiles().await;
    let config = p.config.as_str();
    let with_config = [("AMOCRM_CONFIG", config)];
    // default_profile.
    let (code, got, stderr) = which(&p, &with_config, &[]).await;
    assert_eq!((code, got), (0, "main"), "{stderr}");
    // --profile, AMOCRM_PROFILE, and the flag over the variable.
    assert_eq!(
        which(&p, &with_config, &["--profile", "other"]).await.1,
        "other"
    );
    let env = [("AMOCRM_CONFIG", config), ("AMOCRM_PROFILE", "other")];
    assert_eq!(which(&p, &env, &[]).await.1, "other");
    let env = [("AMOCRM_CONFIG", config), ("AMOCRM_PROFILE", "other")];
    assert_eq!(which(&p, &env, &["--profile", "main"]).await.1, "main");
    // --config instead of AMOCRM_CONFIG.
    assert_eq!(
        which(&p, &[], &["--config", config, "--profile", "other"])
            .await
            .1,
        "other"
    );
    // The default place: $XDG_CONFIG_HOME/amocrm/config.toml.
    let xdg = p.dir.path().to_str().unwrap_or_default();
    let env = [("XDG_CONFIG_HOME", xdg)];
    assert_eq!(which(&p, &env, &["--profile", "other"]).await.1, "other");
    assert_eq!(which(&p, &env, &[]).await.1, "main");

    // Flags and environment variables override the profile's values: the account by
    // flag, the token by variable.
    let other_base = p.other.base_url();
    let env = [
        ("AMOCRM_CONFIG", config),
        ("AMOCRM_TOKEN", "other-token-Zr2"),
    ];
    let (code, got, stderr) =
        which(&p, &env, &["--profile", "main", "--base-url", &other_base]).await;
    assert_eq!((code, got), (0, "other"), "{stderr}");
    let env = [
        ("AMOCRM_CONFIG", config),
        ("AMOCRM_BASE_URL", other_base.as_str()),
        ("AMOCRM_TOKEN", "other-token-Zr2"),
    ];
    let (code, got, stderr) = which(&p, &env, &[]).await;
    assert_eq!((code, got), (0, "other"), "{stderr}");
    // The profile's token is never sent to another account: an input error, nothing sent.
    let env = [
        ("AMOCRM_CONFIG", config),
        ("AMOCRM_BASE_URL", other_base.as_str()),
    ];
    let before = (p.main.requests().len(), p.other.requests().len());
    let (code, _, stderr) = which(&p, &env, &["--profile", "main"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("another"), "{stderr}");
    assert!(!stderr.contains("main-token-Xq1"), "{stderr}");
    assert_eq!(
        (p.main.requests().len(), p.other.requests().len()),
        before,
        "a request was sent"
    );
    // The same account named again by flag keeps the profile's token.
    let main_base = p.main.base_url();
    let (code, got, stderr) = which(
        &p,
        &[("AMOCRM_CONFIG", config)],
        &["--profile", "main", "--base-url", &format!("{main_base}/")],
    )
    .await;
    assert_eq!((code, got), (0, "main"), "{stderr}");
}

#[tokio::test]
async fn profile_errors_exit_2_and_say_what_is_wrong() {
    let p = profiles().await;
    let config = p.config.as_str();
    let with_config = [("AMOCRM_CONFIG", config)];

    let (code, _, stderr) = which(&p, &with_config, &["--profile", "nope"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no profile \"nope\" in")
            && stderr.contains("its profiles: main, other, stored"),
        "{stderr}"
    );
    // No config file at the default place, or none where --config points.
    let (code, _, stderr) = which(&p, &[], &["--profile", "main"]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("there is no config file at"), "{stderr}");
    let missing = p.dir.path().join("missing.toml");
    let missing = missing.to_str().unwrap_or_default();
    let (code, _, stderr) = which(&p, &[], &["--config", missing]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot read the config file"), "{stderr}");
    let gone = p.dir.file(
        "gone.toml",
        "default_profile = \"gone\"\n[profiles.a]\n",
        0o600,
    );
    let (code, _, stderr) = which(&p, &[("AMOCRM_CONFIG", gone.as_str())], &[]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("default_profile \"gone\" in")
            && stderr.contains("names no profile; its profiles: a"),
        "{stderr}"
    );
    // The profile's token store (relative to the config file's folder) holds no pair yet.
    let (code, _, stderr) = which(&p, &with_config, &["--profile", "stored"]).await;
    assert_eq!(code, 2, "{stderr}");
    let store = p.dir.path().join("amocrm").join("example-tokens.json");
    assert!(
        stderr.contains(&format!(
            "store an OAuth pair for https://example.kommo.com in {}",
            store.display()
        )),
        "{stderr}"
    );

    // Unknown keys name the key and the line, never the value.
    for (text, line, key) in [
        (
            "[profiles.a]\nsubdomain = \"x\"\ntokn_file = \"a\"\n",
            3,
            "tokn_file",
        ),
        ("default_profile = \"a\"\nverbose = true\n", 2, "verbose"),
        (
            "[profiles.a]\nbase_url = \"http://127.0.0.1:1\"\n\ntoken = \"s3cr3t-in-config\"\n",
            4,
            "token",
        ),
    ] {
        let bad = p.dir.file("bad.toml", text, 0o600);
        let run = run_env(
            &[("AMOCRM_CONFIG", bad.as_str())],
            &["--profile", "a", "widgets", "list"],
            "s3cr3t",
        )
        .await;
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(
            run.stderr
                .contains(&format!("line {line}: unknown field `{key}`")),
            "{run:#?}"
        );
    }
    let bad = p.dir.file(
        "bad.toml",
        "[profiles.a]\ndomain = \"example.org\"\n",
        0o600,
    );
    let run = run_env(
        &[("AMOCRM_CONFIG", bad.as_str())],
        &["widgets", "list"],
        "no-secret-Qz",
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("line 2:"), "{run:#?}");
    // A file too large to be a config file is refused before it fills the memory.
    let huge = p.dir.file("huge.toml", &"#\n".repeat(600_000), 0o600);
    let (code, _, stderr) = which(&p, &[], &["--config", &huge]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("more than 1 MiB"), "{stderr}");
    // A token put where a profile belongs is not quoted back (run_env checks it).
    let bad = p
        .dir
        .file("bad.toml", "[profiles]\nwork = \"s3cr3t-token\"\n", 0o600);
    let run = run_env(
        &[("AMOCRM_CONFIG", bad.as_str())],
        &["widgets", "list"],
        "s3cr3t",
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("line 2:"), "{run:#?}");
    assert!(p.main.requests().is_empty() && p.other.requests().is_empty());
}

/// A server that accepts connections and never answers; returns its base URL. Its
/// connections stay open until the test's runtime ends.
async fn silent_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    base
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_with_exit_4() {
    let base = silent_server().await;
    let dir = TempDir::new();
    let config = dir.file(
        "config.toml",
        &format!("[profiles.slow]\nbase_url = \"{base}\"\ntimeout = \"300ms\"\n"),
        0o600,
    );
    let get = ["widgets", "get", "amo_dropbox"];
    for (env, flags) in [
        (
            vec![],
            vec!["--base-url", base.as_str(), "--timeout", "300ms"],
        ),
        (
            vec![
                ("AMOCRM_TIMEOUT", "300ms"),
                ("AMOCRM_BASE_URL", base.as_str()),
            ],
            vec![],
        ),
        (
            vec![("AMOCRM_CONFIG", config.as_str())],
            vec!["--profile", "slow"],
        ),
    ] {
        let mut env = env;
        env.push(("AMOCRM_TOKEN", "tok-t"));
        let mut args = flags.clone();
        args.extend(get);
        let started = Instant::now();
        let run = run_env(&env, &args, "tok-t").await;
        let took = started.elapsed();
        assert_eq!(run.code, 4, "{flags:?}: {run:#?}");
        assert!(run.stderr.contains("timed out"), "{run:#?}");
        assert!(run.stderr.contains("--timeout"), "{run:#?}");
        // A few attempts of 300 ms with the client's retry delays, far from the 30 s default.
        assert!(took < Duration::from_secs(15), "{flags:?} took {took:?}");
    }
    // --timeout wins over the profile's.
    let env = [
        ("AMOCRM_CONFIG", config.as_str()),
        ("AMOCRM_TOKEN", "tok-t"),
    ];
    let started = Instant::now();
    let run = run_env(
        &env,
        &[
            "--profile",
            "slow",
            "--timeout",
            "2s",
            "widgets",
            "get",
            "x",
        ],
        "tok-t",
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_malformed_timeout_is_a_usage_error() {
    for value in ["0s", "soon", "10x", "2h"] {
        let run = run_env(
            &[("AMOCRM_TOKEN", "tok-t")],
            &[
                "--base-url",
                "http://127.0.0.1:1",
                "--timeout",
                value,
                "widgets",
                "list",
            ],
            "tok-t",
        )
        .await;
        assert_eq!(run.code, 2, "{value}: {run:#?}");
        assert!(run.stderr.contains("--timeout <DURATION>"), "{run:#?}");
    }
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-t"), ("AMOCRM_TIMEOUT", "forever")],
        &["--base-url", "http://127.0.0.1:1", "widgets", "list"],
        "tok-t",
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
}
