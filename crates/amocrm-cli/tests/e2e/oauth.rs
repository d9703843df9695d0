//! OAuth pairs in the token store, by running the binary against the fake's accounts and
//! token endpoint: import, status, login, refresh, a command that refreshes an expired
//! pair, a static token that wins over the store. The helpers are shared with
//! `token_stores` and `pacing`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm_fake::{FakeAccount, FakeServer, IssuedTokens};
use serde_json::{Value, json};

use crate::support::{self, Run, TempDir, run_stdin};

const CLIENT_ID: &str = amocrm_fake::DEFAULT_CLIENT_ID;
const CLIENT_SECRET: &str = amocrm_fake::DEFAULT_CLIENT_SECRET;
const REDIRECT_URI: &str = amocrm_fake::DEFAULT_REDIRECT_URI;

pub async fn fake() -> FakeServer {
    FakeServer::builder()
        .accounts(["acc1", "acc2"])
        .widgets(3)
        .start()
        .await
        .expect("the fake starts")
}

/// The environment of a run against `account` with the store `store`; with `credentials`,
/// the integration's id, secret and redirect URI too.
pub fn env(account: &FakeAccount, store: &str, credentials: bool) -> Vec<(String, String)> {
    let mut env = vec![
        ("AMOCRM_BASE_URL".to_owned(), account.url().to_owned()),
        ("AMOCRM_TOKEN_STORE".to_owned(), store.to_owned()),
    ];
    if credentials {
        env.extend([
            ("AMOCRM_CLIENT_ID".to_owned(), CLIENT_ID.to_owned()),
            ("AMOCRM_CLIENT_SECRET".to_owned(), CLIENT_SECRET.to_owned()),
            ("AMOCRM_REDIRECT_URI".to_owned(), REDIRECT_URI.to_owned()),
        ]);
    }
    env
}

/// Runs the binary and checks that no token of `secrets` nor the client secret is in its
/// output.
pub async fn exec(
    env: &[(String, String)],
    args: &[&str],
    stdin: Option<&[u8]>,
    secrets: &[&str],
) -> Run {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = run_stdin(&env, args, stdin, CLIENT_SECRET).await;
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "a token leaked: {run:#?}"
        );
    }
    run
}

