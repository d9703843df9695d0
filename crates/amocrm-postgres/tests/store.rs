//! The PostgreSQL token store against a real server: round trip, serialization of lockers,
//! generation refusal, lock release on connection and process death, unreachable and
//! restarted servers.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amocrm::TokenPair;
use amocrm_postgres::{Error, PostgresTokenStore};
use common::{OwnPostgres, TestDb};
use secrecy::ExposeSecret;

const ACCOUNT: &str = "https://example.amocrm.ru";

/// A pair whose expiry has whole seconds (timestamptz keeps microseconds).
fn pair(n: u32) -> TokenPair {
    TokenPair::new(
        format!("access-{n}").into(),
        format!("refresh-{n}").into(),
        UNIX_EPOCH + Duration::from_secs(2_000_000_000 + u64::from(n)),
    )
}

fn same(a: Option<&TokenPair>, b: &TokenPair) -> bool {
    a.is_some_and(|a| {
        a.access_token().expose_secret() == b.access_token().expose_secret()
            && a.refresh_token().expose_secret() == b.refresh_token().expose_secret()
            && a.expires_at() == b.expires_at()
    })
}

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
async fn two_lockers_serialize_and_the_second_sees_the_first_ones_pair() {
    let Some(db) =
        TestDb::new("two_lockers_serialize_and_the_second_sees_the_first_ones_pair").await
    else {
        return;
    };
    let (a, b) = (db.store(), db.store());
    let mut first = a.lock_account(ACCOUNT).await.unwrap();
    let second = tokio::spawn(async move { b.lock_account(ACCOUNT).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !second.is_finished(),
        "the second locker got the lock while it was held"
    );
    first.save_pair(&pair(7)).await.unwrap();
    first.release_now().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(2), second)
        .await
        .expect("the second locker still waits after release")
        .unwrap()
        .unwrap();
    assert!(same(second.current(), &pair(7)));
    assert_eq!(second.generation(), 1);
    second.release_now().await.unwrap();
}

#[tokio::test]
async fn a_save_is_refused_when_a_newer_pair_was_saved_meanwhile() {
    let Some(db) = TestDb::new("a_save_is_refused_when_a_newer_pair_was_saved_meanwhile").await
    else {
        return;
    };
    let store = db.store();
    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    lock.save_pair(&pair(1)).await.unwrap();
    // A writer that does not take the lock (a script, an older deployment) saves pair 9.
    db.admin
        .execute(
            &format!(
                "UPDATE {} SET access_token = 'access-9', refresh_token = 'refresh-9', \
                 generation = generation + 1 WHERE account = $1",
                db.table()
            ),
            &[&ACCOUNT],
        )
        .await
        .unwrap();
    let refused = lock.save_pair(&pair(2)).await.unwrap_err();
    assert!(
        matches!(refused, Error::Conflict { read: 1 }),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("newer token pair"),
        "{refused}"
    );
    // Nothing overwritten; the lock still shows what it saved.
    let stored = store.load_pair(ACCOUNT).await.unwrap().unwrap();
    assert_eq!(stored.refresh_token().expose_secret(), "refresh-9");
    assert!(same(lock.current(), &pair(1)));
    lock.release_now().await.unwrap();
}

#[tokio::test]
async fn dropping_a_lock_releases_it() {
    let Some(db) = TestDb::new("dropping_a_lock_releases_it").await else {
        return;
    };
    let store = db.store();
    let lock = store.lock_account(ACCOUNT).await.unwrap();
    drop(lock);
    let again = tokio::time::timeout(Duration::from_secs(1), store.lock_account(ACCOUNT))
        .await
        .expect("the dropped lock is still held")
        .unwrap();
    again.release_now().await.unwrap();
    // The cancelled wait of a lock does not leave it taken either.
    let holder = store.lock_account(ACCOUNT).await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(300), store.lock_account(ACCOUNT));
    assert!(waiting.await.is_err(), "got a held lock");
    holder.release_now().await.unwrap();
    let after = tokio::time::timeout(Duration::from_secs(2), store.lock_account(ACCOUNT))
        .await
        .expect("a cancelled waiter kept the lock")
        .unwrap();
    after.release_now().await.unwrap();
}

