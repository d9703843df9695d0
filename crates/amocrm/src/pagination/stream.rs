//! Every entry of a list, page after page, as one `Stream`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use super::listed::Listed;
use super::page::Page;
use crate::error::Result;

/// Every entry of a list across pages, as [`ListStream`].
pub(crate) fn items<T: Listed>(
    pages: impl Stream<Item = Result<Page<T>>> + Send + 'static,
) -> ListStream<T> {
    let items = pages
        .map_ok(|page| futures::stream::iter(page.into_results()))
        .try_flatten();
    ListStream {
        inner: items.boxed(),
    }
}

/// Every entry of a list, page after page. A `Stream` of `Result<T>`: an
/// [`Error::UndecodableEntry`](crate::Error::UndecodableEntry) item stands for one entry and the stream goes on; after any
/// other `Err` it ends.
pub struct ListStream<T> {
    inner: BoxStream<'static, Result<T>>,
}

impl<T> std::fmt::Debug for ListStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListStream")
    }
}

impl<T> Stream for ListStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}
