//! What a store keeps: load, lock, save and release; the schema made once by concurrent
//! first uses; an app role with only the grants the README gives.

use super::*;

#[tokio::test]
async fn load_lock_save_round_trip() {
    let Some(db) = TestDb::new("load_lock_save_round_trip").await else {
        return;
    };
    let store = db.store();
    // No table yet: nothing stored, and load does not create it.
    assert!(store.load_pair(ACCOUNT).await.unwrap().is_none());

    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    assert!(lock.current().is_none());
    assert_eq!(lock.generation(), 0);
    lock.save_pair(&pair(1)).await.unwrap();
    assert!(same(lock.current(), &pair(1)));
    assert_eq!(lock.generation(), 1);
    // Saved durably before release: another connection sees it already.
    assert!(same(
        store.load_pair(ACCOUNT).await.unwrap().as_ref(),
        &pair(1)
    ));
    lock.save_pair(&pair(2)).await.unwrap();
    assert_eq!(lock.generation(), 2);
    lock.release_now().await.unwrap();

    let lock = store.lock_account(ACCOUNT).await.unwrap();
    assert!(same(lock.current(), &pair(2)));
    assert_eq!(lock.generation(), 2);
    lock.release_now().await.unwrap();
    // Other accounts are separate rows.
    assert!(
        store
            .load_pair("https://other.amocrm.ru")
            .await
            .unwrap()
            .is_none()
    );
    let other = store.lock_account("https://other.amocrm.ru").await.unwrap();
    assert!(other.current().is_none());
    // The table holds what was saved, as text.
    let row = db
        .admin
        .query_one(
            &format!(
                "SELECT refresh_token, extract(epoch from expires_at)::bigint, generation FROM {} WHERE account = $1",
                db.table()
            ),
            &[&ACCOUNT],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "refresh-2");
    assert_eq!(row.get::<_, i64>(1), 2_000_000_002);
    assert_eq!(row.get::<_, i64>(2), 2);
    other.release_now().await.unwrap();
}

#[tokio::test]
async fn migrate_is_idempotent_and_concurrent_first_uses_do_not_race() {
    let Some(db) = TestDb::new("migrate_is_idempotent_and_concurrent_first_uses_do_not_race").await
    else {
        return;
    };
    // Eight stores (eight pools) take their first lock on a schema that does not exist.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = db.store();
            tokio::spawn(async move {
                let lock = store.lock_account(&format!("acc{i}")).await?;
                lock.release_now().await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let store = db.store();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    let rows = db
        .admin
        .query_one(&format!("SELECT count(*) FROM {}", db.table()), &[])
        .await
        .unwrap();
    assert_eq!(rows.get::<_, i64>(0), 8);
    assert!(
        store
            .create_table_sql()
            .contains("CREATE TABLE IF NOT EXISTS")
    );
}

#[tokio::test]
async fn integrations_with_tables_in_one_new_schema_migrate_at_once() {
    let test = "integrations_with_tables_in_one_new_schema_migrate_at_once";
    // Several rounds: the race between two CREATE SCHEMA of one new schema is narrow.
    for round in 0..5 {
        let Some(db) = TestDb::new(test).await else {
            return;
        };
        // Eight integrations (a table each) in a schema that does not exist yet, started at
        // once: the schema is created once, every table is created.
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = PostgresTokenStore::builder(&db.url)
                    .schema(&db.schema)
                    .table(format!("tokens_{i}"))
                    .build()
                    .unwrap();
                tokio::spawn(async move { store.migrate().await })
            })
            .collect();
        for task in tasks {
            let migrated = task.await.unwrap();
            assert!(migrated.is_ok(), "round {round}: {migrated:?}");
        }
    }
}

/// The README's deployment: a privileged role runs `migrate()`, the app's role has only
/// USAGE on the schema and SELECT, INSERT, UPDATE on the table, and can load, lock and save.
#[tokio::test]
async fn an_app_role_with_dml_grants_only_can_lock_and_save() {
    let Some(db) = TestDb::new("an_app_role_with_dml_grants_only_can_lock_and_save").await else {
        return;
    };
    if !db.url.contains("postgres@") {
        common::skip(
            "an_app_role_with_dml_grants_only_can_lock_and_save",
            "AMOCRM_TEST_POSTGRES_URL is not of the form postgres://postgres@...",
        );
        return;
    }
    db.store().migrate().await.unwrap();
    let role = common::unique("amocrm_pg_app");
    db.admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; \
             GRANT USAGE ON SCHEMA \"{schema}\" TO {role}; \
             GRANT SELECT, INSERT, UPDATE ON {table} TO {role};",
            schema = db.schema,
            table = db.table(),
        ))
        .await
        .unwrap();
    let app_url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    let result = async {
        let app = PostgresTokenStore::builder(&app_url)
            .schema(&db.schema)
            .build()?;
        app.migrate().await?; // creates nothing: everything exists
        let mut lock = app.lock_account(ACCOUNT).await?;
        lock.save_pair(&pair(4)).await?;
        lock.release_now().await?;
        app.load_pair(ACCOUNT).await
    }
    .await;
    db.admin
        .batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role};"))
        .await
        .unwrap();
    assert!(same(result.unwrap().as_ref(), &pair(4)));
}
