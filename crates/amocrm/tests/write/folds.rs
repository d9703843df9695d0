//! Link answers read back however amoCRM words them (a link of one entity answered from
//! the other side, a mass link answered without `entity_id`), an unlink answered `200`,
//! and what amoCRM would fold in one request (the same link, the same tag name) refused
//! before sending.

use amocrm::error::Invalid;
use amocrm::query::EntityKind;
use amocrm::write::{Link, LinkTo, NewTag, WriteErrorKind};
use amocrm_fake::CrmEntity;
use amocrm_test_support::loopback::{Reply, Server, client, json, quick_retries, response};
use serde_json::json;

use super::{all, body, fake_with, sent};

fn invalid_field(error: &amocrm::write::WriteError) -> &str {
    match &error.kind {
        WriteErrorKind::Invalid(Invalid::Field { field, .. }) => field,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_link_of_one_entity_answered_from_the_other_side_is_read_back() {
    // Lead 42 linked to contact 7 and company 9; amoCRM's answer names another
    // `entity_id` (the linked side's): the pair alone names the element.
    let server = Server::always(json(
        r#"{"_total_items":2,"_embedded":{"links":[
            {"entity_id":9,"entity_type":"companies","to_entity_id":9,"to_entity_type":"companies"},
            {"entity_id":7,"entity_type":"contacts","to_entity_id":7,"to_entity_type":"contacts"}]}}"#,
    ))
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let targets = [LinkTo::contact(7), LinkTo::company(9)];
    let results = all(client
        .links(EntityKind::Leads)
        .of(42)
        .link(targets)
        .stream())
    .await;
    for (at, result) in results.iter().enumerate() {
        let written = result.as_ref().expect("answered, not NotAnswered");
        assert_eq!(
            (written.id, written.request_id.clone()),
            (42, at.to_string())
        );
    }
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn a_mass_link_answered_without_entity_id_is_read_back_by_a_unique_pair() {
    // Contact 7 is linked to leads 1 and 2 (its pair is not unique: no guess), company 9
    // to lead 3 only (unique: read back to it).
    let server = Server::always(json(
        r#"{"_total_items":3,"_embedded":{"links":[
            {"to_entity_id":9,"to_entity_type":"companies"},
            {"to_entity_id":7,"to_entity_type":"contacts"},
            {"to_entity_id":7,"to_entity_type":"contacts"}]}}"#,
    ))
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let links = [
        Link::new(1, LinkTo::contact(7)),
        Link::new(2, LinkTo::contact(7)),
        Link::new(3, LinkTo::company(9)),
    ];
    let results = all(client.links(EntityKind::Leads).link(links).stream()).await;
    let third = results[2].as_ref().expect("the unique pair answered");
    assert_eq!((third.id, third.request_id.as_str()), (3, "2"));
    for result in &results[..2] {
        let error = result
            .as_ref()
            .expect_err("which lead was answered is unknown");
        assert!(matches!(error.kind, WriteErrorKind::NotAnswered), "{error}");
    }
}

#[tokio::test]
async fn an_unlink_answered_200_is_a_success() {
    let server = Server::always(Reply::Bytes(response(200, "", &[], b""))).await;
    let client = client(server.base_url(), quick_retries(1));
    let one = all(client
        .links(EntityKind::Leads)
        .of(42)
        .unlink([LinkTo::contact(7)])
        .stream())
    .await;
    assert_eq!(one[0].as_ref().expect("unlinked").id, 42);
    let mass = [Link::new(1, LinkTo::company(9))];
    let mass = all(client.links(EntityKind::Leads).unlink(mass).stream()).await;
    assert_eq!(mass[0].as_ref().expect("unlinked").id, 1);
    assert_eq!(server.count(), 2, "each sent once");
}

#[tokio::test]
async fn the_same_link_or_tag_name_twice_in_a_batch_is_refused_unsent() {
    let (fake, client) = fake_with(|b| b).await;
    let leads = fake.crm().ids(CrmEntity::Leads);
    let contact = fake.crm().ids(CrmEntity::Contacts)[3];
    let links = [
        Link::new(leads[11], LinkTo::contact(contact)),
        Link::new(leads[12], LinkTo::contact(contact)),
        Link::new(leads[11], LinkTo::contact(contact).main(true)),
    ];
    let results = all(client.links(EntityKind::Leads).link(links).stream()).await;
    assert_eq!(results[0].as_ref().expect("linked").id, leads[11]);
    assert_eq!(results[1].as_ref().expect("linked").id, leads[12]);
    assert_eq!(
        invalid_field(results[2].as_ref().unwrap_err()),
        "to_entity_id"
    );
    let posts = sent(&fake, "POST", "/api/v4/leads/link");
    assert_eq!(
        body(&posts[0]),
        json!([
            {"entity_id": leads[11], "to_entity_id": contact, "to_entity_type": "contacts"},
            {"entity_id": leads[12], "to_entity_id": contact, "to_entity_type": "contacts"},
        ])
    );
    // Of one entity, too.
    let targets = [LinkTo::contact(contact), LinkTo::contact(contact)];
    let of_one = all(client
        .links(EntityKind::Leads)
        .of(leads[13])
        .link(targets)
        .stream())
    .await;
    assert!(of_one[0].is_ok(), "{of_one:?}");
    assert_eq!(
        invalid_field(of_one[1].as_ref().unwrap_err()),
        "to_entity_id"
    );

    let tags = [
        NewTag::new("Twice"),
        NewTag::new("Once"),
        NewTag::new("Twice"),
    ];
    let added = all(client.tags(EntityKind::Leads).add(tags).stream()).await;
    assert!(added[0].is_ok() && added[1].is_ok(), "{added:?}");
    assert_eq!(invalid_field(added[2].as_ref().unwrap_err()), "name");
    let posts = sent(&fake, "POST", "/api/v4/leads/tags");
    assert_eq!(
        body(&posts[0]),
        json!([{"name": "Twice", "request_id": "0"}, {"name": "Once", "request_id": "1"}])
    );
}
