//! End to end: every operation and every documented status code, through the ergonomic
//! crate, against the fake amoCRM server on loopback.

use amocrm::AccountUrl;
use amocrm::bots::{BotKind, ContinueRequest, GotoTarget, Handler};
use amocrm::error::Invalid;
use amocrm::pace::RateLimit;
use amocrm::widgets::{Credentials, Settings, SettingsFieldType};
use amocrm::{Client, Error};
use amocrm_fake::FakeServer;
use futures::{StreamExt, TryStreamExt};

fn client(fake: &FakeServer, token: &str) -> Client {
    Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(token)
        .rate_limit(None)
        .build()
        .expect("client")
}

fn asterisk_settings() -> Settings {
    Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .users("phones", [(504141, "1039")])
        .text("script_path", "https://example.com/")
}

fn api_requests(fake: &FakeServer) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .count()
}

#[tokio::test]
async fn list_pages_follow_next_links_and_end_with_204() {
    let fake = FakeServer::builder().widgets(1000).start().await.unwrap();
    let total = fake.widget_count();
    let client = client(&fake, fake.token());

    // 200: one page with HAL links.
    let first = client.widgets().list().limit(250).send().await.unwrap();
    assert_eq!(first.page, 1);
    assert_eq!(first.items.len(), 250);
    assert_eq!(first.next_page(), Some(2));
    assert!(first.links.this.as_deref().unwrap().contains("page=1"));

    // The stream yields every widget once, in order, across pages.
    let all: Vec<amocrm::widgets::Widget> = client
        .widgets()
        .list()
        .limit(250)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), total);
    let mut ids: Vec<i64> = all.iter().map(|w| w.id).collect();
    let in_order = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "no duplicates");
    assert_eq!(ids, in_order, "ordered as the server lists them");
    let pages = total.div_ceil(250);
    let list_requests = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v4/widgets")
        .count();
    assert_eq!(
        list_requests,
        1 + pages,
        "one request per page, none past the last"
    );

    // 204 past the end: an empty page.
    let past = client
        .widgets()
        .list()
        .limit(250)
        .page(99)
        .send()
        .await
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.next_page(), None);

    // Starting the stream past the end yields nothing.
    let none: Vec<_> = client.widgets().list().page(99).stream().collect().await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn list_rejects_out_of_range_limit_and_page_before_sending() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    for limit in [0, 251, 1000] {
        let error = client
            .widgets()
            .list()
            .limit(limit)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Invalid(Invalid::Limit { max: 250, .. })),
            "{error}"
        );
    }
    let error = client.widgets().list().page(0).send().await.unwrap_err();
    assert!(matches!(error, Error::Invalid(Invalid::Page)));
    let mut stream = client.widgets().list().limit(251).stream();
    assert!(matches!(stream.next().await, Some(Err(Error::Invalid(_)))));
    assert!(stream.next().await.is_none());
    assert_eq!(api_requests(&fake), 0, "nothing was sent");
    // The limits themselves are accepted.
    assert!(client.widgets().list().limit(1).send().await.is_ok());
    assert!(client.widgets().list().limit(250).send().await.is_ok());
}

#[tokio::test]
async fn unauthorized_is_401_on_every_operation() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, "wrong-token");
    let list = client.widgets().list().send().await.unwrap_err();
    assert!(
        matches!(list, Error::Unauthorized(ref p) if p.status == 401),
        "{list}"
    );
    let get = client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(get, Error::Unauthorized(_)));
    let install = client
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(install, Error::Unauthorized(_)));
    let uninstall = client
        .widgets()
        .uninstall("amo_asterisk")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(uninstall, Error::Unauthorized(_)));
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 1, "c1");
    let cont = client
        .bots()
        .continue_bot(BotKind::Salesbot, 1, "c1", &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(cont, Error::Unauthorized(_)));
    // The stream reports the failing page once and ends.
    let mut stream = client.widgets().list().stream();
    let first = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(first, Error::Page { page: 1, .. }));
    assert_eq!(first.status(), Some(401));
    assert!(matches!(first.root(), Error::Unauthorized(_)));
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn get_returns_the_seed_widget_and_404_for_unknown_codes() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    let widget = client.widgets().get("amo_dropbox").send().await.unwrap();
    assert_eq!(widget.id, 742);
    assert_eq!(widget.version.as_deref(), Some("0.0.13"));
    let rating = widget.rating.as_ref().expect("a rating");
    assert_eq!(rating.as_str(), "2,8");
    assert_eq!(rating.value(), Some(2.8));
    assert_eq!(widget.settings_template[0].kind, SettingsFieldType::Custom);
    assert_eq!(widget.client_uuid, None);
    assert_eq!(widget.pipeline_id, None);
    assert!(widget.settings.is_none(), "not installed: no settings");
    assert!(
        widget
            .self_link
            .unwrap()
            .ends_with("/api/v4/widgets/amo_dropbox")
    );

    let missing = client
        .widgets()
        .get("no_such_widget")
        .send()
        .await
        .unwrap_err();
    match &missing {
        Error::NotFound(problem) => {
            assert_eq!(problem.status, 404);
            assert!(!problem.title.is_empty());
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn install_persists_and_uninstall_removes() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());

    // 200: installed, settings echoed and typed; secrets redacted in Debug.
    let installed = client
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .checked()
        .send()
        .await
        .unwrap();
    assert_eq!(installed.is_active_in_account, Some(true));
    assert_eq!(installed.settings.as_ref().unwrap(), &asterisk_settings());
    assert!(!format!("{installed:?}").contains("eXaMp1E"));
    assert_eq!(
        fake.installed_settings("amo_asterisk").unwrap(),
        serde_json::json!({
            "login": "example", "password": "eXaMp1E",
            "phones": {"504141": "1039"}, "script_path": "https://example.com/"
        })
    );
    // Install state persists across calls.
    let again = client.widgets().get("amo_asterisk").send().await.unwrap();
    assert_eq!(again.is_active_in_account, Some(true));

    // 204: uninstalled.
    client
        .widgets()
        .uninstall("amo_asterisk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .widgets()
            .get("amo_asterisk")
            .send()
            .await
            .unwrap()
            .is_active_in_account,
        Some(false)
    );
    assert_eq!(fake.installed_settings("amo_asterisk"), None);

    // 404 on both.
    let install = client
        .widgets()
        .install("nope", &Settings::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(install, Error::NotFound(_)), "{install}");
    let uninstall = client.widgets().uninstall("nope").send().await.unwrap_err();
    assert!(matches!(uninstall, Error::NotFound(_)), "{uninstall}");
}