/// The token endpoint's answer for `tokens`, as `amocrm auth import` reads it.
pub fn answer(tokens: &IssuedTokens) -> Vec<u8> {
    json!({
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
    })
    .to_string()
    .into_bytes()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `auth status --json`: its one line.
pub async fn status(env: &[(String, String)], secrets: &[&str]) -> (i32, Value) {
    let run = exec(env, &["--json", "auth", "status"], None, secrets).await;
    let line = run.json_lines().pop().unwrap_or(Value::Null);
    (run.code, line)
}

#[tokio::test]
async fn import_status_then_a_command_refreshes_the_expired_pair() {
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    let store = store.to_str().expect("UTF-8");
    let issued = acc1.issue_token_pair(Duration::ZERO);
    let secrets = [issued.access_token.as_str(), issued.refresh_token.as_str()];

    // Nothing stored yet: exit 5, and says so.
    let env_plain = env(acc1, store, false);
    let (code, line) = status(&env_plain, &secrets).await;
    assert_eq!(code, 5, "{line}");
    assert_eq!(line["tokens"], false);
    let nothing = exec(&env_plain, &["auth", "status"], None, &secrets).await;
    assert_eq!(nothing.code, 5);
    assert!(
        nothing.stderr.contains("no OAuth token pair is stored for"),
        "{nothing:#?}"
    );

    // Import an expired pair (no credentials needed).
    let imported = exec(
        &env_plain,
        &["auth", "import", "--expired"],
        Some(&answer(&issued)),
        &secrets,
    )
    .await;
    assert_eq!(imported.code, 0, "{imported:#?}");
    assert!(
        imported.stdout.contains("tokens:  imported"),
        "{imported:#?}"
    );
    assert!(imported.stdout.contains("expired: "), "{imported:#?}");
    let (code, line) = status(&env_plain, &secrets).await;
    assert_eq!(code, 0, "{line}");
    assert_eq!(line["account"], acc1.url());
    assert_eq!(line["tokens"], true);
    assert_eq!(line["expired"], true);
    let expired_at = line["expires_at_unix"].as_u64().expect("expiry");
    assert!(expired_at <= now());

    // A command without credentials cannot refresh it: input error, nothing sent.
    let refused = exec(&env_plain, &["widgets", "list"], None, &secrets).await;
    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(refused.stderr.contains("--client-id"), "{refused:#?}");
    assert!(refused.stderr.contains("--client-secret"), "{refused:#?}");
    assert!(acc1.requests().is_empty());

    // With them: the list refreshes the pair first (one grant), and succeeds.
    let env_oauth = env(acc1, store, true);
    let listed = exec(&env_oauth, &["--json", "widgets", "list"], None, &secrets).await;
    assert_eq!(listed.code, 0, "{listed:#?}");
    assert_eq!(
        listed.json_lines().len(),
        3 + amocrm_fake::SEED_WIDGET_COUNT
    );
    let stats = acc1.oauth_stats();
    assert_eq!(stats.refresh_token_grants, 1, "{stats:?}");
    assert_eq!(stats.reused_refresh_tokens, 0, "{stats:?}");

    // The new pair is stored: status shows its expiry, a day ahead.
    let (code, line) = status(&env_plain, &secrets).await;
    assert_eq!(code, 0, "{line}");
    assert_eq!(line["expired"], false);
    let expires = line["expires_at_unix"].as_u64().expect("expiry");
    assert!(expires > now() + 23 * 3600, "{line}");
    let text = exec(&env_plain, &["auth", "status"], None, &secrets).await;
    assert!(text.stdout.contains("expires: "), "{text:#?}");
    assert!(text.stdout.contains("(in 23h 59m)") || text.stdout.contains("(in 1d 0h)"));

    // The next command uses it as it is: no other grant.
    let again = exec(
        &env_oauth,
        &["widgets", "get", "amo_dropbox"],
        None,
        &secrets,
    )
    .await;
    assert_eq!(again.code, 0, "{again:#?}");
    assert_eq!(acc1.oauth_stats().grants(), 1);
    // acc2 has no pair in this store.
    let acc2 = fake.account("acc2").expect("acc2");
    let (code, _) = status(&env(acc2, store, false), &secrets).await;
    assert_eq!(code, 5);
}

#[tokio::test]
async fn import_refuses_what_is_not_a_token_answer() {
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    let env = env(acc1, store.to_str().expect("UTF-8"), false);
    for body in [
        &b"s3cr3t-not-json"[..],
        br#"{"access_token":"s3cr3t","expires_in":3600}"#,
        br#"{"refresh_token":"s3cr3t","expires_in":3600}"#,
    ] {
        let run = exec(&env, &["auth", "import"], Some(body), &["s3cr3t"]).await;
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(run.stderr.contains("nothing was sent"), "{run:#?}");
    }
    assert!(!store.exists(), "nothing was saved");
}

/// `auth import` keeps what a grant keeps (the library's rules): an odd token_type and a
/// missing expires_in are reported on stderr, and the pair is saved.
#[tokio::test]
async fn import_keeps_what_a_grant_keeps_and_says_what_was_odd() {
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    let env = env(acc1, store.to_str().expect("UTF-8"), false);
    let odd = br#"{"access_token":"s3cr3t","refresh_token":"s3cr3t2","token_type":"mac"}"#;
    let run = exec(&env, &["auth", "import"], Some(odd), &["s3cr3t"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.contains("token_type is not Bearer"), "{run:#?}");
    assert!(run.stderr.contains("expires_in is missing"), "{run:#?}");
    let (code, line) = status(&env, &["s3cr3t"]).await;
    assert_eq!((code, &line["expired"]), (0, &Value::Bool(false)), "{line}");
    let expires = line["expires_at_unix"].as_u64().expect("expiry");
    assert!(
        expires > now() + 23 * 3600,
        "24 hours, amoCRM's lifetime: {line}"
    );
    // Too short a lifetime is clamped to a minute, unless --expired says it is over.
    let short = br#"{"access_token":"a","refresh_token":"s3cr3t","expires_in":0}"#;
    let run = exec(&env, &["auth", "import"], Some(short), &["s3cr3t"]).await;
    assert!(run.stderr.contains("out of range"), "{run:#?}");
    let (_, line) = status(&env, &["s3cr3t"]).await;
    assert_eq!(line["expired"], false, "{line}");
    let run = exec(
        &env,
        &["auth", "import", "--expired"],
        Some(short),
        &["s3cr3t"],
    )
    .await;
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:#?}");
    let (_, line) = status(&env, &["s3cr3t"]).await;
    assert_eq!(line["expired"], true, "{line}");
}

#[tokio::test]
async fn login_with_a_code_then_refresh() {
    let fake = fake().await;
    let acc2 = fake.account("acc2").expect("acc2");
    let dir = TempDir::new();
    let store = dir.path().join("store").join("tokens.json");
    let store = store.to_str().expect("UTF-8");
    let code = acc2.issue_authorization_code();

    // Without the credentials: input error, the code is not spent.
    let refused = exec(
        &env(acc2, store, false),
        &["auth", "login", "--code", &code],
        None,
        &[],
    )
    .await;
    assert_eq!(refused.code, 2, "{refused:#?}");
    assert!(refused.stderr.contains("--redirect-uri"), "{refused:#?}");
    assert_eq!(acc2.oauth_stats().grants(), 0);

    let env = env(acc2, store, true);
    let login = exec(
        &env,
        &["--json", "auth", "login", "--code", &code],
        None,
        &[],
    )
    .await;
    assert_eq!(login.code, 0, "{login:#?}");
    let line = &login.json_lines()[0];
    assert_eq!(line["outcome"], "logged in");
    assert_eq!(line["expired"], false);
    assert_eq!(acc2.oauth_stats().authorization_code_grants, 1);
    let first_expiry = line["expires_at_unix"].as_u64().expect("expiry");

    // The code is single-use: a second login is refused by the token endpoint (exit 3).
    let again = exec(&env, &["auth", "login", "--code", &code], None, &[]).await;
    assert_eq!(again.code, 3, "{again:#?}");
    assert!(again.stderr.contains("authorization_code"), "{again:#?}");

    // Refresh now: a new pair, saved; the commands go on with it.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let refreshed = exec(&env, &["--json", "auth", "refresh"], None, &[]).await;
    assert_eq!(refreshed.code, 0, "{refreshed:#?}");
    let line = &refreshed.json_lines()[0];
    assert_eq!(line["outcome"], "refreshed");
    assert!(line["expires_at_unix"].as_u64().expect("expiry") > first_expiry);
    let stats = acc2.oauth_stats();
    assert_eq!(
        (stats.refresh_token_grants, stats.reused_refresh_tokens),
        (1, 0)
    );
    let listed = exec(&env, &["widgets", "list"], None, &[]).await;
    assert_eq!(listed.code, 0, "{listed:#?}");
    assert_eq!(acc2.oauth_stats().grants(), 2);

    // auth refresh with nothing stored: exit 5.
    let empty = dir.path().join("empty.json");
    let mut env_empty = env.clone();
    env_empty[1].1 = empty.to_str().expect("UTF-8").to_owned();
    let none = exec(&env_empty, &["auth", "refresh"], None, &[]).await;
    assert_eq!(none.code, 5, "{none:#?}");
}

#[tokio::test]
async fn the_help_shows_every_oauth_option_with_an_example() {
    let run = exec(&[], &["--help"], None, &[]).await;
    assert_eq!(run.code, 0);
    for (option, example) in [
        ("--client-id", "--client-id 2f8e1a4c"),
        ("--client-secret", "AMOCRM_CLIENT_SECRET=$(pass show"),
        (
            "--redirect-uri",
            "--redirect-uri https://example.com/oauth/callback",
        ),
        ("--token-store", "--token-store postgres://"),
        ("--token-table", "--token-table integration_a.amocrm_tokens"),
        ("--redis-url", "--redis-url redis://127.0.0.1:6379/"),
    ] {
        assert!(run.stdout.contains(option), "{option}: {}", run.stdout);
        assert!(run.stdout.contains(example), "{example}: {}", run.stdout);
    }
    let auth = support::command(&["auth", "--help"], &[])
        .output()
        .await
        .expect("runs");
    let text = String::from_utf8_lossy(&auth.stdout);
    for example in [
        "auth import",
        "auth login --code",
        "auth status",
        "auth refresh",
    ] {
        assert!(text.contains(example), "{example}: {text}");
    }
}

#[tokio::test]
async fn a_static_token_wins_and_both_on_the_command_line_is_an_error() {
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    let store = store.to_str().expect("UTF-8");
    let both = exec(
        &[("AMOCRM_BASE_URL".to_owned(), acc1.url().to_owned())],
        &[
            "--token",
            acc1.token(),
            "--token-store",
            store,
            "widgets",
            "list",
        ],
        None,
        &[acc1.token()],
    )
    .await;
    assert_eq!(both.code, 2, "{both:#?}");
    assert!(both.stderr.contains("not both"), "{both:#?}");
    assert!(acc1.requests().is_empty());
    // AMOCRM_TOKEN_STORE in the environment gives way to a static token: used as today.
    let mut env = env(acc1, store, true);
    env.push(("AMOCRM_TOKEN".to_owned(), acc1.token().to_owned()));
    let listed = exec(&env, &["widgets", "list"], None, &[acc1.token()]).await;
    assert_eq!(listed.code, 0, "{listed:#?}");
    assert!(acc1.requests()[0].has_bearer(acc1.token()));
    assert_eq!(acc1.oauth_stats().grants(), 0);
}
