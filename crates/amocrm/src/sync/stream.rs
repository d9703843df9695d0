//! The stream every sync is: a planner says which request comes next and turns each
//! answer into entries (and cursor moves); the stream fetches, hands the entries out one
//! by one and keeps the cursor that covers exactly what it handed out.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::future::BoxFuture;
use futures::stream::{FusedStream, Stream};

use super::answer::{Answer, Ask, Key};
use super::cursor::Mark;
use crate::error::{Error, Result};

/// What a planner hands out, in order.
#[derive(Debug)]
pub(crate) enum Out<T, K> {
    /// An entry (or one that did not decode), the state of `key` stamped `second`.
    Item {
        item: Result<T>,
        second: i64,
        key: K,
    },
    /// Every state before `second` is handled.
    Jump(i64),
}

/// The requests of one sync, as a plan: which comes next, and what its answer yields.
pub(crate) trait Planner: Send + 'static {
    type Item: Send + 'static;
    type Key: Key;
    /// The next request, or `None` once the sync has caught up.
    fn ask(&self) -> Option<Ask>;
    /// Takes the answer to `ask`, pushing what it yields onto `out`; an error ends the
    /// sync (the cursor stays where the last handed-out entry left it).
    fn absorb(
        &mut self,
        ask: Ask,
        answer: Answer<Self::Item, Self::Key>,
        out: &mut VecDeque<Out<Self::Item, Self::Key>>,
    ) -> Result<()>;
}

/// The answer to one request of a plan, on its way.
pub(crate) type Answering<P> =
    BoxFuture<'static, Result<Answer<<P as Planner>::Item, <P as Planner>::Key>>>;

/// Makes one request of a plan.
pub(crate) type Fetch<P> = Box<dyn Fn(Ask) -> Answering<P> + Send + Sync>;

/// A plan run as a stream of entries; [`Follow::mark`] covers what was handed out.
pub(crate) struct Follow<P: Planner> {
    plan: Option<P>,
    fetch: Fetch<P>,
    pending: Option<(Ask, Answering<P>)>,
    out: VecDeque<Out<P::Item, P::Key>>,
    mark: Mark<P::Key>,
    /// Requests made so far.
    requests: u64,
    /// An input that was refused: the stream's only item.
    refused: Option<Error>,
}

impl<P: Planner> Follow<P> {
    /// The run of `plan` from `mark`; `refused` (an input that was not valid) is instead
    /// its only item.
    pub(crate) fn new(
        plan: P,
        mark: Mark<P::Key>,
        fetch: Fetch<P>,
        refused: Option<Error>,
    ) -> Self {
        Follow {
            plan: refused.is_none().then_some(plan),
            fetch,
            pending: None,
            out: VecDeque::new(),
            mark,
            requests: 0,
            refused,
        }
    }

    pub(crate) fn mark(&self) -> &Mark<P::Key> {
        &self.mark
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests
    }
}

// Nothing of a `Follow` is pinned in place: its future is boxed.
impl<P: Planner> Unpin for Follow<P> {}

impl<P: Planner> Stream for Follow<P> {
    type Item = Result<P::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(refused) = this.refused.take() {
            return Poll::Ready(Some(Err(refused)));
        }
        loop {
            while let Some(next) = this.out.pop_front() {
                match next {
                    Out::Jump(second) => this.mark.jump(second),
                    Out::Item { item, second, key } => {
                        this.mark.pass(second, &key);
                        return Poll::Ready(Some(item));
                    }
                }
            }
            if let Some((ask, pending)) = &mut this.pending {
                let ask = *ask;
                let answer = ready!(pending.as_mut().poll(cx));
                this.pending = None;
                let Some(plan) = this.plan.as_mut() else {
                    return Poll::Ready(None);
                };
                if let Err(error) = answer.and_then(|a| plan.absorb(ask, a, &mut this.out)) {
                    this.plan = None;
                    this.out.clear();
                    return Poll::Ready(Some(Err(error)));
                }
                continue;
            }
            let Some(ask) = this.plan.as_ref().and_then(Planner::ask) else {
                this.plan = None;
                return Poll::Ready(None);
            };
            this.requests += 1;
            this.pending = Some((ask, (this.fetch)(ask)));
        }
    }
}

impl<P: Planner> FusedStream for Follow<P> {
    fn is_terminated(&self) -> bool {
        self.plan.is_none() && self.out.is_empty() && self.refused.is_none()
    }
}

/// A protocol error of a sync: the server's answer breaks what the sync relies on.
pub(crate) fn broken(what: impl std::fmt::Display) -> Error {
    Error::Protocol(format!("sync: {what}"))
}
