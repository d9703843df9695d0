//! One call against a faulty answer: resets, short and cut bodies, HTML pages, problems, a
//! slow server, 429s, redirects, oversized bodies, a byte order mark.

use super::*;

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
    // A 403 with a page rather than a problem is amoCRM's block page (issue 23): the
    // account is blocked, not a right missing.
    let (error, _) = get_error(loopback::html(403)).await;
    assert!(matches!(&error, Error::AccountBlocked { .. }), "{error:?}");

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
