//! The uninstall hook on the PostgreSQL store, against the fake amoCRM: forged hooks (wrong
//! secret, other client id, tampered account id) leave the pair in its row; amoCRM's empties
//! the row, and the next call for the account fails saying it has no tokens. Deleting
//! moves the generation on, so a holder that read the pair before cannot save over it; a
//! table of an earlier version gains the account_id column.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amocrm::error::UninstallHookError;
use amocrm::integration::UninstallHook;
use amocrm::store::TokenStore;
use amocrm::{AccountUrl, AppCredentials, Error, ErrorKind, Integration, RetryPolicy, TokenPair};
use amocrm_fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, FakeServer};
use common::TestDb;
use hmac::Mac as _;

/// A hook signed with `secret`, as amoCRM signs its own with the client secret.
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

/// Whether the account's row holds a pair, read with SQL.
async fn row_has_pair(db: &TestDb, account: &str) -> bool {
    db.admin
        .query_opt(
            &format!(
                "SELECT 1 FROM {} WHERE account = $1 AND access_token IS NOT NULL",
                db.table()
            ),
            &[&account],
        )
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn a_real_hook_empties_the_row_and_forged_ones_change_nothing() {
    let Some(db) = TestDb::new("a_real_hook_empties_the_row_and_forged_ones_change_nothing").await
    else {
        return;
    };
    let fake = FakeServer::builder()
        .accounts(["alpha"])
        .start()
        .await
        .unwrap();
    let alpha = fake.account("alpha").unwrap();
    let url = format!("http://127.0.0.1:{}/alpha", fake.addr().port());
    let store: Arc<dyn TokenStore> = Arc::new(db.store());
    let integration = Integration::builder()
        .app(AppCredentials::new(
            DEFAULT_CLIENT_ID,
            DEFAULT_CLIENT_SECRET,
            DEFAULT_REDIRECT_URI,
        ))
        .shared_store(store.clone())
        .account_url_for({
            let url = url.clone();
            move |_, _| AccountUrl::base_url(url.clone())
        })
        .configure_client(|client| client.retry(RetryPolicy::disabled()))
        .build()
        .unwrap();
    integration
        .install(&alpha.issue_authorization_code(), "alpha.amocrm.ru")
        .await
        .unwrap();
    assert!(row_has_pair(&db, &url).await);
    let id = alpha.account_id().to_string();
    let real = alpha.uninstall_hook_query();
    let forged = [
        (
            signed(DEFAULT_CLIENT_ID, &id, "not-the-secret"),
            UninstallHookError::InvalidSignature,
        ),
        (
            signed("another-integration", &id, DEFAULT_CLIENT_SECRET),
            UninstallHookError::OtherIntegration,
        ),
        (
            real.replace(&format!("account_id={id}"), "account_id=42"),
            UninstallHookError::InvalidSignature,
        ),
    ];
    for (query, expected) in forged {
        let error = integration
            .uninstall(&UninstallHook::parse(&query).unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::UninstallHook(found) if *found == expected),
            "{query}: {error:?}"
        );
        assert!(
            row_has_pair(&db, &url).await,
            "{query}: the pair is still there"
        );
    }

    // amoCRM revokes the account's tokens when it sends the hook.
    alpha.revoke_tokens();
    let gone = integration
        .uninstall(&UninstallHook::parse(&real).unwrap())
        .await
        .unwrap();
    assert_eq!(gone.accounts, vec![url.clone()]);
    assert!(!row_has_pair(&db, &url).await, "the row is emptied");
    assert!(store.load(&url).await.unwrap().is_none());
    let error = integration
        .client_at(&AccountUrl::base_url(url.clone()))
        .unwrap()
        .account()
        .get()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Auth, "{error:?}");
}

