//! The token, `pass` values and users_lp passwords never show: not in `Debug` of the
//! client, its builder, settings, widgets or errors, and not in logs at any level —
//! including reqwest's and hyper's own, captured at TRACE.

use amocrm_test_support::loopback;
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::widgets::{Credentials, Settings};
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, ExposeSecret, RetryPolicy};
use amocrm_test_support::loopback::{Reply, Server, response};
use futures::StreamExt;

const TOKEN: &str = "tok-SECRET-7f3a9c1e";
const PASS: &str = "pw-SECRET-91b2d4";
const LP_PASS: &str = "lp-SECRET-55e1aa";
const SECRETS: [&str; 3] = [TOKEN, PASS, LP_PASS];

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows a secret ({secret}):\n{text}"
        );
    }
}

fn settings() -> Settings {
    Settings::new()
        .text("login", "operator")
        .pass("password", PASS)
        .users("phones", [(504141, "1039")])
        .users_lp("sip", [(504141, Credentials::new("op", LP_PASS))])
}

/// The install response of the seed, echoing the settings back, secrets included.
fn installed_json(rating: &str) -> String {
    format!(
        r#"{{"id":972,"code":"amo_asterisk","version":"1.1.6","rating":{rating},"settings_template":[{{"key":"login","name":"Логин","type":"text","is_required":true}},{{"key":"password","name":"Пароль","type":"pass","is_required":true}},{{"key":"phones","name":"Телефоны","type":"users","is_required":true}},{{"key":"sip","name":"SIP","type":"users_lp","is_required":false}}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":true,"pipeline_id":null,"settings":{{"login":"operator","password":"{PASS}","phones":{{"504141":"1039"}},"sip":{{"504141":{{"login":"op","password":"{LP_PASS}"}}}}}},"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/widgets/amo_asterisk"}}}}}}"#
    )
}

