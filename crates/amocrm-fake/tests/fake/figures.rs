//! The figures of the recorded requests: what the server saw, to hold a client's metrics
//! against (requests by status class, 429s, token requests by outcome).

use amocrm_fake::{FakeServer, Figures};
use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::support::*;

async fn grant(server: &FakeServer, code: &str) -> u16 {
    let resp = token_grant(&server.base_url(), "authorization_code", "code", code).await;
    resp.status().as_u16()
}

async fn admin_json(server: &FakeServer, path: &str) -> Value {
    let resp = Client::new()
        .get(format!("{}{path}", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn every_answer_is_counted_by_its_class_and_token_grants_by_outcome() {
    let server = FakeServer::start().await.unwrap();
    assert_eq!(server.figures(), Figures::default());
    // Two answered 200, one 429 (the rate limit's answer, as a fault), a 401 (no token) and
    // a 503.
    assert_eq!(get(&server, "/api/v4/widgets").await.status(), 200);
    assert_eq!(get(&server, "/api/v4/widgets").await.status(), 200);
    server.faults().add_spec("list=429:retry-after=1").unwrap();
    assert_eq!(get(&server, "/api/v4/widgets").await.status(), 429);
    server.faults().clear();
    let unauthorized = send(&server, Method::GET, "/api/v4/widgets", None, None).await;
    assert_eq!(unauthorized.status(), 401);
    server.faults().add_spec("list=503").unwrap();
    assert_eq!(get(&server, "/api/v4/widgets").await.status(), 503);
    server.faults().clear();
    // The token endpoint: a code granted, a reused code refused.
    let code = server.issue_authorization_code();
    assert_eq!(grant(&server, &code).await, 200);
    assert_eq!(grant(&server, &code).await, 400);

    let figures = server.figures();
    assert_eq!(figures.requests, 5, "{figures:?}");
    assert_eq!(figures.in_class("2xx"), 2);
    assert_eq!(figures.in_class("4xx"), 2);
    assert_eq!(figures.in_class("5xx"), 1);
    assert_eq!(figures.rate_limited, 1);
    assert_eq!(figures.token_requests_with("granted"), 1);
    assert_eq!(figures.token_requests_with("refused"), 1);
    assert_eq!(figures.token_requests_with("other"), 0);
    assert_eq!(figures.unanswered, 0);
    // Each recorded request carries its status.
    let statuses: Vec<Option<u16>> = server.requests().iter().map(|r| r.status()).collect();
    assert_eq!(
        statuses,
        [200, 200, 429, 401, 503, 200, 400].map(Some).to_vec()
    );
    // The same figures over HTTP, and the status in the request log.
    let over_http = admin_json(&server, "/_fake/figures").await;
    assert_eq!(over_http["requests"], 5);
    assert_eq!(over_http["rate_limited"], 1);
    assert_eq!(over_http["by_status_class"]["4xx"], 2);
    assert_eq!(over_http["unanswered"], 0);
    assert_eq!(over_http["token_requests"]["granted"], 1);
    let log = admin_json(&server, "/_fake/requests").await;
    let logged: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(logged[2], &json!(429));
}

#[tokio::test]
async fn each_account_has_its_own_figures() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    get(&server, "/api/v4/widgets").await;
    let status = Client::new()
        .get(format!("{}/api/v4/widgets/nope", acc1.url()))
        .bearer_auth(acc1.token())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 404);
    assert_eq!(acc1.figures().requests, 1);
    assert_eq!(acc1.figures().in_class("4xx"), 1);
    assert_eq!(acc1.figures().in_class("2xx"), 0);
    assert_eq!(server.figures().requests, 2);
    assert_eq!(server.figures().in_class("2xx"), 1);
}

#[tokio::test]
async fn an_answer_a_fault_breaks_is_unanswered() {
    let server = FakeServer::start().await.unwrap();
    for spec in ["list=reset", "list=truncate"] {
        server.faults().add_spec(spec).unwrap();
        let sent = Client::new()
            .get(format!("{}/api/v4/widgets", server.base_url()))
            .bearer_auth(server.token())
            .send()
            .await;
        if let Ok(resp) = sent {
            assert!(
                resp.bytes().await.is_err(),
                "{spec}: the body arrived whole"
            );
        }
        server.faults().clear();
    }
    get(&server, "/api/v4/widgets").await;
    let figures = server.figures();
    assert_eq!(figures.unanswered, 2, "{figures:?}");
    assert_eq!(figures.requests, 1);
    assert_eq!(figures.in_class("2xx"), 1);
    let statuses: Vec<Option<u16>> = server.requests().iter().map(|r| r.status()).collect();
    assert_eq!(statuses, [None, None, Some(200)]);
}

#[tokio::test]
async fn the_rate_limits_429_is_counted() {
    let server = FakeServer::builder()
        .rate_limit(Some(1))
        .start()
        .await
        .unwrap();
    let first = get(&server, "/api/v4/widgets").await.status();
    let second = get(&server, "/api/v4/widgets").await.status();
    // Both in one second unless the host stalled a whole second between them.
    if second == 429 {
        assert_eq!(first, 200);
        assert_eq!(server.figures().rate_limited, 1);
        assert_eq!(server.figures().in_class("4xx"), 1);
    } else {
        assert_eq!(server.figures().rate_limited, 0);
    }
    assert_eq!(server.figures().requests, 2);
}
