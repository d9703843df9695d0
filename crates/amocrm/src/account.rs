//! The account call: the parameters of the account the token is for.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::client::Client;
use crate::error::Result;

pub use amocrm_raw::CustomersMode;
pub use amocrm_raw::types::{Account, AccountEmbedded, AccountWith, TaskType, UsersGroup};

impl Client {
    /// The account's parameters.
    pub fn account(&self) -> AccountCalls<'_> {
        AccountCalls::new(self)
    }
}

/// The account call of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct AccountCalls<'c> {
    client: &'c Client,
}

impl<'c> AccountCalls<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        AccountCalls { client }
    }

    /// The account's parameters; await it, or ask for more parts first with `.with(...)`.
    pub fn get(&self) -> GetAccount<'c> {
        GetAccount {
            client: self.client,
            with: Vec::new(),
        }
    }
}

/// `GET /api/v4/account`, built with [`AccountCalls::get`].
#[derive(Clone, Debug)]
#[must_use = "await it"]
pub struct GetAccount<'c> {
    client: &'c Client,
    with: Vec<AccountWith>,
}

impl GetAccount<'_> {
    /// Asks for an optional part too (`with`); each part is sent once.
    pub fn with(mut self, part: AccountWith) -> Self {
        if !self.with.contains(&part) {
            self.with.push(part);
        }
        self
    }
}

impl<'c> IntoFuture for GetAccount<'c> {
    type Output = Result<Account>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Account>> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        let with: Vec<String> = self.with.iter().map(ToString::to_string).collect();
        let with = (!with.is_empty()).then(|| with.join(","));
        let client = self.client;
        Box::pin(async move {
            let account = client
                .call(client.raw().get_account(with.as_deref()))
                .await?;
            Ok(account.into_inner())
        })
    }
}
