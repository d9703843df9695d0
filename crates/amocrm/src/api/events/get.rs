//! One event by its ID, a string (`01pz58t6p04ymgsgfbmfyfy1mf`), with its `with`.

use crate::client::Client;
use crate::error::Result;
use crate::pagination::not_found;

use super::{Event, With};

/// A get of one event; `.with(..)` asks for the names of the entities it is about, and
/// `.send()` fetches it.
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
pub struct GetEvent<'c> {
    client: &'c Client,
    id: String,
    with: Vec<With>,
}

impl<'c> GetEvent<'c> {
    pub(super) fn new(client: &'c Client, id: String) -> Self {
        let with = Vec::new();
        GetEvent { client, id, with }
    }

    /// Asks for an optional part of the event (`with`); each value is sent once.
    pub fn with(mut self, with: With) -> Self {
        if !self.with.contains(&with) {
            self.with.push(with);
        }
        self
    }

    /// Fetches the event.
    pub async fn send(self) -> Result<Event> {
        let id = crate::api::path_segment("event ID", &self.id)?;
        let mut with = Vec::with_capacity(self.with.len());
        for value in &self.with {
            crate::query::word("with", value.as_ref())?;
            with.push(value.as_ref());
        }
        let with = (!with.is_empty()).then(|| with.join(","));
        let call = self.client.raw().get_event(&id, with.as_deref());
        let fetched = self.client.call(call).await;
        not_found(fetched, || {
            format!("the account has no event {:?}", self.id)
        })
    }
}
