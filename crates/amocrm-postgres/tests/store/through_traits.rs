//! `PostgresTokenStore` through `amocrm`'s `TokenStore`/`TokenLock` traits, as `OAuth` and
//! `Integration` use it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::common::{self, TestDb};
use amocrm::store::TokenStore;
use amocrm::{ExposeSecret, TokenPair};

const ACCOUNT: &str = "http://127.0.0.1:1/acc1";

fn pair(n: u32) -> TokenPair {
    TokenPair::new(
        format!("access-{n}").into(),
        format!("refresh-{n}").into(),
        SystemTime::now() + Duration::from_secs(3600),
    )
}

#[tokio::test]
async fn the_traits_round_trip_serialize_and_refuse_older_pairs() {
    let Some(db) = TestDb::new("the_traits_round_trip_serialize_and_refuse_older_pairs").await
    else {
        return;
    };
    let store: Arc<dyn TokenStore> = Arc::new(db.store());
    assert!(store.load(ACCOUNT).await.unwrap().is_none());

    let mut lock = store.lock(ACCOUNT).await.unwrap();
    assert!(lock.current().is_none());
    let other = Arc::clone(&store);
    let waiter = tokio::spawn(async move {
        let lock = other.lock(ACCOUNT).await?;
        let seen = lock
            .current()
            .map(|p| p.refresh_token().expose_secret().to_owned());
        lock.release().await?;
        Ok::<_, amocrm::error::StoreError>(seen)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished());
    lock.save(&pair(1)).await.unwrap();
    assert_eq!(
        lock.current().unwrap().refresh_token().expose_secret(),
        "refresh-1"
    );
    lock.release().await.unwrap();
    let seen = tokio::time::timeout(Duration::from_secs(2), waiter)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(seen.as_deref(), Some("refresh-1"));

    // A pair saved without the lock meanwhile: the lock's save is a conflict.
    let mut lock = store.lock(ACCOUNT).await.unwrap();
    db.admin
        .execute(
            &format!(
                "UPDATE {} SET generation = generation + 1 WHERE account = $1",
                db.table()
            ),
            &[&ACCOUNT],
        )
        .await
        .unwrap();
    let refused = lock.save(&pair(2)).await.unwrap_err();
    assert!(refused.is_conflict(), "{refused:?}");
    drop(lock); // released by dropping
    let lock = tokio::time::timeout(Duration::from_secs(1), store.lock(ACCOUNT))
        .await
        .expect("a dropped lock is still held")
        .unwrap();
    assert_eq!(
        lock.current().unwrap().refresh_token().expose_secret(),
        "refresh-1"
    );
    lock.release().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_store_error_that_keeps_its_cause() {
    let port = common::free_port();
    let store: Arc<dyn TokenStore> = Arc::new(
        amocrm_postgres::PostgresTokenStore::new(&format!(
            "postgres://postgres:pw-secret@127.0.0.1:{port}/test"
        ))
        .unwrap(),
    );
    let error = match store.lock(ACCOUNT).await {
        Ok(_) => panic!("locked on a closed port"),
        Err(error) => error,
    };
    assert!(!error.is_conflict());
    assert!(
        error
            .message()
            .contains("cannot connect to PostgreSQL at 127.0.0.1:"),
        "{error}"
    );
    assert!(!format!("{error} {error:?}").contains("pw-secret"));
    let cause = std::error::Error::source(&error).expect("source");
    assert!(matches!(
        cause.downcast_ref::<amocrm_postgres::Error>(),
        Some(amocrm_postgres::Error::Connect { .. })
    ));
    assert!(store.load(ACCOUNT).await.is_err());
}
