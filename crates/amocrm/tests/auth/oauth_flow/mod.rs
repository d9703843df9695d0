//! OAuth: code exchange, store-before-use, proactive and on-401 refresh, one refresh for
//! many concurrent requests, failing stores, and tokens that never print. Against the fake
//! amoCRM server's `POST /oauth2/access_token`.

mod grants;
mod refreshes;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use amocrm::auth::{GrantType, OAuthBuilder, TokenProvider};
use amocrm::error::AuthError;
use amocrm::store::TokenStoreFn;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Error, ExposeSecret, OAuth, RetryPolicy, SecretString, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use futures::future::BoxFuture;

const TOKEN_PATH: &str = "/oauth2/access_token";

/// What the store saw, in order.
#[derive(Default)]
struct Log {
    /// Every pair `save` was called with, and how many API requests had been sent with
    /// that pair's access token at that moment.
    saved: Vec<(TokenPair, usize)>,
    /// Number of fake requests recorded when each save happened.
    requests_at_save: Vec<usize>,
}

struct Harness {
    fake: Arc<FakeServer>,
    log: Arc<Mutex<Log>>,
    fail_store: Arc<AtomicBool>,
    store_delay: Duration,
}

impl Harness {
    async fn new() -> Harness {
        Harness::with_delay(Duration::ZERO).await
    }

    async fn with_delay(store_delay: Duration) -> Harness {
        Harness::with_fake(FakeServer::start().await.expect("fake server"), store_delay)
    }

    fn with_fake(fake: FakeServer, store_delay: Duration) -> Harness {
        Harness {
            fake: Arc::new(fake),
            log: Arc::default(),
            fail_store: Arc::default(),
            store_delay,
        }
    }

    fn builder(&self) -> OAuthBuilder {
        let fake = Arc::clone(&self.fake);
        let log = Arc::clone(&self.log);
        let fail = Arc::clone(&self.fail_store);
        let delay = self.store_delay;
        OAuth::builder()
            .account(AccountUrl::base_url(self.fake.base_url()))
            .app(AppCredentials::new(
                DEFAULT_CLIENT_ID,
                DEFAULT_CLIENT_SECRET,
                DEFAULT_REDIRECT_URI,
            ))
            .store(TokenStoreFn::new(move |pair: TokenPair| {
                let fake = Arc::clone(&fake);
                let log = Arc::clone(&log);
                let fail = Arc::clone(&fail);
                async move {
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let requests = fake.requests();
                    let used = with_token(&requests, pair.access_token().expose_secret());
                    let mut log = log.lock().unwrap();
                    log.saved.push((pair, used));
                    log.requests_at_save.push(requests.len());
                    if fail.load(Ordering::SeqCst) {
                        Err(std::io::Error::other("disk full"))
                    } else {
                        Ok(())
                    }
                }
            }))
    }

    /// An OAuth provider with tokens from a code exchange.
    async fn exchanged(&self) -> OAuth {
        let oauth = self.builder().build().expect("oauth");
        oauth
            .exchange_code(&self.fake.issue_authorization_code())
            .await
            .expect("code exchange");
        oauth
    }

    fn client(&self, oauth: &OAuth) -> Client {
        oauth
            .client_builder()
            .rate_limit(None)
            .retry(RetryPolicy::disabled())
            .build()
            .expect("client")
    }

    fn saved(&self) -> Vec<TokenPair> {
        let log = self.log.lock().unwrap();
        log.saved.iter().map(|(pair, _)| pair.clone()).collect()
    }

    fn token_endpoint_hits(&self) -> usize {
        self.fake
            .requests()
            .iter()
            .filter(|r| r.path == TOKEN_PATH)
            .count()
    }

    fn api_requests_with(&self, token: &str) -> usize {
        with_token(&self.fake.requests(), token)
    }
}

fn with_token(requests: &[amocrm_fake::RecordedRequest], token: &str) -> usize {
    requests
        .iter()
        .filter(|r| r.path.starts_with("/api/") && r.has_bearer(token))
        .count()
}

fn access(pair: &TokenPair) -> &str {
    pair.access_token().expose_secret()
}
