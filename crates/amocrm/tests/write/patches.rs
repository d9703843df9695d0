//! Updates send only what was set; a complex add links its contact and company.

use amocrm::leads::With;
use amocrm::write::{
    CompanyPatch, ComplexLead, ContactPatch, FieldValue, LeadPatch, NewCompany, NewContact, NewLead,
};
use amocrm_fake::CrmEntity;
use serde_json::json;

use super::{all, body, fake_with, sent};

#[tokio::test]
async fn a_patch_sends_only_the_fields_set_on_it() {
    let (fake, client) = fake_with(|b| b).await;
    let ids = fake.crm().ids(CrmEntity::Leads);
    let patches = [
        LeadPatch::new(ids[0]).price(5),
        LeadPatch::new(ids[1]).name("Renamed").tags_to_add(["vip"]),
    ];
    let results = all(client.leads().update(patches).stream()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let patches = sent(&fake, "PATCH", "/api/v4/leads");
    assert_eq!(patches.len(), 1);
    assert_eq!(
        body(&patches[0]),
        json!([
            {"id": ids[0], "price": 5, "request_id": "0"},
            {"id": ids[1], "name": "Renamed", "tags_to_add": [{"name": "vip"}], "request_id": "1"},
        ])
    );
    let renamed = client.leads().get(ids[1]).send().await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Renamed"));
    assert_eq!(results[1].as_ref().unwrap().updated_at, renamed.updated_at);
    let priced = client.leads().get(ids[0]).send().await.unwrap();
    assert_eq!(priced.price.and_then(|p| p.as_i64()), Some(5));

    let contact = fake.crm().ids(CrmEntity::Contacts)[0];
    let company = fake.crm().ids(CrmEntity::Companies)[0];
    let phone = FieldValue::code("PHONE").coded("+79990001122", "WORK");
    let contacts = [ContactPatch::new(contact)
        .first_name("Ivan")
        .custom_field(phone)];
    assert!(all(client.contacts().update(contacts).stream()).await[0].is_ok());
    let companies = [CompanyPatch::new(company).name("Example LLC")];
    assert!(all(client.companies().update(companies).stream()).await[0].is_ok());
    assert_eq!(
        body(&sent(&fake, "PATCH", "/api/v4/contacts")[0]),
        json!([{"id": contact, "first_name": "Ivan", "request_id": "0", "custom_fields_values": [
            {"field_code": "PHONE", "values": [{"value": "+79990001122", "enum_code": "WORK"}]}
        ]}])
    );
    assert_eq!(
        body(&sent(&fake, "PATCH", "/api/v4/companies")[0]),
        json!([{"id": company, "name": "Example LLC", "request_id": "0"}])
    );
}

#[tokio::test]
async fn a_complex_add_links_the_contact_and_the_company() {
    let (fake, client) = fake_with(|b| b).await;
    let lead = ComplexLead::new(NewLead::default().name("Order 18").price(100))
        .contact(
            NewContact::default()
                .first_name("Ivan")
                .custom_field(FieldValue::code("PHONE").coded("+79990001122", "WORK")),
        )
        .company(NewCompany::default().name("Example LLC"));
    let existing = fake.crm().ids(CrmEntity::Contacts)[0];
    let second = ComplexLead::new(NewLead::default().name("Order 19")).existing_contact(existing);
    let results = all(client.leads().complex_add([lead, second]).stream()).await;
    let written = results[0].as_ref().expect("written");
    let (contact, company) = (written.contact_id.unwrap(), written.company_id.unwrap());
    let lead = client
        .leads()
        .get(written.id)
        .with(With::Contacts)
        .send()
        .await
        .unwrap();
    let embedded = lead.embedded.unwrap().into_option().unwrap();
    assert_eq!(
        embedded.contacts.iter().map(|c| c.id).collect::<Vec<_>>(),
        [contact]
    );
    assert_eq!(
        embedded.companies.iter().map(|c| c.id).collect::<Vec<_>>(),
        [company]
    );
    let fetched = client.contacts().get(contact).send().await.unwrap();
    assert_eq!(fetched.name.as_deref(), Some("Ivan"));
    let fetched_company = fetched.embedded.unwrap().into_option().unwrap().companies;
    assert_eq!(
        fetched_company.iter().map(|c| c.id).collect::<Vec<_>>(),
        [company]
    );
    let second = results[1].as_ref().expect("written");
    assert_eq!(
        (second.contact_id, second.company_id),
        (Some(existing), None)
    );
    let posts = sent(&fake, "POST", "/api/v4/leads/complex");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        body(&posts[0])[1]["_embedded"],
        json!({"contacts": [{"id": existing}]})
    );
}