#[tokio::test]
async fn a_terminated_holder_connection_releases_the_lock() {
    let Some(db) = TestDb::new("a_terminated_holder_connection_releases_the_lock").await else {
        return;
    };
    let name = common::unique("holder");
    let holder_store = db.store_named(&name);
    let mut holder = holder_store.lock_account(ACCOUNT).await.unwrap();
    let waiter_store = db.store();
    let waiter = tokio::spawn(async move { waiter_store.lock_account(ACCOUNT).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished());

    let killed = db
        .admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1",
            &[&name],
        )
        .await
        .unwrap();
    assert_eq!(killed.get::<_, i64>(0), 1);
    let waiter = tokio::time::timeout(Duration::from_secs(2), waiter)
        .await
        .expect("the lock of a terminated connection is still held")
        .unwrap()
        .unwrap();
    assert!(waiter.current().is_none());
    // The old holder learns it lost the lock: its save fails, nothing is written.
    let lost = holder.save_pair(&pair(3)).await.unwrap_err();
    assert!(matches!(lost, Error::Query { .. }), "{lost:?}");
    assert!(holder_store.load_pair(ACCOUNT).await.unwrap().is_none());
    waiter.release_now().await.unwrap();
}

/// Not a test on its own: the child process of
/// `a_holder_process_killed_with_sigkill_releases_the_lock` (it returns at once unless that
/// test started it).
#[tokio::test]
async fn child_holds_lock() {
    let (Ok(url), Ok(schema)) = (
        std::env::var("AMOCRM_PG_CHILD_URL"),
        std::env::var("AMOCRM_PG_CHILD_SCHEMA"),
    ) else {
        return;
    };
    let store = PostgresTokenStore::builder(&url)
        .schema(schema)
        .build()
        .unwrap();
    let _lock = store.lock_account(ACCOUNT).await.unwrap();
    println!("LOCKED");
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[tokio::test]
async fn a_holder_process_killed_with_sigkill_releases_the_lock() {
    let Some(db) = TestDb::new("a_holder_process_killed_with_sigkill_releases_the_lock").await
    else {
        return;
    };
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_holds_lock",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("AMOCRM_PG_CHILD_URL", &db.url)
        .env("AMOCRM_PG_CHILD_SCHEMA", &db.schema)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let locked = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line.contains("LOCKED"))
    });
    let locked = tokio::time::timeout(Duration::from_secs(30), locked).await;
    if !matches!(locked, Ok(Ok(true))) {
        let _ = child.kill();
        panic!("the child did not take the lock: {locked:?}");
    }
    let store = db.store();
    let blocked = tokio::time::timeout(Duration::from_millis(300), store.lock_account(ACCOUNT));
    assert!(blocked.await.is_err(), "the child's lock is not held");

    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed_at = Instant::now();
    let lock = tokio::time::timeout(Duration::from_secs(1), store.lock_account(ACCOUNT))
        .await
        .expect("the lock of a killed process is still held after 1 s")
        .unwrap();
    eprintln!(
        "lock taken {:?} after the holder was killed",
        killed_at.elapsed()
    );
    lock.release_now().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_fails_fast_with_a_clear_error() {
    // Runs everywhere: needs no server. A closed port: refused at once.
    let port = common::free_port();
    let store = PostgresTokenStore::builder(&format!(
        "postgres://postgres:hunter2-secret@127.0.0.1:{port}/test"
    ))
    .connect_timeout(Duration::from_secs(1))
    .build()
    .unwrap();
    let started = Instant::now();
    let error = store.lock_account(ACCOUNT).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    let text = error.to_string();
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert!(
        text.contains(&format!(
            "cannot connect to PostgreSQL at 127.0.0.1:{port}/test"
        )),
        "{text}"
    );
    assert!(std::error::Error::source(&error).is_some());
    assert!(!text.contains("hunter2") && !format!("{error:?}").contains("hunter2"));
    assert!(!format!("{store:?}").contains("hunter2"));
    assert!(store.load_pair(ACCOUNT).await.is_err());

    // A server that accepts and never answers: the connect timeout ends the wait.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let store = PostgresTokenStore::builder(&format!("postgres://postgres@127.0.0.1:{port}/test"))
        .connect_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(5), store.lock_account(ACCOUNT))
        .await
        .expect("a silent server hangs the store")
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        error
            .to_string()
            .contains("no connection within the connect timeout"),
        "{error}"
    );
    drop(silent);
}