/// Answers by path: a healthy account, plus codes that fail in every way.
fn script(_: usize, seen: &loopback::Seen) -> Reply {
    let path = seen.path();
    let code = path.rsplit('/').next().unwrap_or_default();
    match (seen.method.as_str(), code) {
        (_, "unauthorized") => loopback::problem(401, "Unauthorized"),
        (_, "html502") => loopback::html(502),
        (_, "limited") => Reply::Bytes(response(
            429,
            "application/problem+json",
            &[("Retry-After", "0")],
            br#"{"title":"Too Many Requests","status":429}"#,
        )),
        (_, "reset") => Reply::Reset,
        (_, "slow") => Reply::Delayed(Duration::from_secs(3), Vec::new()),
        // A 200 echoing the secrets that does not decode (the rating is an object).
        ("POST", "broken") => loopback::json(&installed_json("{}")),
        // A 2xx the call does not expect, echoing the secrets.
        ("POST", "created") => Reply::Bytes(response(
            201,
            "application/hal+json",
            &[],
            installed_json("\"2,7\"").as_bytes(),
        )),
        ("POST", _) if path.contains("/continue/") => loopback::accepted(),
        ("POST", _) => loopback::json(&installed_json("\"2,7\"")),
        ("DELETE", _) => loopback::no_content(),
        ("GET", "widgets") => {
            let page = loopback::page_of(&seen.target);
            match loopback::page_json(page, 2, 3) {
                Some(body) => loopback::json(&body),
                None => loopback::no_content(),
            }
        }
        ("GET", _) => loopback::json(&installed_json("\"2,7\"")),
        _ => loopback::html(500),
    }
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(base_url))
        .token(TOKEN)
        .rate_limit(None)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::new().delays(Duration::from_millis(5), Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// Everything every call produced, printed with `{:?}` and `{}`.
async fn run_every_operation(client: &Client) -> Vec<String> {
    let mut printed = Vec::new();
    let settings = settings();
    let mut record = |label: &str, result: Result<String, Error>| match result {
        Ok(debug) => printed.push(format!("{label}: {debug}")),
        Err(error) => {
            printed.push(format!("{label}: {error:?}"));
            printed.push(format!("{label}: {error}"));
            printed.push(format!("{label}: {error:#?}"));
        }
    };
    let widgets = client.widgets();
    record(
        "get",
        widgets
            .get("amo_asterisk")
            .send()
            .await
            .map(|w| format!("{w:#?}")),
    );
    record(
        "install",
        widgets
            .install("amo_asterisk", &settings)
            .send()
            .await
            .map(|w| format!("{w:?} {:?}", w.settings)),
    );
    record(
        "install_checked",
        widgets
            .install("amo_asterisk", &settings)
            .checked()
            .send()
            .await
            .map(|w| format!("{w:?}")),
    );
    record(
        "uninstall",
        widgets
            .uninstall("amo_asterisk")
            .send()
            .await
            .map(|()| String::new()),
    );
    let all: Vec<_> = widgets.list().limit(2).stream().collect().await;
    record("stream", Ok(format!("{all:?}")));
    record(
        "continue",
        client
            .bots()
            .continue_bot(
                BotKind::Salesbot,
                1,
                "c1",
                &ContinueRequest::new().data("password", "not-a-secret"),
            )
            .send()
            .await
            .map(|()| String::new()),
    );
    for code in [
        "unauthorized",
        "html502",
        "limited",
        "reset",
        "slow",
        "broken",
        "created",
    ] {
        record(
            code,
            widgets.get(code).send().await.map(|w| format!("{w:?}")),
        );
        record(
            code,
            widgets
                .install(code, &settings)
                .send()
                .await
                .map(|w| format!("{w:?}")),
        );
        record(
            code,
            widgets.uninstall(code).send().await.map(|()| String::new()),
        );
    }
    // Settings that do not fit their template: the error names keys, never values.
    record(
        "check",
        settings
            .check(&[])
            .map(|()| String::new())
            .map_err(Error::from),
    );
    printed
}

#[tokio::test]
async fn debug_output_never_shows_secrets() {
    let server = Server::start(script).await;
    let builder = Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token(TOKEN);
    assert_no_secret("ClientBuilder", &format!("{builder:?} {builder:#?}"));
    let client = client(server.base_url());
    assert_no_secret("Client", &format!("{client:?} {client:#?}"));
    let settings = settings();
    assert_no_secret("Settings", &format!("{settings:?} {settings:#?}"));
    for (key, value) in settings.iter() {
        assert_no_secret(key, &format!("{value:?}"));
    }

    let printed = run_every_operation(&client).await;
    // The calls did what they should, so the outputs above are real ones.
    assert!(printed.iter().any(|p| p.starts_with("install: Widget")));
    assert!(printed.iter().any(|p| p.contains("Decode")));
    assert!(printed.iter().any(|p| p.contains("UnexpectedStatus")));
    for line in &printed {
        assert_no_secret("a call's output", line);
    }

    // The secrets did go out where they belong.
    let seen = server.seen();
    assert!(
        seen.iter()
            .all(|s| s.header("authorization") == Some(&*format!("Bearer {TOKEN}")))
    );
    let body = String::from_utf8_lossy(&seen.iter().find(|s| s.method == "POST").unwrap().body)
        .into_owned();
    assert!(body.contains(PASS) && body.contains(LP_PASS), "{body}");
}

/// Everything logged by anyone in this test binary.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_everything() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        // TRACE for every target, `log` records (reqwest) included.
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(|| Capture)
            .with_ansi(false)
            .with_target(true)
            .try_init()
            .expect("the only subscriber of this test binary");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_at_every_level_never_show_secrets() {
    capture_everything();
    let server = Server::start(script).await;
    let client = client(server.base_url());
    let printed = run_every_operation(&client).await;
    assert!(printed.len() > 20);
    let log = String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned();
    // The capture works: our own events and the HTTP stack's are in it.
    assert!(log.contains("amoCRM response"), "{log}");
    assert!(log.contains("retrying amoCRM request"), "{log}");
    assert!(
        log.contains("hyper_util") && log.contains("reqwest::"),
        "{log}"
    );
    assert!(log.contains("TRACE"), "{log}");
    assert_no_secret("the log", &log);
    if std::env::var_os("SHOW_LOG").is_some() {
        eprintln!("{log}");
    }
}

const CLIENT_SECRET: &str = "cs-SECRET-b7e2f1";
const CODE: &str = "code-SECRET-5a1c";
const ACCESS_1: &str = "at1-SECRET-0d9e";
const REFRESH_1: &str = "rt1-SECRET-6c3b";
const ACCESS_2: &str = "at2-SECRET-f48a";
const REFRESH_2: &str = "rt2-SECRET-91d7";
const OAUTH_SECRETS: [&str; 6] = [
    CLIENT_SECRET,
    CODE,
    ACCESS_1,
    REFRESH_1,
    ACCESS_2,
    REFRESH_2,
];

/// A token endpoint and an API: the code gives pair 1, a refresh of pair 1 gives pair 2,
/// anything else is refused with a body echoing what was sent; the API refuses pair 1.
fn oauth_script(_: usize, seen: &loopback::Seen) -> Reply {
    let body = String::from_utf8_lossy(&seen.body).into_owned();
    let pair = |access: &str, refresh: &str| {
        loopback::json(&format!(
            r#"{{"token_type":"Bearer","expires_in":86400,"access_token":"{access}","refresh_token":"{refresh}"}}"#
        ))
    };
    if seen.path() == "/oauth2/access_token" {
        if body.contains(CODE) {
            return pair(ACCESS_1, REFRESH_1);
        }
        if body.contains(REFRESH_1) {
            return pair(ACCESS_2, REFRESH_2);
        }
        return Reply::Bytes(response(
            400,
            "application/json",
            &[],
            format!(r#"{{"title":"Bad Request","hint":"you sent {body}","status":400}}"#)
                .as_bytes(),
        ));
    }
    if seen.header("authorization") == Some(&*format!("Bearer {ACCESS_2}")) {
        loopback::json(&installed_json("\"2,7\""))
    } else {
        loopback::problem(401, "Unauthorized")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_exchange_and_refresh_logs_never_show_secrets() {
    capture_everything();
    let server = Server::start(oauth_script).await;
    let oauth = amocrm::OAuth::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .app(AppCredentials::new(
            "integration",
            CLIENT_SECRET,
            "https://example.com/cb",
        ))
        .store(amocrm::store::TokenStoreFn::new(
            |_: amocrm::TokenPair| async { Ok::<(), std::io::Error>(()) },
        ))
        // Asking for the bytes on the wire in the log does not get them.
        .configure_http(|http| http.connection_verbose(true))
        .build()
        .unwrap();
    oauth.exchange_code(CODE).await.unwrap();
    let client = oauth
        .client_builder()
        .rate_limit(None)
        .configure_http(|http| http.connection_verbose(true))
        .build()
        .unwrap();
    // 401 with pair 1: a refresh, then the call again with pair 2.
    client.widgets().get("amo_asterisk").send().await.unwrap();
    let tokens = oauth.tokens().await.unwrap();
    assert_eq!(tokens.refresh_token().expose_secret(), REFRESH_2);
    // A refresh the endpoint refuses, its body echoing the grant.
    let error = oauth.refresh_now().await.unwrap_err();
    let printed = format!("{error} {error:?}");
    for secret in OAUTH_SECRETS {
        assert!(!printed.contains(secret), "{secret}: {printed}");
    }
    let log = String::from_utf8_lossy(&LOG.lock().unwrap()).into_owned();
    assert!(log.contains("requesting OAuth tokens"), "{log}");
    assert!(log.contains("refreshing"), "{log}");
    assert!(log.contains("hyper_util") && log.contains("TRACE"), "{log}");
    for secret in OAUTH_SECRETS {
        assert!(!log.contains(secret), "the log shows {secret}:\n{log}");
    }
    // The secrets did go where they belong.
    let seen = server.seen();
    assert!(
        seen.iter()
            .any(|s| String::from_utf8_lossy(&s.body).contains(CLIENT_SECRET))
    );
}
