//! `--timeout`, `AMOCRM_TIMEOUT` and a profile's timeout: a server that never answers ends
//! in time with exit 4; a malformed timeout is a usage error.

use std::time::{Duration, Instant};

use crate::support::{TempDir, run_env};
use amocrm_test_support::loopback::silent_server;

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
