//! `GET /api/v4/account` against what amoCRM may send.

use amocrm::ErrorKind;
use amocrm::account::AccountWith;
use amocrm_test_support::loopback;
use amocrm_test_support::loopback::{Server, client, json, problem, quick_retries};

#[tokio::test]
async fn an_account_with_php_empty_maps_and_unknown_values_decodes() {
    // PHP writes an empty map as `[]`: in `_embedded` itself and in each of its maps.
    let body = r#"{"id":1,"name":null,"subdomain":"example","customers_mode":"brand_new",
        "is_unsorted_on":null,"unknown_field":{"x":1},
        "_embedded":{"amojo_rights":[],"entity_names":[],"datetime_settings":[],
                     "users_groups":[],"task_types":[]}}"#;
    let server = Server::always(json(body)).await;
    let client = client(server.base_url(), quick_retries(1));
    let account = client
        .account()
        .get()
        .with(AccountWith::AmojoRights)
        .with(AccountWith::EntityNames)
        .with(AccountWith::AmojoRights)
        .with(AccountWith::DatetimeSettings)
        .send()
        .await
        .unwrap();
    assert_eq!(account.id, 1);
    assert_eq!(account.customers_mode.unwrap().to_string(), "brand_new");
    let seen = server.seen();
    assert!(
        seen[0]
            .target
            .ends_with("with=amojo_rights%2Centity_names%2Cdatetime_settings")
            || seen[0]
                .target
                .ends_with("with=amojo_rights,entity_names,datetime_settings"),
        "{}",
        seen[0].target
    );
    let empty = Server::always(json(r#"{"id":2,"_embedded":[]}"#)).await;
    let account = loopback::client(empty.base_url(), quick_retries(1))
        .account()
        .get()
        .send()
        .await
        .unwrap();
    assert_eq!(account.id, 2);
}

#[tokio::test]
async fn a_401_of_the_account_call_is_typed() {
    let server = Server::always(problem(401, "Unauthorized")).await;
    let error = client(server.base_url(), quick_retries(3))
        .account()
        .get()
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(server.count(), 1);
}