#[tokio::test]
async fn a_holder_that_read_the_pair_cannot_save_over_its_deletion() {
    let Some(db) = TestDb::new("a_holder_that_read_the_pair_cannot_save_over_its_deletion").await
    else {
        return;
    };
    let store = db.store();
    let account = "https://example.amocrm.ru";
    let pair = |n: u32| {
        TokenPair::new(
            format!("access-{n}").into(),
            format!("refresh-{n}").into(),
            SystemTime::now() + Duration::from_secs(3600),
        )
    };
    let mut lock = store.lock(account).await.unwrap();
    lock.save(&pair(1)).await.unwrap();
    lock.release().await.unwrap();
    store.set_account_id(account, 77).await.unwrap();

    let mut stale = store.lock(account).await.unwrap();
    // Deleting does not wait for the lock: amoCRM revoked the pair already.
    assert!(store.delete(account).await.unwrap());
    assert!(
        !store.delete(account).await.unwrap(),
        "nothing left to delete"
    );
    assert!(stale.save(&pair(2)).await.unwrap_err().is_conflict());
    stale.release().await.unwrap();
    assert!(store.load(account).await.unwrap().is_none());
    assert!(store.delete_account_id(77).await.unwrap().is_empty());

    // The emptied row says so under the lock (a holder's own copy is not saved back);
    // an account never saved does not.
    let never = store.lock("https://never.amocrm.ru").await.unwrap();
    assert!(!never.deleted());
    never.release().await.unwrap();

    // A new install's pair, then its deletion by account id.
    let mut lock = store.lock(account).await.unwrap();
    assert!(lock.deleted());
    lock.save(&pair(3)).await.unwrap();
    assert!(!lock.deleted());
    lock.release().await.unwrap();
    store.set_account_id(account, 78).await.unwrap();
    assert_eq!(
        store.delete_account_id(78).await.unwrap(),
        vec![account.to_owned()]
    );
    assert!(store.load(account).await.unwrap().is_none());
}

#[tokio::test]
async fn a_table_of_an_earlier_version_gains_the_account_id_column() {
    let Some(db) = TestDb::new("a_table_of_an_earlier_version_gains_the_account_id_column").await
    else {
        return;
    };
    // The table as the previous version created it.
    db.admin
        .batch_execute(&format!(
            "CREATE SCHEMA \"{s}\";
             CREATE TABLE {t} (
                account text PRIMARY KEY, access_token text, refresh_token text,
                expires_at timestamptz, generation bigint NOT NULL DEFAULT 0,
                updated_at timestamptz NOT NULL DEFAULT now());
             INSERT INTO {t} (account, access_token, refresh_token, expires_at)
                VALUES ('https://old.amocrm.ru', 'a', 'r', now() + interval '1 hour');",
            s = db.schema,
            t = db.table()
        ))
        .await
        .unwrap();
    let store = db.store();
    store
        .set_account_id("https://old.amocrm.ru", 5)
        .await
        .unwrap();
    assert_eq!(
        store.delete_account_id(5).await.unwrap(),
        vec!["https://old.amocrm.ru".to_owned()]
    );
}

#[tokio::test]
async fn pairs_of_an_earlier_version_are_listed_without_an_account_id() {
    let Some(db) =
        TestDb::new("pairs_of_an_earlier_version_are_listed_without_an_account_id").await
    else {
        return;
    };
    // The table as the previous version created it (no account_id column): two pairs and
    // an emptied row.
    db.admin
        .batch_execute(&format!(
            "CREATE SCHEMA \"{s}\";
             CREATE TABLE {t} (
                account text PRIMARY KEY, access_token text, refresh_token text,
                expires_at timestamptz, generation bigint NOT NULL DEFAULT 0,
                updated_at timestamptz NOT NULL DEFAULT now());
             INSERT INTO {t} (account, access_token, refresh_token, expires_at) VALUES
                ('https://old-b.amocrm.ru', 'a', 'r', now() + interval '1 hour'),
                ('https://old-a.amocrm.ru', 'a', 'r', now() + interval '1 hour'),
                ('https://emptied.amocrm.ru', NULL, NULL, NULL);",
            s = db.schema,
            t = db.table()
        ))
        .await
        .unwrap();
    let store = db.store();
    assert_eq!(
        store.accounts_without_id().await.unwrap(),
        vec![
            "https://old-a.amocrm.ru".to_owned(),
            "https://old-b.amocrm.ru".to_owned()
        ],
        "migrated on the way; an emptied row has no pair"
    );
    store
        .set_account_id("https://old-a.amocrm.ru", 5)
        .await
        .unwrap();
    assert_eq!(
        store.accounts_without_id().await.unwrap(),
        vec!["https://old-b.amocrm.ru".to_owned()]
    );
    assert_eq!(
        store.accounts_of_id(5).await.unwrap(),
        vec!["https://old-a.amocrm.ru".to_owned()]
    );
}