#[tokio::test]
async fn install_400_keeps_validation_errors() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    // Sent unchecked on purpose: the server's 400 with validation-errors.
    let settings = Settings::new().text("login", "example");
    let error = client
        .widgets()
        .install("amo_asterisk", &settings)
        .send()
        .await
        .unwrap_err();
    let Error::Api { problem } = &error else {
        panic!("expected Api, got {error:?}");
    };
    assert_eq!(problem.status, 400);
    let paths: Vec<&str> = problem
        .validation_errors
        .iter()
        .map(|e| e.path.as_str())
        .collect();
    for key in ["password", "phones", "script_path"] {
        assert!(paths.iter().any(|p| p.contains(key)), "{key} in {paths:?}");
    }
    assert!(
        problem
            .validation_errors
            .iter()
            .all(|e| !e.code.is_empty() && !e.detail.is_empty())
    );
    assert_eq!(fake.installed_settings("amo_asterisk"), None);
}

#[tokio::test]
async fn install_checked_sends_nothing_when_settings_do_not_fit() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    let settings = Settings::new()
        .text("login", "example")
        .text("phones", "1039")
        .users_lp("password", [(1, Credentials::new("l", "p"))]);
    let error = client
        .widgets()
        .install("amo_asterisk", &settings)
        .checked()
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Invalid(Invalid::Settings(ref p)) if p.len() == 3),
        "{error}"
    );
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 0, "no install request was sent");
}

#[tokio::test]
async fn admin_only_operations_answer_403_to_a_user() {
    let fake = FakeServer::start().await.unwrap();
    let user = client(&fake, fake.user_token());
    assert!(
        user.widgets().get("amo_dropbox").send().await.is_ok(),
        "reading is for everyone"
    );
    let uninstall = user
        .widgets()
        .uninstall("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(uninstall, Error::Forbidden(ref p) if p.status == 403),
        "{uninstall}"
    );
    let install = user
        .widgets()
        .install("amo_asterisk", &asterisk_settings())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(install, Error::Forbidden(_)), "{install}");
    fake.add_pending_continuation(amocrm_fake::BotKind::Marketingbot, 5, "x");
    let cont = user
        .bots()
        .continue_bot(BotKind::Marketingbot, 5, "x", &ContinueRequest::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(cont, Error::Forbidden(_)), "{cont}");
}

fn seed_continue_request() -> ContinueRequest {
    ContinueRequest::new()
        .data("status", "success")
        .handler(Handler::show_text("Здесь текст"))
        .handler(Handler::show_buttons(
            "Нажми на кнопку",
            (1..=25).map(|i| format!("{i}ая кнопка")),
        ))
        .handler(Handler::show_buttons_url(
            "Кнопки со ссылками",
            ["https://amocrm.ru", "https://amocrm.com"],
        ))
        .handler(Handler::goto(GotoTarget::Question, 5))
}

fn seed_continue_example() -> serde_json::Value {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/bundled/amocrm-v4.yaml"
    ))
    .unwrap();
    let spec: serde_json::Value = serde_yaml::from_str(&spec).unwrap();
    spec["components"]["examples"]["ContinueBotSeed"]["value"].clone()
}

