//! Faults of a server or a proxy, each against a loopback server writing exact bytes: every
//! one ends in a typed error that keeps its status, body and source, or in a recovery.

use amocrm_test_support::loopback;
use std::time::Duration;

use amocrm::AccountUrl;
use amocrm::widgets::{Settings, Widget};
use amocrm::{Error, RetryPolicy};
use amocrm_test_support::loopback::{Reply, Server, client, quick_retries, response};
use futures::StreamExt;

const WIDGET_CUT: &str = r#"{"id":7,"code":"w7","version":"1.0","rating":"2,8","settings_te"#;

async fn get_error(reply: Reply) -> (Error, usize) {
    let server = Server::always(reply).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let error = client.widgets().get("w7").send().await.unwrap_err();
    (error, server.count())
}

#[tokio::test]
async fn connection_reset_mid_body_is_a_transport_error() {
    let head =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\nContent-Length: 400\r\n\r\n";
    let mut bytes = head.to_vec();
    bytes.extend_from_slice(WIDGET_CUT.as_bytes());
    let (error, count) = get_error(Reply::BytesThenReset(bytes)).await;
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_body() || source.is_decode(), "{source:?}");
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(count, 1);
}

#[tokio::test]
async fn reset_before_any_answer_is_a_transport_error() {
    let (error, _) = get_error(Reply::Reset).await;
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_request() || source.is_body(), "{source:?}");
    assert!(!source.is_connect(), "the connection was made: {source:?}");
}

#[tokio::test]
async fn content_length_longer_than_the_body_is_a_transport_error() {
    let mut bytes =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\nContent-Length: 4000\r\n\r\n"
            .to_vec();
    bytes.extend_from_slice(WIDGET_CUT.as_bytes());
    let (error, count) = get_error(Reply::Bytes(bytes)).await;
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_body() || source.is_decode(), "{source:?}");
    assert_eq!(count, 1);
}

