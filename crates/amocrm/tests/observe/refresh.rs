//! A 401 cured by a refresh, a refused refresh, the store lock's wait: their spans and
//! metrics, and no token or client secret in any of them.

use std::sync::Arc;

use amocrm::observe::{REQUEST_SPAN, STORE_LOCK_SPAN, TOKEN_REFRESH_SPAN, metrics as m};
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, ErrorKind, ExposeSecret, OAuth};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use amocrm_test_support::fleet;

use crate::capture::Observed;

/// The access and refresh token of the stored pair.
async fn stored(fake: &FakeServer, store: &dyn TokenStore) -> [String; 2] {
    let pair = store.load(&fake.base_url()).await.unwrap().unwrap();
    [
        pair.access_token().expose_secret().to_owned(),
        pair.refresh_token().expose_secret().to_owned(),
    ]
}

#[tokio::test]
async fn a_401_refresh_is_recorded_on_the_call_and_as_granted() {
    let observed = Observed::start();
    let fake = FakeServer::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, store.clone()).await;
    let before = stored(&fake, &*store).await;
    let oauth = fleet::oauth(&fake.base_url(), store.clone());
    let client = fleet::client(&oauth);
    client.account().get().send().await.unwrap();
    // amoCRM forgets the access token before it expires: the next call gets a 401.
    fake.expire_access_tokens();
    client.account().get().send().await.unwrap();
    let after = stored(&fake, &*store).await;
    assert_ne!(before, after);
    let call = observed.capture.spans(REQUEST_SPAN).pop().unwrap();
    assert_eq!(call.field("amocrm.refreshed"), Some("true"));
    assert_eq!(call.field("amocrm.attempts"), Some("2"));
    assert_eq!(call.field("http.response.status_code"), Some("200"));
    let refreshes = observed.capture.spans(TOKEN_REFRESH_SPAN);
    let last = refreshes.last().unwrap();
    assert_eq!(last.field("amocrm.refresh.outcome"), Some("granted"));
    let account = format!("127.0.0.1:{}", fake.addr().port());
    assert_eq!(last.field("amocrm.account"), Some(account.as_str()));
    let locks = observed.capture.spans(STORE_LOCK_SPAN);
    assert!(!locks.is_empty());
    assert!(
        locks
            .iter()
            .all(|l| l.field("amocrm.lock_wait_ms").is_some())
    );
    assert!(!observed.samples(m::STORE_LOCK_WAIT_SECONDS).is_empty());
    assert_eq!(
        observed.counter(m::TOKEN_REFRESHES_TOTAL, &[("outcome", "granted")]),
        1.0
    );
    let mut secrets: Vec<&str> = before.iter().chain(&after).map(String::as_str).collect();
    secrets.push(DEFAULT_CLIENT_SECRET);
    observed.assert_no_secret(&secrets);
}

#[tokio::test]
async fn a_refused_refresh_is_recorded_as_refused() {
    const WRONG_SECRET: &str = "client-SECRET-0b7e2f";
    let observed = Observed::start();
    let fake = FakeServer::start().await.unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    fleet::seed(&fake, store.clone()).await;
    fleet::expire(&fake, &*store).await;
    let tokens = stored(&fake, &*store).await;
    // A holder whose client secret the token endpoint does not take.
    let oauth = OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            WRONG_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .build()
        .unwrap();
    let client = fleet::client(&oauth);
    let error = client.account().get().send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth, "{error:?}");
    let refresh = observed.capture.spans(TOKEN_REFRESH_SPAN).pop().unwrap();
    assert_eq!(refresh.field("amocrm.refresh.outcome"), Some("refused"));
    let call = observed.capture.spans(REQUEST_SPAN).pop().unwrap();
    assert_eq!(call.field("error.type"), Some("Auth"));
    assert_eq!(
        observed.counter(m::TOKEN_REFRESHES_TOTAL, &[("outcome", "refused")]),
        1.0
    );
    let mut secrets: Vec<&str> = tokens.iter().map(String::as_str).collect();
    secrets.extend([WRONG_SECRET, DEFAULT_CLIENT_SECRET]);
    observed.assert_no_secret(&secrets);
}
