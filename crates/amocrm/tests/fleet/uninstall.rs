//! The uninstall hook: a forged one (wrong secret, other client id, tampered account id)
//! changes nothing; amoCRM's deletes the account's pair (memory and file stores; the
//! PostgreSQL store's own tests do the same there), drops its client and its pace.

use std::sync::Arc;
use std::time::Duration;

use amocrm::error::UninstallHookError;
use amocrm::integration::UninstallHook;
use amocrm::pace::{MemoryPacer, Pacer};
use amocrm::store::{FileTokenStore, MemoryTokenStore, TokenStore};
use amocrm::{AccountUrl, AppCredentials, Error, ErrorKind, Integration, RetryPolicy};
use amocrm_fake::{
    DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer, Fault, Operation,
};
use amocrm_test_support::fleet::TempDir;
use hmac::Mac as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn integration(fake: &FakeServer, store: Arc<dyn TokenStore>) -> Integration {
    let url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store)
        .account_url_for(move |_, _| AccountUrl::base_url(url.clone()))
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

/// A hook as amoCRM would sign it with `secret`.
fn signed(client_id: &str, account_id: &str, secret: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{client_id}|{account_id}").as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("account_id={account_id}&client_uuid={client_id}&signature={signature}")
}

async fn forged_hooks_change_nothing_and_the_real_one_forgets(store: Arc<dyn TokenStore>) {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let integration = integration(&fake, store.clone());
    let client = integration
        .install(&alpha.issue_authorization_code(), "alpha.amocrm.ru")
        .await
        .unwrap();
    let url = client.base_url().to_owned();
    assert_eq!(integration.accounts(), vec![url.clone()]);
    let id = alpha.account_id().to_string();
    let real = alpha.uninstall_hook_query();
    assert_eq!(real, signed(DEFAULT_CLIENT_ID, &id, DEFAULT_CLIENT_SECRET));

    let tampered_id = real.replace(&format!("account_id={id}"), "account_id=1");
    assert_ne!(tampered_id, real);
    let forged = [
        (
            signed(DEFAULT_CLIENT_ID, &id, "not-the-secret"),
            UninstallHookError::InvalidSignature,
        ),
        (
            signed("another-integration", &id, DEFAULT_CLIENT_SECRET),
            UninstallHookError::OtherIntegration,
        ),
        (tampered_id, UninstallHookError::InvalidSignature),
        (
            real.replace("signature=", "signature=00"),
            UninstallHookError::InvalidSignature,
        ),
    ];
    for (query, expected) in forged {
        let hook = UninstallHook::parse(&query).unwrap();
        let error = integration.uninstall(&hook).await.unwrap_err();
        assert!(
            matches!(&error, Error::UninstallHook(found) if *found == expected),
            "{query}: {error:?}"
        );
        assert!(store.load(&url).await.unwrap().is_some(), "{query}");
    }
    assert_eq!(integration.accounts(), vec![url.clone()]);
    client.account().get().send().await.unwrap();

    // amoCRM's own hook, and before it a replay of it while the account still has its
    // pair (as after an install again): the pair amoCRM takes is kept.
    let replayed = integration
        .uninstall(&UninstallHook::parse(&real).unwrap())
        .await
        .unwrap();
    assert_eq!(replayed.kept, vec![url.clone()]);
    assert!(replayed.accounts.is_empty());
    assert!(
        store.load(&url).await.unwrap().is_some(),
        "a live pair kept"
    );
    alpha.revoke_tokens();
    // `client_id` is accepted for `client_uuid`.
    let spelled = real.replace("client_uuid=", "client_id=");
    let gone = integration
        .uninstall(&UninstallHook::parse(&spelled).unwrap())
        .await
        .unwrap();
    assert_eq!(gone.account_id, alpha.account_id());
    assert_eq!(gone.accounts, vec![url.clone()]);
    assert!(store.load(&url).await.unwrap().is_none(), "pair deleted");
    assert!(integration.accounts().is_empty(), "client dropped");
    // The next call for the account fails, saying it has no tokens.
    let error = integration
        .client_at(&AccountUrl::base_url(url.clone()))
        .unwrap()
        .account()
        .get()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth, "{error:?}");
    // Replayed: nothing left to delete.
    let again = integration
        .uninstall(&UninstallHook::parse(&real).unwrap())
        .await
        .unwrap();
    assert!(again.accounts.is_empty());
}

