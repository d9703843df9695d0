//! The install redirect names its account only by its `referer`, which anyone can forge:
//! the new token is stored under that account only once `GET /api/v4/account` with it
//! shows it is that account's.

use std::sync::Arc;

use amocrm::error::AuthError;
use amocrm::store::{MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, Error, ExposeSecret, Integration, RetryPolicy};
use amocrm_fake::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer, Fault, Operation,
};

#[tokio::test]
async fn an_install_whose_token_is_of_another_account_stores_nothing() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let port = fake.addr().port();
    let alpha_url = format!("http://127.0.0.1:{port}/alpha");
    // Beta's URL reaches alpha's server: a token endpoint that took alpha's code for beta,
    // as one could for a forged referer.
    let beta_url = format!("http://localhost:{port}/alpha");
    let store = Arc::new(MemoryTokenStore::new());
    let integration = Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .account_url_for({
            let (alpha_url, beta_url) = (alpha_url.clone(), beta_url.clone());
            move |subdomain, _| match subdomain {
                "alpha" => AccountUrl::base_url(alpha_url.clone()),
                _ => AccountUrl::base_url(beta_url.clone()),
            }
        })
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();

    let error = integration
        .install(&alpha.issue_authorization_code(), "beta.amocrm.ru")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Auth(AuthError::WrongAccount { expected, found })
                if expected == "beta" && found.as_deref() == Some("alpha")
        ),
        "{error:?}"
    );
    assert!(
        store.load(&beta_url).await.unwrap().is_none(),
        "stored under beta"
    );
    assert!(store.load(&alpha_url).await.unwrap().is_none());

    // The account's own referer installs.
    let client = integration
        .install(&alpha.issue_authorization_code(), "alpha.amocrm.ru")
        .await
        .unwrap();
    assert_eq!(client.base_url(), alpha_url);
    assert!(store.load(&alpha_url).await.unwrap().is_some());
    client.widgets().get("amo_dropbox").send().await.unwrap();
}

#[tokio::test]
async fn an_install_whose_check_fails_for_a_while_keeps_its_pair_to_finish_later() {
    // The code is spent once exchanged: when the account check then fails for a passing
    // reason (here a 503 on every try), nothing is stored, and the error keeps the pair.
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let alpha_url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    let store = Arc::new(MemoryTokenStore::new());
    let integration = Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .account_url_for({
            let alpha_url = alpha_url.clone();
            move |_, _| AccountUrl::base_url(alpha_url.clone())
        })
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let fault = fake
        .faults()
        .add(Fault::status(503).operation(Operation::Account).times(20));
    let code = alpha.issue_authorization_code();
    let error = integration
        .install(&code, "alpha.amocrm.ru")
        .await
        .unwrap_err();
    let Error::InstallUnverified(unverified) = error else {
        panic!("{error:?}");
    };
    assert_eq!(unverified.referer(), "alpha.amocrm.ru");
    assert_eq!(unverified.reason().status(), Some(503));
    let shown = format!("{unverified} {unverified:?}");
    assert!(
        !shown.contains(unverified.pair().access_token().expose_secret()),
        "the pair never prints"
    );
    assert!(
        store.load(&alpha_url).await.unwrap().is_none(),
        "nothing stored"
    );
    assert!(fake.faults().fired(fault) >= 1);

    // Still failing: the same error again, the pair kept.
    let again = integration.complete_install(*unverified).await.unwrap_err();
    let Error::InstallUnverified(unverified) = again else {
        panic!("{again:?}");
    };
    // amoCRM answers again: the install finishes with the pair of the spent code.
    fake.faults().clear();
    let client = integration.complete_install(*unverified).await.unwrap();
    assert_eq!(client.base_url(), alpha_url);
    assert!(store.load(&alpha_url).await.unwrap().is_some());
    client.account().get().send().await.unwrap();
}

#[tokio::test]
async fn only_a_passing_failure_of_the_check_keeps_the_pair() {
    // 429 and 5xx may pass: the pair is kept. 401/403 say the token itself is refused:
    // the error as it is, nothing kept, nothing stored.
    for (status, kept) in [(429, true), (500, true), (401, false), (403, false)] {
        let fake = FakeServer::builder()
            .accounts(["alpha"])
            .start()
            .await
            .unwrap();
        let alpha = fake.account("alpha").unwrap();
        let alpha_url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
        let store = Arc::new(MemoryTokenStore::new());
        let integration = Integration::builder()
            .app(AppCredentials::new(
                DEFAULT_CLIENT_ID,
                DEFAULT_CLIENT_SECRET,
                DEFAULT_REDIRECT_URI,
            ))
            .shared_store(store.clone())
            .account_url_for({
                let alpha_url = alpha_url.clone();
                move |_, _| AccountUrl::base_url(alpha_url.clone())
            })
            .configure_client(|client| client.retry(RetryPolicy::disabled()))
            .build()
            .unwrap();
        fake.faults().add(
            Fault::status(status)
                .operation(Operation::Account)
                .times(20),
        );
        let code = alpha.issue_authorization_code();
        let error = integration
            .install(&code, "alpha.amocrm.ru")
            .await
            .unwrap_err();
        assert_eq!(
            matches!(error, Error::InstallUnverified(_)),
            kept,
            "{status}: {error:?}"
        );
        assert!(store.load(&alpha_url).await.unwrap().is_none(), "{status}");
    }
}
