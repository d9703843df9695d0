//! The batch writer: any iterator or stream of items in, chunked, each chunk written
//! through [`chunk::write`], one result per item out in input order. Only one chunk is
//! held at a time, so memory stays flat however long the input.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{BoxStream, Stream, StreamExt};
use tracing::Instrument;

use crate::client::Client;
use crate::error::{Error, Invalid};
use crate::observe;
use crate::query::EntityKind;
use crate::write::chunk;
use crate::write::defs::FieldDefs;
use crate::write::entities::Item;
use crate::write::op::{DEFAULT_BATCH, Op};
use crate::write::outcome::{OnUnknown, WriteError, WriteErrorKind, Written};

/// What a writer yields: one result per input item, in input order.
pub type WriteStream = Pin<Box<dyn Stream<Item = Result<Written, WriteError>> + Send>>;

/// A batch write not started yet: set the batch size and what to do after an add whose
/// outcome is unknown, then [`Writer::stream`].
///
#[doc = include_str!("../docs/writes.md")]
pub struct Writer<T> {
    client: Client,
    op: Op,
    input: BoxStream<'static, T>,
    batch: usize,
    flush_after: Option<Duration>,
    on_unknown: OnUnknown,
    defs: Option<Arc<FieldDefs>>,
}

impl<T> std::fmt::Debug for Writer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("op", &self.op)
            .field("batch", &self.batch)
            .field("flush_after", &self.flush_after)
            .field("on_unknown", &self.on_unknown)
            .field("checks_fields", &self.defs.is_some())
            .finish_non_exhaustive()
    }
}

impl<T: Item> Writer<T> {
    pub(super) fn new(client: &Client, op: Op, input: BoxStream<'static, T>) -> Self {
        Writer {
            client: client.clone(),
            op,
            input,
            batch: DEFAULT_BATCH.min(op.max_batch()),
            flush_after: None,
            on_unknown: OnUnknown::default(),
            defs: None,
        }
    }

    /// Entities a request (default 50): 1 to 250, 1 to 50 for a complex add; any other
    /// size is [`Invalid::BatchSize`].
    pub fn batch(mut self, size: usize) -> Result<Self, Error> {
        let max = self.op.max_batch();
        if !(1..=max).contains(&size) {
            return Err(Error::Invalid(Invalid::BatchSize { size, max }));
        }
        self.batch = size;
        Ok(self)
    }

    /// Sends a batch that is not full yet once no new item came from the input for
    /// `idle`. Off by default: a batch is sent when it is full or the input has ended,
    /// so a live input that yields slowly (a channel fed by events) holds up to
    /// `batch − 1` items unsent until more come or it ends. With `flush_after`, a batch is
    /// sent about `idle` after the last item came (then the pacer's wait). The timer
    /// starts again with each item, so items that keep coming faster than `idle` wait
    /// for the batch to fill (e.g. batch 50, an item every 250 ms, `idle` 300 ms: the
    /// first waits some 12 s): pick `idle` below the input's usual gap, or a smaller
    /// batch, to bound the wait. Needs a tokio runtime with its timer enabled.
    pub fn flush_after(mut self, idle: Duration) -> Self {
        self.flush_after = Some(idle);
        self
    }

    /// After an add whose outcome is unknown: go on with the next batch (the default)
    /// or stop.
    pub fn on_unknown(mut self, then: OnUnknown) -> Self {
        self.on_unknown = then;
        self
    }

    /// Checks every item's custom field values against the account's definitions of its
    /// entity type before sending it (see [`FieldDefs`]): an item with a value that does
    /// not fit is `WriteErrorKind::Invalid` (`Invalid::CustomField`, naming the field and
    /// the path, never the value) and is not sent; the rest of its batch is. Definitions
    /// of another entity type than the writer's are [`Invalid::Param`]. A complex add
    /// checks the lead's own values; its contact's and company's are amoCRM's to check.
    pub fn fields(mut self, defs: impl Into<Arc<FieldDefs>>) -> Result<Self, Error> {
        let defs = defs.into();
        if entity_kind(self.op) != Some(defs.kind()) {
            return Err(Error::Invalid(Invalid::Param {
                param: "fields",
                reason: format!(
                    "definitions of {} fields do not check a write of {:?}",
                    defs.kind(),
                    self.op
                ),
            }));
        }
        self.defs = Some(defs);
        Ok(self)
    }

