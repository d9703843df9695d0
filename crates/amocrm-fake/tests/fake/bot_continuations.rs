//! Bot continuations: a pending step accepts one call; the body rules; what is not found.

use amocrm_fake::{BotKind, FakeServer};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

fn seed_continue_body() -> Value {
    let buttons: Vec<String> = (1..=25).map(|i| format!("{i}ая кнопка")).collect();
    json!({
      "data": {"status": "success"},
      "execute_handlers": [
        {"handler": "show", "params": {"type": "text", "value": "Здесь текст"}},
        {"handler": "show", "params": {"type": "buttons", "value": "Нажми на кнопку", "buttons": buttons}},
        {"handler": "show", "params": {"type": "buttons_url", "value": "Кнопки со ссылками",
          "buttons": ["https://amocrm.ru", "https://amocrm.com"]}},
        {"handler": "goto", "params": {"type": "question", "step": 5}}
      ]
    })
}

#[tokio::test]
async fn continue_accepts_pending_once() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 123, "abc");
    server.add_pending_continuation(BotKind::Marketingbot, 7, "m-1");
    let path = "/api/v4/salesbot/123/continue/abc";

    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(seed_continue_body()),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert!(resp.bytes().await.unwrap().is_empty());

    // Consumed: the second call is 404.
    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(seed_continue_body()),
    )
    .await;
    expect_problem(resp, 404).await;

    // Minimal body, other bot kind.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/marketingbot/7/continue/m-1",
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);

    let got = server.continuations();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].bot, BotKind::Salesbot);
    assert_eq!(got[0].bot_id, 123);
    assert_eq!(got[0].continue_id, "abc");
    assert_eq!(got[0].body, seed_continue_body());
    assert_eq!(got[1].bot, BotKind::Marketingbot);
    assert_eq!(got[1].bot_id, 7);
    assert_eq!(got[1].body, json!({}));
}

#[tokio::test]
async fn continue_not_found_cases() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 1, "a");
    for path in [
        "/api/v4/salesbot/1/continue/b",     // other continue id
        "/api/v4/salesbot/2/continue/a",     // other bot id
        "/api/v4/marketingbot/1/continue/a", // other kind
        "/api/v4/chatbot/1/continue/a",      // unknown kind
        "/api/v4/salesbot/one/continue/a",   // bot id not an integer
        "/api/v4/salesbot/1.0/continue/a",   // bot id not an integer
        "/api/v4/salesbot/1/continue",       // no continue id
        "/api/v4/salesbot/1/proceed/a",      // not a route
    ] {
        let resp = send(
            &server,
            Method::POST,
            path,
            Some(server.token()),
            Some(json!({})),
        )
        .await;
        expect_problem(resp, 404).await;
    }
    assert!(server.continuations().is_empty());
    // Still pending.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/salesbot/1/continue/a",
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn continue_validation_errors() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Salesbot, 9, "v");
    let path = "/api/v4/salesbot/9/continue/v";
    let show =
        |value: String| json!({"handler": "show", "params": {"type": "text", "value": value}});
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"data": "x"}), vec!["data"]),
        (json!({"data": [1]}), vec!["data"]),
        (json!({"execute_handlers": {}}), vec!["execute_handlers"]),
        (
            json!({"execute_handlers": vec![show("hi".into()); 11]}),
            vec!["execute_handlers"],
        ),
        (
            json!({"execute_handlers": [show("ok".into()), show("ok".into()), show("ok".into()), show("я".repeat(81))]}),
            vec!["execute_handlers[3].params.value"],
        ),
        (
            json!({"execute_handlers": [show("x".repeat(81))]}),
            vec!["execute_handlers[0].params.value"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "text", "value": 5}}]}),
            vec!["execute_handlers[0].params.value"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "text"}}]}),
            vec!["execute_handlers[0].params.value"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "video", "value": "x"}}]}),
            vec!["execute_handlers[0].params.type"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "buttons", "value": "x",
                "buttons": (0..26).map(|i| i.to_string()).collect::<Vec<_>>()}}]}),
            vec!["execute_handlers[0].params.buttons"],
        ),
        (
            json!({"execute_handlers": [{"handler": "show", "params": {"type": "buttons_url", "value": "x",
                "buttons": ["ok", 1]}}]}),
            vec!["execute_handlers[0].params.buttons[1]"],
        ),
        (
            json!({"execute_handlers": [{"handler": "jump", "params": {}}]}),
            vec!["execute_handlers[0].handler"],
        ),
        (
            json!({"execute_handlers": [{"params": {}}]}),
            vec!["execute_handlers[0].handler"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto"}]}),
            vec!["execute_handlers[0].params"],
        ),
        (
            json!({"execute_handlers": ["show"]}),
            vec!["execute_handlers[0]"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "question|answer|finish", "step": 5}}]}),
            vec!["execute_handlers[0].params.type"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "finish", "step": "5"}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer", "step": 2.5}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer", "step": 9_223_372_036_854_775_808u64}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer", "step": -1}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
        (
            json!({"execute_handlers": [{"handler": "goto", "params": {"type": "answer"}}]}),
            vec!["execute_handlers[0].params.step"],
        ),
    ];
    for (body, expected) in cases {
        let resp = send(
            &server,
            Method::POST,
            path,
            Some(server.token()),
            Some(body.clone()),
        )
        .await;
        assert_eq!(expect_validation(resp).await, expected, "body {body}");
    }
    // Non-JSON / non-object bodies (an empty body is `{}`: see continue_body_is_optional).
    for raw in ["[]", "nope"] {
        let resp = Client::new()
            .post(format!("{}{path}", server.base_url()))
            .bearer_auth(server.token())
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        expect_validation(resp).await;
    }
    assert!(server.continuations().is_empty());

    // Limits are inclusive: 10 handlers, 80 characters, 25 buttons.
    let buttons: Vec<String> = (0..25).map(|i| i.to_string()).collect();
    let mut handlers = vec![show("ж".repeat(80)); 9];
    handlers.push(
        json!({"handler": "show", "params": {"type": "buttons", "value": "v", "buttons": buttons}}),
    );
    let resp = send(
        &server,
        Method::POST,
        path,
        Some(server.token()),
        Some(json!({"execute_handlers": handlers, "data": {"k": [1, 2]}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(server.continuations().len(), 1);
}

#[tokio::test]
async fn continue_body_is_optional() {
    let server = FakeServer::start().await.unwrap();
    server.add_pending_continuation(BotKind::Marketingbot, 4, "e");
    server.add_pending_continuation(BotKind::Marketingbot, 4, "e");
    let url = format!("{}/api/v4/marketingbot/4/continue/e", server.base_url());
    // No body at all, with or without a JSON content type.
    let resp = Client::new()
        .post(&url)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let resp = Client::new()
        .post(&url)
        .bearer_auth(server.token())
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let bodies: Vec<Value> = server.continuations().into_iter().map(|c| c.body).collect();
    assert_eq!(bodies, [json!({}), json!({})]);
}
