//! A file store's lock checked before a grant: a lock file replaced under its holder, or a
//! pair changed under its lock, is a lost lock, and nothing read under it is spent.

use amocrm::TokenPair;
use amocrm::store::{FileTokenStore, TokenStore};
use amocrm_test_support::fleet;

/// A lock file removed under its holder: the next holder locks a new file at the path, so
/// two hold "the lock". The first one's check before a grant finds its lock lost (and a
/// pair changed under a lock is found too), so it spends nothing.
#[tokio::test]
async fn a_holder_whose_lock_file_was_replaced_finds_its_lock_lost() {
    let dir = fleet::TempDir::new("lock-replaced");
    let path = dir.join("tokens.json");
    let account = "https://example.amocrm.ru";
    let pair = |refresh: &str| {
        TokenPair::new(
            "access".to_owned().into(),
            refresh.to_owned().into(),
            std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
        )
    };
    let first_store = FileTokenStore::new(&path);
    let mut first = first_store.lock(account).await.unwrap();
    first.save(&pair("one")).await.unwrap();
    first.verify().await.expect("the holder holds its lock");

    std::fs::remove_file(first_store.lock_path()).unwrap();
    let second_store = FileTokenStore::new(&path);
    let mut second = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        second_store.lock(account),
    )
    .await
    .expect("a new lock file is free")
    .unwrap();
    second
        .verify()
        .await
        .expect("the new file's holder holds it");
    let lost = first.verify().await.unwrap_err();
    assert!(lost.is_lock_lost(), "{lost}");

    // The second holder saves: a third that read the pair before the save finds it changed.
    second.save(&pair("two")).await.unwrap();
    assert!(first.verify().await.unwrap_err().is_lock_lost());
    second
        .verify()
        .await
        .expect("its own save changes nothing of its lock");
    second.release().await.unwrap();
}
