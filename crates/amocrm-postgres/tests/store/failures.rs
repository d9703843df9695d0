//! Servers that are not there, stop, restart or stop answering; configurations that are
//! wrong; TLS; secrets that never show.

use super::*;

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

#[tokio::test]
async fn a_server_that_stops_answering_fails_load_save_and_release_within_the_query_timeout() {
    let test = "a_server_that_stops_answering_fails_load_save_and_release_within_the_query_timeout";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    db.store().migrate().await.unwrap();
    let proxy = common::StallProxy::start(&db.url).await;
    let store = PostgresTokenStore::builder_from_config(proxy.config(&db.url))
        .schema(&db.schema)
        .query_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    lock.save_pair(&pair(1)).await.unwrap();
    assert!(store.load_pair(ACCOUNT).await.unwrap().is_some());

    // The server accepted the connections and stops answering (nothing is refused, no
    // connection closes): every call fails after the query timeout, none hangs.
    proxy.stall(true);
    let bound = Duration::from_secs(5);
    let saved = tokio::time::timeout(bound, lock.save_pair(&pair(2)))
        .await
        .expect("save hung on a stalled server");
    assert!(
        matches!(saved, Err(Error::Timeout { what: "save", .. })),
        "{saved:?}"
    );
    let loaded = tokio::time::timeout(bound, store.load_pair(ACCOUNT))
        .await
        .expect("load hung on a stalled server");
    assert!(
        matches!(loaded, Err(Error::Timeout { what: "load", .. })),
        "{loaded:?}"
    );
    let released = tokio::time::timeout(bound, lock.release_now())
        .await
        .expect("release hung on a stalled server");
    assert!(released.is_err());

    // The stalled connections were closed, not pooled: the holder's session ended (the lock
    // is free for another store) and this store works again on fresh connections.
    proxy.stall(false);
    let other = tokio::time::timeout(Duration::from_secs(5), db.store().lock_account(ACCOUNT))
        .await
        .expect("the timed-out holder still holds the lock")
        .unwrap();
    other.release_now().await.unwrap();
    let again = tokio::time::timeout(bound, store.load_pair(ACCOUNT))
        .await
        .expect("load hung after the server answered again");
    assert!(again.unwrap().is_some());
}

#[tokio::test]
async fn a_pooled_connection_closed_under_it_is_replaced_once_and_a_bad_table_is_an_error() {
    let test = "a_pooled_connection_closed_under_it_is_replaced_once_and_a_bad_table_is_an_error";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    db.store().migrate().await.unwrap();
    let proxy = common::StallProxy::start(&db.url).await;
    let store = PostgresTokenStore::builder_from_config(proxy.config(&db.url))
        .schema(&db.schema)
        .max_connections(1)
        .build()
        .unwrap();
    assert_eq!(
        store.table(),
        format!("\"{}\".\"amocrm_tokens\"", db.schema)
    );
    let mut lock = store.lock_account(ACCOUNT).await.unwrap();
    lock.save_pair(&pair(1)).await.unwrap();
    lock.release_now().await.unwrap();
    // The pooled connection is closed as the next statement goes out (a restarted server):
    // load and lock take a fresh connection and succeed.
    proxy.cut_next();
    assert!(same(
        store.load_pair(ACCOUNT).await.unwrap().as_ref(),
        &pair(1)
    ));
    proxy.cut_next();
    let lock = store.lock_account(ACCOUNT).await.unwrap();
    assert!(same(lock.current(), &pair(1)));
    assert_eq!(lock.account(), ACCOUNT);
    lock.release_now().await.unwrap();

    // A table without the store's columns (and a column of its own the row insert does not
    // fill) is an error, never "no pair stored", and never retried for ever.
    let other = common::unique("bad_table");
    db.admin
        .batch_execute(&format!(
            "CREATE TABLE \"{}\".\"{other}\" (account text PRIMARY KEY, extra int NOT NULL)",
            db.schema
        ))
        .await
        .unwrap();
    let bad = PostgresTokenStore::builder(&db.url)
        .schema(&db.schema)
        .table(&other)
        .build()
        .unwrap();
    let loaded = tokio::time::timeout(Duration::from_secs(10), bad.load_pair(ACCOUNT))
        .await
        .expect("load of a bad table hung");
    assert!(loaded.is_err(), "{loaded:?}");
    let locked = tokio::time::timeout(Duration::from_secs(10), bad.lock_account(ACCOUNT))
        .await
        .expect("lock of a bad table hung");
    assert!(locked.is_err());
}
