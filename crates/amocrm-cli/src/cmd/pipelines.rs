//! `amocrm pipelines list|get ID|add|update|delete|statuses …`: the lead pipelines and
//! their statuses.

use clap::Subcommand;

use super::definitions::{self, PipelineWrites};
use super::prelude::*;
use crate::sdk::{LOST_STATUS_ID, Pipeline, Status, StatusType, WON_STATUS_ID};

/// `amocrm pipelines …`
#[derive(Debug, Subcommand)]
pub enum PipelinesCommand {
    #[command(flatten)]
    Read(section::WholeCommand),
    #[command(flatten)]
    Write(PipelineWrites),
}

/// Runs `amocrm pipelines …`.
pub async fn run(command: &PipelinesCommand, ctx: &mut Ctx<'_>) -> Result<(), Failure> {
    let command = match command {
        PipelinesCommand::Read(command) => command,
        PipelinesCommand::Write(command) => return definitions::pipelines(command, ctx).await,
    };
    let list = |c: &Client| c.pipelines().list();
    section::run_whole(command, ctx, list, |c, id| c.pipelines().get(id)).await
}

impl View for Pipeline {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |p| p.id.to_string()),
        Column::left("NAME", |p| clean(&p.name)),
        Column::left("MAIN", |p| yes_no(p.is_main).to_owned()),
        Column::left("ARCHIVED", |p| yes_no(p.is_archive).to_owned()),
        Column::left("STATUSES", |p| joined(statuses(p), |s| &s.name)),
    ];

    /// The pipeline, then its statuses as a table.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        write_columns(out, &Self::COLUMNS[..4], self)?;
        write_part(out, "statuses", statuses(self))
    }
}

impl View for Status {
    const COLUMNS: &'static [Column<Self>] = &[
        Column::right("ID", |s| s.id.to_string()),
        Column::left("NAME", |s| clean(&s.name)),
        Column::left("KIND", |s| match (s.id, &s.type_) {
            (WON_STATUS_ID, _) => "won".to_owned(),
            (LOST_STATUS_ID, _) => "lost".to_owned(),
            (_, Some(StatusType::Unsorted)) => "unsorted".to_owned(),
            (_, Some(StatusType::Normal)) => "open".to_owned(),
            _ => "-".to_owned(),
        }),
    ];
}

fn statuses(pipeline: &Pipeline) -> &[Status] {
    let embedded = pipeline.embedded.as_ref().and_then(|e| e.0.as_ref());
    embedded.and_then(|e| e.statuses.as_deref()).unwrap_or(&[])
}