#[tokio::test]
async fn one_patch_goes_to_the_entity_path_with_only_its_fields() {
    let (fake, client) = fake_with(|b| b).await;
    let id = fake.crm().ids(CrmEntity::Leads)[2];
    let updated = client
        .leads()
        .update_one(LeadPatch::new(id).price(7))
        .await
        .unwrap();
    assert_eq!(updated.id, id);
    let sent_one = sent(&fake, "PATCH", &format!("/api/v4/leads/{id}"));
    assert_eq!(body(&sent_one[0]), json!({"price": 7}));
    let lead = client.leads().get(id).send().await.unwrap();
    assert_eq!(lead.updated_at, updated.updated_at);
    let company = fake.crm().ids(CrmEntity::Companies)[0];
    let renamed = client
        .companies()
        .update_one(CompanyPatch::new(company).name("Z"))
        .await;
    assert_eq!(renamed.unwrap().id, company);
    let before = fake.requests().len();
    let refused = client
        .contacts()
        .update_one(ContactPatch::new(0).name("x"))
        .await;
    assert!(matches!(refused, Err(amocrm::Error::Invalid(_))));
    assert_eq!(fake.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn an_update_answer_without_request_ids_is_matched_by_the_entities_ids() {
    use amocrm_test_support::loopback::{Server, client, json, quick_retries};
    // amoCRM's own examples of edits answer `{id, updated_at, _links}` per entity, no
    // `request_id`: each patch is then matched by the ID it carries.
    let server = Server::start(|_, _| {
        json(
            r#"{"_links":{"self":{"href":"x"}},"_embedded":{"leads":[
                {"id":12,"updated_at":1700000012,"_links":{"self":{"href":"x"}}},
                {"id":11,"updated_at":1700000011,"_links":{"self":{"href":"x"}}}]}}"#,
        )
    })
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let patches = [
        LeadPatch::new(11).price(1),
        LeadPatch::new(12).price(2),
        LeadPatch::new(13).price(3),
    ];
    let results = all(client.leads().update(patches).stream()).await;
    let written: Vec<_> = results[..2]
        .iter()
        .map(|r| r.as_ref().map(|w| (w.id, w.updated_at)).unwrap())
        .collect();
    assert_eq!(
        written,
        [(11, Some(1_700_000_011)), (12, Some(1_700_000_012))]
    );
    let missing = results[2].as_ref().unwrap_err();
    assert!(
        matches!(missing.kind, amocrm::write::WriteErrorKind::NotAnswered),
        "{missing:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn an_add_missing_from_its_answer_is_an_unknown_outcome_that_stop_stops_at() {
    use amocrm::write::{NewLead, OnUnknown};
    use amocrm_test_support::loopback::{Server, client, json, quick_retries};
    // A 200 answer naming the first item of two: the second was most likely written, so
    // it is an unknown outcome, and a writer told to stop there reads nothing more.
    let server = Server::start(|_, _| {
        json(
            r#"{"_links":{"self":{"href":"x"}},"_embedded":{"leads":[
                {"id":21,"request_id":"0","_links":{"self":{"href":"x"}}}]}}"#,
        )
    })
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let leads = (0..4).map(|i| NewLead::default().name(format!("l{i}")));
    let stream = client.leads().add(leads).batch(2).unwrap();
    let results = all(stream.on_unknown(OnUnknown::Stop).stream()).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0].as_ref().map(|w| w.id).ok(), Some(21));
    let missing = results[1].as_ref().unwrap_err();
    assert!(missing.is_outcome_unknown(), "{missing:?}");
    assert_eq!(server.count(), 1);
}
