//! End-to-end tests: the real `amocrm` binary against the fake amoCRM server, started
//! in-process on an ephemeral loopback port.
//!
//! Every run is checked for the token: it must never appear on stdout or stderr.

use std::process::Stdio;
use std::time::Duration;

use amocrm_fake::{BotKind, FakeServer};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_amocrm");
const ENV_VARS: [&str; 4] = [
    "AMOCRM_BASE_URL",
    "AMOCRM_SUBDOMAIN",
    "AMOCRM_DOMAIN",
    "AMOCRM_TOKEN",
];

/// What one run of the binary left.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).expect("every stdout line is JSON"))
            .collect()
    }
}

/// A command with a clean environment (no AMOCRM_* from the caller's shell).
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for var in ENV_VARS {
        cmd.env_remove(var);
    }
    cmd.args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .kill_on_drop(true);
    cmd
}

/// Runs the binary with `env` and `args`, and checks that `secret` (the token) is
/// nowhere in its output.
async fn run_env(env: &[(&str, &str)], args: &[&str], secret: &str) -> Run {
    let output = tokio::time::timeout(Duration::from_secs(60), command(args, env).output())
        .await
        .expect("the binary finishes within a minute")
        .expect("the binary runs");
    let run = Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        !run.stdout.contains(secret) && !run.stderr.contains(secret),
        "the token leaked: {run:#?}"
    );
    run
}

/// Runs `amocrm --base-url FAKE ARGS` with the fake's admin token in `AMOCRM_TOKEN`.
async fn amocrm(fake: &FakeServer, args: &[&str]) -> Run {
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    run_env(&env, args, fake.token()).await
}

async fn fake(widgets: usize) -> FakeServer {
    FakeServer::builder()
        .widgets(widgets)
        .start()
        .await
        .expect("the fake server starts")
}

fn posts(fake: &FakeServer) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count()
}

