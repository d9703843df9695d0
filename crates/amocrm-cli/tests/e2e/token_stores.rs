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

/// `auth refresh` while every save of the PostgreSQL store fails (a trigger raising on
/// UPDATE): amoCRM spent the stored refresh token, so the new pair is the only live one.
/// The run keeps it in a private file of the state folder and says where (exit 4); once
/// the store works, `auth import` of that file takes the chain back, and it refreshes.
#[tokio::test]
async fn a_pair_the_store_refuses_is_kept_in_a_private_file_auth_import_takes_back() {
    let test = "a_pair_the_store_refuses_is_kept_in_a_private_file_auth_import_takes_back";
    let url = services::postgres_url();
    if let Err(why) = reachable(&url).await {
        return services::skip(test, &why, services::HOW_POSTGRES);
    }
    use amocrm_postgres::tokio_postgres;
    let fake = fake().await;
    let acc = fake.account("acc1").expect("acc1");
    let schema = unique("amocrm_cli_test");
    let table = format!("{schema}.amocrm_tokens");
    let state = TempDir::new();
    let mut env = env(acc, &url, true);
    env.extend([
        ("AMOCRM_TOKEN_TABLE".to_owned(), table.clone()),
        ("AMOCRM_TIMEOUT".to_owned(), "1s".to_owned()),
        (
            "XDG_STATE_HOME".to_owned(),
            state.path().to_str().expect("UTF-8").to_owned(),
        ),
    ]);
    let issued = acc.issue_token_pair(Duration::from_secs(3600));
    let imported = exec(&env, &["auth", "import"], Some(&answer(&issued)), &[]).await;
    assert_eq!(imported.code, 0, "{imported:#?}");
    let (admin, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("admin");
    tokio::spawn(connection);
    admin
        .batch_execute(&format!(
            "CREATE FUNCTION \"{schema}\".store_down() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'store down'; END $$; \
             CREATE TRIGGER store_down BEFORE UPDATE ON \"{schema}\".amocrm_tokens \
             FOR EACH ROW EXECUTE FUNCTION \"{schema}\".store_down();"
        ))
        .await
        .expect("trigger");

    let refreshed = exec(&env, &["auth", "refresh"], None, &[&issued.refresh_token]).await;
    assert_eq!(refreshed.code, 4, "{refreshed:#?}");
    let kept: Vec<_> = std::fs::read_dir(state.path().join("amocrm"))
        .expect("the state folder")
        .map(|entry| entry.expect("entry").path())
        .collect();
    let [kept] = kept.as_slice() else {
        panic!("one kept pair: {kept:?}");
    };
    assert!(
        refreshed.stderr.contains(&kept.display().to_string())
            && refreshed.stderr.contains("auth import"),
        "{refreshed:#?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(kept).expect("kept").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(acc.oauth_stats().refresh_token_grants, 1);

    admin
        .batch_execute(&format!(
            "DROP TRIGGER store_down ON \"{schema}\".amocrm_tokens"
        ))
        .await
        .expect("drop trigger");
    let text = std::fs::read(kept).expect("kept");
    let imported = exec(&env, &["auth", "import"], Some(&text), &[]).await;
    assert_eq!(imported.code, 0, "{imported:#?}");
    let again = exec(&env, &["auth", "refresh"], None, &[]).await;
    assert_eq!(again.code, 0, "the chain lives on: {again:#?}");
    let stats = acc.oauth_stats();
    assert_eq!(stats.refresh_token_grants, 2);
    assert_eq!(stats.reused_refresh_tokens, 0);
    drop_schema(&url, &schema).await;
}
