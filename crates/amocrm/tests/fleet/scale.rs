//! Integration at scale (issue 24): one HTTP client shared by every account, a bounded
//! cache built outside its lock that caches only what worked, and eviction that loses
//! nothing the store holds.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use amocrm::pace::MemoryPacer;
use amocrm::{AccountUrl, AppCredentials, ClientBuilder, Error, Integration, RetryPolicy};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};

fn app() -> AppCredentials {
    AppCredentials::new(
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        DEFAULT_REDIRECT_URI,
    )
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
