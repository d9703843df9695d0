//! Exit codes across commands: 0 on a closed pipe, 2 for usage and input errors (nothing
//! sent), 3 for an error answer of the API, 4 for transport and decoding errors.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncBufReadExt;

use crate::support::{amocrm, canned, command, fake, run_env};

#[tokio::test]
async fn a_closed_pipe_ends_the_listing_quietly_with_exit_0() {
    let fake = fake(2000).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let mut child = command(
        &["--json", "widgets", "list", "--all", "--limit", "100"],
        &env,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = lines.next_line().await.expect("stdout readable");
    assert!(first.is_some_and(|l| l.contains("amo_dropbox")));
    drop(lines); // like `| head -1`
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("the binary stops in time")
        .expect("exit status");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    assert!(fake.requests().len() < 21, "it stopped fetching pages");
}

#[tokio::test]
async fn usage_errors_exit_2_before_sending() {
    let fake = fake(0).await;
    for args in [
        &["widgets", "list", "--page", "abc"][..],
        &["widgets", "frobnicate"],
        &["widgets", "get"],
        &["bot", "continue", "chatbot", "1", "c"],
        &[
            "bot",
            "continue",
            "salesbot",
            "1",
            "c",
            "--goto",
            "sideways:2",
        ],
        &[
            "bot", "continue", "salesbot", "1", "c", "--button", "orphan",
        ],
    ] {
        let run = amocrm(&fake, args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(!run.stderr.is_empty());
    }
    // Both account flags, or none, or no token.
    let base = fake.base_url();
    let both = [
        "--base-url",
        base.as_str(),
        "--subdomain",
        "example",
        "widgets",
        "list",
    ];
    let run = run_env(&[("AMOCRM_TOKEN", fake.token())], &both, fake.token()).await;
    assert_eq!(run.code, 2, "{run:#?}");
    let run = run_env(
        &[("AMOCRM_TOKEN", fake.token())],
        &["widgets", "list"],
        fake.token(),
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("no account"), "{run:#?}");
    let run = run_env(
        &[],
        &["--base-url", base.as_str(), "widgets", "list"],
        fake.token(),
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("no token"), "{run:#?}");
    let run = run_env(
        &[("AMOCRM_TOKEN", fake.token())],
        &["--subdomain", "Not A Subdomain", "widgets", "list"],
        fake.token(),
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn a_bad_token_exits_3_and_is_never_printed() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let token = "bad-token-Zq9x7";
    let run = run_env(
        &[],
        &[
            "--base-url",
            &base,
            "--token",
            token,
            "-v",
            "widgets",
            "list",
        ],
        token,
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("401"), "{run:#?}");
    assert!(run.stderr.contains("Unauthorized"), "{run:#?}");
    // The request did carry it.
    let sent = fake.requests();
    assert!(sent[0].has_bearer("bad-token-Zq9x7"));
}

#[tokio::test]
async fn validation_errors_of_the_api_are_printed_with_exit_3() {
    let server = canned(
        400,
        "application/problem+json",
        r#"{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed","validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"login","detail":"The value you selected is not a valid choice."}]}]}"#,
    )
    .await;
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-3")],
        &[
            "--base-url",
            server.base_url(),
            "widgets",
            "get",
            "amo_asterisk",
        ],
        "tok-3",
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("the API answered 400"), "{run:#?}");
    assert!(run.stderr.contains("title:  Bad Request"), "{run:#?}");
    assert!(
        run.stderr.contains("detail: Request validation failed"),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains(
            "path: login, code: NotSupportedChoice, detail: The value you selected is not a valid choice."
        ),
        "{run:#?}"
    );
}

#[tokio::test]
async fn an_answer_that_cannot_be_decoded_exits_4() {
    let server = canned(200, "application/hal+json", r#"{"id":"not a widget"}"#).await;
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-4")],
        &[
            "--base-url",
            server.base_url(),
            "widgets",
            "get",
            "amo_asterisk",
        ],
        "tok-4",
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(run.stderr.contains("decode"), "{run:#?}");
}

#[tokio::test]
async fn a_server_error_exits_3() {
    let server = canned(503, "text/html", "<html>down</html>").await;
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-5")],
        &["--base-url", server.base_url(), "widgets", "list"],
        "tok-5",
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("503"), "{run:#?}");
}

#[tokio::test]
async fn a_server_that_is_not_there_exits_4() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-4")],
        &[
            "--base-url",
            &base,
            "--timeout",
            "5",
            "widgets",
            "get",
            "amo_dropbox",
        ],
        "tok-4",
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(
        run.stderr.starts_with(&format!(
            "error: the request to {base}/api/v4/widgets/amo_dropbox failed: "
        )),
        "{run:#?}"
    );
    assert!(
        run.stderr.contains("is the base URL reachable?"),
        "{run:#?}"
    );
}
