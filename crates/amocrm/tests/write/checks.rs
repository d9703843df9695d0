//! Custom field values checked against the account's definitions before sending.

use amocrm::Error;
use amocrm::custom_fields::CustomFieldType;
use amocrm::error::Invalid;
use amocrm::query::EntityKind;
use amocrm::write::{FieldDefs, FieldValue, NewContact, NewLead, WriteErrorKind};
use futures::TryStreamExt;

use super::{all, body, fake_with, sent};

#[tokio::test]
async fn a_value_that_does_not_fit_its_field_costs_its_item_and_is_never_sent() {
    let (fake, client) = fake_with(|b| b).await;
    let defs = FieldDefs::load(&client, EntityKind::Leads)
        .await
        .expect("definitions");
    let all_defs: Vec<_> = client
        .custom_fields(EntityKind::Leads)
        .list()
        .stream()
        .try_collect::<Vec<_>>()
        .await
        .expect("definitions");
    let select = all_defs
        .into_iter()
        .find(|d| {
            d.type_ == Some(CustomFieldType::Select)
                && d.enums.as_ref().is_some_and(|e| !e.is_empty())
        })
        .expect("the fake's leads have a select field");
    let option = select.enums.as_ref().expect("options")[0].id;
    let leads = vec![
        NewLead::default()
            .name("fits")
            .custom_field(FieldValue::id(select.id).enum_id(option)),
        NewLead::default()
            .name("no such option")
            .custom_field(FieldValue::id(select.id).enum_id(option + 1_000_000)),
        NewLead::default()
            .name("no such field")
            .custom_field(FieldValue::id(999_999_999).value("x")),
    ];
    let results = all(client
        .leads()
        .add(leads)
        .fields(defs)
        .expect("leads' definitions")
        .stream())
    .await;
    assert!(results[0].is_ok(), "{:?}", results[0]);
    for (at, (field, path)) in [
        (
            1,
            (
                select.id.to_string(),
                "custom_fields_values.0.values.0.enum_id",
            ),
        ),
        (
            2,
            ("999999999".to_owned(), "custom_fields_values.0.field_id"),
        ),
    ] {
        let error = results[at].as_ref().expect_err("refused before sending");
        assert_eq!(error.index, at as u64);
        match &error.kind {
            WriteErrorKind::Invalid(Invalid::CustomField {
                field: f, path: p, ..
            }) => {
                assert_eq!((f.as_str(), p.as_str()), (field.as_str(), path))
            }
            other => panic!("{other:?}"),
        }
    }
    // One request, carrying the one item that fits.
    let adds = sent(&fake, "POST", "/api/v4/leads");
    assert_eq!(adds.len(), 1);
    let sent_body = body(&adds[0]);
    let names: Vec<_> = sent_body
        .as_array()
        .expect("array")
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, vec![serde_json::json!("fits")]);
}

#[tokio::test]
async fn definitions_of_another_entity_type_are_refused() {
    let (_fake, client) = fake_with(|b| b).await;
    let defs = FieldDefs::load(&client, EntityKind::Contacts)
        .await
        .expect("definitions");
    let writer = client.leads().add(Vec::<NewLead>::new()).fields(defs);
    assert!(matches!(
        writer,
        Err(Error::Invalid(Invalid::Param {
            param: "fields",
            ..
        }))
    ));
    // Without definitions nothing is checked: an unknown field goes to amoCRM, which refuses it.
    let results = all(client
        .leads()
        .add([NewLead::default().custom_field(FieldValue::id(999_999_999).value("x"))])
        .stream())
    .await;
    assert!(
        results[0]
            .as_ref()
            .expect_err("refused")
            .refused()
            .is_some()
    );
}

#[tokio::test]
async fn a_phone_by_its_code_passes_definitions_whose_options_have_no_code() {
    // The fake describes phone and email options as amoCRM does: `{"id", "value": "WORK",
    // "sort"}`, no code; the value is the enum_code a phone takes.
    let (fake, client) = fake_with(|b| b).await;
    let defs = FieldDefs::load(&client, EntityKind::Contacts)
        .await
        .expect("definitions");
    let contacts = vec![
        NewContact::default()
            .name("Phone")
            .custom_field(FieldValue::code("PHONE").coded("+79990001122", "WORK"))
            .custom_field(FieldValue::code("EMAIL").coded("a@example.com", "PRIV")),
        NewContact::default()
            .name("Not a phone code")
            .custom_field(FieldValue::code("PHONE").coded("+79990001123", "PRIV")),
    ];
    let results = all(client
        .contacts()
        .add(contacts)
        .fields(defs)
        .expect("contacts' definitions")
        .stream())
    .await;
    assert!(results[0].is_ok(), "{:?}", results[0]);
    match &results[1]
        .as_ref()
        .expect_err("refused before sending")
        .kind
    {
        WriteErrorKind::Invalid(Invalid::CustomField { path, .. }) => {
            assert_eq!(path, "custom_fields_values.0.values.0.enum_code")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sent(&fake, "POST", "/api/v4/contacts").len(), 1);
}
