//! Pairs stored without an account id (before ids were recorded, or past an install):
//! `Integration::record_account_ids` asks amoCRM whose they are, so the uninstall hook
//! finds them; an account that cannot be asked is reported and the others go on.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::integration::UninstallHook;
use amocrm::store::{FileTokenStore, MemoryTokenStore, TokenStore};
use amocrm::{AppCredentials, ErrorKind, Integration, RetryPolicy, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use amocrm_test_support::fleet::TempDir;

/// The base URL of the fake's account `name`.
fn url(fake: &FakeServer, name: &str) -> String {
    format!("http://127.0.0.1:{}/{name}", fake.addr().port())
}

/// A pair saved as an earlier version (or the CLI's `auth login`) saved it: no account id.
async fn save(store: &dyn TokenStore, account: &str, access: &str, refresh: &str) {
    let pair = TokenPair::new(
        access.to_owned().into(),
        refresh.to_owned().into(),
        SystemTime::now() + Duration::from_secs(3600),
    );
    let mut lock = store.lock(account).await.unwrap();
    lock.save(&pair).await.unwrap();
    lock.release().await.unwrap();
}

async fn legacy_pairs_are_recorded_and_then_uninstalled(store: Arc<dyn TokenStore>) {
    let fake = FakeServer::builder()
        .accounts(["alpha", "beta", "gamma"])
        .start()
        .await
        .unwrap();
    let (alpha, beta) = (
        fake.account("alpha").unwrap(),
        fake.account("beta").unwrap(),
    );
    let (alpha_url, beta_url, gone_url) =
        (url(&fake, "alpha"), url(&fake, "beta"), url(&fake, "gamma"));
    for (account, url) in [(&alpha, &alpha_url), (&beta, &beta_url)] {
        let issued = account.issue_token_pair(Duration::from_secs(3600));
        save(&*store, url, &issued.access_token, &issued.refresh_token).await;
    }
    // A pair amoCRM does not take (its account uninstalled while nobody listened).
    save(&*store, &gone_url, "revoked-access", "revoked-refresh").await;

    let integration = Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let mut without = store.accounts_without_id().await.unwrap();
    without.sort();
    let mut expected = vec![alpha_url.clone(), beta_url.clone(), gone_url.clone()];
    expected.sort();
    assert_eq!(without, expected);

    // Before: the hook finds nothing to delete.
    alpha.revoke_tokens();
    let hook = UninstallHook::parse(&alpha.uninstall_hook_query()).unwrap();
    let missed = integration.uninstall(&hook).await.unwrap();
    assert!(missed.accounts.is_empty(), "{missed:?}");
    assert!(store.load(&alpha_url).await.unwrap().is_some());

    let done = integration.record_account_ids().await.unwrap();
    assert_eq!(done.recorded, vec![(beta_url.clone(), beta.account_id())]);
    let failed: Vec<_> = done
        .failed
        .iter()
        .map(|(account, error)| (account.clone(), error.kind()))
        .collect();
    let mut expected_failed = vec![
        (alpha_url.clone(), ErrorKind::Unauthorized),
        (gone_url.clone(), ErrorKind::Unauthorized),
    ];
    expected_failed.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(failed.len(), 2, "{:?}", done.failed);
    for ((account, kind), (want_account, want_kind)) in failed.iter().zip(&expected_failed) {
        assert_eq!(account, want_account);
        assert!(
            *kind == *want_kind || *kind == ErrorKind::Auth,
            "{account}: {kind:?}"
        );
    }
    assert_eq!(
        store.accounts_of_id(beta.account_id()).await.unwrap(),
        vec![beta_url.clone()]
    );
    let mut still = store.accounts_without_id().await.unwrap();
    still.sort();
    assert_eq!(still, vec![alpha_url.clone(), gone_url.clone()]);

    // After: beta's hook finds its pair and deletes it; a second run has nothing to ask
    // about beta.
    beta.revoke_tokens();
    let hook = UninstallHook::parse(&beta.uninstall_hook_query()).unwrap();
    let forgotten = integration.uninstall(&hook).await.unwrap();
    assert_eq!(forgotten.accounts, vec![beta_url.clone()]);
    assert!(store.load(&beta_url).await.unwrap().is_none());
    let again = integration.record_account_ids().await.unwrap();
    assert!(again.recorded.is_empty(), "{again:?}");
    assert_eq!(again.failed.len(), 2);
}

#[tokio::test]
async fn the_memory_store_records_the_ids_of_pairs_stored_without_one() {
    legacy_pairs_are_recorded_and_then_uninstalled(Arc::new(MemoryTokenStore::new())).await;
}

#[tokio::test]
async fn the_file_store_records_the_ids_of_pairs_stored_without_one() {
    let dir = TempDir::new("account-ids");
    let store = FileTokenStore::new(dir.join("tokens.json"));
    legacy_pairs_are_recorded_and_then_uninstalled(Arc::new(store)).await;
}

/// One amoCRM account reached at two addresses (amocrm.com and kommo.com): both are its,
/// in every store alike; an account without a pair gets no id.
async fn one_id_keeps_every_address(store: &dyn TokenStore) {
    let (com, kommo) = ("https://x.amocrm.com", "https://x.kommo.com");
    save(store, com, "a", "r").await;
    save(store, kommo, "a", "r").await;
    store.set_account_id(com, 7).await.unwrap();
    store.set_account_id(kommo, 7).await.unwrap();
    let both = vec![com.to_owned(), kommo.to_owned()];
    assert_eq!(store.accounts_of_id(7).await.unwrap(), both);
    assert!(store.accounts_without_id().await.unwrap().is_empty());
    assert!(
        store
            .set_account_id("https://none.kommo.com", 8)
            .await
            .is_err(),
        "no pair, no id"
    );
    assert!(store.accounts_of_id(8).await.unwrap().is_empty());
    assert_eq!(store.delete_account_id(7).await.unwrap(), both);
    assert!(store.load(com).await.unwrap().is_none());
    assert!(store.load(kommo).await.unwrap().is_none());
    assert!(store.accounts_of_id(7).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_memory_store_keeps_every_address_of_an_account_id() {
    one_id_keeps_every_address(&MemoryTokenStore::new()).await;
}

#[tokio::test]
async fn the_file_store_keeps_every_address_of_an_account_id() {
    let dir = TempDir::new("account-ids-two");
    one_id_keeps_every_address(&FileTokenStore::new(dir.join("tokens.json"))).await;
}