#[tokio::test]
async fn complete_response_with_cut_json_is_a_decode_error_with_the_body() {
    let (error, _) = get_error(Reply::Bytes(response(
        200,
        "application/hal+json",
        &[],
        WIDGET_CUT.as_bytes(),
    )))
    .await;
    let Error::Decode {
        status,
        body,
        source,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*status, 200);
    assert_eq!(body.expose_raw().as_ref(), WIDGET_CUT.as_bytes());
    assert_eq!(
        source.category(),
        amocrm::error::DecodeCategory::Eof,
        "{source:?}"
    );
    assert_eq!(error.status(), Some(200));

    // Not JSON at all, and nothing at all.
    for body in [&b"<html>oops</html>"[..], b"", b"null", b"[]"] {
        let (error, _) = get_error(Reply::Bytes(response(200, "text/html", &[], body))).await;
        assert!(
            matches!(&error, Error::Decode { status: 200, body: b, .. } if b.expose_raw().as_ref() == body),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn html_gateway_pages_keep_status_and_body() {
    for status in [500, 502, 503, 504] {
        let (error, count) = get_error(loopback::html(status)).await;
        let Error::UnexpectedStatus { status: got, body } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(*got, status);
        assert_eq!(
            body.expose_raw().as_ref(),
            loopback::html_page(status).as_bytes()
        );
        assert_eq!(error.status(), Some(status));
        assert!(error.to_string().contains(&status.to_string()));
        assert_eq!(count, 1);
    }
}

#[tokio::test]
async fn html_pages_with_documented_error_statuses_keep_their_meaning() {
    // get_widget documents 401 and 404 with a problem body; an HTML page instead is still
    // an Unauthorized / NotFound, not a decoding failure.
    let (error, _) = get_error(loopback::html(404)).await;
    assert!(
        matches!(&error, Error::NotFound(p) if p.status == 404),
        "{error:?}"
    );
    let (error, _) = get_error(loopback::html(401)).await;
    assert!(
        matches!(&error, Error::Unauthorized(p) if p.status == 401),
        "{error:?}"
    );
    let (error, _) = get_error(Reply::Bytes(response(404, "", &[], b""))).await;
    assert!(matches!(&error, Error::NotFound(_)), "{error:?}");
    let (error, _) = get_error(loopback::html(403)).await;
    assert!(matches!(&error, Error::Forbidden(_)), "{error:?}");

    // install documents 400 with a problem body; an HTML 400 keeps its body.
    let server = Server::always(loopback::html(400)).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let error = client
        .widgets()
        .install("w7", &Settings::new())
        .send()
        .await
        .unwrap_err();
    let Error::UnexpectedStatus { status: 400, body } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        body.expose_raw().as_ref(),
        loopback::html_page(400).as_bytes()
    );
}

#[tokio::test]
async fn problem_bodies_are_kept() {
    let body = r#"{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed","validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"login","detail":"The value you selected is not a valid choice."}]}]}"#;
    let server = Server::always(Reply::Bytes(response(
        400,
        "application/problem+json",
        &[],
        body.as_bytes(),
    )))
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let error = client
        .widgets()
        .install("w7", &Settings::new().text("login", "x"))
        .send()
        .await
        .unwrap_err();
    let Error::Api { problem } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(problem.status, 400);
    assert_eq!(problem.detail.as_deref(), Some("Request validation failed"));
    assert_eq!(problem.validation_errors.len(), 1);
    assert_eq!(problem.validation_errors[0].path, "login");
    assert_eq!(problem.validation_errors[0].code, "NotSupportedChoice");

    // A 5xx problem.
    let (error, _) = get_error(loopback::problem(503, "Service Unavailable")).await;
    assert!(
        matches!(&error, Error::Api { problem } if problem.status == 503 && problem.title == "Service Unavailable"),
        "{error:?}"
    );
    // A problem whose status field lies: the HTTP status wins.
    let (error, _) = get_error(Reply::Bytes(response(
        502,
        "application/problem+json",
        &[],
        br#"{"title":"x","status":200}"#,
    )))
    .await;
    assert_eq!(error.status(), Some(502));
    // A success status the call does not document, even with a problem body.
    let (error, _) = get_error(Reply::Bytes(response(
        201,
        "application/problem+json",
        &[],
        br#"{"title":"x","status":201}"#,
    )))
    .await;
    assert!(
        matches!(&error, Error::UnexpectedStatus { status: 201, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn slow_response_past_the_timeout_is_a_timeout() {
    let server = Server::always(Reply::Delayed(
        Duration::from_secs(3),
        response(200, "application/hal+json", &[], b"{}"),
    ))
    .await;
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("t")
        .rate_limit(None)
        .timeout(Duration::from_millis(150))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.widgets().get("w7").send().await.unwrap_err();
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_timeout(), "{source:?}");
    assert_eq!(server.count(), 1);

    // Headers in time, the body too late: also a timeout.
    let server = Server::always(Reply::BytesThenStall(
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{".to_vec(),
        Duration::from_secs(3),
    ))
    .await;
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token("t")
        .rate_limit(None)
        .timeout(Duration::from_millis(150))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.widgets().get("w7").send().await.unwrap_err();
    let Error::Transport(source) = &error else {
        panic!("{error:?}")
    };
    assert!(source.is_timeout(), "{source:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn too_many_requests_json_and_html() {
    // JSON problem with Retry-After header.
    let (error, _) = get_error(Reply::Bytes(response(
        429,
        "application/problem+json",
        &[("Retry-After", "0")],
        br#"{"title":"Too Many Requests","status":429,"detail":"Rate limit exceeded"}"#,
    )))
    .await;
    let Error::RateLimited {
        retry_after,
        problem,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*retry_after, Some(Duration::ZERO));
    let problem = problem.as_ref().expect("problem");
    assert_eq!(problem.status, 429);
    assert_eq!(problem.detail.as_deref(), Some("Rate limit exceeded"));
    assert_eq!(error.status(), Some(429));

    // retry_after in the body instead of the header.
    let (error, _) = get_error(Reply::Bytes(response(
        429,
        "application/json",
        &[],
        br#"{"title":"Too Many Requests","status":429,"retry_after":0}"#,
    )))
    .await;
    assert!(
        matches!(&error, Error::RateLimited { retry_after: Some(d), problem: Some(_) } if d.is_zero()),
        "{error:?}"
    );

    // An HTML page, no hint.
    let (error, _) = get_error(loopback::html(429)).await;
    assert!(
        matches!(
            &error,
            Error::RateLimited {
                retry_after: None,
                problem: None
            }
        ),
        "{error:?}"
    );
}

fn pages_server(
    total: u32,
    fault: impl Fn(u32, usize) -> Option<Reply> + Send + Sync + 'static,
) -> impl Fn(usize, &loopback::Seen) -> Reply + Send + Sync + 'static {
    // `fault(page, how many times this page was asked before)`.
    let asked = std::sync::Mutex::new(std::collections::HashMap::<u32, usize>::new());
    move |_, seen| {
        let page = loopback::page_of(&seen.target);
        let limit = loopback::limit_of(&seen.target);
        let before = {
            let mut asked = asked.lock().unwrap();
            let n = asked.entry(page).or_default();
            *n += 1;
            *n - 1
        };
        if let Some(reply) = fault(page, before) {
            return reply;
        }
        match loopback::page_json(page, limit, total) {
            Some(body) => loopback::json(&body),
            None => loopback::no_content(),
        }
    }
}

fn codes(widgets: &[Widget]) -> Vec<String> {
    widgets.iter().map(|w| w.code.clone()).collect()
}

fn expected(total: u32) -> Vec<String> {
    (1..=total).map(|i| format!("w{i}")).collect()
}

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

/// A redirect is not followed: following a 307/308 would resend an install body, secrets
/// included, to wherever it points. It ends as `UnexpectedStatus` after one request.
#[tokio::test]
async fn redirects_are_not_followed() {
    let server = Server::always(Reply::Bytes(response(
        307,
        "text/plain",
        &[("Location", "http://127.0.0.1:9/api/v4/widgets/elsewhere")],
        b"moved",
    )))
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let settings = Settings::new().pass("password", "s3cret");
    let error = client
        .widgets()
        .install("w", &settings)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedStatus { status: 307, .. }),
        "{error:?}"
    );
    assert_eq!(server.count(), 1);
}

/// A body over `MAX_RESPONSE_BYTES` is not read into memory: by its Content-Length, or as
/// it arrives without one. The call ends with `ResponseTooLarge` after one request.
#[tokio::test]
async fn oversized_bodies_are_refused_not_buffered() {
    let declared = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{",
        amocrm::transport::MAX_RESPONSE_BYTES + 1
    );
    let server = Server::always(Reply::Bytes(declared.into_bytes())).await;
    let client = client(server.base_url(), quick_retries(3));
    let error = client.widgets().get("w").send().await.unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit } if limit == amocrm::transport::MAX_RESPONSE_BYTES),
        "{error:?}"
    );
    assert_eq!(server.count(), 1, "not retried");

    // No Content-Length: the body is read until it passes the limit.
    let mut streamed =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/hal+json\r\nConnection: close\r\n\r\n"
            .to_vec();
    streamed.extend(std::iter::repeat_n(
        b' ',
        amocrm::transport::MAX_RESPONSE_BYTES + 1024,
    ));
    let server = Server::always(Reply::Bytes(streamed)).await;
    let client = client_for(&server);
    let error = client.widgets().list().send().await.unwrap_err();
    assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
}

fn client_for(server: &Server) -> amocrm::Client {
    client(server.base_url(), RetryPolicy::disabled())
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

/// A PHP file saved with a byte order mark writes it before the JSON; RFC 8259 lets a
/// reader ignore it, and it must not cost the call (or, in a list, the rest of the list).
/// The media type's charset parameter does not matter either.
#[tokio::test]
async fn a_byte_order_mark_before_the_json_is_ignored() {
    let with_bom = |json: String| {
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend_from_slice(json.as_bytes());
        Reply::Bytes(response(
            200,
            "application/hal+json; charset=utf-8",
            &[],
            &body,
        ))
    };
    let server = Server::start(move |_, seen| {
        if seen.path() == "/api/v4/widgets/w7" {
            return with_bom(loopback::widget_json(7, "w7"));
        }
        match loopback::page_json(loopback::page_of(&seen.target), 2, 5) {
            Some(page) => with_bom(page),
            None => loopback::no_content(),
        }
    })
    .await;
    let client = client_for(&server);
    assert_eq!(client.widgets().get("w7").send().await.unwrap().code, "w7");
    let all: Vec<Widget> = client
        .widgets()
        .list()
        .limit(2)
        .stream()
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let codes: Vec<&str> = all.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, ["w1", "w2", "w3", "w4", "w5"]);
}
