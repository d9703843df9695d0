//! Several accounts on one fake: each under `/{name}` with its own widgets state, tokens,
//! OAuth chain, rate-limit window, continuations and recorded requests; your own widgets;
//! the `/_fake/` admin routes.

use std::time::Duration;

use amocrm_fake::{
    AccountSpec, BotKind, FakeServer, FakeWidget, OAuthStats, SettingField, SettingType,
};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

async fn call(url: &str, method: Method, token: Option<&str>, body: Option<Value>) -> Response {
    let mut req = Client::new().request(method, url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.expect("request")
}

async fn token_grant(account_url: &str, grant: &str, key: &str, value: &str) -> Response {
    let client = amocrm_fake::OAuthClient::default();
    Client::new()
        .post(format!("{account_url}/oauth2/access_token"))
        .json(&json!({
            "client_id": client.client_id, "client_secret": client.client_secret,
            "grant_type": grant, key: value, "redirect_uri": client.redirect_uri,
        }))
        .send()
        .await
        .expect("token request")
}

#[tokio::test]
async fn accounts_have_their_own_tokens_widgets_and_links() {
    let server = FakeServer::builder()
        .accounts(["acc1", "acc2"])
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let acc2 = server.account("acc2").unwrap();
    assert_eq!(acc1.url(), format!("{}/acc1", server.base_url()));
    assert_eq!(server.account_url("acc2"), Some(acc2.url()));
    assert_eq!(server.account_url("nope"), None);
    assert!(server.account("nope").is_none());
    assert_eq!(server.default_account().url(), server.base_url());
    assert_eq!(server.default_account().name(), None);
    assert_eq!(acc1.token(), "fake-token-acc1");
    assert_eq!(acc2.user_token(), "fake-user-token-acc2");
    assert_eq!(server.accounts().len(), 2);

    // Each account's token works on it only.
    let widgets = |url: &str| format!("{url}/api/v4/widgets/amo_dropbox");
    for (account, token) in [
        (acc1.url(), acc1.token()),
        (acc2.url(), acc2.token()),
        (server.base_url().as_str(), server.token()),
    ] {
        let resp = call(&widgets(account), Method::GET, Some(token), None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{account}");
    }
    for (account, token) in [
        (acc1.url(), acc2.token()),
        (acc2.url(), server.token()),
        (server.base_url().as_str(), acc1.token()),
    ] {
        let resp = call(&widgets(account), Method::GET, Some(token), None).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{account}");
    }

    // Installing on acc1 leaves acc2 and the default account alone.
    let resp = call(
        &widgets(acc1.url()),
        Method::POST,
        Some(acc1.token()),
        Some(json!({"conf": {"a": 1}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    // Links carry the account's prefix.
    assert_eq!(
        body["_links"]["self"]["href"],
        format!("{}/api/v4/widgets/amo_dropbox", acc1.url())
    );
    assert_eq!(
        acc1.installed_settings("amo_dropbox"),
        Some(json!({"conf": {"a": 1}}))
    );
    assert_eq!(acc2.installed_settings("amo_dropbox"), None);
    assert_eq!(server.installed_settings("amo_dropbox"), None);
    let list: Value = call(
        &format!("{}/api/v4/widgets?limit=1", acc2.url()),
        Method::GET,
        Some(acc2.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        list["_embedded"]["widgets"][0]["is_active_in_account"],
        false
    );
    assert_eq!(
        list["_links"]["next"]["href"],
        format!("{}/api/v4/widgets?limit=1&page=2", acc2.url())
    );

    // The account reports its own subdomain and id.
    let account: Value = call(
        &format!("{}/api/v4/account", acc2.url()),
        Method::GET,
        Some(acc2.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(account["subdomain"], "acc2");
    assert_eq!(acc2.subdomain(), "acc2");
    assert_eq!(
        account["_links"]["self"]["href"],
        format!("{}/api/v4/account", acc2.url())
    );

    // Unknown prefixes are the default account's 404s; the account root is a 404 too.
    let resp = call(
        &format!("{}/acc3/api/v4/widgets", server.base_url()),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &format!("{}/api/v4/nowhere", acc1.url()),
        Method::GET,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &format!("{}/api/v4/widgets", acc1.url()),
        Method::PUT,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// `n` concurrent GETs: how many were accepted, how many got 429, and how long the burst
/// took (a burst longer than the window proves nothing).
async fn burst(url: &str, token: &str, n: usize) -> (usize, usize, Duration) {
    // One client, built before the clock starts: building one costs more than a request.
    let http = Client::new();
    let start = std::time::Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let request = http.get(url).bearer_auth(token).send();
            tokio::spawn(async move { request.await.expect("request").status() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    (ok, limited, start.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_window_is_per_account() {
    let server = FakeServer::builder()
        .rate_limit(Some(7))
        .account("acc1")
        .account(AccountSpec::new("acc2").rate_limit(Some(2)))
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let acc2 = server.account("acc2").unwrap();
    let list = |url: &str| format!("{url}/api/v4/widgets");
    // On a loaded machine a burst may spread over more than the window: try again then.
    let mut checked = false;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (ok, limited, took) = burst(&list(acc1.url()), acc1.token(), 10).await;
        let (ok2, limited2, took2) = burst(&list(acc2.url()), acc2.token(), 3).await;
        if took + took2 > Duration::from_millis(800) {
            continue;
        }
        assert_eq!((ok, limited), (7, 3), "acc1: 7/s");
        assert_eq!((ok2, limited2), (2, 1), "acc2: its own 2/s");
        // acc1's and acc2's windows are full; the default account's is not.
        let resp = call(
            &list(&server.base_url()),
            Method::GET,
            Some(server.token()),
            None,
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK);
        checked = true;
        break;
    }
    assert!(checked, "no burst fitted in the window in 5 tries");
    // The admin routes do not count.
    let resp = call(
        &format!("{}/_fake/continuations", acc2.url()),
        Method::GET,
        None,
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn oauth_chains_are_per_account_and_refresh_tokens_single_use() {
    let server = FakeServer::builder()
        .account("acc1")
        .account(AccountSpec::new("acc2").access_token_ttl(Duration::from_secs(5)))
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let acc2 = server.account("acc2").unwrap();

    // A seeded pair, already expired: the access token is refused, the refresh works once.
    let pair = acc1.issue_token_pair(Duration::ZERO);
    assert_eq!(pair.expires_in, 0);
    assert!(!format!("{pair:?}").contains(&pair.access_token));
    let widgets = |url: &str| format!("{url}/api/v4/widgets");
    let resp = call(
        &widgets(acc1.url()),
        Method::GET,
        Some(&pair.access_token),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    let resp = token_grant(
        acc1.url(),
        "refresh_token",
        "refresh_token",
        &pair.refresh_token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let fresh: Value = resp.json().await.unwrap();
    let access = fresh["access_token"].as_str().unwrap();
    assert_eq!(fresh["expires_in"], 86400);
    let resp = call(&widgets(acc1.url()), Method::GET, Some(access), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // Account A's access token is 401 on account B and on the default account.
    let resp = call(&widgets(acc2.url()), Method::GET, Some(access), None).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = call(
        &widgets(&server.base_url()),
        Method::GET,
        Some(access),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // The spent refresh token: 400, "Token has been revoked", counted as a reuse.
    let resp = token_grant(
        acc1.url(),
        "refresh_token",
        "refresh_token",
        &pair.refresh_token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["hint"], "Token has been revoked");
    assert_eq!(problem["status"], 400);
    assert_eq!(
        problem["type"],
        "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
    );
    // acc1's refresh token is unknown to acc2 (and counts there as nothing).
    let refresh = fresh["refresh_token"].as_str().unwrap();
    let resp = token_grant(acc2.url(), "refresh_token", "refresh_token", refresh).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let stats = acc1.oauth_stats();
    assert_eq!(stats.refresh_token_grants, 1);
    assert_eq!(stats.reused_refresh_tokens, 1);
    assert_eq!(stats.authorization_code_grants, 0);
    assert_eq!(stats.grants(), 1);
    assert_eq!(acc2.oauth_stats(), OAuthStats::default());
    assert_eq!(server.oauth_stats(), OAuthStats::default());

    // A code of acc2 works on acc2 only.
    let code = acc2.issue_authorization_code();
    let resp = token_grant(acc1.url(), "authorization_code", "code", &code).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = token_grant(acc2.url(), "authorization_code", "code", &code).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["expires_in"], 5, "acc2's own access-token lifetime");
    assert_eq!(acc2.oauth_stats().authorization_code_grants, 1);

    // Expiring acc2's tokens leaves acc1's valid.
    acc2.expire_access_tokens();
    let resp = call(
        &widgets(acc2.url()),
        Method::GET,
        Some(tokens["access_token"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = call(&widgets(acc1.url()), Method::GET, Some(access), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn your_own_widgets_with_your_settings_template() {
    let mine = FakeWidget::new("my_widget")
        .version("2.0.1")
        .rating(4.5)
        .setting(SettingField::new(
            "api_key",
            "API key",
            SettingType::Text,
            true,
        ))
        .optional_setting("mapping", SettingType::Custom)
        .lead_source(true)
        .pipeline_id(77);
    let loose = FakeWidget::new("loose").id(5).version(3).rating("4,5");
    let server = FakeServer::builder()
        .widget(mine)
        .widget(loose)
        .widgets(2)
        .account(AccountSpec::new("acc1").widget(FakeWidget::new("acc1_only")))
        .start()
        .await
        .unwrap();
    assert_eq!(server.widget_count(), 3 + 2 + 2);
    let acc1 = server.account("acc1").unwrap();
    assert_eq!(acc1.widget_count(), 3 + 3 + 2);

    let url = |base: &str, code: &str| format!("{base}/api/v4/widgets/{code}");
    let got: Value = call(
        &url(&server.base_url(), "my_widget"),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(got["version"], "2.0.1");
    assert_eq!(got["rating"], 4.5);
    assert_eq!(got["is_lead_source"], true);
    assert_eq!(got["pipeline_id"], 77);
    assert!(got["id"].as_i64().unwrap() > 1_000_000_000);
    assert_eq!(
        got["settings_template"],
        json!([
            {"key": "api_key", "name": "API key", "type": "text", "is_required": true},
            {"key": "mapping", "name": "mapping", "type": "custom", "is_required": false}
        ])
    );
    let got: Value = call(
        &url(&server.base_url(), "loose"),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            got["id"].clone(),
            got["version"].clone(),
            got["rating"].clone()
        ),
        (json!(5), json!(3), json!("4,5"))
    );

    // Install is validated against your template, and the state persists.
    let resp = call(
        &url(&server.base_url(), "my_widget"),
        Method::POST,
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(
        problem["validation-errors"][0]["errors"][0]["path"],
        "api_key"
    );
    let resp = call(
        &url(&server.base_url(), "my_widget"),
        Method::POST,
        Some(server.token()),
        Some(json!({"api_key": "k", "mapping": [1, 2]})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        server.installed_settings("my_widget"),
        Some(json!({"api_key": "k", "mapping": [1, 2]}))
    );
    let list: Value = call(
        &format!("{}/api/v4/widgets", server.base_url()),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let codes: Vec<&str> = list["_embedded"]["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "amo_dropbox",
            "amo_mailchimp",
            "amo_asterisk",
            "my_widget",
            "loose",
            "widget_00001",
            "widget_00002"
        ]
    );
    assert_eq!(
        list["_embedded"]["widgets"][3]["is_active_in_account"],
        true
    );

    // The account's own widget is its alone.
    let resp = call(
        &url(acc1.url(), "acc1_only"),
        Method::GET,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = call(
        &url(&server.base_url(), "acc1_only"),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &url(acc1.url(), "my_widget"),
        Method::GET,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn bad_accounts_and_duplicate_codes_fail_to_start() {
    for name in [
        "",
        "api",
        "oauth2",
        "_fake",
        "a/b",
        "has space",
        &"x".repeat(64),
    ] {
        let err = FakeServer::builder()
            .account(name)
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{name:?}");
        assert!(err.to_string().contains("account name"), "{err}");
    }
    let err = FakeServer::builder()
        .accounts(["a", "a"])
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    for widgets in [
        vec![FakeWidget::new("amo_dropbox")],
        vec![FakeWidget::new("w"), FakeWidget::new("w")],
    ] {
        let err = FakeServer::builder()
            .widgets_from(widgets)
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("twice"), "{err}");
    }
    let err = FakeServer::builder()
        .widget(FakeWidget::new("w"))
        .account(AccountSpec::new("a").widget(FakeWidget::new("w")))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("account \"a\""), "{err}");
}

#[tokio::test]
async fn requests_are_recorded_per_account_with_bodies_and_masked_tokens() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    acc1.add_pending_continuation(BotKind::Salesbot, 9, "c");
    let resp = call(
        &format!("{}/api/v4/salesbot/9/continue/c?x=1", acc1.url()),
        Method::POST,
        Some(acc1.token()),
        Some(json!({"data": {"ok": true}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    call(
        &format!("{}/api/v4/widgets", server.base_url()),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await;

    let all = server.requests();
    assert_eq!(all.len(), 2);
    let mine = acc1.requests();
    assert_eq!(mine.len(), 1);
    let r = &mine[0];
    assert_eq!(r.account.as_deref(), Some("acc1"));
    assert_eq!(r.method, "POST");
    assert_eq!(r.path_and_query, "/acc1/api/v4/salesbot/9/continue/c?x=1");
    assert_eq!(r.path, "/acc1/api/v4/salesbot/9/continue/c");
    assert_eq!(r.query.as_deref(), Some("x=1"));
    assert_eq!(r.header("authorization"), Some("Bearer ***"));
    assert!(r.has_bearer(acc1.token()));
    assert!(!r.has_bearer(server.token()));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.body_json(), Some(json!({"data": {"ok": true}})));
    assert_eq!(r.body_text(), Some(r#"{"data":{"ok":true}}"#));
    let printed = format!("{r:?}");
    assert!(
        !printed.contains(acc1.token()) && printed.contains("Bearer ***"),
        "{printed}"
    );
    assert_eq!(server.default_account().requests().len(), 1);
    assert_eq!(server.default_account().requests()[0].account, None);
    assert!(server.default_account().requests()[0].body.is_empty());

    // The continuation is the account's, not the default account's.
    assert_eq!(acc1.continuations().len(), 1);
    assert_eq!(acc1.continuations()[0].body["data"]["ok"], true);
    assert!(server.continuations().is_empty());

    // A token without a scheme is masked whole.
    Client::new()
        .get(format!("{}/api/v4/widgets", acc1.url()))
        .header("authorization", "sekrit")
        .send()
        .await
        .unwrap();
    let last = acc1.requests().pop().unwrap();
    assert_eq!(last.header("authorization"), Some("***"));
    assert!(!last.has_bearer("sekrit"));
}

#[tokio::test]
async fn admin_routes_register_and_show_continuations_and_requests() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    let admin = format!("{}/_fake/continuations", acc1.url());

    let resp = call(
        &admin,
        Method::POST,
        None,
        Some(json!({"bot": "marketingbot", "bot_id": 7, "continue_id": "xyz"})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let resp = call(
        &admin,
        Method::POST,
        None,
        Some(json!({"bot": "robot", "bot_id": 0})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let problem: Value = resp.json().await.unwrap();
    let paths: Vec<&str> = problem["validation-errors"][0]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["bot", "bot_id", "continue_id"]);

    let seen: Value = call(&admin, Method::GET, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen,
        json!({"pending": [{"bot": "marketingbot", "bot_id": 7, "continue_id": "xyz", "left": 1}], "received": []})
    );
    // Only acc1 has it.
    let resp = call(
        &format!("{}/api/v4/marketingbot/7/continue/xyz", server.base_url()),
        Method::POST,
        Some(server.token()),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &format!("{}/api/v4/marketingbot/7/continue/xyz", acc1.url()),
        Method::POST,
        Some(acc1.token()),
        Some(json!({"data": {"n": 1}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let seen: Value = call(&admin, Method::GET, None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        seen,
        json!({"pending": [], "received": [{"bot": "marketingbot", "bot_id": 7, "continue_id": "xyz", "body": {"data": {"n": 1}}}]})
    );
    let root: Value = call(
        &format!("{}/_fake/continuations", server.base_url()),
        Method::GET,
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(root, json!({"pending": [], "received": []}));

    // The recorded requests: acc1's two API calls, never the admin calls, token masked.
    let requests: Value = call(
        &format!("{}/_fake/requests", acc1.url()),
        Method::GET,
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["account"], "acc1");
    assert_eq!(
        requests[0]["path_and_query"],
        "/acc1/api/v4/marketingbot/7/continue/xyz"
    );
    assert_eq!(requests[0]["body"], r#"{"data":{"n":1}}"#);
    assert!(!requests[0].to_string().contains(acc1.token()));
    assert!(
        requests[0]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h == &json!(["authorization", "Bearer ***"]))
    );
}

#[tokio::test]
async fn catalogue_files_in_json_and_yaml() {
    let dir = std::env::temp_dir().join(format!("amocrm-fake-catalogue-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("widgets.yaml");
    std::fs::write(
        &yaml,
        "widgets:\n  - code: from_yaml\n    version: \"1.2.3\"\n    settings_template:\n      - {key: token, name: Token, type: pass, is_required: true}\n",
    )
    .unwrap();
    let json_file = dir.join("widgets.txt");
    std::fs::write(&json_file, r#"[{"code": "from_json", "rating": "4,5"}]"#).unwrap();
    let mut widgets = FakeWidget::load_catalogue(&yaml).unwrap();
    widgets.extend(FakeWidget::load_catalogue(&json_file).unwrap());
    assert_eq!(widgets[0].settings_template[0].kind, SettingType::Pass);
    assert_eq!(widgets[1].rating, "4,5");
    let server = FakeServer::builder()
        .widgets_from(widgets)
        .start()
        .await
        .unwrap();
    let resp = call(
        &format!("{}/api/v4/widgets/from_yaml", server.base_url()),
        Method::POST,
        Some(server.token()),
        Some(json!({"token": 1})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        "{\"widgets\": [\n  {\"code\": \"x\", \"colour\": 1}\n]}",
    )
    .unwrap();
    let err = FakeWidget::load_catalogue(&bad).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("bad.json") && text.contains("colour") && text.contains("line 2"),
        "{text}"
    );
    assert_eq!(err.file(), bad.as_path());
    let err = FakeWidget::load_catalogue(dir.join("missing.yaml")).unwrap_err();
    assert!(err.to_string().contains("missing.yaml"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
