//! A token is sent only as the visible ASCII a header may carry: one with other bytes
//! (Cyrillic, CR/LF, NUL, DEL) is refused before anything is sent, never passed on as
//! raw bytes (the `http` crate up to 1.5 takes bytes ≥ 0x80 in a header value as they are).

use amocrm::{AccountUrl, Client, Error, RetryPolicy};
use amocrm_test_support::loopback;
use amocrm_test_support::loopback::Server;

#[tokio::test]
async fn a_token_of_bytes_no_header_may_carry_is_refused_before_sending() {
    let server = Server::always(loopback::json(&loopback::widget_json(7, "w7"))).await;
    for token in ["абв", "tok\u{e9}n", "a\r\nb", "a\0b", "a\u{7f}b", "a b"] {
        let client = Client::builder()
            .account(AccountUrl::base_url(server.base_url()))
            .token(token)
            .rate_limit(None)
            .retry(RetryPolicy::disabled())
            .build();
        // Refused when built, or when sent: never sent.
        if let Ok(client) = client {
            let error = client.widgets().get("w7").send().await.unwrap_err();
            assert!(matches!(error, Error::Config(_)), "{token:?}: {error:?}");
            assert!(!error.to_string().contains(token), "{error}");
        }
    }
    assert_eq!(
        server.count(),
        0,
        "{:?}",
        server
            .seen()
            .iter()
            .map(|s| s.header("authorization").map(str::to_owned))
            .collect::<Vec<_>>()
    );
}