#[tokio::test]
async fn list_prints_an_aligned_table() {
    let fake = fake(10).await;
    let run = amocrm(&fake, &["widgets", "list", "--limit", "5"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(lines.len(), 6, "{run:#?}");
    let header = lines[0];
    for column in [
        "ID", "CODE", "VERSION", "RATING", "ACTIVE", "REQUIRED", "FIELDS",
    ] {
        assert!(header.contains(column), "{header}");
    }
    // The CODE column starts at the same place in every row.
    let code_at = header.find("CODE").expect("CODE header");
    assert_eq!(lines[1].find("amo_dropbox"), Some(code_at), "{run:#?}");
    assert_eq!(lines[3].find("amo_asterisk"), Some(code_at), "{run:#?}");
    assert_eq!(lines[4].find("widget_00001"), Some(code_at), "{run:#?}");
    // amo_asterisk: 4 required settings of 4; not installed.
    let asterisk: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(
        asterisk,
        ["972", "amo_asterisk", "1.1.6", "2.7", "no", "4", "4"]
    );
    assert!(run.stderr.is_empty(), "no progress unless asked: {run:#?}");
    assert_eq!(
        fake.requests()[0].path_and_query,
        "/api/v4/widgets?limit=5&page=1"
    );
}

#[tokio::test]
async fn list_json_prints_one_object_per_line() {
    let fake = fake(10).await;
    let run = amocrm(
        &fake,
        &["--json", "widgets", "list", "--limit", "4", "--page", "1"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let widgets = run.json_lines();
    let codes: Vec<&str> = widgets.iter().filter_map(|w| w["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            "amo_dropbox",
            "amo_mailchimp",
            "amo_asterisk",
            "widget_00001"
        ]
    );
    assert_eq!(widgets[0]["id"], 742);
    assert_eq!(widgets[0]["rating"], 2.8);
    assert_eq!(widgets[0]["is_active_in_account"], false);
    assert_eq!(
        widgets[2]["settings_template"][1],
        json!({"key": "password", "name": "Пароль", "type": "pass", "is_required": true})
    );
}

#[tokio::test]
async fn list_all_follows_every_page_with_progress_lines() {
    let fake = fake(597).await; // 600 widgets: 6 pages of 100
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "list",
            "--all",
            "--limit",
            "100",
            "--json",
            "--progress",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let widgets = run.json_lines();
    assert_eq!(widgets.len(), 600);
    assert_eq!(widgets[599]["code"], "widget_00597");
    let progress: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        progress,
        [
            "page 1: 100 widgets",
            "page 2: 200 widgets",
            "page 3: 300 widgets",
            "page 4: 400 widgets",
            "page 5: 500 widgets",
            "page 6: 600 widgets",
        ]
    );
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.path_and_query.clone())
        .collect();
    assert_eq!(pages.len(), 6, "{pages:?}");
    assert_eq!(pages[5], "/api/v4/widgets?limit=100&page=6");

    // Without --progress (stderr is not a terminal here) there is none; the table has
    // one header.
    let run = amocrm(&fake, &["widgets", "list", "--all", "--limit", "250"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.is_empty(), "{run:#?}");
    assert_eq!(run.lines().len(), 601);
    assert_eq!(run.stdout.matches("CODE").count(), 1);
}

#[tokio::test]
async fn list_all_prints_pages_as_they_arrive() {
    // 23 pages of one widget; the client sends at most 7 requests a second, so the whole
    // list takes about 3 seconds, and the first row must be out long before.
    let fake = fake(20).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let mut child = command(
        &["--json", "widgets", "list", "--all", "--limit", "1"],
        &env,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a first line in time")
        .expect("stdout readable")
        .expect("a first line");
    assert!(first.contains("amo_dropbox"), "{first}");
    assert!(
        child.try_wait().expect("status").is_none(),
        "the first widget was printed only after every page was fetched"
    );
    let mut count = 1;
    while let Some(line) = lines.next_line().await.expect("stdout readable") {
        assert!(line.starts_with('{'));
        count += 1;
    }
    assert_eq!(count, 23);
    assert!(child.wait().await.expect("exit status").success());
}

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
async fn a_limit_over_250_exits_2_before_sending() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["widgets", "list", "--limit", "300"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("limit 300"), "{run:#?}");
    assert!(run.stdout.is_empty());
    let run = amocrm(&fake, &["widgets", "list", "--all", "--limit", "300"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    let run = amocrm(&fake, &["widgets", "list", "--page", "0"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
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

#[tokio::test]
async fn get_shows_the_widget_and_its_settings_template() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["widgets", "get", "amo_asterisk"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let out = &run.stdout;
    assert!(out.contains("code:"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("id:") && l.ends_with(" 972")),
        "{out}"
    );
    assert!(
        out.contains("amo_asterisk") && out.contains("1.1.6"),
        "{out}"
    );
    assert!(out.contains("settings template:"), "{out}");
    let template: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.starts_with("KEY"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(template[0], ["KEY", "NAME", "TYPE", "REQUIRED"]);
    assert_eq!(template[2], ["password", "Пароль", "pass", "yes"]);
    assert_eq!(
        template[3],
        ["phones", "Список", "телефонов", "users", "yes"]
    );
    assert_eq!(template.len(), 5);

    let run = amocrm(&fake, &["--json", "widgets", "get", "amo_dropbox"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let widget = &run.json_lines()[0];
    assert_eq!(widget["code"], "amo_dropbox");
    assert!(
        widget["link"]
            .as_str()
            .is_some_and(|l| l.ends_with("/api/v4/widgets/amo_dropbox"))
    );
}

#[tokio::test]
async fn an_unknown_widget_exits_3_with_the_problem_title() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["widgets", "get", "no_such_widget"]).await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("404"), "{run:#?}");
    assert!(run.stderr.contains("title:  Not Found"), "{run:#?}");
    assert!(run.stderr.contains("Widget not found"), "{run:#?}");
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

#[tokio::test]
async fn install_maps_set_and_set_json_to_the_field_types() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "login=example",
            "--set",
            "password=eXaMp1E",
            "--set-json",
            r#"phones={"504141":"1039"}"#,
            "--set",
            "script_path=https://example.com/",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        fake.installed_settings("amo_asterisk"),
        Some(json!({
            "login": "example",
            "password": "eXaMp1E",
            "phones": {"504141": "1039"},
            "script_path": "https://example.com/",
        }))
    );
    assert!(run.stdout.contains("active in account:  yes"), "{run:#?}");
    assert!(run.stdout.contains("********"), "{run:#?}");
    assert!(
        !run.stdout.contains("eXaMp1E"),
        "a pass value was printed: {run:#?}"
    );
}

#[tokio::test]
async fn install_json_redacts_users_lp_passwords() {
    let fake = fake(10).await; // widget_00004: accounts (users_lp, required), domain (text)
    let run = amocrm(
        &fake,
        &[
            "--json",
            "widgets",
            "install",
            "widget_00004",
            "--set-json",
            r#"accounts={"504141":{"login":"operator","password":"s3cret-pw"}}"#,
            "--set",
            "domain=example.org",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(!run.stdout.contains("s3cret-pw"), "{run:#?}");
    let widget = &run.json_lines()[0];
    assert_eq!(widget["is_active_in_account"], true);
    assert_eq!(
        widget["settings"]["accounts"],
        json!({"504141": {"login": "operator", "password": "********"}})
    );
    assert_eq!(widget["settings"]["domain"], "example.org");
    assert_eq!(
        fake.installed_settings("widget_00004"),
        Some(json!({
            "accounts": {"504141": {"login": "operator", "password": "s3cret-pw"}},
            "domain": "example.org",
        }))
    );
}

#[tokio::test]
async fn install_with_a_missing_required_setting_exits_2_and_installs_nothing() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "login=example",
            "--set",
            "password=hunter22",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains(r#"required setting "phones" is missing"#),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains(r#"required setting "script_path" is missing"#),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("hunter22"), "{run:#?}");
    assert_eq!(fake.installed_settings("amo_asterisk"), None);
    assert_eq!(posts(&fake), 0);
}

#[tokio::test]
async fn a_users_field_given_with_set_exits_2() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "login=example",
            "--set",
            "password=hunter22",
            "--set",
            "phones=1039",
            "--set",
            "script_path=https://example.com/",
            "--set",
            "typo=1",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("--set-json phones="), "{run:#?}");
    assert!(!run.stderr.contains("hunter22"), "{run:#?}");
    assert_eq!(fake.installed_settings("amo_asterisk"), None);
    assert_eq!(posts(&fake), 0);

    // An unknown key alone is caught by the template check.
    let run = amocrm(
        &fake,
        &["widgets", "install", "amo_dropbox", "--set", "typo=1"],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains(r#"setting "typo" is not in the widget's settings_template"#),
        "{run:#?}"
    );
    assert_eq!(posts(&fake), 0);
}

/// A server that answers every request with `status` and `body` (content type
/// `content_type`), for answers the fake never gives. Returns its base URL.
async fn canned(status: &'static str, content_type: &'static str, body: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Read the request head (these are GETs without a body), then answer.
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    base
}

#[tokio::test]
async fn validation_errors_of_the_api_are_printed_with_exit_3() {
    let base = canned(
        "400 Bad Request",
        "application/problem+json",
        r#"{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed","validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"login","detail":"The value you selected is not a valid choice."}]}]}"#,
    )
    .await;
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-3")],
        &["--base-url", &base, "widgets", "get", "amo_asterisk"],
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
    let base = canned("200 OK", "application/hal+json", r#"{"id":"not a widget"}"#).await;
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-4")],
        &["--base-url", &base, "widgets", "get", "amo_asterisk"],
        "tok-4",
    )
    .await;
    assert_eq!(run.code, 4, "{run:#?}");
    assert!(run.stderr.contains("decode"), "{run:#?}");
}

#[tokio::test]
async fn a_server_error_exits_3() {
    let base = canned("503 Service Unavailable", "text/html", "<html>down</html>").await;
    let run = run_env(
        &[("AMOCRM_TOKEN", "tok-5")],
        &["--base-url", &base, "widgets", "list"],
        "tok-5",
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("503"), "{run:#?}");
}

#[tokio::test]
async fn a_read_only_user_gets_exit_3_on_install() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.user_token()),
    ];
    let run = run_env(
        &env,
        &["widgets", "install", "amo_dropbox"],
        fake.user_token(),
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("403"), "{run:#?}");
}

#[tokio::test]
async fn uninstall_removes_an_installed_widget() {
    let fake = fake(10).await; // widget_00001: api_key (text, required)
    let run = amocrm(
        &fake,
        &["widgets", "install", "widget_00001", "--set", "api_key=k-1"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        fake.installed_settings("widget_00001"),
        Some(json!({"api_key": "k-1"}))
    );

    let run = amocrm(&fake, &["widgets", "uninstall", "widget_00001"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "uninstalled widget_00001\n");
    assert_eq!(fake.installed_settings("widget_00001"), None);

    let run = amocrm(&fake, &["--json", "widgets", "uninstall", "widget_00001"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.json_lines(),
        [json!({"code": "widget_00001", "uninstalled": true})]
    );

    let run = amocrm(&fake, &["widgets", "uninstall", "no_such_widget"]).await;
    assert_eq!(run.code, 3, "{run:#?}");
}

#[tokio::test]
async fn bot_continue_sends_data_and_handlers_in_command_line_order() {
    let fake = fake(0).await;
    fake.add_pending_continuation(BotKind::Salesbot, 123, "abc");
    let run = amocrm(
        &fake,
        &[
            "bot",
            "continue",
            "salesbot",
            "123",
            "abc",
            "--data",
            "status=success",
            "--data-json",
            "count=3",
            "--show-text",
            "Здесь текст",
            "--show-buttons",
            "Нажми на кнопку",
            "--button",
            "1ая кнопка",
            "--button",
            "2ая кнопка",
            "--goto",
            "question:5",
            "--show-buttons-url",
            "Кнопки со ссылками",
            "--button-url",
            "https://amocrm.ru",
            "--button-url",
            "https://amocrm.com",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("salesbot 123 continued"), "{run:#?}");
    let received = fake.continuations();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].bot, BotKind::Salesbot);
    assert_eq!(received[0].bot_id, 123);
    assert_eq!(received[0].continue_id, "abc");
    assert_eq!(
        received[0].body,
        json!({
            "data": {"status": "success", "count": 3},
            "execute_handlers": [
                {"handler": "show", "params": {"type": "text", "value": "Здесь текст"}},
                {"handler": "show", "params": {
                    "type": "buttons", "value": "Нажми на кнопку",
                    "buttons": ["1ая кнопка", "2ая кнопка"]}},
                {"handler": "goto", "params": {"type": "question", "step": 5}},
                {"handler": "show", "params": {
                    "type": "buttons_url", "value": "Кнопки со ссылками",
                    "buttons": ["https://amocrm.ru", "https://amocrm.com"]}},
            ]
        })
    );

    // The step is consumed: a second call finds nothing pending.
    let run = amocrm(
        &fake,
        &["--json", "bot", "continue", "salesbot", "123", "abc"],
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("404"), "{run:#?}");

    fake.add_pending_continuation(BotKind::Marketingbot, 7, "m-1");
    let run = amocrm(
        &fake,
        &[
            "--json",
            "bot",
            "continue",
            "marketingbot",
            "7",
            "m-1",
            "--goto",
            "finish:2",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.json_lines(),
        [
            json!({"bot": "marketingbot", "bot_id": 7, "continue_id": "m-1", "handlers": 1, "accepted": true})
        ]
    );
    assert_eq!(
        fake.continuations()[1].body,
        json!({"execute_handlers": [{"handler": "goto", "params": {"type": "finish", "step": 2}}]})
    );
}

#[tokio::test]
async fn an_invalid_handler_exits_2_and_nothing_is_sent() {
    let fake = fake(0).await;
    fake.add_pending_continuation(BotKind::Salesbot, 123, "abc");
    let long = "x".repeat(81);
    let eleven: Vec<String> = (0..11)
        .flat_map(|i| ["--show-text".to_owned(), format!("t{i}")])
        .collect();
    let mut too_many = vec!["bot", "continue", "salesbot", "123", "abc"];
    too_many.extend(eleven.iter().map(String::as_str));
    for args in [
        &[
            "bot",
            "continue",
            "salesbot",
            "123",
            "abc",
            "--show-text",
            long.as_str(),
        ][..],
        &[
            "bot",
            "continue",
            "salesbot",
            "123",
            "abc",
            "--show-buttons",
            "no buttons",
        ],
        &[
            "bot",
            "continue",
            "salesbot",
            "123",
            "abc",
            "--show-buttons-url",
            "x",
            "--button-url",
            "not a url",
        ],
        &["bot", "continue", "salesbot", "0", "abc"],
        &[
            "bot",
            "continue",
            "salesbot",
            "123",
            "abc",
            "--data-json",
            "x={",
        ],
        &too_many,
    ] {
        let run = amocrm(&fake, args).await;
        assert_eq!(run.code, 2, "{args:?}: {run:#?}");
        assert!(run.stderr.contains("nothing was sent"), "{run:#?}");
    }
    let run = amocrm(
        &fake,
        &[
            "bot",
            "continue",
            "salesbot",
            "123",
            "abc",
            "--show-text",
            &long,
        ],
    )
    .await;
    assert!(run.stderr.contains("81 characters"), "{run:#?}");
    assert!(fake.continuations().is_empty());
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
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
    assert!(run.stderr.starts_with("error: transport error"), "{run:#?}");
}

#[tokio::test]
async fn list_prints_the_readable_widgets_warns_of_the_others_and_exits_4() {
    let fake = FakeServer::builder()
        .raw_widget(json!({"code": "bad_widget", "id": "s3cr3t-id"}))
        .raw_widget(
            json!({"id": 9, "code": "loose", "version": 2, "rating": null,
            "settings_template": null, "is_lead_source": null, "is_work_with_dp": false,
            "is_crm_template": false, "client_uuid": null, "is_active_in_account": null,
            "pipeline_id": null, "_links": []}),
        )
        .widgets(3)
        .start()
        .await
        .unwrap();
    for (args, place) in [
        (&["widgets", "list", "--json"][..], "entry 3 of page 1"),
        (
            &["widgets", "list", "--all", "--limit", "2", "--json"],
            "entry 1 of page 2",
        ),
    ] {
        let run = amocrm(&fake, args).await;
        assert_eq!(run.code, 4, "{run:#?}");
        let codes: Vec<Value> = run.json_lines().iter().map(|w| w["code"].clone()).collect();
        assert_eq!(
            codes,
            [
                "amo_dropbox",
                "amo_mailchimp",
                "amo_asterisk",
                "loose",
                "widget_00001",
                "widget_00002",
                "widget_00003"
            ]
        );
        let loose = &run.json_lines()[3];
        assert_eq!(loose["version"], "2");
        assert_eq!(loose["rating"], Value::Null);
        assert_eq!(loose["is_active_in_account"], Value::Null);
        assert!(
            run.stderr
                .contains(&format!("warning: widget \"bad_widget\" ({place})")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("1 widget entries could not be decoded"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn account_prints_its_fields_and_the_parts_asked_for() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["account"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.lines().contains(&"subdomain:          example"),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains("customers mode:     segments"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("amojo id:           -"), "{run:#?}");

    let run = amocrm(
        &fake,
        &[
            "--json",
            "account",
            "--with",
            "amojo_id,users_groups",
            "--with",
            "version",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], 1_231_414);
    assert_eq!(lines[0]["version"], 11);
    assert!(lines[0]["amojo_id"].is_string());
    assert_eq!(lines[0]["_embedded"]["users_groups"][0]["id"], 0);
    let last = fake.requests().pop().unwrap();
    assert_eq!(
        last.query.as_deref(),
        Some("with=amojo_id%2Cusers_groups%2Cversion")
    );

    // An unknown part is a usage error: exit 2, nothing sent.
    let before = fake.requests().len();
    let run = amocrm(&fake, &["account", "--with", "everything"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("is not an account part"), "{run:#?}");
    assert_eq!(fake.requests().len(), before);
}
