//! Integration: one cached client per account, the install redirect storing the pair under
//! the right account, a verified widget_request's client, and the pacer every client
//! shares (keyed by its base URL; an engine that fails stops the request before it is
//! sent).

use amocrm_test_support::fleet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm::error::PaceError;
use amocrm::pace::{Pacer, RateLimit};
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::widget_request::WidgetRequest;
use amocrm::{AccountUrl, AppCredentials};
use amocrm::{Client, Domain, Error, ErrorKind, Integration, RetryPolicy};
use amocrm_fake::widget_request::sign;
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use futures::future::BoxFuture;
use serde_json::json;

/// The fake under two account URLs: `alpha` at `127.0.0.1:port`, any other subdomain at
/// `localhost:port` (two account keys, one server).
fn new_integration(fake: &FakeServer, store: Arc<dyn TokenStore>) -> Integration {
    let port = fake.addr().port();
    Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store)
        .account_url_for(move |subdomain, _| match subdomain {
            "alpha" => AccountUrl::base_url(format!("http://127.0.0.1:{port}")),
            _ => AccountUrl::base_url(format!("http://localhost:{port}")),
        })
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn install_stores_the_pair_under_the_referers_account_and_caches_its_client() {
    let fake = FakeServer::start().await.unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let integration = new_integration(&fake, store.clone());
    let port = fake.addr().port();
    let example = format!("http://localhost:{port}");
    let alpha = format!("http://127.0.0.1:{port}");

    let client = integration
        .install(&fake.issue_authorization_code(), "example.amocrm.ru")
        .await
        .unwrap();
    assert_eq!(client.base_url(), example);
    assert!(
        store.load(&example).await.unwrap().is_some(),
        "stored under example"
    );
    assert!(
        store.load(&alpha).await.unwrap().is_none(),
        "nothing for alpha"
    );
    client.widgets().get("amo_dropbox").send().await.unwrap();

    // The same client whichever way it is asked for.
    let again = integration.client("example", Domain::AmocrmRu).unwrap();
    assert!(again.ptr_eq(&client));
    assert!(
        integration
            .client_at(&AccountUrl::base_url(&example))
            .unwrap()
            .ptr_eq(&client)
    );
    assert!(
        integration
            .client_at(&AccountUrl::base_url(format!("{example}/")))
            .unwrap()
            .ptr_eq(&client),
        "the base URL is normalized"
    );
    let alpha_client = integration.client("alpha", Domain::AmocrmRu).unwrap();
    assert!(!alpha_client.ptr_eq(&client));
    assert_eq!(integration.accounts(), vec![alpha.clone(), example.clone()]);
    // Alpha has no pair: its calls fail without tokens, example's go on.
    let error = alpha_client
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth, "{error}");

    // A second integration instance (another process of the service) sharing the store
    // uses the stored pair: no new grant.
    let other = new_integration(&fake, store.clone());
    other
        .client("example", Domain::AmocrmRu)
        .unwrap()
        .widgets()
        .get("amo_dropbox")
        .send()
        .await
        .unwrap();
    assert_eq!(fleet::token_requests(&fake), 1);

    // A referer that is not an account is refused before any exchange.
    let error = integration
        .install(&fake.issue_authorization_code(), "evil.example.com")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    assert_eq!(fleet::token_requests(&fake), 1);
}

#[tokio::test]
async fn a_verified_widget_request_gets_its_accounts_client_and_is_accepted_once() {
    let fake = FakeServer::start().await.unwrap();
    let store = Arc::new(MemoryTokenStore::new());
    let integration = new_integration(&fake, store.clone());
    let client = integration
        .install(&fake.issue_authorization_code(), "example.amocrm.ru")
        .await
        .unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let token = sign(
        &json!({"account_id": 7, "subdomain": "example", "exp": now + 600, "iat": now}),
        DEFAULT_CLIENT_SECRET,
    );
    let port = fake.addr().port();
    let request = WidgetRequest::from_value(json!({
        "token": token,
        "data": {},
        "return_url": format!("http://localhost:{port}/api/v4/salesbot/42/continue/c1"),
    }))
    .unwrap();
    let verifier = integration
        .widget_request_verifier()
        .allow_loopback_return_url(true);
    let verified = verifier.verify_once(&request).await.unwrap();
    let for_request = integration.client_for(&verified).unwrap();
    assert!(
        for_request.ptr_eq(&client),
        "the installed account's client"
    );

    fake.add_pending_continuation(amocrm_fake::BotKind::Salesbot, 42, "c1");
    verified
        .continue_bot(
            &for_request,
            &amocrm::bots::ContinueRequest::new().data("ok", 1),
        )
        .send()
        .await
        .unwrap();
    // Every verifier of the integration shares its replay guard.
    let replay = integration
        .widget_request_verifier()
        .allow_loopback_return_url(true)
        .verify_once(&request)
        .await;
    assert!(replay.is_err(), "a replay was accepted");
}

