//! Token stores inside one process: many holders of one account find its pair expired at
//! once and the token endpoint sees one refresh; the file store's file (atomic, private,
//! never overwritten when corrupt), its lock, and the generation check that keeps an
//! older pair from replacing a newer one.

use amocrm_test_support::fleet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::error::StoreError;
use amocrm::store::{FileTokenStore, MemoryTokenStore, TokenLock, TokenStore};
use amocrm::{ExposeSecret, TokenPair};
use amocrm_fake::FakeServer;
use amocrm_test_support::fleet::TempDir;

fn pair(access: &str, refresh: &str) -> TokenPair {
    TokenPair::new(
        access.to_owned().into(),
        refresh.to_owned().into(),
        SystemTime::now() + Duration::from_secs(3600),
    )
}

const ACCOUNT: &str = "https://example.amocrm.ru";

/// 8 holders (separate `OAuth`s, as separate processes would be) × 8 concurrent requests
/// each, on one account whose stored pair has expired: one refresh, no refresh token sent
/// twice, every request served.
async fn one_refresh_for_many_holders(store: Arc<dyn TokenStore>) {
    let fake = FakeServer::start().await.unwrap();
    fleet::seed(&fake, store.clone()).await;
    fleet::expire(&fake, &*store).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = fleet::client(&fleet::oauth(&fake.base_url(), store.clone()));
        for _ in 0..8 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                client.widgets().get("amo_dropbox").send().await.map(drop)
            }));
        }
    }
    for task in tasks {
        task.await.unwrap().expect("every request is served");
    }
    assert_eq!(fake.refresh_count(), 1, "one refresh for 64 requests");
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
    let stored = store.load(&fake.base_url()).await.unwrap().unwrap();
    assert!(!stored.expires_within(Duration::from_secs(60)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_one_refresh_for_many_holders() {
    one_refresh_for_many_holders(Arc::new(MemoryTokenStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_store_one_refresh_for_many_holders() {
    let dir = TempDir::new("fleet-store");
    one_refresh_for_many_holders(Arc::new(FileTokenStore::new(dir.join("tokens.json")))).await;
}

#[tokio::test]
async fn a_missing_file_is_an_empty_store_and_a_save_writes_a_private_file_atomically() {
    let dir = TempDir::new("fleet-file");
    let path = dir.join("nested/tokens.json");
    let store = FileTokenStore::new(&path);
    assert!(store.load(ACCOUNT).await.unwrap().is_none());
    let mut lock = store.lock(ACCOUNT).await.unwrap();
    assert!(lock.current().is_none());
    lock.save(&pair("a1", "r1")).await.unwrap();
    lock.save(&pair("a2", "r2")).await.unwrap();
    assert_eq!(lock.current().unwrap().access_token().expose_secret(), "a2");
    lock.release().await.unwrap();

    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json[ACCOUNT]["access_token"], "a2");
    assert_eq!(json[ACCOUNT]["refresh_token"], "r2");
    assert_eq!(json[ACCOUNT]["generation"], 2);
    assert!(json[ACCOUNT]["expires_at"].as_u64().unwrap() > 1_700_000_000);
    // Only the file and its lock: no temporary file left behind.
    let mut names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["tokens.json", "tokens.json.lock"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // Another account goes into the same file, beside the first.
    let other = "https://other.kommo.com";
    let mut lock = store.lock(other).await.unwrap();
    lock.save(&pair("b1", "s1")).await.unwrap();
    drop(lock);
    let first = store.load(ACCOUNT).await.unwrap().unwrap();
    assert_eq!(first.refresh_token().expose_secret(), "r2");
    let second = store.load(other).await.unwrap().unwrap();
    assert_eq!(second.refresh_token().expose_secret(), "s1");
}

#[tokio::test]
#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
async fn a_corrupt_file_is_a_clear_error_and_is_never_overwritten() {
    let dir = TempDir::new("fleet-corrupt");
    let path = dir.join("tokens.json");
    let corrupt = br#"{"https://example.amocrm.ru": {"access_token": "secret-access-token", "refr"#;
    std::fs::write(&path, corrupt).unwrap();
    let store = FileTokenStore::new(&path);
    let error = store.load(ACCOUNT).await.unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(text.contains("is not a token file"), "{text}");
    assert!(text.contains("tokens.json"), "{text}");
    assert!(!text.contains("secret-access-token"), "{text}");
    let error = match store.lock(ACCOUNT).await {
        Ok(_) => panic!("a corrupt file was locked for saving"),
        Err(error) => error,
    };
    assert!(error.to_string().contains("is not a token file"), "{error}");
    // A well-formed file of another shape is refused the same way.
    std::fs::write(&path, br#"{"https://example.amocrm.ru": 7}"#).unwrap();
    assert!(store.load(ACCOUNT).await.is_err());
    std::fs::write(&path, corrupt).unwrap();
    // An OAuth of that account fails with the store's error and leaves the file alone.
    let oauth = fleet::oauth(ACCOUNT, Arc::new(store));
    let error = amocrm::auth::TokenProvider::access_token(&oauth)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), amocrm::ErrorKind::Auth, "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), corrupt);
}

#[tokio::test]
async fn the_generation_check_refuses_an_older_pair() {
    let dir = TempDir::new("fleet-generation");
    let path = dir.join("tokens.json");
    let store = FileTokenStore::new(&path);
    let mut lock = store.lock(ACCOUNT).await.unwrap();
    lock.save(&pair("a1", "r1")).await.unwrap();
    // A holder whose lock was lost (say, a store on a network file system that ignored
    // it) saved a newer pair meanwhile: generation 2.
    let newer = serde_json::json!({ACCOUNT: {
        "access_token": "a2", "refresh_token": "r2",
        "expires_at": 4_000_000_000u64, "generation": 2,
    }});
    std::fs::write(&path, newer.to_string()).unwrap();
    let error: StoreError = lock.save(&pair("a-old", "r-old")).await.unwrap_err();
    assert!(error.is_conflict(), "{error}");
    assert!(error.to_string().contains("newer pair"), "{error}");
    drop(lock);
    let stored = store.load(ACCOUNT).await.unwrap().unwrap();
    assert_eq!(stored.refresh_token().expose_secret(), "r2");
    // A new lock reads generation 2 and may save over it.
    let mut lock = store.lock(ACCOUNT).await.unwrap();
    assert_eq!(
        lock.current().unwrap().refresh_token().expose_secret(),
        "r2"
    );
    lock.save(&pair("a3", "r3")).await.unwrap();
    drop(lock);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(json[ACCOUNT]["generation"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_excludes_other_holders_of_the_file_until_released_or_dropped() {
    let dir = TempDir::new("fleet-lock");
    let path = dir.join("tokens.json");
    // Two stores of one file, as two processes would have.
    let first = FileTokenStore::new(&path);
    let second = FileTokenStore::new(&path);
    let mut held = first.lock(ACCOUNT).await.unwrap();
    let waiting = tokio::time::timeout(Duration::from_millis(300), second.lock(ACCOUNT)).await;
    assert!(waiting.is_err(), "the second holder got the lock");
    held.save(&pair("a1", "r1")).await.unwrap();
    let second_task = {
        let second = second.clone();
        tokio::spawn(async move { second.lock(ACCOUNT).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!second_task.is_finished());
    held.release().await.unwrap();
    let lock: Box<dyn TokenLock> = tokio::time::timeout(Duration::from_secs(5), second_task)
        .await
        .expect("the lock is free after release")
        .unwrap()
        .unwrap();
    // It reads, under the lock, what the first holder saved.
    assert_eq!(
        lock.current().unwrap().refresh_token().expose_secret(),
        "r1"
    );
    drop(lock);
    // Dropping a lock releases it too.
    let again = tokio::time::timeout(Duration::from_secs(5), first.lock(ACCOUNT)).await;
    assert!(again.is_ok(), "a dropped lock stays held");
}

#[tokio::test]
async fn memory_store_locks_per_account_and_counts_generations() {
    let store = MemoryTokenStore::new().with_pair(ACCOUNT, pair("a1", "r1"));
    let mut held = store.lock(ACCOUNT).await.unwrap();
    // Another account is not held up.
    let other = tokio::time::timeout(
        Duration::from_millis(100),
        store.lock("https://b.amocrm.ru"),
    )
    .await;
    assert!(other.is_ok());
    let same = tokio::time::timeout(Duration::from_millis(100), store.lock(ACCOUNT)).await;
    assert!(same.is_err());
    held.save(&pair("a2", "r2")).await.unwrap();
    // Readable while held.
    let stored = store.load(ACCOUNT).await.unwrap().unwrap();
    assert_eq!(stored.access_token().expose_secret(), "a2");
    held.release().await.unwrap();
    assert!(store.lock(ACCOUNT).await.unwrap().current().is_some());
}

/// The fake grants 60 s access tokens, shorter than the 60 s refresh skew plus any
/// margin: a holder that finds such a pair saved by another one adopts it rather than
/// refresh again (a stored pair's lifetime is unknown to it).
#[tokio::test]
async fn holders_adopt_a_short_lived_pair_another_one_saved() {
    let fake = FakeServer::builder()
        .access_token_ttl(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    // A file keeps no lifetime, only the expiry.
    let dir = TempDir::new("fleet-short");
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(dir.join("tokens.json")));
    fleet::seed(&fake, store.clone()).await;
    fleet::expire(&fake, &*store).await;
    // One holder after another, as processes started in turn.
    for _ in 0..8 {
        let client = fleet::client(&fleet::oauth(&fake.base_url(), store.clone()));
        client.widgets().get("amo_dropbox").send().await.unwrap();
    }
    assert_eq!(fake.refresh_count(), 1);
    assert_eq!(fleet::reused_refresh_tokens(&fake, 1), 0);
}
