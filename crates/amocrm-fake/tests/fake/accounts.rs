//! Several accounts on one fake: each under `/{name}` with its own tokens, widgets state
//! and links; names and catalogues that cannot start.

use amocrm_fake::{AccountSpec, FakeServer, FakeWidget};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn accounts_have_their_own_tokens_widgets_and_links() {
    let server = FakeServer::builder()
        .accounts(["acc1", "acc2"])
        .start()
        .await
        .unwrap();
    let acc1 = server.account("acc1").unwrap();
    let acc2 = server.account("acc2").unwrap();
    assert_eq!(acc1.url(), format!("{}/acc1", server.base_url()));
    assert_eq!(server.account_url("acc2"), Some(acc2.url()));
    assert_eq!(server.account_url("nope"), None);
    assert!(server.account("nope").is_none());
    assert_eq!(server.default_account().url(), server.base_url());
    assert_eq!(server.default_account().name(), None);
    assert_eq!(acc1.token(), "fake-token-acc1");
    assert_eq!(acc2.user_token(), "fake-user-token-acc2");
    assert_eq!(server.accounts().len(), 2);

    // Each account's token works on it only.
    let widgets = |url: &str| format!("{url}/api/v4/widgets/amo_dropbox");
    for (account, token) in [
        (acc1.url(), acc1.token()),
        (acc2.url(), acc2.token()),
        (server.base_url().as_str(), server.token()),
    ] {
        let resp = call(&widgets(account), Method::GET, Some(token), None).await;
        assert_eq!(resp.status(), StatusCode::OK, "{account}");
    }
    for (account, token) in [
        (acc1.url(), acc2.token()),
        (acc2.url(), server.token()),
        (server.base_url().as_str(), acc1.token()),
    ] {
        let resp = call(&widgets(account), Method::GET, Some(token), None).await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{account}");
    }

    // Installing on acc1 leaves acc2 and the default account alone.
    let resp = call(
        &widgets(acc1.url()),
        Method::POST,
        Some(acc1.token()),
        Some(json!({"conf": {"a": 1}})),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    // Links carry the account's prefix.
    assert_eq!(
        body["_links"]["self"]["href"],
        format!("{}/api/v4/widgets/amo_dropbox", acc1.url())
    );
    assert_eq!(
        acc1.installed_settings("amo_dropbox"),
        Some(json!({"conf": {"a": 1}}))
    );
    assert_eq!(acc2.installed_settings("amo_dropbox"), None);
    assert_eq!(server.installed_settings("amo_dropbox"), None);
    let list: Value = call(
        &format!("{}/api/v4/widgets?limit=1", acc2.url()),
        Method::GET,
        Some(acc2.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        list["_embedded"]["widgets"][0]["is_active_in_account"],
        false
    );
    assert_eq!(
        list["_links"]["next"]["href"],
        format!("{}/api/v4/widgets?limit=1&page=2", acc2.url())
    );

    // The account reports its own subdomain and id.
    let account: Value = call(
        &format!("{}/api/v4/account", acc2.url()),
        Method::GET,
        Some(acc2.token()),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(account["subdomain"], "acc2");
    assert_eq!(acc2.subdomain(), "acc2");
    assert_eq!(
        account["_links"]["self"]["href"],
        format!("{}/api/v4/account", acc2.url())
    );

    // Unknown prefixes are the default account's 404s; the account root is a 404 too.
    let resp = call(
        &format!("{}/acc3/api/v4/widgets", server.base_url()),
        Method::GET,
        Some(server.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &format!("{}/api/v4/nowhere", acc1.url()),
        Method::GET,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = call(
        &format!("{}/api/v4/widgets", acc1.url()),
        Method::PUT,
        Some(acc1.token()),
        None,
    )
    .await;
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn bad_accounts_and_duplicate_codes_fail_to_start() {
    for name in [
        "",
        "api",
        "oauth2",
        "_fake",
        "a/b",
        "has space",
        &"x".repeat(64),
    ] {
        let err = FakeServer::builder()
            .account(name)
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{name:?}");
        assert!(err.to_string().contains("account name"), "{err}");
    }
    let err = FakeServer::builder()
        .accounts(["a", "a"])
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
    for widgets in [
        vec![FakeWidget::new("amo_dropbox")],
        vec![FakeWidget::new("w"), FakeWidget::new("w")],
    ] {
        let err = FakeServer::builder()
            .widgets_from(widgets)
            .start()
            .await
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains("twice"), "{err}");
    }
    let err = FakeServer::builder()
        .widget(FakeWidget::new("w"))
        .account(AccountSpec::new("a").widget(FakeWidget::new("w")))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("account \"a\""), "{err}");
}

#[tokio::test]
async fn names_of_letters_digits_dash_and_underscore_are_served() {
    let names = ["acc-1", "acc_2", "ACC3", &"x".repeat(63)];
    let server = FakeServer::builder().accounts(names).start().await.unwrap();
    for name in names {
        let account = server.account(name).unwrap();
        assert_eq!(account.url(), format!("{}/{name}", server.base_url()));
        let resp = call(
            &format!("{}/api/v4/account", account.url()),
            Method::GET,
            Some(account.token()),
            None,
        )
        .await;
        assert_eq!(resp.status(), StatusCode::OK, "{name}");
    }
}