#[tokio::test]
async fn the_memory_store_forgets_an_uninstalled_account() {
    forged_hooks_change_nothing_and_the_real_one_forgets(Arc::new(MemoryTokenStore::new())).await;
}

#[tokio::test]
async fn the_file_store_forgets_an_uninstalled_account() {
    let dir = TempDir::new("uninstall");
    let store = Arc::new(FileTokenStore::new(dir.join("tokens.json")));
    forged_hooks_change_nothing_and_the_real_one_forgets(store).await;
}

#[tokio::test]
async fn the_fake_sends_the_hook_and_revokes_the_tokens() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let integration = integration(&fake, store.clone());
    let client = integration
        .install(&alpha.issue_authorization_code(), "alpha.amocrm.ru")
        .await
        .unwrap();
    // A one-request hook endpoint: `GET /oauth/disable?...` → uninstall → 200 or 401.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/oauth/disable", listener.local_addr().unwrap());
    let serving = tokio::spawn({
        let integration = integration.clone();
        async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut head = vec![0u8; 4096];
            let n = stream.read(&mut head).await.unwrap();
            let line = String::from_utf8_lossy(&head[..n]).into_owned();
            let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
            let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
            let status = match UninstallHook::parse(query) {
                Ok(hook) if integration.uninstall(&hook).await.is_ok() => "200 OK",
                _ => "401 Unauthorized",
            };
            let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
            stream.write_all(answer.as_bytes()).await.unwrap();
        }
    });
    assert_eq!(alpha.send_uninstall_hook(&hook_url).await.unwrap(), 200);
    serving.await.unwrap();
    assert!(store.load(client.base_url()).await.unwrap().is_none());
    // The client kept by the caller holds a revoked token: amoCRM answers 401.
    let error = client.account().get().send().await.unwrap_err();
    assert!(
        matches!(error.kind(), ErrorKind::Unauthorized | ErrorKind::Auth),
        "{error:?}"
    );
}

/// The integration of `uninstall_is_checked…` on its own pacer.
fn paced(fake: &FakeServer, store: Arc<dyn TokenStore>, pacer: Arc<dyn Pacer>) -> Integration {
    let url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store)
        .pacer(pacer)
        .account_url_for(move |_, _| AccountUrl::base_url(url.clone()))
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_uninstall_that_cannot_check_deletes_nothing_and_a_block_outlives_it() {
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let store: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let pacer: Arc<dyn Pacer> = Arc::new(MemoryPacer::default());
    let integration = paced(&fake, store.clone(), pacer.clone());
    let url = integration
        .install(&alpha.issue_authorization_code(), "alpha.amocrm.ru")
        .await
        .unwrap()
        .base_url()
        .to_owned();
    let hook = UninstallHook::parse(&alpha.uninstall_hook_query()).unwrap();
    alpha.revoke_tokens();

    // amoCRM cannot answer the check: nothing deleted, the check's error returned.
    fake.faults()
        .add(Fault::status(500).operation(Operation::Account).times(1));
    let error = integration.uninstall(&hook).await.unwrap_err();
    assert_eq!(error.status(), Some(500), "{error:?}");
    assert!(store.load(&url).await.unwrap().is_some());

    // A blocked account is not asked; its pair goes, its block stays.
    pacer.block(&url, Duration::from_secs(60)).await.unwrap();
    let before = fake.requests().len();
    let gone = integration.uninstall(&hook).await.unwrap();
    assert_eq!(gone.accounts, vec![url.clone()]);
    assert!(store.load(&url).await.unwrap().is_none());
    assert_eq!(
        fake.requests().len(),
        before,
        "nothing sent for a blocked account"
    );
    let still = pacer.acquire(&url).await.unwrap_err();
    assert!(still.blocked_for().is_some(), "{still:?}");
}
