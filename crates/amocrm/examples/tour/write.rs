//! The tour's CRM writes: leads added and changed in batches, a note, a task.

use amocrm::Client;
use amocrm::query::EntityKind;
use amocrm::write::{
    LeadPatch, NewLead, NewNote, NewTask, NoteParams, WriteError, WriteErrorKind, Written,
};
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
    let mut refused = false;
    while let Some(result) = results.next().await {
        match result {
            Ok(written) if written.index == 0 => {
                println!("  item 0 → lead {}", written.id);
                added = Some(written.id);
            }
            Err(error) if error.index == 1 && matches!(error.kind, WriteErrorKind::Invalid(_)) => {
                println!("  {error}");
                refused = true;
            }
            other => return Err(format!("unexpected result of the add: {other:?}").into()),
        }
    }
    let (Some(lead), true) = (added, refused) else {
        return Err("the add's two results did not come (one lead, one refused)".into());
    };

    step("The lead renamed (PATCH; an update may be retried, an add never)");
    let patch = LeadPatch::new(lead).name("Tour: a renamed lead");
    let updated = one(client.leads().update([patch]).stream(), "the rename").await?;
    let read = client.leads().get(lead).send().await?;
    println!("  lead {updated} read back: {:?}", read.name);
    if read.name.as_deref() != Some("Tour: a renamed lead") {
        return Err("the rename did not hold".into());
    }

    step("A note and a task on it");
    let note = NewNote::new(NoteParams::common("Written by the tour")).entity_id(lead);
    let note = one(
        client.notes(EntityKind::Leads).add([note]).stream(),
        "the note",
    )
    .await?;
    println!("  note {note}");
    let due = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64
        + 86_400;
    let task = NewTask::new("Call the client back", due).entity(EntityKind::Leads, lead);
    let task = one(client.tasks().add([task]).stream(), "the task").await?;
    println!("  task {task}");
    Ok(())
}

/// The one result of a one-item write: its ID, or the tour fails naming `what`.
async fn one<S>(mut results: S, what: &str) -> Result<i64, Box<dyn std::error::Error>>
where
    S: futures::Stream<Item = Result<Written, WriteError>> + Unpin,
{
    let id = match results.next().await {
        Some(Ok(written)) => written.id,
        Some(Err(error)) => return Err(format!("{what}: {error}").into()),
        None => return Err(format!("{what}: no result").into()),
    };
    match results.next().await {
        None => Ok(id),
        Some(more) => Err(format!("{what}: a second result {more:?}").into()),
    }
}
