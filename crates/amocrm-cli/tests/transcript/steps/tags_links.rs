//! Tags and links written: new tags, tags attached and detached, entities linked and
//! unlinked, and the input refused before sending.

use amocrm_fake::{CrmEntity, CrmSize, FakeClock, FakeServer};

use crate::harness::{Step, Transcript, fake};

pub async fn tags_links(t: &mut Transcript) {
    t.section("tags and links written");
    for line in ["tags add -h", "tags attach -h", "links link -h"] {
        t.run("help", Step::sh(line)).await;
    }
    let size = CrmSize::default()
        .leads(3)
        .contacts(3)
        .companies(2)
        .users(2)
        .catalog_elements(2);
    // A clock that stands still: the entities' `updated_at` are part of the transcript.
    let builder = FakeServer::builder()
        .widgets(0)
        .pipelines(1)
        .crm(size)
        .clock(FakeClock::manual(1_767_225_600));
    let fake = fake(t, builder, "fake").await;
    let crm = fake.crm();
    let lead = crm.ids(CrmEntity::Leads)[0];
    let contact = crm.ids(CrmEntity::Contacts)[2];
    for line in [
        "tags add leads Priority Website --color ffce5a".to_owned(),
        "tags add leads ' ' Again".to_owned(),
        "tags add contacts VIP --color FFCE5A".to_owned(),
        format!("tags attach leads {lead} Priority Fresh"),
        format!("leads get {lead}"),
        format!("tags detach leads {lead} Fresh"),
        "tags attach customers 1 x".to_owned(),
        format!(
            "links link leads {lead} --to contacts:{contact} --main \
             --to catalog_elements:60000001 --catalog 4500 --quantity 2.5"
        ),
        format!("links list leads {lead}"),
        format!("links unlink leads {lead} --to contacts:{contact}"),
        format!("links link leads {lead} --to customers:1 --to contacts:0"),
        format!("links link leads {lead} --to catalog_elements:60000002"),
        format!("links link leads {lead} --to bogus:1"),
        format!("links link leads {lead} --to contacts:1 --to contacts:2 --main"),
    ] {
        t.run("write", Step::sh(&line).on(&fake)).await;
    }
}
