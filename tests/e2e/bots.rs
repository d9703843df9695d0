//! Continuing a Salesbot/Marketingbot step: the seed body on the wire, the limits checked
//! before sending, the server's own 400.

use amocrm::Error;
use amocrm::bots::{BotKind, ContinueRequest, GotoTarget, Handler};
use amocrm::error::Invalid;
use amocrm_fake::FakeServer;

use super::{api_requests, client};

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
