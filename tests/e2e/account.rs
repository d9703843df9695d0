//! The account, with and without its optional parts.

use amocrm::Error;
use amocrm_fake::FakeServer;

use super::{client, client_with_bad_token};

#[tokio::test]
async fn the_account_with_and_without_its_optional_parts() {
    use amocrm::account::{AccountWith, CustomersMode};
    let fake = FakeServer::start().await.unwrap();
    let client = client(&fake, fake.token());
    let account = client.account().get().send().await.unwrap();
    assert_eq!(account.subdomain.as_deref(), Some("example"));
    assert_eq!(account.customers_mode, Some(CustomersMode::Segments));
    assert_eq!(account.amojo_id, None);
    assert_eq!(account.version, None);
    // `[]` (PHP's empty map) for no parts.
    assert_eq!(account.embedded.as_ref().map(|e| e.0.is_none()), Some(true));

    let account = client
        .account()
        .get()
        .with(AccountWith::AmojoId)
        .with(AccountWith::UsersGroups)
        .with(AccountWith::AmojoId)
        .with(AccountWith::DatetimeSettings)
        .send()
        .await
        .unwrap();
    assert!(account.amojo_id.is_some());
    let embedded = account.embedded.unwrap().0.unwrap();
    assert_eq!(embedded.users_groups.unwrap()[0].id, 0);
    assert!(embedded.datetime_settings.is_some());
    assert!(embedded.task_types.is_none());
    let sent = fake.requests();
    let last = sent.last().unwrap();
    assert_eq!(last.path, "/api/v4/account");
    assert_eq!(
        last.query.as_deref(),
        Some("with=amojo_id%2Cusers_groups%2Cdatetime_settings")
    );

    let error = client_with_bad_token(&fake)
        .account()
        .get()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Unauthorized(_)), "{error:?}");
}

#[test]
fn an_unknown_customers_mode_is_kept_and_a_null_one_is_none() {
    let account: amocrm::account::Account = serde_json::from_str(
        r#"{"id": 1, "customers_mode": "weekly", "name": null, "_links": [], "_embedded": []}"#,
    )
    .unwrap();
    assert_eq!(
        account.customers_mode,
        Some(amocrm::account::CustomersMode::Unknown("weekly".into()))
    );
    assert_eq!(account.name, None);
    let account: amocrm::account::Account =
        serde_json::from_str(r#"{"id": 1, "customers_mode": null}"#).unwrap();
    assert_eq!(account.customers_mode, None);
}
