//! A catalog's custom field definitions added, changed and deleted against the fake:
//! what is sent, what is refused before sending, and what the catalog's reads see.

use amocrm::custom_fields::{CustomFieldPatch, CustomFieldType, NewCustomField};
use amocrm::error::Invalid;
use amocrm::{Client, Error};
use amocrm_fake::{CrmSize, FakeServer};
use futures::TryStreamExt;
use serde_json::{Value, json};

async fn fake() -> (FakeServer, Client) {
    let fake = FakeServer::builder()
        .crm(CrmSize::default())
        .start()
        .await
        .expect("fake");
    let client = amocrm_test_support::fake::client(&fake);
    (fake, client)
}

fn sent(fake: &FakeServer, method: &str) -> Vec<Value> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path.contains("/custom_fields"))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn a_catalogs_field_is_added_read_changed_and_deleted() {
    let (fake, client) = fake().await;
    let catalogs = client.catalogs();
    let all: Vec<_> = catalogs
        .list()
        .stream()
        .try_collect()
        .await
        .expect("catalogs");
    let catalog = all[0].id;
    let size = NewCustomField::from_json(
        json!({"name": "Size", "type": "category",
               "nested": [{"value": "S", "sort": 1}, {"value": "M", "sort": 2}]})
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    let made = catalogs
        .add_custom_fields(catalog, [size])
        .await
        .expect("added");
    assert_eq!(made.len(), 1);
    let field = &made[0];
    assert_eq!(field.type_, Some(CustomFieldType::Category));
    assert_eq!(field.request_id.as_deref(), Some("0"));
    assert_eq!(
        sent(&fake, "POST"),
        [
            json!([{"name": "Size", "type": "category", "request_id": "0",
                 "nested": [{"value": "S", "sort": 1}, {"value": "M", "sort": 2}]}])
        ]
    );
    // The catalog's reads see it.
    let listed: Vec<_> = catalogs
        .custom_fields(catalog)
        .stream()
        .try_collect()
        .await
        .expect("listed");
    assert!(listed.iter().any(|f| f.id == field.id));

    let changed = catalogs
        .update_custom_fields(catalog, [CustomFieldPatch::new(field.id).name("Sizes")])
        .await
        .expect("changed");
    assert_eq!(changed[0].name.as_deref(), Some("Sizes"));
    let one = catalogs
        .update_custom_field(catalog, field.id, CustomFieldPatch::default().sort(9))
        .await
        .expect("changed");
    assert_eq!(one.sort, Some(9));
    let got = catalogs
        .custom_field(catalog, field.id)
        .send()
        .await
        .expect("got");
    assert_eq!(got.name.as_deref(), Some("Sizes"));

    catalogs
        .delete_custom_field(catalog, field.id)
        .await
        .expect("deleted");
    assert!(matches!(
        catalogs.custom_field(catalog, field.id).send().await,
        Err(Error::NotFound { .. })
    ));
    // A catalog the account lacks is amoCRM's 404.
    let missing = catalogs
        .add_custom_fields(
            999_999_999,
            [NewCustomField::new("T", CustomFieldType::Text)],
        )
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}

#[tokio::test]
async fn what_a_catalog_does_not_take_is_never_sent() {
    let (fake, client) = fake().await;
    let catalogs = client.catalogs();
    let refused = |result: Result<_, Error>| match result {
        Err(Error::Invalid(Invalid::Definition { what, .. })) => what,
        other => panic!("{other:?}"),
    };
    let birthday = catalogs
        .add_custom_fields(1, [NewCustomField::new("B", CustomFieldType::Birthday)])
        .await;
    assert_eq!(refused(birthday.map(|_| ())), "0.type");
    let money = catalogs
        .update_custom_field(1, 2, CustomFieldPatch::default().currency("RUB"))
        .await;
    assert_eq!(refused(money.map(|_| ())), "currency");
    let bad_catalog = catalogs.delete_custom_field(0, 2).await;
    assert!(
        matches!(
            &bad_catalog,
            Err(Error::Invalid(Invalid::Field { field, .. })) if field == "catalog_id"
        ),
        "{bad_catalog:?}"
    );
    assert!(sent(&fake, "POST").is_empty() && sent(&fake, "PATCH").is_empty());
    assert!(fake.requests().iter().all(|r| r.method != "DELETE"));
}
