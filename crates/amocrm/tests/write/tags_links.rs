//! Tags (new ones in a dictionary; attached, detached, replaced and cleared on entities)
//! and links (of one entity and mass) against the fake: the bodies sent, what the fake
//! holds afterwards, one refused link costing one item, bad input refused unsent.

use amocrm::links::{EntityLink, LinkedType, Target};
use amocrm::query::EntityKind;
use amocrm::write::{LeadPatch, Link, LinkTo, NewTag, TagRef, WriteErrorKind};
use amocrm::{Client, Error};
use amocrm_fake::{CrmEntity, Fault};
use serde_json::json;

use super::{all, body, fake_with, sent};

/// The names of the tags of lead `id`.
async fn lead_tags(client: &Client, id: i64) -> Vec<String> {
    let lead = client.leads().get(id).send().await.expect("lead");
    let embedded = lead.embedded.and_then(|e| e.into_option());
    let mut names: Vec<String> = embedded
        .map(|e| e.tags.into_iter().filter_map(|t| t.name).collect())
        .unwrap_or_default();
    names.sort();
    names
}

fn invalid_field(error: &amocrm::write::WriteError) -> &str {
    match &error.kind {
        WriteErrorKind::Invalid(amocrm::error::Invalid::Field { field, .. }) => field,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn new_tags_are_added_once_each_and_bad_ones_are_not_sent() {
    let (fake, client) = fake_with(|b| b).await;
    let tags = [
        NewTag::new("Priority 2026").color("ffce5a"),
        NewTag::new("Website"),
        NewTag::new("  "),
        NewTag::new("Odd").color("123456"),
    ];
    let results = all(client.tags(EntityKind::Leads).add(tags).stream()).await;
    assert_eq!(invalid_field(results[2].as_ref().unwrap_err()), "name");
    assert_eq!(invalid_field(results[3].as_ref().unwrap_err()), "color");
    let posts = sent(&fake, "POST", "/api/v4/leads/tags");
    assert_eq!(posts.len(), 1);
    assert_eq!(
        body(&posts[0]),
        json!([
            {"name": "Priority 2026", "color": "FFCE5A", "request_id": "0"},
            {"name": "Website", "request_id": "1"},
        ])
    );
    let vip = results[0].as_ref().expect("added").id;
    let listed = client
        .tags(EntityKind::Leads)
        .list()
        .name("Priority 2026")
        .send()
        .await;
    let listed = listed.expect("listed").items;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id, listed[0].color.as_deref()),
        (vip, Some("FFCE5A"))
    );

    // The same name again is the same tag.
    let again = all(client
        .tags(EntityKind::Leads)
        .add([NewTag::new("Priority 2026")])
        .stream())
    .await;
    assert_eq!(again[0].as_ref().expect("found").id, vip);

    // Only leads' tags have colours: a contact tag with one is refused unsent.
    let before = fake.requests().len();
    let contact = [NewTag::new("VIP").color("FFCE5A")];
    let refused = all(client.tags(EntityKind::Contacts).add(contact).stream()).await;
    assert_eq!(invalid_field(refused[0].as_ref().unwrap_err()), "color");
    assert_eq!(fake.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn tags_are_attached_and_detached_by_the_entitys_patch() {
    let (fake, client) = fake_with(|b| b).await;
    let id = fake.crm().ids(CrmEntity::Leads)[3];
    let tags = client.tags(EntityKind::Leads);
    let added = all(tags.add([NewTag::new("Known")]).stream()).await;
    let known = added[0].as_ref().expect("added").id;
    let before = lead_tags(&client, id).await;

    let updated = tags
        .attach(id, [TagRef::Id(known), TagRef::from("Fresh")])
        .await;
    assert_eq!(updated.expect("attached").id, id);
    let path = format!("/api/v4/leads/{id}");
    assert_eq!(
        body(&sent(&fake, "PATCH", &path)[0]),
        json!({"tags_to_add": [{"id": known}, {"name": "Fresh"}]})
    );
    let mut with = before.clone();
    with.extend(["Fresh".to_owned(), "Known".to_owned()]);
    with.sort();
    assert_eq!(lead_tags(&client, id).await, with);

    tags.detach(id, ["Fresh"]).await.expect("detached");
    assert_eq!(
        body(&sent(&fake, "PATCH", &path)[1]),
        json!({"tags_to_delete": [{"name": "Fresh"}]})
    );
    let mut without = before.clone();
    without.push("Known".to_owned());
    without.sort();
    assert_eq!(lead_tags(&client, id).await, without);

    // Checked before sending: no tag, a bad tag, a bad ID, customers.
    let sent_before = fake.requests().len();
    let none: [TagRef; 0] = [];
    assert!(matches!(
        tags.attach(id, none).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(tags.attach(id, [0]).await, Err(Error::Invalid(_))));
    assert!(matches!(
        tags.detach(id, [" "]).await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        tags.attach(0, ["x"]).await,
        Err(Error::Invalid(_))
    ));
    let customers = client.tags(EntityKind::Customers);
    assert!(matches!(
        customers.attach(1, ["x"]).await,
        Err(Error::Invalid(_))
    ));
    assert_eq!(fake.requests().len(), sent_before, "nothing sent");
}

#[tokio::test]
async fn a_patch_replaces_or_clears_the_whole_set_of_tags() {
    let (fake, client) = fake_with(|b| b).await;
    let ids = fake.crm().ids(CrmEntity::Leads);
    client
        .tags(EntityKind::Leads)
        .attach(ids[5], ["C"])
        .await
        .expect("attached");
    assert!(lead_tags(&client, ids[5]).await.contains(&"C".to_owned()));
    let patches = [
        LeadPatch::new(ids[4]).replace_tags(["A", "B"]),
        LeadPatch::new(ids[5]).clear_tags(),
    ];
    let results = all(client.leads().update(patches).stream()).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(
        body(&sent(&fake, "PATCH", "/api/v4/leads")[0]),
        json!([
            {"id": ids[4], "_embedded": {"tags": [{"name": "A"}, {"name": "B"}]}, "request_id": "0"},
            {"id": ids[5], "_embedded": {"tags": null}, "request_id": "1"},
        ])
    );
    assert_eq!(lead_tags(&client, ids[4]).await, ["A", "B"]);
    assert!(lead_tags(&client, ids[5]).await.is_empty());
}

/// The links of lead `id`: `(to_entity_type, to_entity_id, metadata)`.
async fn links_of(client: &Client, id: i64) -> Vec<EntityLink> {
    let page = client.links(EntityKind::Leads).of(id).list().send().await;
    page.expect("links").items
}

#[tokio::test]
async fn links_of_one_entity_are_made_and_undone() {
    let (fake, client) = fake_with(|b| b).await;
    let lead = fake.crm().ids(CrmEntity::Leads)[6];
    let contact = *fake.crm().ids(CrmEntity::Contacts).last().unwrap();
    let catalogs = client
        .catalogs()
        .list()
        .send()
        .await
        .expect("catalogs")
        .items;
    let catalog = catalogs[0].id;
    let elements = client.catalogs().elements(catalog).list().send().await;
    let element = elements.expect("elements").items[0].id;
    let targets = [
        LinkTo::contact(contact).main(true),
        LinkTo::catalog_element(catalog, element).quantity(2.5),
        LinkTo::customer(5),
        LinkTo::contact(0),
        LinkTo::company(7).quantity(1.0),
    ];
    let results = all(client
        .links(EntityKind::Leads)
        .of(lead)
        .link(targets)
        .stream())
    .await;
    assert_eq!(results[0].as_ref().expect("linked").id, lead);
    assert_eq!(results[1].as_ref().expect("linked").id, lead);
    assert_eq!(
        invalid_field(results[2].as_ref().unwrap_err()),
        "to_entity_type"
    );
    assert_eq!(
        invalid_field(results[3].as_ref().unwrap_err()),
        "to_entity_id"
    );
    assert_eq!(
        invalid_field(results[4].as_ref().unwrap_err()),
        "metadata.quantity"
    );
    let path = format!("/api/v4/leads/{lead}/link");
    let posts = sent(&fake, "POST", &path);
    assert_eq!(posts.len(), 1);
    assert_eq!(
        body(&posts[0]),
        json!([
            {"to_entity_id": contact, "to_entity_type": "contacts", "metadata": {"is_main": true}},
            {"to_entity_id": element, "to_entity_type": "catalog_elements",
             "metadata": {"catalog_id": catalog, "quantity": 2.5}},
        ])
    );
    let links = links_of(&client, lead).await;
    let main = links
        .iter()
        .find(|l| l.to_entity_id == contact)
        .expect("contact linked");
    assert_eq!(
        LinkedType::of(main),
        Some(LinkedType::Known(Target::Contacts))
    );
    let metadata = main.metadata.clone().and_then(|m| m.0).expect("metadata");
    assert_eq!(metadata.main_contact, Some(true));
    let linked = links
        .iter()
        .find(|l| l.to_entity_id == element)
        .expect("element linked");
    let metadata = linked.metadata.clone().and_then(|m| m.0).expect("metadata");
    assert_eq!(
        (metadata.quantity, metadata.catalog_id),
        (Some(2.5), Some(catalog))
    );

    let unlinked = client
        .links(EntityKind::Leads)
        .of(lead)
        .unlink([LinkTo::contact(contact)]);
    let unlinked = all(unlinked.stream()).await;
    assert_eq!(unlinked[0].as_ref().expect("unlinked").id, lead);
    let path = format!("/api/v4/leads/{lead}/unlink");
    assert_eq!(
        body(&sent(&fake, "POST", &path)[0]),
        json!([{"to_entity_id": contact, "to_entity_type": "contacts"}])
    );
    let links = links_of(&client, lead).await;
    assert!(links.iter().all(|l| l.to_entity_id != contact), "{links:?}");

    // An unlink takes catalog_id and updated_by only: a quantity is refused unsent.
    let before = fake.requests().len();
    let target = LinkTo::catalog_element(catalog, element).quantity(1.0);
    let refused = all(client
        .links(EntityKind::Leads)
        .of(lead)
        .unlink([target])
        .stream())
    .await;
    assert_eq!(invalid_field(refused[0].as_ref().unwrap_err()), "metadata");
    assert_eq!(fake.requests().len(), before, "nothing sent");
}

#[tokio::test]
async fn one_refused_mass_link_costs_one_item() {
    let (fake, client) = fake_with(|b| b).await;
    let leads = fake.crm().ids(CrmEntity::Leads);
    let contacts = fake.crm().ids(CrmEntity::Contacts);
    let companies = fake.crm().ids(CrmEntity::Companies);
    let missing = contacts.iter().max().unwrap() + 1000;
    let links = [
        Link::new(leads[7], LinkTo::contact(contacts[1])),
        Link::new(leads[8], LinkTo::contact(missing)),
        Link::new(leads[9], LinkTo::company(companies[1])),
    ];
    let results = all(client.links(EntityKind::Leads).link(links).stream()).await;
    assert_eq!(results[0].as_ref().expect("linked").id, leads[7]);
    let refused = results[1].as_ref().unwrap_err();
    let errors = refused.refused().expect("refused by amoCRM");
    assert_eq!(
        (errors[0].code.as_str(), errors[0].path.as_str()),
        ("NotSupportedChoice", "to_entity_id")
    );
    assert_eq!(results[2].as_ref().expect("linked").id, leads[9]);
    let posts = sent(&fake, "POST", "/api/v4/leads/link");
    assert_eq!(
        posts.len(),
        2,
        "the batch, then the rest without the refused link"
    );
    assert_eq!(
        body(&posts[1]),
        json!([
            {"entity_id": leads[7], "to_entity_id": contacts[1], "to_entity_type": "contacts"},
            {"entity_id": leads[9], "to_entity_id": companies[1], "to_entity_type": "companies"},
        ])
    );
    let mass = client
        .links(EntityKind::Leads)
        .list()
        .entity_ids([leads[7], leads[9]]);
    let mass = mass.send().await.expect("links").items;
    assert!(
        mass.iter()
            .any(|l| l.entity_id == Some(leads[7]) && l.to_entity_id == contacts[1])
    );
    assert!(
        mass.iter()
            .any(|l| l.entity_id == Some(leads[9]) && l.to_entity_id == companies[1])
    );

    let undo = [Link::new(leads[7], LinkTo::contact(contacts[1]))];
    let undone = all(client.links(EntityKind::Leads).unlink(undo).stream()).await;
    assert_eq!(undone[0].as_ref().expect("unlinked").id, leads[7]);
    let after = links_of(&client, leads[7]).await;
    assert!(
        after.iter().all(|l| l.to_entity_id != contacts[1]),
        "{after:?}"
    );
}

#[tokio::test]
async fn link_answers_are_read_back_to_the_items_without_request_ids() {
    use amocrm_test_support::loopback::{Reply, Server, client, json, quick_retries, response};
    // A link of one entity answered without `entity_id` (the path names it), in another
    // order than sent, and a refusal naming the second element by its index.
    let server = Server::start(|n, _| match n {
        0 => Reply::Bytes(response(
            400,
            "application/problem+json",
            &[],
            br#"{"title":"Bad Request","status":400,"validation-errors":[
                {"request_id":"1","errors":[{"code":"NotSupportedChoice","path":"to_entity_id"}]}]}"#,
        )),
        _ => json(
            r#"{"_total_items":2,"_embedded":{"links":[
                {"to_entity_id":9,"to_entity_type":"companies","metadata":null},
                {"to_entity_id":7,"to_entity_type":"contacts","metadata":{"main_contact":true}}]}}"#,
        ),
    })
    .await;
    let client = client(server.base_url(), quick_retries(1));
    let targets = [
        LinkTo::contact(7).main(true),
        LinkTo::contact(8),
        LinkTo::company(9),
    ];
    let results = all(client
        .links(EntityKind::Leads)
        .of(42)
        .link(targets)
        .stream())
    .await;
    assert_eq!(results[0].as_ref().expect("linked").request_id, "0");
    let refused = results[1].as_ref().unwrap_err().refused().expect("refused");
    assert_eq!(refused[0].path, "to_entity_id");
    let third = results[2].as_ref().expect("linked");
    assert_eq!((third.id, third.request_id.as_str()), (42, "2"));
    assert_eq!(server.count(), 2);
    let seen = server.seen();
    let resent: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("JSON");
    assert_eq!(
        resent,
        json!([
            {"to_entity_id": 7, "to_entity_type": "contacts", "metadata": {"is_main": true}},
            {"to_entity_id": 9, "to_entity_type": "companies"},
        ])
    );
}

