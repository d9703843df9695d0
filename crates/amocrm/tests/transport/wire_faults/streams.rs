//! A list streamed over faulty pages: transient failures retried without losing or
//! duplicating a widget, a page that fails for good named once, 204 and empty pages ending
//! the stream, next links that go back, are relative or name no page.

use super::*;

#[tokio::test]
async fn list_page_of_204_is_an_empty_page() {
    let server = Server::always(loopback::no_content()).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let page = client.widgets().list().page(9).send().await.unwrap();
    assert_eq!(page.page, 9);
    assert!(page.items.is_empty());
    assert_eq!(page.next_page(), None);
    let all: Vec<_> = client.widgets().list().stream().collect().await;
    assert!(all.is_empty());
}

#[tokio::test]
async fn stream_neither_loses_nor_duplicates_widgets_when_pages_fail_transiently() {
    let total = 23;
    let server = Server::start(pages_server(total, |page, before| match (page, before) {
        (2, 0) => Some(loopback::html(503)),
        (2, 1) => Some(Reply::Reset),
        (3, 0) => Some(Reply::BytesThenReset(
            b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n{\"_page\":3,".to_vec(),
        )),
        (4, 0) => Some(loopback::problem(429, "Too Many Requests")),
        (5, 0) => Some(loopback::problem(500, "Internal Server Error")),
        _ => None,
    }))
    .await;
    let client = client(server.base_url(), quick_retries(3));
    let widgets: Vec<Widget> = client
        .widgets()
        .list()
        .limit(5)
        .stream()
        .map(|w| w.expect("every page recovers"))
        .collect()
        .await;
    assert_eq!(codes(&widgets), expected(total));
    let pages: Vec<u32> = server
        .seen()
        .iter()
        .map(|s| loopback::page_of(&s.target))
        .collect();
    assert_eq!(pages, [1, 2, 2, 2, 3, 3, 4, 4, 5, 5]);
}

#[tokio::test]
async fn stream_ends_after_one_error_naming_the_page_that_failed_for_good() {
    let total = 30;
    let server = Server::start(pages_server(total, |page, _| {
        (page == 3).then(|| loopback::problem(500, "Internal Server Error"))
    }))
    .await;
    let client = client(server.base_url(), quick_retries(2));
    let items: Vec<amocrm::Result<Widget>> =
        client.widgets().list().limit(5).stream().collect().await;
    assert_eq!(items.len(), 11);
    let widgets: Vec<Widget> = items[..10]
        .iter()
        .map(|w| w.as_ref().unwrap().clone())
        .collect();
    assert_eq!(codes(&widgets), expected(10));
    let Err(Error::Page { page, source }) = &items[10] else {
        panic!("{:?}", items[10])
    };
    assert_eq!(*page, 3);
    assert!(
        matches!(source.as_ref(), Error::Api { problem } if problem.status == 500),
        "{source:?}"
    );
    assert_eq!(items[10].as_ref().unwrap_err().status(), Some(500));
    // Pages 1, 2, then page 3 twice (two attempts); nothing after the failure.
    let pages: Vec<u32> = server
        .seen()
        .iter()
        .map(|s| loopback::page_of(&s.target))
        .collect();
    assert_eq!(pages, [1, 2, 3, 3]);
}

#[tokio::test]
async fn stream_fails_once_on_a_page_that_cannot_be_decoded_or_read() {
    for (fault, is_expected) in [
        (
            Reply::Bytes(response(200, "application/hal+json", &[], b"{\"_page\":2,")),
            (|e: &Error| matches!(e, Error::Decode { status: 200, .. })) as fn(&Error) -> bool,
        ),
        (
            Reply::Bytes(b"HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n{".to_vec()),
            |e: &Error| matches!(e, Error::Transport(_)),
        ),
        (loopback::html(502), |e: &Error| {
            matches!(e, Error::UnexpectedStatus { status: 502, .. })
        }),
        (loopback::problem(401, "Unauthorized"), |e: &Error| {
            matches!(e, Error::Unauthorized(_))
        }),
    ] {
        let fault_for_server = fault.clone();
        let server = Server::start(pages_server(12, move |page, _| {
            (page == 2).then(|| fault_for_server.clone())
        }))
        .await;
        let client = client(server.base_url(), RetryPolicy::disabled());
        let mut stream = client.widgets().list().limit(5).stream();
        let mut ok = 0;
        let mut errors = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(_) => ok += 1,
                Err(e) => errors.push(e),
            }
        }
        assert!(stream.next().await.is_none());
        assert_eq!(ok, 5, "{fault:?}");
        assert_eq!(errors.len(), 1, "{fault:?}");
        let Error::Page { page: 2, source } = &errors[0] else {
            panic!("{:?}", errors[0])
        };
        assert!(is_expected(source), "{source:?}");
        assert_eq!(server.count(), 2);
    }
}

