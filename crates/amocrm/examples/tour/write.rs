//! The tour's CRM writes: leads added and changed in batches, a note, a task.

use amocrm::Client;
use amocrm::query::EntityKind;
use amocrm::write::{LeadPatch, NewLead, NewNote, NewTask, NoteParams};
use futures::StreamExt;

use crate::step;

/// Adds two leads (one refused before sending), renames one, notes it, gives it a task.
pub async fn write(client: &Client) -> Result<(), Box<dyn std::error::Error>> {
    step("Leads added in a batch: one result per item, a bad one refused before sending");
    let leads = [
        NewLead::default().name("Tour: a new lead").price(1500),
        NewLead::default()
            .name("Tour: a budget too large")
            .price(i64::MAX),
    ];
    let mut results = client.leads().add(leads).stream();
    let mut added = None;
    while let Some(result) = results.next().await {
        match result {
            Ok(written) => {
                println!("  item {} → lead {}", written.index, written.id);
                added = Some(written.id);
            }
            Err(error) => println!("  {error}"),
        }
    }
    let Some(lead) = added else {
        return Err("the fake refused the tour's lead".into());
    };

    step("The lead renamed (PATCH; an update may be retried, an add never)");
    let patch = LeadPatch::new(lead).name("Tour: a renamed lead");
    let mut results = client.leads().update([patch]).stream();
    while let Some(result) = results.next().await {
        println!("  {:?}", result.map(|written| written.id));
    }
    let read = client.leads().get(lead).send().await?;
    println!("  read back: {:?}", read.name);

    step("A note and a task on it");
    let note = NewNote::new(NoteParams::common("Written by the tour")).entity_id(lead);
    let mut notes = client.notes(EntityKind::Leads).add([note]).stream();
    while let Some(result) = notes.next().await {
        println!("  note {:?}", result.map(|written| written.id));
    }
    let due = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64
        + 86_400;
    let task = NewTask::new("Call the client back", due).entity(EntityKind::Leads, lead);
    let mut tasks = client.tasks().add([task]).stream();
    while let Some(result) = tasks.next().await {
        println!("  task {:?}", result.map(|written| written.id));
    }
    Ok(())
}
