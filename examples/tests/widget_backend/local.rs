//! The walkthrough of `examples/README.md` ("One instance, no services"), step by step:
//! the fake amoCRM, `widget_backend --local` against it (no PostgreSQL, no Redis), the
//! install with an authorization code the fake hands out, a widget_request signed by
//! `sign_widget_request`, the bot continued; the same request again refused; the
//! integration uninstalled through the fake, whose signed hook makes the backend forget the
//! account (the next widget_request for it fails and sends nothing to amoCRM).

use std::process::Stdio;
use std::time::Duration;

use amocrm_fake::{BotKind, FakeServer};
use amocrm_test_support::loopback::free_port;
use serde_json::{Value, json};
use tokio::process::Command;

const BACKEND: &str = env!("CARGO_BIN_EXE_widget_backend");
const SIGNER: &str = env!("CARGO_BIN_EXE_sign_widget_request");
/// The lead the walkthrough names (the first seeded lead of the default account).
const LEAD: i64 = 10000001;

#[tokio::test]
async fn the_local_walkthrough_installs_verifies_and_continues_the_bot() {
    // The backend's address first: the fake sends the uninstall hook there.
    let port = free_port();
    let metrics_port = free_port();
    let backend = format!("http://127.0.0.1:{port}");
    // $B/amocrm-fake --port 8080 --continuation salesbot:42:c-1 \
    //   --uninstall-hook-url $BACKEND/oauth/disable
    let fake = FakeServer::builder()
        .uninstall_hook_url(format!("{backend}/oauth/disable"))
        .start()
        .await
        .expect("the fake starts");
    fake.add_pending_continuation(BotKind::Salesbot, 42, "c-1");
    let http = amocrm::client::http_client_builder()
        .expect("TLS")
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client");

    // $B/widget_backend --local   (the fake's URL and a free port here)
    let mut command = Command::new(BACKEND);
    command
        .args(["--local", "--fake-url", &fake.base_url()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--metrics-listen", &format!("127.0.0.1:{metrics_port}")]);
    for name in [
        "WIDGET_POSTGRES_URL",
        "WIDGET_REDIS_URL",
        "WIDGET_TOKEN_TABLE",
        "WIDGET_REDIS_PREFIX",
        "WIDGET_LISTEN",
    ] {
        command.env_remove(name);
    }
    // A fleet's settings exported in the same shell are not read by --local: with them
    // taken, the install would fail at the fake's token endpoint (another client).
    for (name, value) in [
        ("AMOCRM_CLIENT_ID", "fleet-client-id"),
        ("AMOCRM_CLIENT_SECRET", "fleet-client-secret"),
        (
            "AMOCRM_REDIRECT_URI",
            "https://fleet.example/oauth/callback",
        ),
        ("WIDGET_WEBHOOK_SECRET", "fleet-webhook-secret-0123"),
        (
            "WIDGET_ACCOUNT_URL_TEMPLATE",
            "http://127.0.0.1:9/{subdomain}",
        ),
        ("WIDGET_ACCOUNT_URLS", "example=http://127.0.0.1:9"),
    ] {
        command.env(name, value);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the example runs");
    let mut up = false;
    for _ in 0..200 {
        if let Ok(answer) = http.get(format!("{backend}/healthz")).send().await {
            up = answer.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "widget_backend --local did not start on {backend}");

    // curl -si $BACKEND/oauth/start?domain=amocrm.ru  → 302 with a signed state
    let answer = http
        .get(format!("{backend}/oauth/start?domain=amocrm.ru"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 302);
    // The state's nonce, in a cookie the callback wants back (curl -c/-b keeps it).
    let cookie = answer.headers()["set-cookie"].to_str().expect("a cookie");
    let cookie = cookie.split(';').next().expect("name=value").to_owned();
    let location = answer.headers()["location"].to_str().expect("a Location");
    let location = url::Url::parse(location).expect("a URL");
    let state = location
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("a state")
        .1
        .into_owned();

    // curl -s -X POST $FAKE/_fake/authorization_code  → {"code": …}
    let answer = http
        .post(format!("{}/_fake/authorization_code", fake.base_url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 201);
    let code: Value = answer.json().await.expect("JSON");
    let code = code["code"].as_str().expect("a code").to_owned();

    // curl -s "$BACKEND/oauth/callback?code=$code&referer=example.amocrm.ru&state=$state"
    let callback = url::Url::parse_with_params(
        &format!("{backend}/oauth/callback"),
        [
            ("code", code.as_str()),
            ("referer", "example.amocrm.ru"),
            ("state", state.as_str()),
        ],
    )
    .expect("a URL");
    let answer = http
        .get(callback)
        .header("cookie", cookie)
        .send()
        .await
        .expect("an answer");
    let status = answer.status();
    let text = answer.text().await.expect("a text");
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains(&format!("installed for {}", fake.base_url())),
        "{text}"
    );
    assert_eq!(fake.oauth_stats().authorization_code_grants, 1);

    // body=$($B/sign_widget_request --return-url … --data '{"lead_id":"10000001"}')
    let return_url = format!("{}/api/v4/salesbot/42/continue/c-1", fake.base_url());
    let data = json!({"lead_id": LEAD.to_string()}).to_string();
    let signed = Command::new(SIGNER)
        .args(["--return-url", &return_url, "--data", &data])
        .env_remove("AMOCRM_CLIENT_SECRET")
        .output()
        .await
        .expect("the signer runs");
    assert!(signed.status.success(), "{signed:?}");
    let body = String::from_utf8(signed.stdout).expect("UTF-8");

    // curl -s $BACKEND/widget_request -H 'content-type: application/json' -d "$body"
    let post = async |body: &str| {
        let answer = http
            .post(format!("{backend}/widget_request"))
            .header("content-type", "application/json")
            .body(body.trim().to_owned())
            .send()
            .await
            .expect("an answer");
        let status = answer.status().as_u16();
        (status, answer.json::<Value>().await.expect("JSON"))
    };
    let (status, reply) = post(&body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["continued"], true, "{reply}");
    assert_eq!(reply["lead_id"], LEAD, "{reply}");
    assert_eq!(reply["note"], "added", "{reply}");
    let continued = fake.continuations();
    assert_eq!(continued.len(), 1);
    assert_eq!(
        (continued[0].bot_id, continued[0].continue_id.as_str()),
        (42, "c-1")
    );

    // The same body again: the in-memory replay guard refuses it (409), nothing continued.
    let (status, reply) = post(&body).await;
    assert_eq!(status, 409, "{reply}");
    assert_eq!(fake.continuations().len(), 1);

    // 5. The uninstall: curl -s -X POST $FAKE/_fake/uninstall → the account's tokens
    //    revoked, the signed hook sent to the backend's /oauth/disable, which answers 200.
    let answer = http
        .post(format!("{}/_fake/uninstall", fake.base_url()))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
    let uninstalled: Value = answer.json().await.expect("JSON");
    assert_eq!(uninstalled["hook"]["status"], 200, "{uninstalled}");
    assert_eq!(
        uninstalled["hook"]["url"],
        format!("{backend}/oauth/disable").as_str()
    );
    // The account is forgotten: a new widget_request for it, signed and fresh, is
    // verified, but its call fails at once (no pair for the account), and the bot is not
    // continued; nothing reached the fake's API for it.
    //    body=$($B/sign_widget_request …)   (signed again: a new token)
    //    curl -s $BACKEND/widget_request -H 'content-type: application/json' -d "$body"
    //    → 410 {"error":"the account is not installed (uninstalled, or never installed): …"}
    let signed = Command::new(SIGNER)
        .args(["--return-url", &return_url, "--data", &data])
        .env_remove("AMOCRM_CLIENT_SECRET")
        .output()
        .await
        .expect("the signer runs");
    assert!(signed.status.success(), "{signed:?}");
    let body = String::from_utf8(signed.stdout).expect("UTF-8");
    let api_requests = |fake: &FakeServer| {
        fake.requests()
            .iter()
            .filter(|r| r.path_and_query.starts_with("/api/"))
            .count()
    };
    let before = api_requests(&fake);
    let (status, reply) = post(&body).await;
    assert_eq!(status, 410, "{reply}");
    let error = reply["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("the account is not installed (uninstalled, or never installed): "),
        "{error}"
    );
    assert!(error.contains("(uninstalled)"), "{error}");
    assert_eq!(fake.continuations().len(), 1);
    assert_eq!(
        api_requests(&fake),
        before,
        "a call was sent for a forgotten account"
    );

    // Not on the routes amoCRM reaches: on a listener of its own.
    let public = http.get(format!("{backend}/metrics")).send().await;
    assert_eq!(public.expect("an answer").status(), 404);
    // curl -s http://127.0.0.1:9464/metrics   → the client's metrics, Prometheus' text format
    let answer = http
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = answer.text().await.expect("a text");
    let calls = |class: &str| -> f64 {
        text.lines()
            .filter(|line| {
                line.starts_with("amocrm_requests_total{")
                    && line.contains(&format!("status_class=\"{class}\""))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    assert!(
        text.contains("amocrm_requests_total{operation=\"continue_bot\",status_class=\"2xx\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE amocrm_request_duration_seconds histogram"),
        "{text}"
    );
    // What the client reports is what the fake saw (no retries on this path).
    let seen = fake.figures();
    assert_eq!(
        calls("2xx"),
        seen.in_class("2xx") as f64,
        "{text}\n{seen:?}"
    );
    assert_eq!(seen.token_requests_with("granted"), 1);

    // The log lines on stderr: JSON, one object a line, the calls' spans, no token.
    child.kill().await.expect("the backend stops");
    let mut logs = String::new();
    use tokio::io::AsyncReadExt as _;
    child
        .stderr
        .take()
        .expect("stderr piped")
        .read_to_string(&mut logs)
        .await
        .expect("the log lines");
    assert!(logs.contains("amocrm.request"), "{logs}");
    for line in logs.lines() {
        let parsed = serde_json::from_str::<Value>(line);
        assert!(
            parsed.is_ok_and(|v| v.is_object()),
            "not a JSON object: {line}"
        );
    }
    // The library's own tests probe every span field for the tokens; here, the secrets
    // this process holds in plain sight of its logger.
    for secret in [amocrm_fake::DEFAULT_CLIENT_SECRET, "Bearer "] {
        assert!(!logs.contains(secret), "{secret:?} in the logs");
    }
}

/// `--local`'s defaults are the fake's OAuth client: the walkthrough needs no credentials.
#[test]
fn local_defaults_are_the_fakes_oauth_client() {
    let usage = std::process::Command::new(BACKEND)
        .arg("--help")
        .output()
        .expect("the example runs");
    let help = String::from_utf8_lossy(&usage.stdout);
    assert!(help.contains("--local"), "{help}");
    assert_eq!(amocrm_fake::DEFAULT_CLIENT_ID, "fake-client-id");
    assert_eq!(amocrm_fake::DEFAULT_CLIENT_SECRET, "fake-client-secret");
    assert_eq!(
        amocrm_fake::DEFAULT_REDIRECT_URI,
        "https://example.com/oauth/callback"
    );
}
