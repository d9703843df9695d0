//! The refresh lock: lockers serialize, a save over a newer pair is refused, a dropped lock,
//! a cancelled wait, a terminated connection and a killed process all release it.

use super::*;

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
async fn a_cancelled_lock_wait_leaves_no_session_waiting_on_the_server() {
    let test = "a_cancelled_lock_wait_leaves_no_session_waiting_on_the_server";
    let Some(db) = TestDb::new(test).await else {
        return;
    };
    let app = common::unique("waiter");
    let holder = db.store().lock_account(ACCOUNT).await.unwrap();
    let waiters = db.store_named(&app);
    // Three callers give up waiting (a request deadline, say) while the lock is held.
    for _ in 0..3 {
        let wait = tokio::time::timeout(Duration::from_millis(200), waiters.lock_account(ACCOUNT));
        assert!(wait.await.is_err(), "got a held lock");
    }
    // Their sessions do not stay queued for the lock (each would take it, briefly, once
    // the holder lets go, and hold a server connection until then).
    let deadline = Instant::now() + Duration::from_secs(3);
    let waiting = loop {
        let row = db
            .admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event = 'advisory'",
                &[&app],
            )
            .await
            .unwrap();
        let waiting: i64 = row.get(0);
        if waiting == 0 || Instant::now() > deadline {
            break waiting;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(waiting, 0, "sessions still waiting for the lock");
    holder.release_now().await.unwrap();
    let lock = tokio::time::timeout(Duration::from_secs(2), waiters.lock_account(ACCOUNT))
        .await
        .expect("the lock is free")
        .unwrap();
    lock.release_now().await.unwrap();
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
            "locks::child_holds_lock",
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
