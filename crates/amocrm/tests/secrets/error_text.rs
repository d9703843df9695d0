//! An error never repeats a value from a response body: not in `Display`, `Debug` or the
//! `source()` chain, whether the secret sits in a string, boolean or number position of a
//! body that does not decode, or in a 4xx/5xx page or problem that echoes the request.

use amocrm::error::DecodeCategory;
use amocrm::widgets::Settings;
use amocrm::{Error, RetryPolicy};
use amocrm_test_support::loopback;
use amocrm_test_support::loopback::{Reply, Server, response};

const SECRET: &str = "pw-SECRET-e41d07";
/// A numeric secret (a PIN, an account password of digits).
const NUMBER: &str = "918273645";

/// Every way the error prints, its sources included.
fn printed(error: &Error) -> String {
    let mut text = format!("{error}\n{error:?}\n{error:#?}\n");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        text.push_str(&format!("{inner}\n{inner:?}\n"));
        source = inner.source();
    }
    text
}

fn assert_hidden(what: &str, error: &Error) {
    let text = printed(error);
    for secret in [SECRET, NUMBER, "e41d07", "SECRET"] {
        assert!(!text.contains(secret), "{what} shows {secret}:\n{text}");
    }
}

/// A widget body with `field` set to `value` (raw JSON).
fn widget_with(field: &str, value: &str) -> String {
    let mut widget: serde_json::Value =
        serde_json::from_str(&loopback::widget_json(7, "w7")).unwrap();
    widget[field] = serde_json::from_str(value).unwrap();
    widget.to_string()
}

