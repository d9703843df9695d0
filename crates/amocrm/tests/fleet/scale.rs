//! Integration at scale (issue 24): one HTTP client shared by every account, a bounded
//! cache built outside its lock that caches only what worked, and eviction that loses
//! nothing the store holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use amocrm::pace::MemoryPacer;
use amocrm::store::{FileTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, ClientBuilder, Error, Integration, RetryPolicy};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use amocrm_test_support::fleet::TempDir;

fn app() -> AppCredentials {
    AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    )
}

/// Requests to the token endpoint of any account.
fn token_requests(fake: &FakeServer) -> usize {
    let requests = fake.requests();
    let token = requests
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/access_token"));
    token.count()
}

/// Accounts of the fake served under `/{subdomain}`.
fn under_path(
    fake: &FakeServer,
) -> impl Fn(&str, amocrm::Domain) -> AccountUrl + Send + Sync + use<> {
    let base = fake.base_url();
    move |subdomain, _| AccountUrl::base_url(format!("{base}/{subdomain}"))
}

#[tokio::test]
async fn configure_client_runs_once_and_its_http_client_serves_every_account() {
    let fake = FakeServer::builder()
        .accounts(["alpha", "beta", "gamma"])
        .start()
        .await
        .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let integration = Integration::builder()
        .app(app())
        .account_url_for(under_path(&fake))
        .configure_client({
            let runs = runs.clone();
            move |client: ClientBuilder| {
                runs.fetch_add(1, Ordering::SeqCst);
                client
                    .retry(RetryPolicy::disabled())
                    .user_agent("scale-test/1")
            }
        })
        .build()
        .unwrap();
    for name in ["alpha", "beta", "gamma"] {
        let account = fake.account(name).unwrap();
        let referer = format!("{name}.amocrm.ru");
        let client = integration
            .install(&account.issue_authorization_code(), &referer)
            .await
            .unwrap();
        client.account().get().send().await.unwrap();
    }
    assert_eq!(integration.accounts().len(), 3);
    // Once, at build: not once per account (each run built an HTTP client of its own).
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let requests = fake.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path.ends_with("/oauth2/access_token"))
    );
    for request in &requests {
        let agent = request
            .headers
            .iter()
            .find(|(name, _)| name == "user-agent")
            .map(|(_, value)| value.as_str());
        // The API's requests and the token endpoint's alike.
        assert_eq!(agent, Some("scale-test/1"), "{request:?}");
    }
}

#[tokio::test]
async fn configure_client_cannot_take_what_is_the_integrations() {
    let builds = [
        Integration::builder()
            .app(app())
            .configure_client(|client| client.pacer(Arc::new(MemoryPacer::default())))
            .build(),
        Integration::builder()
            .app(app())
            .configure_client(|client| client.rate_limit(None))
            .build(),
        Integration::builder()
            .app(app())
            .configure_client(|client| client.token("other"))
            .build(),
    ];
    for built in builds {
        assert!(matches!(built, Err(Error::Config(_))), "{built:?}");
    }
}

#[tokio::test]
async fn an_evicted_account_is_built_again_and_its_pair_loaded_from_the_store() {
    let fake = FakeServer::builder()
        .accounts(["alpha", "beta"])
        .start()
        .await
        .unwrap();
    let dir = TempDir::new("scale-evict");
    let store: Arc<dyn TokenStore> = Arc::new(FileTokenStore::new(dir.join("tokens.json")));
    let integration = Integration::builder()
        .app(app())
        .shared_store(store.clone())
        .account_url_for(under_path(&fake))
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .max_cached_accounts(1)
        .build()
        .unwrap();
    let alpha_url = format!("{}/alpha", fake.base_url());
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    let alpha = integration.install(&code, "alpha.amocrm.ru").await.unwrap();
    alpha.account().get().send().await.unwrap();
    // Held by the caller: never evicted, however many accounts come.
    let beta = integration
        .client("beta", amocrm::Domain::AmocrmRu)
        .unwrap();
    assert_eq!(integration.accounts().len(), 2);
    drop((alpha, beta));
    tokio::time::sleep(Duration::from_millis(5)).await;
    integration
        .client("beta", amocrm::Domain::AmocrmRu)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A third build past the maximum of one evicts the least recently used ones.
    let gamma = integration
        .client("gamma", amocrm::Domain::AmocrmRu)
        .unwrap();
    assert!(
        !integration.accounts().contains(&alpha_url),
        "alpha evicted"
    );
    drop(gamma);

    // Built again on the next call, with the pair from the store: no new grant.
    let grants = token_requests(&fake);
    assert_eq!(grants, 1, "the install's");
    let alpha = integration
        .client("alpha", amocrm::Domain::AmocrmRu)
        .unwrap();
    alpha.account().get().send().await.unwrap();
    assert!(integration.accounts().contains(&alpha_url));
    assert_eq!(token_requests(&fake), grants, "loaded, not granted again");
    assert!(store.load(&alpha_url).await.unwrap().is_some());
}

#[tokio::test]
async fn a_failed_install_caches_nothing() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let integration = Integration::builder()
        .app(app())
        .account_url_for(under_path(&fake))
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    for _ in 0..3 {
        let junk = integration.install("junk-code", "alpha.amocrm.ru").await;
        assert!(junk.is_err(), "{junk:?}");
        assert_eq!(integration.accounts(), Vec::<String>::new());
    }
    let code = fake.account("alpha").unwrap().issue_authorization_code();
    integration.install(&code, "alpha.amocrm.ru").await.unwrap();
    let cached = integration.accounts();
    assert_eq!(cached.len(), 1);
    let junk = integration.install("junk-code", "beta.amocrm.ru").await;
    assert!(junk.is_err(), "{junk:?}");
    assert_eq!(integration.accounts(), cached, "unchanged");
}
