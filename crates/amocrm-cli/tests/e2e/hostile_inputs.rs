//! Hostile inputs from outside the CLI (issue 24): numbers in a token file no store wrote,
//! passwords in store and Redis URLs, an identifier too long to send. Each is a typed
//! failure with its documented exit code; none panics, none prints a secret.

use crate::support::{Run, TempDir, run_stdin};

/// Nothing listens there: a run that sent something would fail with a transport error.
const NOWHERE: &str = "http://127.0.0.1:9";

async fn run(args: &[&str], stdin: Option<&[u8]>, secret: &str) -> Run {
    let env = [("AMOCRM_BASE_URL", NOWHERE)];
    let run = run_stdin(&env, args, stdin, secret).await;
    assert!(!run.stderr.contains("panicked"), "{run:#?}");
    run
}

fn token_file(dir: &TempDir, expires_at: u64, generation: u64) -> String {
    dir.file(
        "tokens.json",
        &format!(
            r#"{{"{NOWHERE}":{{"access_token":"a-SECRET","refresh_token":"r-SECRET","expires_at":{expires_at},"generation":{generation}}}}}"#
        ),
        0o600,
    )
}

#[tokio::test]
async fn hostile_numbers_in_a_token_file_are_errors_not_panics() {
    let dir = TempDir::new();
    let store = token_file(&dir, u64::MAX, 1);
    let status = run(
        &["--token-store", &store, "auth", "status"],
        None,
        "a-SECRET",
    )
    .await;
    assert_eq!(status.code, 4, "{status:#?}");
    assert!(status.stderr.contains("not a token file"), "{status:#?}");

    let store = token_file(&dir, 1, u64::MAX);
    let answer = br#"{"token_type":"Bearer","expires_in":3600,"access_token":"a2-SECRET","refresh_token":"r2-SECRET"}"#;
    let import = run(
        &["--token-store", &store, "auth", "import"],
        Some(answer),
        "a2-SECRET",
    )
    .await;
    assert_eq!(import.code, 4, "{import:#?}");
    assert!(import.stderr.contains("generation"), "{import:#?}");
}

/// A password in a store or Redis URL is never shown, whatever its characters or the
/// URL's form: a libpq `key=value` string (a PostgreSQL store, not a file path), `/`, `?`
/// or `@` in a Redis password, `password=` in a query.
#[tokio::test]
async fn passwords_in_store_and_redis_urls_are_never_shown() {
    for (flag, value) in [
        (
            "--token-store",
            "host=127.0.0.1 port=9 user=u password=pw-SECRET-1 dbname=db",
        ),
        (
            "--token-store",
            "host=127.0.0.1 port=9 password='pw-SECRET-1 x' dbname=db",
        ),
        (
            "--token-store",
            "postgres://u@127.0.0.1:9/db?password=pw-SECRET-1",
        ),
        ("--token-store", "postgres://u:pw-SECRET-1/x@127.0.0.1:9/db"),
        ("--redis-url", "redis://:pw/SECRET-1@127.0.0.1:9/"),
        ("--redis-url", "redis://:pw?SECRET-1@127.0.0.1:9/"),
        ("--redis-url", "redis://:pw#SECRET-1@127.0.0.1:9/"),
        ("--redis-url", "redis://u:12/345-SECRET-1@127.0.0.1:9/"),
    ] {
        let args = [flag, value, "--token", "t-SECRET", "widgets", "get", "w"];
        let args = if flag == "--token-store" {
            vec![flag, value, "auth", "status"]
        } else {
            args.to_vec()
        };
        let run = run(&args, None, "SECRET-1").await;
        assert_ne!(run.code, 0, "{run:#?}");
        assert!(
            !run.stderr.contains("pw-") && !run.stderr.contains("345"),
            "{run:#?}"
        );
        if value.starts_with("host=") {
            // A connection string, not a file: the store is PostgreSQL, which is not there.
            assert_eq!(run.code, 4, "{run:#?}");
            assert!(run.stderr.contains("PostgreSQL"), "{run:#?}");
        }
    }
}

/// A widget code or continue_id too long for any request is the caller's input (exit 2,
/// "nothing was sent"), not a transport error (4, which a script would retry for ever);
/// the message names its size and does not repeat it.
#[tokio::test]
async fn an_identifier_too_long_to_send_exits_2() {
    let long = "w".repeat(100_000);
    for args in [
        vec!["--token", "t-SECRET", "widgets", "get", long.as_str()],
        vec![
            "--token",
            "t-SECRET",
            "bot",
            "continue",
            "salesbot",
            "1",
            long.as_str(),
        ],
    ] {
        let run = run(&args, None, "t-SECRET").await;
        assert_eq!(run.code, 2, "{}", &run.stderr[..run.stderr.len().min(300)]);
        assert!(
            run.stderr.contains("100000 bytes"),
            "{}",
            &run.stderr[..run.stderr.len().min(300)]
        );
        assert!(run.stderr.len() < 1000, "the code is repeated");
    }
}

/// A static token file other users can write is reported, as one they can read is: the
/// token in it could be anyone's (the commands would then work in their account).
#[cfg(unix)]
#[tokio::test]
async fn a_token_file_others_can_write_is_used_with_a_warning() {
    let fake = crate::support::fake(0).await;
    let base = fake.base_url();
    let dir = TempDir::new();
    for mode in [0o622, 0o602, 0o620] {
        let file = dir.file("writable.token", fake.token(), mode);
        let args = [
            "--base-url",
            base.as_str(),
            "--token-file",
            file.as_str(),
            "widgets",
            "get",
            "amo_dropbox",
        ];
        let run = crate::support::run_env(&[], &args, fake.token()).await;
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(
            run.stderr.contains("can be changed by other users")
                && run.stderr.contains(&format!("chmod 600 {file}")),
            "{mode:o}: {run:#?}"
        );
    }
}

/// A token store file other users can write is refused (its pair could be anyone's) as
/// the user's configuration to fix: exit 2, nothing sent, not 4 ("unreachable").
#[cfg(unix)]
#[tokio::test]
async fn a_token_store_file_others_can_write_exits_2() {
    let dir = TempDir::new();
    let store = token_file(&dir, 4_102_444_800, 1);
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
    let status = run(
        &["--token-store", &store, "auth", "status"],
        None,
        "a-SECRET",
    )
    .await;
    assert_eq!(status.code, 2, "{status:#?}");
    assert!(
        status.stderr.contains("writable by other users"),
        "{status:#?}"
    );
}
