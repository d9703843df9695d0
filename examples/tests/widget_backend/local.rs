//! The walkthrough of `examples/README.md` ("One instance, no services"), step by step:
//! the fake amoCRM, `widget_backend --local` against it (no PostgreSQL, no Redis), the
//! install with an authorization code the fake hands out, a widget_request signed by
//! `sign_widget_request`, the bot continued; the same request again refused.

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
    // $B/amocrm-fake --port 8080 --continuation salesbot:42:c-1
    let fake = FakeServer::builder()
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
    let port = free_port();
    let backend = format!("http://127.0.0.1:{port}");
    let mut command = Command::new(BACKEND);
    command
        .args(["--local", "--fake-url", &fake.base_url()])
        .args(["--listen", &format!("127.0.0.1:{port}")]);
    for name in [
        "WIDGET_POSTGRES_URL",
        "WIDGET_REDIS_URL",
        "AMOCRM_CLIENT_ID",
        "AMOCRM_CLIENT_SECRET",
        "AMOCRM_REDIRECT_URI",
        "WIDGET_WEBHOOK_SECRET",
        "WIDGET_ACCOUNT_URL_TEMPLATE",
        "WIDGET_ACCOUNT_URLS",
        "WIDGET_LISTEN",
    ] {
        command.env_remove(name);
    }
    let _child = command
        .stdout(Stdio::null())
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
    let answer = http.get(callback).send().await.expect("an answer");
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
