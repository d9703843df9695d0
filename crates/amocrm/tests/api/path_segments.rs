//! A widget code or continue_id is one path segment, whatever it holds: `/`, `..`, `?`,
//! `#`, `%`, spaces, Unicode. Shown by the raw request target a loopback server receives.

use amocrm::AccountUrl;
use amocrm::bots::{BotKind, ContinueRequest};
use amocrm::error::Invalid;
use amocrm::widgets::Settings;
use amocrm::{Error, RetryPolicy};
use amocrm_test_support::loopback;
use amocrm_test_support::loopback::{Server, client};

/// Identifiers that would reach another route (or another resource) unencoded.
const NASTY: &[&str] = &[
    "a/b",
    "../admin",
    "../../api/v4/account",
    "a/../../account",
    "w?x=1",
    "w?page=2&limit=250",
    "w#fragment",
    "100%",
    "%2e%2e",
    "%2E%2E%2Faccount",
    "%2F",
    "%",
    "a b",
    " ",
    "виджет",
    "код/..",
    "emoji😀",
    "...",
    "..a",
    "a..",
    ". .",
    ".%2e",
    "%2e.",
    "a;b=c",
    "a&b=c",
    "+",
    "@evil.example",
    "//evil.example",
    "http://evil.example/x",
    "a\"b<c>d`e{f}g|h^i[j]k",
    "\u{FEFF}bom",
    "\u{202E}rtl",
    "ｆｕｌｌ／ｗｉｄｔｈ",
];

/// Decodes `%XX` escapes (and nothing else: `+` stays `+`).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The one segment after `prefix`, decoded; fails when the target has more segments, a
/// query or a fragment, or characters that are not plain ASCII.
fn single_segment(target: &str, prefix: &str) -> String {
    let rest = target
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{target:?} does not start with {prefix:?}"));
    assert!(!rest.is_empty(), "{target:?}");
    assert!(
        !rest.contains(['/', '?', '#', '\\', ' ']),
        "{target:?} has more than one segment ({:?})",
        percent_decode(rest)
    );
    assert!(rest.is_ascii(), "{target:?} is not encoded");
    assert!(!rest.chars().any(|c| c.is_ascii_control()));
    percent_decode(rest)
}

#[tokio::test]
async fn widget_codes_stay_one_encoded_segment() {
    let server = Server::start(|_, seen| match seen.method.as_str() {
        "DELETE" => loopback::no_content(),
        _ => loopback::json(&loopback::widget_json(1, "x")),
    })
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let settings = Settings::new().text("conf", "x");
    for code in NASTY {
        client.widgets().get(code).send().await.unwrap();
        client
            .widgets()
            .install(code, &settings)
            .send()
            .await
            .unwrap();
        client.widgets().uninstall(code).send().await.unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), NASTY.len() * 3);
    for (i, code) in NASTY.iter().enumerate() {
        for (j, method) in ["GET", "POST", "DELETE"].into_iter().enumerate() {
            let request = &seen[i * 3 + j];
            assert_eq!(request.method, method);
            let segment = single_segment(&request.target, "/api/v4/widgets/");
            assert_eq!(&segment, code, "{:?}", request.target);
        }
    }
}

#[tokio::test]
async fn continue_ids_stay_one_encoded_segment() {
    let server = Server::always(loopback::accepted()).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let request = ContinueRequest::new().data("status", "success");
    for id in NASTY {
        client
            .bots()
            .continue_bot(BotKind::Marketingbot, 77, id, &request)
            .send()
            .await
            .unwrap();
    }
    let seen = server.seen();
    assert_eq!(seen.len(), NASTY.len());
    for (id, request) in NASTY.iter().zip(&seen) {
        assert_eq!(request.method, "POST");
        let segment = single_segment(&request.target, "/api/v4/marketingbot/77/continue/");
        assert_eq!(&segment, id, "{:?}", request.target);
    }
}

#[tokio::test]
async fn dot_segments_and_empty_identifiers_are_refused_before_sending() {
    let server = Server::always(loopback::json(&loopback::widget_json(1, "x"))).await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    let settings = Settings::new();
    for code in [".", "..", "", "a\nb", "\0", "\t"] {
        let errors = [
            client.widgets().get(code).send().await.unwrap_err(),
            client
                .widgets()
                .install(code, &settings)
                .send()
                .await
                .unwrap_err(),
            client.widgets().uninstall(code).send().await.unwrap_err(),
            client
                .bots()
                .continue_bot(BotKind::Salesbot, 1, code, &ContinueRequest::new())
                .send()
                .await
                .unwrap_err(),
        ];
        for error in errors {
            assert!(
                matches!(&error, Error::Invalid(Invalid::Identifier { value, .. }) if value == code),
                "{code:?}: {error:?}"
            );
            assert!(error.is_invalid_input());
        }
    }
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn the_fake_server_sees_the_same_encoded_paths() {
    let fake = amocrm_fake::FakeServer::builder().start().await.unwrap();
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(None)
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    for code in NASTY {
        let error = client.widgets().get(code).send().await.unwrap_err();
        assert!(matches!(&error, Error::NotFound(_)), "{code:?}: {error:?}");
    }
    let requests = fake.requests();
    assert_eq!(requests.len(), NASTY.len());
    for (code, request) in NASTY.iter().zip(&requests) {
        let segment = single_segment(&request.path_and_query, "/api/v4/widgets/");
        assert_eq!(&segment, code);
    }
}

/// `\\` is a path separator to URL parsers for http(s) (WHATWG), and the generated client's
/// percent-encoding leaves it alone: `x\\..\\..\\account` would become `/api/v4/account`.
/// Such identifiers are refused before sending.
const BACKSLASHES: &[&str] = &["a\\b", "..\\admin", "x\\..\\..\\account", "\\", "w\\..\\w2"];

#[tokio::test]
async fn backslashes_never_reach_another_route() {
    let server = Server::start(|_, seen| match seen.method.as_str() {
        "DELETE" => loopback::no_content(),
        "POST" if seen.path().contains("/continue/") => loopback::accepted(),
        _ => loopback::json(&loopback::widget_json(1, "x")),
    })
    .await;
    let client = client(server.base_url(), RetryPolicy::disabled());
    for id in BACKSLASHES {
        let before = server.count();
        let results = [
            client.widgets().get(id).send().await.map(|_| ()),
            client.widgets().uninstall(id).send().await,
            client
                .bots()
                .continue_bot(BotKind::Salesbot, 1, id, &ContinueRequest::new())
                .send()
                .await,
        ];
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::Invalid(Invalid::Identifier { .. }))))
            .count();
        let seen = server.seen();
        let sent = &seen[before..];
        assert_eq!(refused + sent.len(), 3, "{id:?}");
        for request in sent {
            let prefix = if request.path().contains("/continue/") {
                "/api/v4/salesbot/1/continue/"
            } else {
                "/api/v4/widgets/"
            };
            assert_eq!(&single_segment(&request.target, prefix), id);
        }
    }
}
