//! Lead pipelines: the whole list (not paged) and one by id, each with its statuses; how many
//! the builder gives an account; what another account, a missing id and a bad one get.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use amocrm_fake::{AccountSpec, FakeServer, Fault};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

const PIPELINES: &str = "/api/v4/leads/pipelines";

/// `GET {account_url}{path}` with `token`.
async fn get_at(account_url: &str, path: &str, token: &str) -> reqwest::Response {
    Client::new()
        .get(format!("{account_url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

/// A 200 `application/hal+json` answer's body.
async fn hal_body(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(content_type(&resp), HAL);
    resp.json().await.expect("JSON body")
}

async fn account_id(account_url: &str, token: &str) -> i64 {
    let account = hal_body(get_at(account_url, "/api/v4/account", token).await).await;
    account["id"].as_i64().expect("account id")
}

fn pipelines(list: &Value) -> &Vec<Value> {
    list["_embedded"]["pipelines"]
        .as_array()
        .expect("pipelines")
}

#[tokio::test]
async fn the_list_has_every_pipeline_with_its_statuses_unpaged() {
    let server = FakeServer::start().await.unwrap();
    let base = server.base_url();
    let account_id = account_id(&base, server.token()).await;
    // `page` and `limit` mean nothing here: amoCRM sends the whole list.
    let list = hal_body(get(&server, &format!("{PIPELINES}?page=2&limit=1")).await).await;
    assert_eq!(list["_total_items"], 1);
    assert_eq!(list["_links"]["self"]["href"], format!("{base}{PIPELINES}"));
    assert!(list.get("_page").is_none());
    let pipelines = pipelines(&list);
    assert_eq!(pipelines.len(), 1);
    let main = &pipelines[0];
    let id = main["id"].as_i64().expect("pipeline id");
    let href = format!("{base}{PIPELINES}/{id}");
    let mut fields = main.clone();
    let statuses = fields["_embedded"]["statuses"].take();
    assert_eq!(
        fields,
        json!({
            "id": id, "name": "Воронка", "sort": 1, "is_main": true, "is_unsorted_on": true,
            "is_archive": false, "account_id": account_id,
            "_links": {"self": {"href": href}}, "_embedded": {"statuses": null},
        })
    );
    let statuses = statuses.as_array().expect("statuses");
    let shown: Vec<(i64, &str, i64, bool, &str, i64)> = statuses
        .iter()
        .map(|s| {
            assert_eq!(s["pipeline_id"], id);
            assert_eq!(s["account_id"], account_id);
            let status_id = s["id"].as_i64().unwrap();
            let status_href = format!("{href}/statuses/{status_id}");
            assert_eq!(s["_links"]["self"]["href"], status_href);
            let keys: Vec<&str> = s.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(keys.len(), 9, "{keys:?}");
            let text = |key: &str| s[key].as_str().unwrap();
            let number = |key: &str| s[key].as_i64().unwrap();
            let editable = s["is_editable"].as_bool().unwrap();
            (
                status_id,
                text("name"),
                number("sort"),
                editable,
                text("color"),
                number("type"),
            )
        })
        .collect();
    let own = |k: i64| id * 10 + k;
    assert_eq!(
        shown,
        [
            (own(1), "Неразобранное", 10, false, "#c1c1c1", 1),
            (own(2), "Первичный контакт", 20, true, "#99ccff", 0),
            (own(3), "Переговоры", 30, true, "#ffff99", 0),
            (own(4), "Принимают решение", 40, true, "#ffcc66", 0),
            (142, "Успешно реализовано", 10_000, false, "#CCFF66", 0),
            (143, "Закрыто и не реализовано", 11_000, false, "#D5D8DB", 0),
        ]
    );
}

#[tokio::test]
async fn get_by_id_answers_the_pipeline_as_listed() {
    let server = FakeServer::builder().pipelines(3).start().await.unwrap();
    let list = hal_body(get(&server, PIPELINES).await).await;
    assert_eq!(list["_total_items"], 3);
    for listed in pipelines(&list) {
        let one = hal_body(get(&server, &format!("{PIPELINES}/{}", listed["id"])).await).await;
        assert_eq!(&one, listed);
    }
}

#[tokio::test]
async fn the_builder_sets_how_many_pipelines_an_account_has() {
    let server = FakeServer::builder().pipelines(50).start().await.unwrap();
    let list = hal_body(get(&server, PIPELINES).await).await;
    let all = pipelines(&list);
    assert_eq!((list["_total_items"].as_u64(), all.len()), (Some(50), 50));
    let names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(&names[..3], ["Воронка", "Воронка 2", "Воронка 3"]);
    assert_eq!(names[49], "Воронка 50");
    let main: Vec<bool> = all.iter().map(|p| p["is_main"] == true).collect();
    assert_eq!(main.iter().filter(|m| **m).count(), 1);
    assert!(main[0]);
    let sorts: Vec<i64> = all.iter().map(|p| p["sort"].as_i64().unwrap()).collect();
    assert!(sorts.windows(2).all(|w| w[0] < w[1]));
    let mut ids = HashSet::new();
    for pipeline in all {
        assert!(ids.insert(pipeline["id"].as_i64().unwrap()));
        for status in pipeline["_embedded"]["statuses"].as_array().unwrap() {
            let id = status["id"].as_i64().unwrap();
            // 142 and 143 are the same in every pipeline; the other stages are its own.
            assert!(
                id == 142 || id == 143 || ids.insert(id),
                "status {id} twice"
            );
        }
    }
}

#[tokio::test]
async fn a_missing_pipeline_is_204_and_an_id_that_is_no_number_404() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    let theirs = hal_body(get_at(acc1.url(), PIPELINES, acc1.token()).await).await;
    let theirs = pipelines(&theirs)[0]["id"].as_i64().unwrap();
    // Another account's pipeline, and ids no account has: amoCRM's "not found" on a get
    // by id is 204 without a body.
    for id in [theirs, 1, i64::MAX] {
        let resp = get(&server, &format!("{PIPELINES}/{id}")).await;
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{id}");
        assert!(resp.bytes().await.unwrap().is_empty());
    }
    // Not an id at all: amoCRM's ids are positive 64-bit integers.
    for id in ["abc", "0", "-1", "+5", "1.5", "99999999999999999999"] {
        let resp = get(&server, &format!("{PIPELINES}/{id}")).await;
        let problem = expect_problem(resp, 404).await;
        assert_eq!(
            problem["detail"], "The requested resource was not found",
            "{id}"
        );
    }
}

#[tokio::test]
async fn pipelines_are_per_account() {
    let server = FakeServer::builder()
        .account(AccountSpec::new("acc1").pipelines(2))
        .account("acc2")
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let acc2 = server.account("acc2").unwrap();
    let root = hal_body(get(&server, PIPELINES).await).await;
    let one = hal_body(get_at(acc1.url(), PIPELINES, acc1.token()).await).await;
    let two = hal_body(get_at(acc2.url(), PIPELINES, acc2.token()).await).await;
    assert_eq!(
        [&root, &one, &two].map(|list| list["_total_items"].as_u64()),
        [Some(1), Some(2), Some(1)]
    );
    let acc1_id = account_id(acc1.url(), acc1.token()).await;
    assert_ne!(
        acc1_id,
        account_id(&server.base_url(), server.token()).await
    );
    let mut ids = HashSet::new();
    for (list, url) in [(&root, server.base_url()), (&one, acc1.url().to_owned())] {
        for pipeline in pipelines(list) {
            assert!(ids.insert(pipeline["id"].as_i64().unwrap()), "{pipeline}");
            let href = format!("{url}{PIPELINES}/{}", pipeline["id"]);
            assert_eq!(pipeline["_links"]["self"]["href"], href);
        }
    }
    for pipeline in pipelines(&one) {
        assert_eq!(pipeline["account_id"], acc1_id);
        let statuses = pipeline["_embedded"]["statuses"].as_array().unwrap();
        assert!(statuses.iter().all(|s| s["account_id"] == acc1_id));
    }
    assert_eq!(
        one["_links"]["self"]["href"],
        format!("{}{PIPELINES}", acc1.url())
    );
    // One account's token is nothing to another.
    let resp = get_at(acc1.url(), PIPELINES, server.token()).await;
    expect_problem(resp, 401).await;
}

#[tokio::test]
async fn every_user_reads_pipelines_with_a_token_and_only_administrators_write_them() {
    let server = FakeServer::start().await.unwrap();
    let list = hal_body(get(&server, PIPELINES).await).await;
    let one = format!("{PIPELINES}/{}", pipelines(&list)[0]["id"]);
    for path in [PIPELINES, one.as_str()] {
        let resp = send(&server, Method::GET, path, None, None).await;
        expect_problem(resp, 401).await;
        let resp = send(&server, Method::GET, path, Some(server.user_token()), None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(content_type(&resp), HAL);
    }
    // Writes are for administrators; a body that is no write body is a 400; PUT is no
    // method of the section.
    let resp = send(
        &server,
        Method::POST,
        PIPELINES,
        Some(server.user_token()),
        None,
    )
    .await;
    expect_problem(resp, 403).await;
    let resp = send(&server, Method::POST, PIPELINES, Some(server.token()), None).await;
    expect_problem(resp, 400).await;
    let resp = send(&server, Method::PUT, PIPELINES, Some(server.token()), None).await;
    expect_problem(resp, 405).await;
}

#[tokio::test]
async fn the_section_is_recorded_limited_and_faulted_like_every_route() {
    let server = FakeServer::builder()
        .rate_limit(Some(3))
        .fault(
            Fault::status(503)
                .route("GET", "/api/v4/leads/pipelines/*")
                .once(),
        )
        .start()
        .await
        .unwrap();
    let started = Instant::now();
    let list = hal_body(get(&server, PIPELINES).await).await;
    let one = format!("{PIPELINES}/{}", pipelines(&list)[0]["id"]);
    expect_problem(get(&server, &one).await, 503).await;
    assert_eq!(get(&server, &one).await.status(), StatusCode::OK);
    let fourth = get(&server, PIPELINES).await;
    // Within one second the fourth request is over the limit of three.
    if started.elapsed() < Duration::from_millis(900) {
        expect_problem(fourth, 429).await;
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [PIPELINES, &one, &one, PIPELINES]);
}

#[tokio::test]
async fn a_pipeline_count_outside_1_to_50_fails_to_start() {
    for n in [0, 51] {
        let error = FakeServer::builder()
            .pipelines(n)
            .start()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains("1 to 50"), "{error}");
    }
    let error = FakeServer::builder()
        .account(AccountSpec::new("acc1").pipelines(0))
        .start()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("\"acc1\""), "{error}");
    // An account's own count wins over the builder's.
    let server = FakeServer::builder()
        .pipelines(0)
        .account(AccountSpec::new("acc1").pipelines(1))
        .start()
        .await;
    assert!(server.is_err(), "the default account still has 0");
    let server = FakeServer::builder()
        .pipelines(4)
        .account(AccountSpec::new("acc1").pipelines(2))
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let list = hal_body(get_at(acc1.url(), PIPELINES, acc1.token()).await).await;
    assert_eq!(list["_total_items"], 2);
}