#[tokio::test]
async fn stream_ends_cleanly_on_a_204_page() {
    let server = Server::start(pages_server(100, |page, _| {
        (page == 3).then(loopback::no_content)
    }))
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let widgets: Vec<amocrm::Result<Widget>> =
        client.widgets().list().limit(10).stream().collect().await;
    assert_eq!(widgets.len(), 20);
    assert!(widgets.iter().all(Result::is_ok));
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn stream_stops_on_a_next_link_that_goes_back() {
    let server = Server::start(|_, seen| {
        let page = loopback::page_of(&seen.target);
        let body = loopback::page_json(page, 2, 10)
            .unwrap()
            .replace("page=3\"", "page=1\"");
        loopback::json(&body)
    })
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let items: Vec<amocrm::Result<Widget>> =
        client.widgets().list().limit(2).stream().collect().await;
    assert_eq!(items.len(), 5);
    assert!(items[..4].iter().all(Result::is_ok));
    assert!(
        matches!(&items[4], Err(Error::Page { page: 1, source }) if matches!(source.as_ref(), Error::Protocol(_))),
        "{:?}",
        items[4]
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn the_fake_server_streams_every_widget_once() {
    let fake = amocrm_fake::FakeServer::builder()
        .widgets(260)
        .start()
        .await
        .unwrap();
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .build()
        .unwrap();
    let widgets: Vec<Widget> = client
        .widgets()
        .list()
        .limit(50)
        .stream()
        .map(|w| w.unwrap())
        .collect()
        .await;
    assert_eq!(widgets.len(), fake.widget_count());
    let mut ids: Vec<i64> = widgets.iter().map(|w| w.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), widgets.len());
}

#[tokio::test]
async fn stream_follows_relative_next_links_and_refuses_ones_without_a_page() {
    // Relative links are followed.
    let server = Server::start(|_, seen| {
        let page = loopback::page_of(&seen.target);
        match loopback::page_json(page, 2, 5) {
            Some(body) => loopback::json(&body.replace("https://example.amocrm.ru", "")),
            None => loopback::no_content(),
        }
    })
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let widgets: Vec<Widget> = client
        .widgets()
        .list()
        .limit(2)
        .stream()
        .map(|w| w.unwrap())
        .collect()
        .await;
    assert_eq!(codes(&widgets), expected(5));

    // A next link whose page is not a number ends the stream with an error, not silently.
    let server = Server::start(|_, seen| {
        let page = loopback::page_of(&seen.target);
        let body = loopback::page_json(page, 2, 10)
            .unwrap()
            .replace("page=2\"", "page=two\"");
        loopback::json(&body)
    })
    .await;
    let client = loopback::client(server.base_url(), RetryPolicy::disabled());
    let items: Vec<amocrm::Result<Widget>> =
        client.widgets().list().limit(2).stream().collect().await;
    assert_eq!(items.len(), 3);
    assert!(
        matches!(&items[2], Err(Error::Page { page: 2, source }) if matches!(source.as_ref(), Error::Protocol(_))),
        "{:?}",
        items[2]
    );
    assert_eq!(server.count(), 1);
}

/// The protocol error of a bad next link does not repeat the link: it is a value from the
/// body, and a server may put in it whatever it was sent.
#[tokio::test]
async fn a_bad_next_link_is_not_repeated_in_the_error() {
    let server = Server::start(|_, seen| {
        let page = loopback::page_of(&seen.target);
        let body = loopback::page_json(page, 2, 10)
            .unwrap()
            .replace("page=2\"", "page=two&pass=echoed-s3cret-value\"");
        loopback::json(&body)
    })
    .await;
    let client = loopback::client(server.base_url(), RetryPolicy::disabled());
    let items: Vec<amocrm::Result<Widget>> =
        client.widgets().list().limit(2).stream().collect().await;
    let error = items.last().unwrap().as_ref().unwrap_err();
    assert!(matches!(error.root(), Error::Protocol(_)), "{error:?}");
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        shown.push_str(&format!(" {inner} {inner:?}"));
        source = inner.source();
    }
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("names no page"), "{shown}");
}

#[tokio::test]
async fn an_empty_page_ends_the_stream_even_with_a_next_link() {
    let server = Server::start(|_, _| {
        loopback::json(
            r#"{"_page":1,"_links":{"self":{"href":"/api/v4/widgets?page=1"},"next":{"href":"/api/v4/widgets?page=2"}},"_embedded":{"widgets":[]}}"#,
        )
    })
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let all: Vec<_> = client.widgets().list().stream().collect().await;
    assert!(all.is_empty(), "{all:?}");
    assert_eq!(server.count(), 1);
}
