//! Every entry of a list, page after page, as one `Stream`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

use super::listed::Listed;
use super::page::{Page, PageItems};
use crate::error::Result;

/// Every entry of a list across pages, as [`ListStream`].
pub(crate) fn items<T: Listed>(
    pages: impl Stream<Item = Result<Page<T>>> + Send + 'static,
) -> ListStream<T> {
    ListStream {
        pages: Some(pages.boxed()),
        page: None,
    }
}

/// Every entry of a list, page after page. A `Stream` of `Result<T>`: an
/// [`Error::UndecodableEntry`](crate::Error::UndecodableEntry) item stands for one entry and the stream goes on; after any
/// other `Err` it ends.
pub struct ListStream<T> {
    /// The pages still to come; `None` once they ended.
    pages: Option<BoxStream<'static, Result<Page<T>>>>,
    /// The entries of the page being handed out, one by one (no adapter per entry: every
    /// entry of every list passes here).
    page: Option<PageItems<T>>,
}

impl<T> std::fmt::Debug for ListStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListStream")
    }
}

// Nothing of it is pinned in place: the pages are boxed, the entries moved out.
impl<T> Unpin for ListStream<T> {}

impl<T> Stream for ListStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(page) = this.page.as_mut() {
                if let Some(item) = page.next() {
                    return Poll::Ready(Some(item));
                }
                this.page = None;
            }
            let Some(pages) = this.pages.as_mut() else {
                return Poll::Ready(None);
            };
            match pages.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(page))) => this.page = Some(page.into_items()),
                // The pages end after an error of their own; it is handed on.
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => {
                    this.pages = None;
                    return Poll::Ready(None);
                }
            }
        }
    }
}
