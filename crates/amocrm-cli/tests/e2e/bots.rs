//! `amocrm bot continue` end to end: data and handlers sent in command-line order, and a
//! request that breaks the API's limits refused before sending.

use amocrm_fake::BotKind;
use serde_json::json;

use crate::support::{amocrm, fake};

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