    /// Starts writing: one result per input item, in input order. Each batch is read
    /// from the input when the previous one is done.
    pub fn stream(self) -> WriteStream {
        let state = State {
            client: self.client,
            op: self.op,
            input: self.input.fuse(),
            batch: self.batch,
            flush_after: self.flush_after,
            on_unknown: self.on_unknown,
            defs: self.defs,
            next_index: 0,
            ready: VecDeque::new(),
            stopped: false,
        };
        Box::pin(futures::stream::unfold(state, |mut state| async move {
            loop {
                if let Some(result) = state.ready.pop_front() {
                    return Some((result, state));
                }
                if state.stopped {
                    return None;
                }
                let items = next_batch(&mut state.input, state.batch, state.flush_after).await?;
                let first = state.next_index;
                state.next_index += items.len() as u64;
                let entity = state.op.entity();
                let span = observe::batch_span(entity, items.len());
                let done =
                    chunk::write(&state.client, state.op, state.defs.as_deref(), first, items)
                        .instrument(span.clone())
                        .await;
                observed(&span, entity, &done.results);
                state.stopped = done.unknown && state.on_unknown == OnUnknown::Stop;
                state.ready.extend(done.results);
            }
        }))
    }
}

struct State<T> {
    client: Client,
    op: Op,
    input: futures::stream::Fuse<BoxStream<'static, T>>,
    batch: usize,
    flush_after: Option<Duration>,
    on_unknown: OnUnknown,
    defs: Option<Arc<FieldDefs>>,
    next_index: u64,
    ready: VecDeque<Result<Written, WriteError>>,
    stopped: bool,
}

/// The next batch: up to `batch` items, waiting as long as it takes for the first; with
/// `idle`, what is held once no item came for that long; the rest at the input's end.
async fn next_batch<T>(
    input: &mut futures::stream::Fuse<BoxStream<'static, T>>,
    batch: usize,
    idle: Option<Duration>,
) -> Option<Vec<T>> {
    let mut items = vec![input.next().await?];
    while items.len() < batch {
        let next = match idle {
            None => input.next().await,
            // `next` is cancel-safe: an item is taken only when it is ready.
            Some(idle) => match tokio::time::timeout(idle, input.next()).await {
                Ok(next) => next,
                Err(_) => break,
            },
        };
        match next {
            Some(item) => items.push(item),
            None => break,
        }
    }
    Some(items)
}

/// Records a batch's items by outcome on its span and in the metrics.
fn observed(span: &tracing::Span, entity: &'static str, results: &[Result<Written, WriteError>]) {
    let (mut written, mut refused, mut unknown, mut failed) = (0, 0, 0, 0);
    for result in results {
        match result.as_ref().map_err(|error| &error.kind) {
            Ok(_) => written += 1,
            Err(WriteErrorKind::Invalid(_) | WriteErrorKind::Refused(_)) => refused += 1,
            Err(WriteErrorKind::OutcomeUnknown { .. } | WriteErrorKind::NotAnswered) => {
                unknown += 1
            }
            Err(_) => failed += 1,
        }
    }
    for (field, outcome, count) in [
        ("amocrm.batch.written", "written", written),
        ("amocrm.batch.refused", "refused", refused),
        ("amocrm.batch.unknown", "unknown", unknown),
        ("amocrm.batch.failed", "failed", failed),
    ] {
        span.record(field, count);
        observe::batch_items(entity, outcome, count);
    }
}

/// The entity type whose custom fields an operation writes, if it writes any.
fn entity_kind(op: Op) -> Option<EntityKind> {
    #[allow(unreachable_patterns)] // other write operations write no custom fields
    match op {
        Op::AddLeads | Op::UpdateLeads | Op::ComplexLeads => Some(EntityKind::Leads),
        Op::AddContacts | Op::UpdateContacts => Some(EntityKind::Contacts),
        Op::AddCompanies | Op::UpdateCompanies => Some(EntityKind::Companies),
        _ => None,
    }
}
