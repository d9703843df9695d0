//! The one pager, against hostile next links.

use amocrm::Error;
use amocrm_test_support::loopback;
use amocrm_test_support::loopback::{Server, client, json, page_of, quick_retries, widget_json};
use futures::StreamExt;

/// Page `page` holding one widget, its next link as given.
fn page_with_next(page: u32, next: Option<&str>) -> String {
    let next = next
        .map(|href| format!(r#","next":{{"href":"{href}"}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"_page":{page},"_links":{{"self":{{"href":"https://example.amocrm.ru/api/v4/widgets?page={page}"}}{next}}},"_embedded":{{"widgets":[{}]}}}}"#,
        widget_json(u64::from(page), &format!("w{page}"))
    )
}

#[tokio::test]
async fn a_next_link_to_another_host_is_fetched_from_the_clients_own_account() {
    let server = Server::start(|_, seen| {
        let page = page_of(&seen.target);
        let next = (page < 3).then(|| {
            format!(
                "https://attacker.invalid:8443/steal/api/v4/widgets?page={}",
                page + 1
            )
        });
        json(&page_with_next(page, next.as_deref()))
    })
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let codes: Vec<String> = client
        .widgets()
        .list()
        .stream()
        .map(|w| w.unwrap().code)
        .collect()
        .await;
    assert_eq!(codes, ["w1", "w2", "w3"]);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for (request, page) in seen.iter().zip(1..) {
        assert_eq!(request.path(), "/api/v4/widgets");
        assert_eq!(page_of(&request.target), page);
        assert_eq!(request.header("authorization"), Some("Bearer test-token"));
    }
}

#[tokio::test]
async fn a_next_link_back_or_to_the_same_page_is_one_error_then_the_end() {
    for (back, named) in [(1u32, 1u32), (2, 2), (0, 0)] {
        let server = Server::start(move |_, seen| {
            let page = page_of(&seen.target);
            let next = format!("https://example.amocrm.ru/api/v4/widgets?page={back}");
            json(&page_with_next(page, Some(&next)))
        })
        .await;
        let client = client(server.base_url(), quick_retries(1));
        let items: Vec<_> = client.widgets().list().page(2).stream().collect().await;
        assert_eq!(items.len(), 2, "back to {back}: {items:?}");
        assert_eq!(items[0].as_ref().unwrap().code, "w2");
        match &items[1] {
            Err(Error::Page { page, source }) => {
                assert_eq!(*page, named);
                assert!(matches!(**source, Error::Protocol(_)), "{source:?}");
            }
            other => panic!("back to {back}: {other:?}"),
        }
        assert_eq!(server.count(), 1);
    }
}

#[tokio::test]
async fn errors_of_streams_and_calls_match_alike() {
    use amocrm::ErrorKind;
    for (reply, kind, status) in [
        (
            loopback::problem(429, "Too Many"),
            ErrorKind::RateLimited,
            429,
        ),
        (
            loopback::problem(404, "Not Found"),
            ErrorKind::NotFound,
            404,
        ),
        (
            loopback::problem(403, "Forbidden"),
            ErrorKind::Forbidden,
            403,
        ),
        (loopback::html(401), ErrorKind::Unauthorized, 401),
    ] {
        let server = Server::always(reply).await;
        let client = client(server.base_url(), quick_retries(1));
        let call = client.widgets().get("w1").send().await.unwrap_err();
        let streamed = client
            .widgets()
            .list()
            .page(4)
            .stream()
            .next()
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(call.kind(), kind, "{call:?}");
        assert_eq!(streamed.kind(), kind, "{streamed:?}");
        assert_eq!(call.page(), None);
        assert_eq!(streamed.page(), Some(4));
        assert_eq!(streamed.status(), Some(status));
        assert_eq!(streamed.root().kind(), kind);
    }
    // An entry that cannot be read is its own kind; the stream goes on after it.
    let page = format!(
        r#"{{"_page":1,"_links":{{"self":{{"href":"/api/v4/widgets?page=1"}}}},"_embedded":{{"widgets":[{{"code":7}},{}]}}}}"#,
        widget_json(1, "ok")
    );
    let server = Server::always(json(&page)).await;
    let client = client(server.base_url(), quick_retries(1));
    let items: Vec<_> = client.widgets().list().stream().collect().await;
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].as_ref().unwrap_err().kind(),
        ErrorKind::UndecodableEntry
    );
    assert_eq!(items[0].as_ref().unwrap_err().page(), None);
    assert!(items[1].is_ok(), "{:?}", items[1]);
}

#[tokio::test]
async fn a_next_link_that_names_no_page_is_one_error_not_a_silent_end() {
    let server = Server::start(|_, seen| {
        let page = page_of(&seen.target);
        json(&page_with_next(
            page,
            Some("https://example.amocrm.ru/api/v4/widgets?page=two"),
        ))
    })
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let items: Vec<_> = client.widgets().list().stream().collect().await;
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap().code, "w1");
    match &items[1] {
        Err(Error::Page { page: 2, source }) => {
            let text = source.to_string();
            assert!(matches!(**source, Error::Protocol(_)), "{source:?}");
            // The link is a value from the body: named by its length only.
            assert!(
                text.contains("names no page") && !text.contains("two"),
                "{text}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.count(), 1);
}
