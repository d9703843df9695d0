//! An identifier too long for any request line (a 100 000-character widget code) is the
//! caller's input error, found before sending, not a transport error of a request that
//! could not even be built.

use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::error::{Invalid, MAX_IDENTIFIER_BYTES};
use amocrm::widgets::Settings;
use amocrm::{Error, RetryPolicy};
use amocrm_test_support::loopback;
use amocrm_test_support::loopback::{Server, client};

#[tokio::test]
async fn an_identifier_too_long_to_send_is_an_input_error_and_nothing_is_sent() {
    let server = Server::start(|_, seen| match seen.method.as_str() {
        "POST" if seen.path().contains("/continue/") => loopback::accepted(),
        _ => loopback::json(&loopback::widget_json(1, "x")),
    })
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    for long in [
        "w".repeat(100_000),
        "ж".repeat(MAX_IDENTIFIER_BYTES / 2 + 1),
    ] {
        let errors = [
            client.widgets().get(&long).send().await.unwrap_err(),
            client
                .widgets()
                .install(&long, &Settings::new())
                .send()
                .await
                .unwrap_err(),
            client.widgets().uninstall(&long).send().await.unwrap_err(),
            client
                .bots()
                .continue_bot(BotKind::Salesbot, 1, &long, &ContinueRequest::new())
                .send()
                .await
                .unwrap_err(),
        ];
        for error in errors {
            assert!(
                matches!(
                    &error,
                    Error::Invalid(Invalid::IdentifierTooLong { bytes, max: MAX_IDENTIFIER_BYTES, .. })
                        if *bytes == long.len()
                ),
                "{error:?}"
            );
            assert!(error.is_invalid_input());
            // The message names the size, not the value.
            assert!(error.to_string().len() < 200, "{error}");
        }
    }
    assert_eq!(server.count(), 0);

    // At the limit, it is sent.
    let longest = "w".repeat(MAX_IDENTIFIER_BYTES);
    client.widgets().get(&longest).send().await.unwrap();
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_query_too_long_for_any_url_is_an_input_error_without_the_url() {
    // 70,000 characters of search: more than a URI can hold, so the request cannot be
    // built. Nothing is sent, and the error does not repeat the URL.
    let server = Server::start(|_, _| loopback::json(r#"{"_embedded":{"leads":[]}}"#)).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let long = "q".repeat(70_000);
    let error = client.leads().list().query(&long).send().await.unwrap_err();
    match &error {
        Error::Invalid(Invalid::Request(message)) => {
            assert!(message.contains("nothing was sent"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("qqqq"),
        "the URL is not repeated: {} bytes",
        shown.len()
    );
    assert_eq!(server.count(), 0);
}
