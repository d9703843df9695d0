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
        "tasks complete -h",
        "notes add -h",
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
    writes(t, &fake, lead).await;
}

/// Tasks and notes written: a line per item, refusals, a completion, bad input.
async fn writes(t: &mut Transcript, fake: &FakeServer, lead: i64) {
    // The writes are stamped with the fake's clock: stopped, so the transcript is stable.
    fake.clock().set(1_767_225_600);
    let client = amocrm_test_support::fake::client(fake);
    let tasks = client
        .tasks()
        .list()
        .send()
        .await
        .expect("the seeded tasks");
    let task = tasks.items[0].id;
    let input = format!(
        "{{\"text\":\"Call back\",\"complete_till\":1767225600,\"entity_id\":{lead},\"entity_type\":\"leads\"}}\n\
         {{\"text\":\"No deadline\"}}\n{{\"text\":\"Meet\",\"complete_till\":1767225600,\"responsible_user_id\":1}}\n"
    );
    let step = Step::sh("tasks add --file - --batch 2")
        .stdin(input)
        .on(fake);
    t.run("crm writes", step).await;
    let patch = format!("[{{\"id\":{task},\"text\":\"Call back on Friday\"}}]");
    let step = Step::sh("tasks update --file -").stdin(patch).on(fake);
    t.run("crm writes", step).await;
    let call = r#"'{"note_type":"call_in","params":{"uniq":"a1","duration":30,"source":"pbx","phone":"+7999","call_status":4}}'"#;
    for line in [
        format!("tasks complete {task} --result 'Called, the client agreed'"),
        format!("--json tasks get {task}"),
        "tasks complete 5 --result ' '".to_owned(),
        format!("notes add leads {lead} --text 'Asked for a discount'"),
        format!("notes add leads {lead} --json {call}"),
        format!(
            "notes add leads {lead} --json '{{\"note_type\":\"sms_in\",\"params\":{{\"text\":\"hi\"}}}}'"
        ),
        "notes add leads --text 'No entity'".to_owned(),
        format!("notes list leads {lead} --order id=desc --limit 3"),
    ] {
        t.run("crm writes", Step::sh(&line).on(fake)).await;
    }
}
