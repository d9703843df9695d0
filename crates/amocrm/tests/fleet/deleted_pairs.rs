//! A pair deleted from the store (an uninstall, by any instance) stays deleted: a holder
//! that kept the pair in memory does not renew it and save it back when amoCRM refuses its
//! token or it falls due, which brought the uninstalled account back to life (its row
//! again, with no account id).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::error::AuthError;
use amocrm::store::{FileTokenStore, MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, Error, OAuth, RetryPolicy, SecretString, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use amocrm_test_support::fleet::TempDir;

async fn a_deleted_pair_is_not_renewed_back(store: Arc<dyn TokenStore>) {
    let fake = FakeServer::builder().start().await.unwrap();
    let base = fake.base_url();
    let issued = fake
        .default_account()
        .issue_token_pair(Duration::from_secs(3600));
    let pair = TokenPair::new(
        SecretString::from(issued.access_token),
        SecretString::from(issued.refresh_token),
        SystemTime::now() + Duration::from_secs(3600),
    );
    let mut lock = store.lock(&base).await.unwrap();
    lock.save(&pair).await.unwrap();
    lock.release().await.unwrap();
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(base.clone()))
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .build()
        .unwrap();
    let client = oauth
        .client_builder()
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    // This holder takes the stored pair and keeps it.
    client.account().get().send().await.unwrap();

    // Another instance's uninstall deletes the pair; this holder's token is refused (its
    // refresh token would still be taken: the deletion alone must stop it).
    assert!(store.delete(&base).await.unwrap());
    fake.expire_access_tokens();
    let error = client.account().get().send().await.unwrap_err();
    assert!(
        matches!(error, Error::Auth(AuthError::Deleted)),
        "{error:?}"
    );
    assert!(error.is_not_installed(), "{error:?}");
    assert_eq!(fake.oauth_stats().refresh_token_grants, 0);
    assert!(store.load(&base).await.unwrap().is_none(), "brought back");
    // And again: the kept copy is gone, nothing is renewed.
    let again = client.account().get().send().await.unwrap_err();
    assert!(matches!(again, Error::Auth(_)), "{again:?}");
    assert!(again.is_not_installed(), "{again:?}");
    assert_eq!(fake.oauth_stats().refresh_token_grants, 0);
    assert!(store.load(&base).await.unwrap().is_none(), "brought back");
}

#[tokio::test]
async fn a_deleted_pair_stays_deleted_in_memory() {
    a_deleted_pair_is_not_renewed_back(Arc::new(MemoryTokenStore::new())).await;
}

#[tokio::test]
async fn a_deleted_pair_stays_deleted_in_a_file() {
    let dir = TempDir::new("deleted_pairs");
    let store = FileTokenStore::new(dir.join("tokens.json"));
    a_deleted_pair_is_not_renewed_back(Arc::new(store)).await;
}