#[tokio::test]
async fn a_cut_link_is_not_sent_again_and_a_cut_tags_add_or_unlink_is() {
    let (fake, client) = fake_with(|b| {
        b.fault(Fault::cut().route("POST", "/api/v4/leads/link").nth(1))
            .fault(Fault::cut().route("POST", "/api/v4/leads/unlink").nth(1))
            .fault(Fault::cut().route("POST", "/api/v4/leads/tags").nth(1))
    })
    .await;
    let leads = fake.crm().ids(CrmEntity::Leads);
    let contact = fake.crm().ids(CrmEntity::Contacts)[2];
    let link = [Link::new(leads[10], LinkTo::contact(contact))];
    let results = all(client.links(EntityKind::Leads).link(link.clone()).stream()).await;
    let error = results[0].as_ref().expect_err("outcome unknown");
    assert!(error.is_outcome_unknown(), "{error}");
    assert_eq!(
        sent(&fake, "POST", "/api/v4/leads/link").len(),
        1,
        "never sent twice"
    );
    let linked = links_of(&client, leads[10]).await;
    assert!(
        linked.iter().any(|l| l.to_entity_id == contact),
        "the fake applied it"
    );

    // Unlinking twice changes nothing: the transport sends it again.
    let undone = all(client.links(EntityKind::Leads).unlink(link).stream()).await;
    assert!(undone[0].is_ok(), "{undone:?}");
    assert_eq!(sent(&fake, "POST", "/api/v4/leads/unlink").len(), 2);

    // A known name answers its tag: the transport sends the add again, one tag results.
    let added = all(client
        .tags(EntityKind::Leads)
        .add([NewTag::new("Cut 1")])
        .stream())
    .await;
    assert!(added[0].is_ok(), "{added:?}");
    assert_eq!(sent(&fake, "POST", "/api/v4/leads/tags").len(), 2);
    let listed = client
        .tags(EntityKind::Leads)
        .list()
        .name("Cut 1")
        .send()
        .await;
    assert_eq!(listed.expect("listed").items.len(), 1);
}
