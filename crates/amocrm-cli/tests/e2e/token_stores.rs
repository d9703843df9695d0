//! Token stores shared by processes: eight processes find the stored access token expired
//! at once and refresh it once, through a file and through PostgreSQL.

use std::time::Duration;

use amocrm_fake::FakeAccount;
use serde_json::json;

use super::oauth::{answer, env, exec, fake, status};
use crate::support::TempDir;
use crate::support::services::{self, reachable, unique};

/// Eight processes find the stored access token expired at once: one refreshes, the others
/// wait for the store's lock and use the new pair.
async fn eight_processes_one_grant(acc: &FakeAccount, env: &[(String, String)]) {
    let issued = acc.issue_token_pair(Duration::ZERO);
    let secrets = [issued.access_token.as_str(), issued.refresh_token.as_str()];
    let plain: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| k == "AMOCRM_BASE_URL" || k.starts_with("AMOCRM_TOKEN_"))
        .cloned()
        .collect();
    let imported = exec(
        &plain,
        &["auth", "import", "--expired"],
        Some(&answer(&issued)),
        &secrets,
    )
    .await;
    assert_eq!(imported.code, 0, "{imported:#?}");
    let before = acc.oauth_stats();

    let runs = futures::future::join_all(
        (0..8).map(|_| exec(env, &["--json", "widgets", "list"], None, &secrets)),
    )
    .await;
    for run in &runs {
        assert_eq!(run.code, 0, "{run:#?}");
        assert!(!run.json_lines().is_empty());
    }
    let stats = acc.oauth_stats();
    assert_eq!(
        stats.refresh_token_grants - before.refresh_token_grants,
        1,
        "{stats:?}"
    );
    assert_eq!(stats.reused_refresh_tokens, 0, "{stats:?}");
    let (code, line) = status(&plain, &secrets).await;
    assert_eq!((code, &line["expired"]), (0, &json!(false)), "{line}");
}

#[tokio::test]
async fn eight_processes_refresh_once_through_a_file_store() {
    let fake = fake().await;
    let acc1 = fake.account("acc1").expect("acc1");
    let dir = TempDir::new();
    let store = dir.path().join("tokens.json");
    eight_processes_one_grant(acc1, &env(acc1, store.to_str().expect("UTF-8"), true)).await;
}

#[tokio::test]
async fn eight_processes_refresh_once_through_postgres() {
    let test = "eight_processes_refresh_once_through_postgres";
    let url = services::postgres_url();
    if let Err(why) = reachable(&url).await {
        return services::skip(test, &why, services::HOW_POSTGRES);
    }
    let fake = fake().await;
    let acc2 = fake.account("acc2").expect("acc2");
    let schema = unique("amocrm_cli_test");
    let mut env = env(acc2, &url, true);
    env.push((
        "AMOCRM_TOKEN_TABLE".to_owned(),
        format!("{schema}.amocrm_tokens"),
    ));
    eight_processes_one_grant(acc2, &env).await;
    drop_schema(&url, &schema).await;
}

async fn drop_schema(url: &str, schema: &str) {
    use amocrm_postgres::tokio_postgres;
    if let Ok((client, connection)) = tokio_postgres::connect(url, tokio_postgres::NoTls).await {
        tokio::spawn(connection);
        let _ = client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await;
    }
}
