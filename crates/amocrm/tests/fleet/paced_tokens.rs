//! A token request (a refresh, a code exchange) is one of the account's requests for
//! amoCRM: it waits for a slot of the account's pace like any call, fails at once for a
//! blocked account, and a slot not due within a second (or the refresh deadline) is
//! given up: the request leaves anyway, counted as a departure (`unpaced_tokens.rs`).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm::store::MemoryTokenStore;
use amocrm::{AccountUrl, AppCredentials, Error, Integration, OAuth, SecretString, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};

fn app() -> AppCredentials {
    AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    )
}

/// The default account's `OAuth` on `pacer`, holding a pair of the fake's.
fn oauth(fake: &FakeServer, pacer: Arc<dyn Pacer>, deadline: Duration) -> OAuth {
    let issued = fake
        .default_account()
        .issue_token_pair(Duration::from_secs(3600));
    let pair = TokenPair::new(
        SecretString::from(issued.access_token),
        SecretString::from(issued.refresh_token),
        SystemTime::now() + Duration::from_secs(3600),
    );
    OAuth::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .app(app())
        .store(MemoryTokenStore::new())
        .tokens(pair)
        .pacer(pacer)
        .refresh_deadline(deadline)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_refresh_waits_for_its_slot_in_the_accounts_pace() {
    let fake = FakeServer::builder().start().await.unwrap();
    // Two requests a second: slots 500 ms apart.
    let pacer = Arc::new(MemoryPacer::new(RateLimit::per_second(2)));
    let oauth = oauth(&fake, pacer.clone(), Duration::from_secs(30));
    // A call of the account took the slot due now.
    pacer.acquire(oauth.base_url()).await.unwrap();
    let started = Instant::now();
    oauth.refresh_now().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(fake.oauth_stats().grants(), 1);
    // The next slot is 500 ms after the one taken (less a little for the clocks).
    assert!(
        waited >= Duration::from_millis(450),
        "the refresh left {waited:?} after the account's last request"
    );
    // And it took that slot: the account's next request waits another interval.
    let started = Instant::now();
    pacer.acquire(oauth.base_url()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "the refresh's slot was not taken: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_client_of_the_oauth_shares_its_pace() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer = Arc::new(MemoryPacer::new(RateLimit::per_second(2)));
    let oauth = oauth(&fake, pacer.clone(), Duration::from_secs(30));
    let client = oauth.client_builder().build().unwrap();
    client.account().get().send().await.unwrap();
    let started = Instant::now();
    oauth.refresh_now().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(450),
        "the refresh did not wait behind the client's call: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_refresh_for_a_blocked_account_fails_at_once_nothing_sent() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let oauth = oauth(&fake, pacer.clone(), Duration::from_secs(30));
    pacer
        .block(oauth.base_url(), Duration::from_secs(60))
        .await
        .unwrap();
    let error = oauth.refresh_now().await.unwrap_err();
    assert!(matches!(error, Error::AccountBlocked { .. }), "{error:?}");
    assert_eq!(fake.oauth_stats().grants(), 0, "a grant was sent");
    // The pair is untouched and the store's lock free: once the block ends, it refreshes.
    pacer.forget(oauth.base_url()).await.unwrap();
    oauth.refresh_now().await.unwrap();
    assert_eq!(fake.oauth_stats().grants(), 1);
}

#[tokio::test]
async fn a_token_request_waits_a_second_for_its_slot_then_leaves_anyway() {
    let fake = FakeServer::builder().start().await.unwrap();
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let oauth = oauth(&fake, pacer.clone(), Duration::from_secs(30));
    // A Retry-After of a minute for the account: the slot is a minute away.
    pacer
        .pause(oauth.base_url(), Duration::from_secs(60))
        .await
        .unwrap();
    let started = Instant::now();
    oauth.refresh_now().await.unwrap();
    let waited = started.elapsed();
    assert_eq!(fake.oauth_stats().grants(), 1);
    // It waited for its slot for a second, not until the deadline nor the pause's end.
    assert!(
        waited >= Duration::from_millis(950) && waited < Duration::from_secs(10),
        "the token request left after {waited:?}"
    );
    // A refresh deadline shorter than that ends the wait first, and nothing leaves past
    // it: the refresh fails, no token request sent.
    let oauth = self::oauth(&fake, pacer.clone(), Duration::from_millis(200));
    let started = Instant::now();
    let error = oauth.refresh_now().await.unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, Error::Pace(_)), "{error:?}");
    assert!(
        waited >= Duration::from_millis(190) && waited < Duration::from_millis(900),
        "the refresh failed after {waited:?}"
    );
    assert_eq!(fake.oauth_stats().grants(), 1);
}

#[tokio::test]
async fn an_install_for_a_blocked_account_does_not_spend_its_code() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let alpha_url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let integration = Integration::builder()
        .app(app())
        .store(MemoryTokenStore::new())
        .pacer(pacer.clone())
        .account_url_for({
            let alpha_url = alpha_url.clone();
            move |_, _| AccountUrl::base_url(alpha_url.clone())
        })
        .build()
        .unwrap();
    pacer
        .block(&alpha_url, Duration::from_secs(60))
        .await
        .unwrap();
    let code = alpha.issue_authorization_code();
    let error = integration
        .install(&code, "alpha.amocrm.ru")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::AccountBlocked { .. }), "{error:?}");
    assert_eq!(alpha.oauth_stats().grants(), 0, "the code was sent");
    // The block over, the same code still installs.
    pacer.forget(&alpha_url).await.unwrap();
    integration.install(&code, "alpha.amocrm.ru").await.unwrap();
}
