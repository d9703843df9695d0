//! The CRM sections: help, tables, NDJSON, the query flags and their errors, against a
//! small seeded account.

use amocrm_fake::{CrmEntity, CrmSize, FakeServer};

use crate::harness::{Step, Transcript, fake};

pub async fn crm(t: &mut Transcript) {
    t.section("the CRM sections");
    for line in [
        "leads list -h",
        "leads get -h",
        "events list -h",
        "notes list -h",
    ] {
        t.run("help", Step::sh(line)).await;
    }
    let size = CrmSize::default()
        .leads(6)
        .contacts(4)
        .companies(2)
        .users(2)
        .tasks(3)
        .notes(4)
        .events(5)
        .catalog_elements(2)
        .fields_per_lead(3);
    let builder = FakeServer::builder().widgets(0).pipelines(1).crm(size);
    let fake = fake(t, builder, "fake").await;
    let crm = fake.crm();
    let lead = crm.ids(CrmEntity::Leads)[0];
    let contact = crm.ids(CrmEntity::Contacts)[0];
    for line in [
        "leads list".to_owned(),
        "leads list --limit 2 --order updated_at=desc".to_owned(),
        "--json leads list --limit 2".to_owned(),
        format!("leads list --filter 'id[]={lead}' --with contacts"),
        "leads list --filter 'price[from]=1000' --filter 'price[to]=500000' --all".to_owned(),
        format!("leads get {lead}"),
        format!("--json leads get {lead} --with contacts"),
        "leads get 7".to_owned(),
        "leads list --filter 'id[=5'".to_owned(),
        "leads list --filter price --order updated_at=up".to_owned(),
        "leads list --with only_deleted".to_owned(),
        format!("contacts get {contact}"),
        "companies list".to_owned(),
        "tasks list".to_owned(),
        "users list".to_owned(),
        "custom-fields list leads".to_owned(),
        "tags list contacts".to_owned(),
        "notes list leads --limit 3 --order id=desc".to_owned(),
        format!("links list leads {lead}"),
        "events list --filter 'entity[]=lead' --with lead_name --limit 5".to_owned(),
        "events get 016821b5086gjj000000000003 --with lead_name".to_owned(),
        "events get nosuch".to_owned(),
        "catalogs list".to_owned(),
        "catalogs elements list 4500 --limit 2".to_owned(),
        "catalogs fields 4500 --order sort=asc".to_owned(),
        "catalogs elements get 4500 1".to_owned(),
    ] {
        t.run("crm", Step::sh(&line).on(&fake)).await;
    }
}
