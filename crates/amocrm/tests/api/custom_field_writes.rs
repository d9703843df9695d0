//! Custom field definitions added, changed and deleted against the fake: what is sent,
//! what is refused before sending, and what the read side and the writers see afterwards.

use amocrm::custom_fields::{CustomFieldPatch, CustomFieldType, NewCustomField};
use amocrm::error::Invalid;
use amocrm::query::EntityKind;
use amocrm::write::{FieldDefs, FieldValue, NewLead};
use amocrm::{AccountUrl, Client, Error};
use amocrm_fake::{CrmSize, FakeServer};
use futures::{StreamExt, TryStreamExt};
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

fn definition(error: Error) -> String {
    match error {
        Error::Invalid(Invalid::Definition { what, .. }) => what,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_field_added_is_listed_written_to_changed_and_deleted() {
    let (fake, client) = fake().await;
    let fields = client.custom_fields(EntityKind::Leads);
    let made = fields
        .add([NewCustomField::new("Source", CustomFieldType::Select)
            .option("Web", 1)
            .option("Phone", 2)
            .code("SOURCE")])
        .await
        .expect("added");
    assert_eq!(made.len(), 1);
    let field = &made[0];
    assert_eq!(field.request_id.as_deref(), Some("0"));
    assert_eq!(field.type_, Some(CustomFieldType::Select));
    assert_eq!(
        sent(&fake, "POST")[0],
        json!([{"name": "Source", "type": "select", "code": "SOURCE", "request_id": "0",
                "enums": [{"value": "Web", "sort": 1}, {"value": "Phone", "sort": 2}]}])
    );
    let web = field.enums.as_ref().expect("options")[0].id;
    // The read side lists it, and a writer checking against the definitions takes it.
    let listed = fields.get(field.id).send().await.expect("listed");
    assert_eq!(listed.code.as_deref(), Some("SOURCE"));
    let defs = FieldDefs::load(&client, EntityKind::Leads)
        .await
        .expect("defs");
    let lead = NewLead::default()
        .name("x")
        .custom_field(FieldValue::code("SOURCE").enum_id(web));
    let results: Vec<_> = client
        .leads()
        .add([lead])
        .fields(defs)
        .expect("defs")
        .stream()
        .collect()
        .await;
    assert!(results[0].is_ok(), "{results:?}");

    let changed = fields
        .update([CustomFieldPatch::new(field.id).name("Channel")])
        .await
        .expect("changed");
    assert_eq!(changed[0].name.as_deref(), Some("Channel"));
    let one = fields
        .update_one(field.id, CustomFieldPatch::default().sort(7))
        .await
        .expect("changed");
    assert_eq!(one.sort, Some(7));
    assert_eq!(
        sent(&fake, "PATCH"),
        [
            json!([{"id": field.id, "name": "Channel", "request_id": "0"}]),
            json!({"sort": 7})
        ]
    );

    fields.delete(field.id).await.expect("deleted");
    assert!(matches!(
        fields.get(field.id).send().await,
        Err(Error::NotFound { .. })
    ));
    // Its values went with it: a lead that held one reads without it.
    let lead_id = results[0].as_ref().expect("written").id;
    let lead = client.leads().get(lead_id).send().await.expect("lead");
    assert!(
        lead.custom_fields_values
            .unwrap_or_default()
            .iter()
            .all(|v| v.field_id != field.id)
    );
}

#[tokio::test]
async fn what_amocrm_documents_as_invalid_is_never_sent() {
    let (fake, client) = fake().await;
    let leads = client.custom_fields(EntityKind::Leads);
    assert_eq!(
        definition(
            leads
                .add([NewCustomField::new("P", CustomFieldType::Multitext)])
                .await
                .expect_err("refused")
        ),
        "0.type"
    );
    assert_eq!(
        definition(
            leads
                .add([NewCustomField::new("S", CustomFieldType::Select)])
                .await
                .expect_err("refused")
        ),
        "0.enums"
    );
    assert_eq!(
        definition(
            leads
                .add([NewCustomField::new("M", CustomFieldType::Monetary)])
                .await
                .expect_err("refused")
        ),
        "0.currency"
    );
    assert_eq!(
        definition(leads.add(Vec::new()).await.expect_err("refused")),
        "custom fields"
    );
    assert_eq!(
        definition(
            leads
                .update([CustomFieldPatch::default().name("x")])
                .await
                .expect_err("refused")
        ),
        "0.id"
    );
    assert!(matches!(
        leads.delete(0).await,
        Err(Error::Invalid(Invalid::Field { .. }))
    ));
    assert_eq!(fake.requests().len(), 0);
}

#[tokio::test]
async fn the_fake_refuses_like_amocrm() {
    let (fake, client) = fake().await;
    let contacts = client.custom_fields(EntityKind::Contacts);
    let all: Vec<_> = contacts
        .list()
        .stream()
        .try_collect()
        .await
        .expect("definitions");
    let phone = all
        .iter()
        .find(|d| d.code.as_deref() == Some("PHONE"))
        .expect("PHONE");
    match contacts.delete(phone.id).await {
        Err(Error::Api { problem }) => assert_eq!(problem.status, 422),
        other => panic!("{other:?}"),
    }
    match contacts
        .update_one(999_999_999, CustomFieldPatch::default().name("x"))
        .await
    {
        Err(Error::Api { problem }) => assert_eq!(problem.status, 404),
        Err(Error::NotFound { .. }) => {}
        other => panic!("{other:?}"),
    }
    let raw = json!([{"name": "A", "type": "text"}, {"type": "price", "colour": 1}]);
    let answer = reqwest::Client::new()
        .post(format!("{}/api/v4/leads/custom_fields", fake.base_url()))
        .bearer_auth(fake.token())
        .json(&raw)
        .send()
        .await
        .expect("answer");
    assert_eq!(answer.status(), 400);
    let text = answer.text().await.expect("body");
    for part in [
        "\"request_id\":\"1\"",
        "FieldMissing",
        "NotSupportedChoice",
        "FieldNotExpected",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    let user = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.user_token())
        .rate_limit(None)
        .build()
        .expect("client");
    let refused = user
        .custom_fields(EntityKind::Leads)
        .add([NewCustomField::new("T", CustomFieldType::Text)])
        .await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
}