#[test]
fn bad_configuration_is_a_config_error() {
    for (url, schema) in [
        ("postgres://h:notaport/db", "public"),
        ("postgres://postgres@127.0.0.1/test", "bad name"),
        (
            "postgres://postgres@127.0.0.1/test",
            "x\"; DROP TABLE y; --",
        ),
    ] {
        let error = PostgresTokenStore::builder(url)
            .schema(schema)
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error:?}");
    }
    let error = PostgresTokenStore::new("postgres://postgres@127.0.0.1/test?sslmode=require");
    if cfg!(feature = "native-tls") {
        assert!(error.is_ok());
    } else {
        assert!(error.unwrap_err().to_string().contains("native-tls"));
    }
}

#[tokio::test]
async fn secrets_never_show_in_debug() {
    let Some(db) = TestDb::new("secrets_never_show_in_debug").await else {
        return;
    };
    let store = db.store();
    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    lock.save_pair(&pair(5)).await.unwrap();
    let shown = format!("{store:?} {lock:?}");
    assert!(
        !shown.contains("access-5") && !shown.contains("refresh-5"),
        "{shown}"
    );
    lock.release_now().await.unwrap();
}

#[tokio::test]
async fn the_store_fails_clearly_while_its_server_is_down_and_works_after_a_restart() {
    let test = "the_store_fails_clearly_while_its_server_is_down_and_works_after_a_restart";
    let server = match tokio::task::spawn_blocking(OwnPostgres::start)
        .await
        .unwrap()
    {
        Ok(server) => server,
        Err(why) => {
            common::skip(
                test,
                &format!("could not start a private PostgreSQL: {why}"),
            );
            return;
        }
    };
    let store = PostgresTokenStore::builder(&server.url())
        .schema("fleet")
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    store.migrate().await.unwrap();
    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    lock.save_pair(&pair(1)).await.unwrap();
    lock.release_now().await.unwrap();

    let server = tokio::task::spawn_blocking(move || server.down().map(|()| server))
        .await
        .unwrap()
        .unwrap();
    let started = Instant::now();
    let down = store.lock_account(ACCOUNT).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(down, Error::Connect { .. }), "{down:?}");
    assert!(
        down.to_string().contains("cannot connect to PostgreSQL"),
        "{down}"
    );
    assert!(store.load_pair(ACCOUNT).await.is_err());

    let server = tokio::task::spawn_blocking(move || server.up().map(|()| server))
        .await
        .unwrap()
        .unwrap();
    // The pair survived the restart; locking works again with new connections.
    let stored = store.load_pair(ACCOUNT).await.unwrap();
    assert!(same(stored.as_ref(), &pair(1)));
    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    assert!(same(lock.current(), &pair(1)));
    lock.save_pair(&pair(2)).await.unwrap();
    lock.release_now().await.unwrap();
    drop(server);
    let _ = SystemTime::now();
}

/// With `native-tls`: `sslmode=require` speaks TLS and verifies the server's certificate
/// (the test server's self-signed one is refused by default, accepted by a connector the
/// caller configures); the default `sslmode=prefer` stays plain.
#[cfg(feature = "native-tls")]
#[tokio::test]
async fn tls_with_sslmode_require() {
    let Some(db) = TestDb::new("tls_with_sslmode_require").await else {
        return;
    };
    let ssl_on = db
        .admin
        .query_one("SELECT current_setting('ssl') = 'on'", &[])
        .await
        .unwrap()
        .get::<_, bool>(0);
    if !ssl_on {
        common::skip("tls_with_sslmode_require", "the test server has ssl = off");
        return;
    }
    let sep = if db.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}sslmode=require", db.url);
    let verified = PostgresTokenStore::builder(&url)
        .schema(&db.schema)
        .build()
        .unwrap();
    let refused = verified.load_pair(ACCOUNT).await.unwrap_err();
    assert!(refused.to_string().contains("TLS"), "{refused}");

    let accepting = amocrm_postgres::native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()
        .unwrap();
    let store = PostgresTokenStore::builder(&url)
        .schema(&db.schema)
        .tls(accepting)
        .build()
        .unwrap();
    let lock = store.lock_account(ACCOUNT).await.unwrap();
    let encrypted = db
        .admin
        .query_one(
            "SELECT bool_and(ssl) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
             WHERE pid <> pg_backend_pid() AND datname = current_database() \
             AND query LIKE '%' || $1 || '%'",
            &[&db.schema],
        )
        .await
        .unwrap()
        .get::<_, Option<bool>>(0);
    assert_eq!(encrypted, Some(true));
    lock.release_now().await.unwrap();
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