fn wrongly_typed_bodies() -> Vec<(String, &'static str, &'static str)> {
    vec![
        // The install answer whose settings are a string holding the password.
        (
            widget_with("settings", &format!("\"{SECRET}\"")),
            "settings",
            "a string",
        ),
        // A string where a boolean and a number belong.
        (
            widget_with("is_lead_source", &format!("\"{SECRET}\"")),
            "is_lead_source",
            "a string",
        ),
        (
            widget_with("id", &format!("\"{SECRET}\"")),
            "id",
            "a string",
        ),
        // A number and a boolean where strings belong.
        (widget_with("code", NUMBER), "code", "a number"),
        (
            widget_with("version", &format!("{NUMBER}.5")),
            "version",
            "a number",
        ),
        (widget_with("code", "true"), "code", "a boolean"),
        // Deeper: inside the settings template.
        (
            widget_with(
                "settings_template",
                &format!(r#"[{{"key":"k","name":"n","type":"text","is_required":"{SECRET}"}}]"#),
            ),
            "settings_template[0].is_required",
            "a string",
        ),
    ]
}

#[test]
fn decode_errors_name_the_field_and_types_never_the_value() {
    for (body, path, found) in wrongly_typed_bodies() {
        let error = amocrm::__bench::widget(body.as_bytes()).unwrap_err();
        assert_hidden(&body, &error);
        let Error::Decode {
            status,
            body: kept,
            source,
        } = &error
        else {
            panic!("{error:?}");
        };
        assert_eq!(*status, 200);
        // The body is kept, behind its raw accessor.
        assert_eq!(kept.expose_raw().as_ref(), body.as_bytes());
        assert_eq!(source.category(), DecodeCategory::Data);
        assert_eq!(source.path(), path, "{error}");
        assert_eq!(source.found(), Some(found), "{error}");
        assert!(source.expected().is_some(), "{error}");
        assert!(error.to_string().contains(path), "{error}");
    }
    let error = amocrm::__bench::widget(wrongly_typed_bodies()[0].0.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "could not decode the response (HTTP 200, 383 bytes): unexpected JSON at `settings`: \
         expected widget settings: an object, [] or a JSON-encoded object, found a string of 16 \
         chars (line 1, column 275)"
    );
    // Syntax and a body cut short: serde_json's own words, no value.
    let cut = format!(r#"{{"id":7,"code":"{SECRET}"#);
    let error = amocrm::__bench::widget(cut.as_bytes()).unwrap_err();
    assert_hidden("cut", &error);
    let error = amocrm::__bench::widget(format!("{{\"code\": {SECRET}}}").as_bytes()).unwrap_err();
    assert_hidden("syntax", &error);
    assert!(
        matches!(&error, Error::Decode { source, .. } if source.category() == DecodeCategory::Syntax)
    );
}

/// The same through the client (the raw client's decoding path).
#[tokio::test]
async fn decode_errors_of_calls_never_show_the_value() {
    let bodies: Vec<String> = wrongly_typed_bodies()
        .into_iter()
        .map(|(b, _, _)| b)
        .collect();
    let server = Server::start(move |i, _| loopback::json(&bodies[i % bodies.len()])).await;
    let client = loopback::client(server.base_url(), RetryPolicy::disabled());
    for _ in 0..wrongly_typed_bodies().len() {
        let error = client.widgets().get("w7").send().await.unwrap_err();
        assert!(matches!(error, Error::Decode { .. }), "{error:?}");
        assert_hidden("get", &error);
    }
    let settings = Settings::new().pass("password", SECRET);
    let error = client
        .widgets()
        .install("w7", &settings)
        .send()
        .await
        .unwrap_err();
    assert_hidden("install", &error);
}

/// Error pages that echo the request: text, HTML, JSON that is not a problem, and problems
/// whose detail texts quote it.
#[tokio::test]
async fn error_pages_that_echo_the_request_never_show_it() {
    let pages: Vec<Reply> = vec![
        Reply::Bytes(response(400, "text/plain", &[], format!("bad password={SECRET}").as_bytes())),
        Reply::Bytes(response(
            500,
            "text/html",
            &[],
            format!("<html><body>login failed for {SECRET} / {NUMBER}</body></html>").as_bytes(),
        )),
        Reply::Bytes(response(502, "text/html", &[], format!("<pre>{SECRET}</pre>").as_bytes())),
        Reply::Bytes(response(418, "application/json", &[], format!(r#"{{"echo":"{SECRET}"}}"#).as_bytes())),
        Reply::Bytes(response(
            400,
            "application/problem+json",
            &[],
            format!(
                r#"{{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"password {SECRET} rejected","validation-errors":[{{"request_id":"0","errors":[{{"code":"InvalidValue","path":"settings.password","detail":"{SECRET} is too weak"}}]}}]}}"#
            )
            .as_bytes(),
        )),
        Reply::Bytes(response(
            401,
            "application/problem+json",
            &[],
            format!(r#"{{"title":"Unauthorized","status":401,"detail":"token {SECRET} expired"}}"#).as_bytes(),
        )),
        Reply::Bytes(response(
            429,
            "text/html",
            &[],
            format!("<h1>slow down {SECRET}</h1>").as_bytes(),
        )),
        Reply::Bytes(response(
            404,
            "application/problem+json",
            &[],
            format!(r#"{{"title":"Not Found","status":404,"detail":"{NUMBER}"}}"#).as_bytes(),
        )),
    ];
    let count = pages.len();
    let server = Server::start(move |i, _| pages[i % count].clone()).await;
    let client = loopback::client(server.base_url(), RetryPolicy::disabled());
    let settings = Settings::new().pass("password", SECRET);
    let mut kinds = Vec::new();
    for _ in 0..count {
        let error = client
            .widgets()
            .install("w7", &settings)
            .send()
            .await
            .unwrap_err();
        assert_hidden("an error page", &error);
        kinds.push(
            format!("{error:?}")
                .split([' ', '(', '{'])
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    // The problem's texts are all there for code that reads them.
    let problem_page = amocrm::__bench::error(
        400,
        &http::HeaderMap::new(),
        format!(r#"{{"title":"Bad Request","status":400,"detail":"d {SECRET}","validation-errors":[{{"errors":[{{"code":"C","path":"p","detail":"v {SECRET}"}}]}}]}}"#).as_bytes(),
    );
    let problem = problem_page.problem().expect("a problem");
    assert_eq!(problem.detail.as_deref(), Some(&*format!("d {SECRET}")));
    assert_eq!(problem.validation_errors[0].detail, format!("v {SECRET}"));
    assert!(problem_page.to_string().contains("p: C"), "{problem_page}");
    assert_hidden("a problem", &problem_page);
    assert!(kinds.contains(&"UnexpectedStatus".to_owned()), "{kinds:?}");
    assert!(kinds.contains(&"Api".to_owned()), "{kinds:?}");
}

/// A problem's shown texts (title, type, each validation error's path and code) are the
/// server's words: shown up to a length, beyond it by their length, so a hostile or broken
/// server cannot write megabytes into every log line that prints the error.
#[test]
fn long_problem_texts_are_shown_by_their_length() {
    let long = "x".repeat(100_000);
    let errors: String = (0..3)
        .map(|_| format!(r#"{{"code":"{long}","path":"{long}","detail":"d"}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let body = format!(
        r#"{{"title":"{long}","type":"{long}","status":400,"detail":"{long}","validation-errors":[{{"request_id":"{long}","errors":[{errors}]}}]}}"#
    );
    let error = amocrm::__bench::error(400, &http::HeaderMap::new(), body.as_bytes());
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
    let text = printed(&error);
    assert!(text.len() < 10_000, "{} bytes printed", text.len());
    assert!(text.contains("100000 chars"), "{text}");
    // Short ones are shown as they are.
    let body = r#"{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"validation-errors":[{"errors":[{"code":"NotSupportedChoice","path":"settings.mode","detail":"d"}]}]}"#;
    let text = printed(&amocrm::__bench::error(
        400,
        &http::HeaderMap::new(),
        body.as_bytes(),
    ));
    for shown in [
        "https://httpstatus.es/400",
        "settings.mode: NotSupportedChoice",
        "NotSupportedChoice\"",
    ] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
}