#[tokio::test]
async fn continue_bot_202_sends_the_seed_body_once() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "a1b2c3");
    client
        .bots()
        .continue_bot(BotKind::Salesbot, 42, "a1b2c3", &seed_continue_request())
        .send()
        .await
        .unwrap();
    let received = fake.continuations();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].bot_id, 42);
    assert_eq!(received[0].continue_id, "a1b2c3");
    // What went over the wire is exactly the seed's example.
    assert_eq!(received[0].body, seed_continue_example());

    // 404: the step is no longer pending.
    let again = client
        .bots()
        .continue_bot(BotKind::Salesbot, 42, "a1b2c3", &seed_continue_request())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(again, Error::NotFound(_)), "{again}");
    assert_eq!(fake.continuations().len(), 1);
}

#[tokio::test]
async fn continue_bot_invalid_handlers_send_nothing() {
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 1, "c");
    let cases = [
        ContinueRequest::new().handlers((0..11).map(|i| Handler::goto(GotoTarget::Answer, i))),
        ContinueRequest::new().handler(Handler::show_text("я".repeat(81))),
        ContinueRequest::new().handler(Handler::show_buttons("b", (0..26).map(|i| i.to_string()))),
    ];
    for request in &cases {
        let error = client
            .bots()
            .continue_bot(BotKind::Salesbot, 1, "c", request)
            .send()
            .await
            .unwrap_err();
        assert!(error.is_invalid_input(), "{error}");
    }
    let zero = client
        .bots()
        .continue_bot(BotKind::Salesbot, 0, "c", &ContinueRequest::new())
        .send()
        .await;
    assert!(matches!(zero, Err(Error::Invalid(Invalid::BotId(0)))));
    assert_eq!(api_requests(&fake), 0);
    assert!(fake.continuations().is_empty());
}

/// The 400 of the continue call cannot be reached through the ergonomic crate (it checks
/// the same limits first); the fake's answer to a raw over-limit body is checked here, and
/// its mapping to [`Error::Api`] by `install_400_keeps_validation_errors`.
#[tokio::test]
async fn continue_bot_400_from_the_server_for_over_limit_bodies() {
    let fake = FakeServer::start().await.unwrap();
    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 1, "c");
    let body = serde_json::json!({
        "execute_handlers": [{"handler": "show", "params": {"type": "text", "value": "я".repeat(81)}}]
    });
    let response = reqwest::Client::new()
        .post(format!("{}/api/v4/salesbot/1/continue/c", fake.base_url()))
        .bearer_auth(fake.token())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    let path = problem["validation-errors"][0]["errors"][0]["path"]
        .as_str()
        .unwrap();
    assert!(path.contains("execute_handlers[0]"), "{path}");
}

#[tokio::test]
async fn clones_share_one_rate_limiter() {
    let fake = FakeServer::builder()
        .rate_limit(Some(7))
        .start()
        .await
        .unwrap();
    let client = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(RateLimit::per_second(7))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..15)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.widgets().get("amo_dropbox").send().await })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no 429: the shared limiter paces all clones");
    }
}

#[tokio::test]
async fn the_account_with_and_without_its_optional_parts() {
    use amocrm::account::{AccountWith, CustomersMode};
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    let account = client.account().get().send().await.unwrap();
    assert_eq!(account.subdomain.as_deref(), Some("example"));
    assert_eq!(account.customers_mode, Some(CustomersMode::Segments));
    assert_eq!(account.amojo_id, None);
    assert_eq!(account.version, None);
    // `[]` (PHP's empty map) for no parts.
    assert_eq!(account.embedded.as_ref().map(|e| e.0.is_none()), Some(true));

    let account = client
        .account()
        .get()
        .with(AccountWith::AmojoId)
        .with(AccountWith::UsersGroups)
        .with(AccountWith::AmojoId)
        .with(AccountWith::DatetimeSettings)
        .send()
        .await
        .unwrap();
    assert!(account.amojo_id.is_some());
    let embedded = account.embedded.unwrap().0.unwrap();
    assert_eq!(embedded.users_groups.unwrap()[0].id, 0);
    assert!(embedded.datetime_settings.is_some());
    assert!(embedded.task_types.is_none());
    let sent = fake.requests();
    let last = sent.last().unwrap();
    assert_eq!(last.path, "/api/v4/account");
    assert_eq!(
        last.query.as_deref(),
        Some("with=amojo_id%2Cusers_groups%2Cdatetime_settings")
    );

    let error = client_with_bad_token(&fake)
        .account()
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
}

fn client_with_bad_token(fake: &FakeServer) -> Client {
    client(fake, "not-the-token")
}

#[test]
fn an_unknown_customers_mode_is_kept_and_a_null_one_is_none() {
    let account: amocrm::account::Account = serde_json::from_str(
        r#"{"id": 1, "customers_mode": "weekly", "name": null, "_links": [], "_embedded": []}"#,
    )
    .unwrap();
    assert_eq!(
        account.customers_mode,
        Some(amocrm::account::CustomersMode::Unknown("weekly".into()))
    );
    assert_eq!(account.name, None);
    let account: amocrm::account::Account =
        serde_json::from_str(r#"{"id": 1, "customers_mode": null}"#).unwrap();
    assert_eq!(account.customers_mode, None);
}
