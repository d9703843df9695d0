//! Which account: `--base-url`/`--subdomain` and their variables, and the profiles of the
//! config file (chosen by flag, variable or default; overridden by flags; errors that say
//! what is wrong).

use amocrm_fake::FakeServer;

use crate::support::{TempDir, fake, run_env};

#[tokio::test]
async fn a_flag_wins_over_the_other_account_variable() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_SUBDOMAIN", "elsewhere"),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let run = run_env(
        &env,
        &["widgets", "get", "amo_dropbox", "--base-url", &base],
        fake.token(),
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
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
