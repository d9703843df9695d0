//! The token endpoint: authorization codes and refresh tokens, single use, per account; its
//! errors and the access tokens' lifetime.

use std::time::Duration;

use amocrm_fake::{AccountSpec, FakeServer, OAuthStats};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

async fn token_request(server: &FakeServer, body: Value) -> Response {
    Client::new()
        .post(format!("{}/oauth2/access_token", server.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn oauth_code_and_refresh_flow() {
    let server = FakeServer::builder()
        .oauth_client("cid", "secret", "https://app.example/cb")
        .start()
        .await
        .unwrap();
    assert_eq!(server.oauth_client().client_id, "cid");
    let code = server.issue_authorization_code();
    let grant = |grant_type: &str, key: &str, value: &str| {
        json!({"client_id": "cid", "client_secret": "secret", "grant_type": grant_type,
               key: value, "redirect_uri": "https://app.example/cb"})
    };
    let resp = token_request(&server, grant("authorization_code", "code", &code)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 86400);
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // The code is single-use.
    let resp = token_request(&server, grant("authorization_code", "code", &code)).await;
    assert_eq!(
        expect_oauth_problem(resp, 400).await,
        "Authorization code has been revoked"
    );

    // OAuth access tokens are admin tokens.
    let resp = send(
        &server,
        Method::POST,
        "/api/v4/widgets/amo_dropbox",
        Some(&access),
        Some(json!({})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = send(
        &server,
        Method::GET,
        "/api/v4/widgets/amo_dropbox",
        Some(&access),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(body["settings"], json!({}));

    server.expire_access_tokens();
    let resp = send(&server, Method::GET, "/api/v4/widgets", Some(&access), None).await;
    expect_problem(resp, 401).await;
    // Static tokens are unaffected.
    assert_eq!(
        get(&server, "/api/v4/widgets").await.status(),
        StatusCode::OK
    );

    assert_eq!(server.refresh_count(), 0);
    let resp = token_request(&server, grant("refresh_token", "refresh_token", &refresh)).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(server.refresh_count(), 1);
    let access2 = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh2 = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(access2, access);
    assert_ne!(refresh2, refresh);
    let resp = send(
        &server,
        Method::GET,
        "/api/v4/widgets",
        Some(&access2),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Refresh tokens are single-use.
    let resp = token_request(&server, grant("refresh_token", "refresh_token", &refresh)).await;
    assert_eq!(
        expect_oauth_problem(resp, 401).await,
        "Token has been revoked"
    );
    assert_eq!(server.refresh_count(), 1);
    assert_eq!(server.oauth_stats().reused_refresh_tokens, 1);
    let resp = token_request(
        &server,
        grant("refresh_token", "refresh_token", "never-issued"),
    )
    .await;
    assert_eq!(
        expect_oauth_problem(resp, 400).await,
        "Cannot decrypt the refresh token"
    );
    assert_eq!(server.oauth_stats().reused_refresh_tokens, 1);
    // Form bodies work too.
    let resp = Client::new()
        .post(format!("{}/oauth2/access_token", server.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "client_id=cid&client_secret=secret&grant_type=refresh_token&refresh_token={refresh2}&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(server.refresh_count(), 2);
}

#[tokio::test]
async fn oauth_errors_and_ttl() {
    let server = FakeServer::builder()
        // Long enough that the first use is in time on a loaded machine.
        .access_token_ttl(Duration::from_millis(1500))
        .start()
        .await
        .unwrap();
    let client = server.oauth_client().clone();
    let body = |code: &str| {
        json!({"client_id": client.client_id, "client_secret": client.client_secret,
               "grant_type": "authorization_code", "code": code, "redirect_uri": client.redirect_uri})
    };

    let mut wrong = body(&server.issue_authorization_code());
    wrong["client_secret"] = json!("nope");
    // amoCRM's own shape for a client it does not know: no hint, its own title.
    let resp = token_request(&server, wrong).await;
    assert_eq!(resp.status().as_u16(), 401);
    let refused: Value = resp.json().await.unwrap();
    assert_eq!(
        refused,
        json!({"title": "Некорректный клиент", "status": 401,
               "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
               "detail": "Авторизация клиента не прошла"})
    );
    let mut wrong = body(&server.issue_authorization_code());
    wrong["redirect_uri"] = json!("https://evil.example/");
    expect_oauth_problem(token_request(&server, wrong).await, 400).await;
    let mut wrong = body(&server.issue_authorization_code());
    wrong["grant_type"] = json!("password");
    expect_oauth_problem(token_request(&server, wrong).await, 400).await;
    assert_eq!(
        expect_oauth_problem(token_request(&server, body("never-issued")).await, 400).await,
        "Cannot decrypt the authorization code"
    );
    let paths = expect_validation(token_request(&server, json!({})).await).await;
    assert_eq!(
        paths,
        [
            "client_id",
            "client_secret",
            "grant_type",
            "code",
            "redirect_uri"
        ]
    );

    let resp = token_request(&server, body(&server.issue_authorization_code())).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["expires_in"], 1, "whole seconds");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let resp = send(&server, Method::GET, "/api/v4/widgets", Some(&access), None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let resp = send(&server, Method::GET, "/api/v4/widgets", Some(&access), None).await;
    expect_problem(resp, 401).await;
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

    // The spent refresh token: 401 (as amoCRM answers it), "Token has been revoked",
    // counted as a reuse.
    let resp = token_grant(
        acc1.url(),
        "refresh_token",
        "refresh_token",
        &pair.refresh_token,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let problem: Value = resp.json().await.unwrap();
    assert_eq!(problem["hint"], "Token has been revoked");
    assert_eq!(problem["status"], 401);
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

/// Codes from the API and from the admin route are distinct, single-use, and only good at
/// the account that issued them.
#[tokio::test]
async fn authorization_codes_are_distinct_single_use_and_per_account() {
    let server = FakeServer::builder().account("acc1").start().await.unwrap();
    let acc1 = server.account("acc1").unwrap();
    let from_api = acc1.issue_authorization_code();
    let resp = Client::new()
        .post(format!("{}/_fake/authorization_code", acc1.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let from_route: Value = resp.json().await.unwrap();
    let from_route = from_route["code"].as_str().unwrap().to_owned();
    assert_ne!(from_api, from_route);
    // Not acc1's code at the default account.
    let resp = token_grant(&server.base_url(), "authorization_code", "code", &from_api).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    for code in [&from_api, &from_route] {
        let resp = token_grant(acc1.url(), "authorization_code", "code", code).await;
        assert_eq!(resp.status(), StatusCode::OK, "{code}");
        let resp = token_grant(acc1.url(), "authorization_code", "code", code).await;
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{code} twice");
    }
    assert_eq!(acc1.oauth_stats().authorization_code_grants, 2);
}
