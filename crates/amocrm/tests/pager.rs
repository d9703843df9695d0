//! The one pager, against hostile next links.

mod loopback;

use amocrm::Error;
use futures::StreamExt;
use loopback::{Server, client, json, page_of, quick_retries, widget_json};

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
