//! Two instances of the widget_backend example against the fake amoCRM, the real
//! PostgreSQL and Redis: the install redirect through one, the widget_request through the
//! other, and the bot continued at the fake for the account the request came from.

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm_fake::{BotKind, FakeServer};
use amocrm_test_support::jwt::sign;
use amocrm_test_support::loopback::free_port;
use amocrm_test_support::services::{self, reachable, unique};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_widget_backend");

/// One running instance; killed when dropped.
struct Instance {
    url: String,
    _child: Child,
}

async fn start(name: &str, env: &[(String, String)]) -> Instance {
    let port = free_port();
    let child = Command::new(BIN)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--instance", name])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the example runs");
    let url = format!("http://127.0.0.1:{port}");
    let http = amocrm::client::http_client_builder()
        .expect("TLS")
        .build()
        .expect("an HTTP client");
    for _ in 0..200 {
        if let Ok(answer) = http.get(format!("{url}/healthz")).send().await
            && answer.status() == 200
        {
            return Instance { url, _child: child };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{name} did not start listening on {url} within 10 s");
}

fn claims(subdomain: &str) -> Value {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    json!({
        "iss": format!("https://{subdomain}.amocrm.ru"),
        "aud": "https://widget.example.com",
        "jti": unique("jti"),
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "account_id": 123,
        "subdomain": subdomain,
        "bot_type": "salesbot",
    })
}

#[tokio::test]
async fn install_through_one_instance_continue_through_the_other() {
    let test = "install_through_one_instance_continue_through_the_other";
    let (pg, redis) = (services::postgres_url(), services::redis_url());
    for url in [&pg, &redis] {
        if let Err(why) = reachable(url).await {
            return services::skip(test, &why, services::HOW_BOTH);
        }
    }
    // The fake's default account (subdomain "example") at its root, and acc1 under /acc1.
    let fake = FakeServer::builder()
        .account("acc1")
        .start()
        .await
        .expect("the fake starts");
    let schema = unique("widget_backend_test");
    let env: Vec<(String, String)> = [
        ("WIDGET_POSTGRES_URL", pg.clone()),
        ("WIDGET_TOKEN_TABLE", format!("{schema}.amocrm_tokens")),
        ("WIDGET_REDIS_URL", redis.clone()),
        ("WIDGET_REDIS_PREFIX", format!("{}:", unique("widget"))),
        (
            "AMOCRM_CLIENT_ID",
            amocrm_fake::DEFAULT_CLIENT_ID.to_owned(),
        ),
        (
            "AMOCRM_CLIENT_SECRET",
            amocrm_fake::DEFAULT_CLIENT_SECRET.to_owned(),
        ),
        (
            "AMOCRM_REDIRECT_URI",
            amocrm_fake::DEFAULT_REDIRECT_URI.to_owned(),
        ),
        (
            "WIDGET_ACCOUNT_URL_TEMPLATE",
            format!("{}/{{subdomain}}", fake.base_url()),
        ),
        (
            "WIDGET_ACCOUNT_URLS",
            format!("example={}", fake.base_url()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let a = start("instance-a", &env).await;
    let b = start("instance-b", &env).await;
    let http = amocrm::client::http_client_builder()
        .expect("TLS")
        .build()
        .expect("an HTTP client");

    // The install redirects of two accounts, both through A.
    let example = fake.default_account();
    let acc1 = fake.account("acc1").expect("acc1");
    for (account, referer) in [(example, "example.amocrm.ru"), (acc1, "acc1.amocrm.ru")] {
        let code = account.issue_authorization_code();
        let answer = http
            .get(format!("{}/oauth/callback", a.url))
            .query(&[
                ("code", code.as_str()),
                ("referer", referer),
                ("from_widget", "1"),
            ])
            .send()
            .await
            .expect("A answers");
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        assert_eq!(status, 200, "{text}");
        assert!(
            text.contains(&format!("installed for {}", account.url())),
            "{text}"
        );
        assert_eq!(account.oauth_stats().authorization_code_grants, 1);
    }

    // The bot step of account "example" reaches B, which has no tokens in memory: it takes
    // the pair A saved in PostgreSQL and continues the bot at the fake.
    example.add_pending_continuation(BotKind::Salesbot, 42, "c-1");
    let body = json!({
        "token": sign(&claims("example"), amocrm_fake::DEFAULT_CLIENT_SECRET),
        "data": {"phone": "+79990000000"},
        "return_url": format!("{}/api/v4/salesbot/42/continue/c-1", fake.base_url()),
    });
    let answer = http
        .post(format!("{}/widget_request", b.url))
        .json(&body)
        .send()
        .await
        .expect("B answers");
    let status = answer.status();
    let reply: Value = answer.json().await.unwrap_or_default();
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["continued"], true);
    assert_eq!(reply["instance"], "instance-b");
    assert_eq!(reply["account"], example.url());
    let continued = example.continuations();
    assert_eq!(continued.len(), 1);
    assert_eq!(
        (continued[0].bot_id, continued[0].continue_id.as_str()),
        (42, "c-1")
    );
    assert_eq!(continued[0].body["data"]["status"], "success");
    assert_eq!(continued[0].body["data"]["instance"], "instance-b");
    assert!(acc1.continuations().is_empty());
    // No second grant: B used the stored pair.
    assert_eq!(example.oauth_stats().grants(), 1);
    assert_eq!(example.oauth_stats().reused_refresh_tokens, 0);

    // The same request again, through A: the replay guard in Redis refuses it.
    let replay = http
        .post(format!("{}/widget_request", a.url))
        .json(&body)
        .send()
        .await
        .expect("A answers");
    assert_eq!(replay.status(), 409);
    // A request signed with another secret is refused.
    let forged = json!({
        "token": sign(&claims("example"), "not-the-secret"),
        "return_url": format!("{}/api/v4/salesbot/42/continue/c-2", fake.base_url()),
    });
    let refused = http
        .post(format!("{}/widget_request", a.url))
        .json(&forged)
        .send()
        .await
        .expect("A answers");
    assert_eq!(refused.status(), 401);
    assert_eq!(example.continuations().len(), 1);

    drop((a, b));
    if let Ok((client, connection)) =
        amocrm_postgres::tokio_postgres::connect(&pg, amocrm_postgres::tokio_postgres::NoTls).await
    {
        tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
    }
}