/// A pacer that records the accounts it paced, and fails every slot once told to.
#[derive(Debug, Default)]
struct Recording {
    accounts: Mutex<Vec<String>>,
    down: std::sync::atomic::AtomicBool,
}

impl Pacer for Recording {
    fn acquire<'a>(&'a self, account: &'a str) -> BoxFuture<'a, Result<(), PaceError>> {
        self.accounts.lock().unwrap().push(account.to_owned());
        let down = self.down.load(std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            if down {
                let cause = std::io::Error::other("connection refused");
                return Err(PaceError::new("engine unreachable", Some(Box::new(cause))));
            }
            Ok(())
        })
    }

    fn pause<'a>(&'a self, _: &'a str, _: Duration) -> BoxFuture<'a, Result<(), PaceError>> {
        Box::pin(async { Ok(()) })
    }
}

#[tokio::test]
async fn the_pacer_is_keyed_by_base_url_and_its_failure_sends_nothing() {
    let fake = FakeServer::start().await.unwrap();
    let pacer = Arc::new(Recording::default());
    let client = |url: String| {
        Client::builder()
            .account(AccountUrl::base_url(&url))
            .token(fake.token())
            .retry(RetryPolicy::new().max_attempts(3))
            .pacer(pacer.clone())
            .build()
            .unwrap()
    };
    let port = fake.addr().port();
    let one = client(format!("http://127.0.0.1:{port}/"));
    let two = client(format!("http://localhost:{port}"));
    one.widgets().get("amo_dropbox").send().await.unwrap();
    two.widgets().get("amo_dropbox").send().await.unwrap();
    assert_eq!(
        *pacer.accounts.lock().unwrap(),
        [one.base_url(), two.base_url()]
    );
    assert_eq!(one.base_url(), format!("http://127.0.0.1:{port}"));

    pacer.down.store(true, std::sync::atomic::Ordering::SeqCst);
    fake.clear_requests();
    let error = one.widgets().get("amo_dropbox").send().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Pace, "{error:?}");
    assert!(error.to_string().contains("engine unreachable"), "{error}");
    assert!(matches!(error, Error::Pace(_)));
    assert!(fake.requests().is_empty(), "nothing is sent unpaced");

    // A client's own limit and a shared pacer do not go together.
    let both = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .rate_limit(Some(RateLimit::AMOCRM))
        .pacer(pacer.clone())
        .build();
    assert!(matches!(both, Err(Error::Config(_))));
}

#[tokio::test]
async fn clients_sharing_a_memory_pacer_share_each_accounts_schedule_only() {
    let fake = FakeServer::start().await.unwrap();
    // 5/s: slots 202 ms apart per account.
    let pacer: Arc<dyn Pacer> = Arc::new(amocrm::pace::MemoryPacer::new(RateLimit::per_second(5)));
    let port = fake.addr().port();
    let build = |url: String| {
        Client::builder()
            .account(AccountUrl::base_url(&url))
            .token(fake.token())
            .pacer(pacer.clone())
            .build()
            .unwrap()
    };
    // Two separately built clients of one account, and one of another account.
    let first = build(format!("http://127.0.0.1:{port}"));
    let second = build(format!("http://127.0.0.1:{port}"));
    let other = build(format!("http://localhost:{port}"));
    let started = tokio::time::Instant::now();
    // Each request's time to its answer.
    let get = |client: &Client| {
        let client = client.clone();
        async move {
            client.widgets().get("amo_dropbox").send().await.unwrap();
            started.elapsed()
        }
    };
    let (a, b, c, d) = tokio::join!(get(&first), get(&second), get(&first), get(&other));
    // Three requests of one account: the last at least two intervals on, whichever
    // client sent them.
    let last = a.max(b).max(c);
    assert!(last >= Duration::from_millis(404), "{last:?}");
    // The other account's request was not queued behind them.
    assert!(d < Duration::from_millis(200), "{d:?}");
}
