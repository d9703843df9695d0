//! A webhook delivery's account is trusted only as the install recorded it: its
//! `account[subdomain]` must be the account installed under its `account[id]` (nothing in a
//! delivery is signed, and one webhook secret serves every account's destination).

use std::sync::Arc;

use amocrm::error::WebhookError;
use amocrm::integration::UninstallHook;
use amocrm::store::MemoryTokenStore;
use amocrm::webhook::Delivery;
use amocrm::{AccountUrl, Error, Integration, RetryPolicy};
use amocrm_fake::FakeServer;

use super::install_state::fake_app;

fn refused(result: amocrm::Result<amocrm::Client>) -> WebhookError {
    match result {
        Err(Error::Webhook(error)) => error,
        Err(other) => panic!("not a webhook refusal: {other:?}"),
        Ok(client) => panic!("taken for {}", client.base_url()),
    }
}

#[tokio::test]
async fn a_delivery_naming_another_accounts_subdomain_is_refused() {
    let fake = FakeServer::builder()
        .accounts(["alpha", "beta"])
        .start()
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", fake.addr().port());
    let integration = Integration::builder()
        .app(fake_app())
        .shared_store(Arc::new(MemoryTokenStore::new()))
        .account_url_for({
            let base = base.clone();
            move |subdomain, _| AccountUrl::base_url(format!("{base}/{subdomain}"))
        })
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    let (alpha, beta) = (
        fake.account("alpha").unwrap(),
        fake.account("beta").unwrap(),
    );
    for account in [alpha, beta] {
        let referer = format!("{}.amocrm.ru", account.subdomain());
        integration
            .install(&account.issue_authorization_code(), &referer)
            .await
            .unwrap();
    }
    let delivery = |id: &str, subdomain: &str| {
        let body = format!(
            "leads[status][0][id]=1&leads[status][0][status_id]=142{id}{subdomain}&\
             account[_links][self]=https://x.amocrm.ru"
        );
        Delivery::parse(body.as_bytes()).unwrap()
    };
    let id = |n: i64| format!("&account[id]={n}");
    let sub = |s: &str| format!("&account[subdomain]={s}");
    // Each account's own delivery: its client.
    for account in [alpha, beta] {
        let client = integration
            .client_for_delivery(&delivery(
                &id(account.account_id()),
                &sub(account.subdomain()),
            ))
            .await
            .unwrap();
        assert_eq!(client.base_url(), format!("{base}/{}", account.subdomain()));
    }
    // Alpha's admin names beta with alpha's own id (or beta's with an id nobody has).
    let forged = delivery(&id(alpha.account_id()), &sub("beta"));
    assert_eq!(
        refused(integration.client_for_delivery(&forged).await),
        WebhookError::AccountMismatch
    );
    let unknown = delivery(&id(987_654_321), &sub("beta"));
    assert_eq!(
        refused(integration.client_for_delivery(&unknown).await),
        WebhookError::NotInstalled
    );
    for partial in [
        delivery("", &sub("beta")),
        delivery(&id(beta.account_id()), ""),
    ] {
        assert_eq!(
            refused(integration.client_for_delivery(&partial).await),
            WebhookError::NoAccount
        );
    }
    // Uninstalled: beta's own deliveries are refused from then on.
    beta.revoke_tokens();
    let hook = UninstallHook::parse(&beta.uninstall_hook_query()).unwrap();
    integration.uninstall(&hook).await.unwrap();
    let own = delivery(&id(beta.account_id()), &sub("beta"));
    assert_eq!(
        refused(integration.client_for_delivery(&own).await),
        WebhookError::NotInstalled
    );
}
