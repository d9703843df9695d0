//! The account call: the parameters of the account the token is for.

use crate::client::Client;
use crate::error::Result;

pub use amocrm_raw::CustomersMode;
pub use amocrm_raw::types::{Account, AccountEmbedded, AccountWith, TaskType, UsersGroup};

impl Client {
    /// The account's parameters: `client.account().get().send().await`.
    pub fn account(&self) -> AccountCalls<'_> {
        AccountCalls { client: self }
    }
}

/// The account call of a [`Client`].
#[derive(Clone, Copy, Debug)]
pub struct AccountCalls<'c> {
    client: &'c Client,
}

impl<'c> AccountCalls<'c> {
    /// `GET /api/v4/account`; ask for optional parts with `.with(...)`, then `.send()`.
    pub fn get(&self) -> GetAccount<'c> {
        let (client, with) = (self.client, Vec::new());
        GetAccount { client, with }
    }
}

/// `GET /api/v4/account`, built with [`AccountCalls::get`]; send it with `.send()`.
#[derive(Clone, Debug)]
#[must_use = "call .send()"]
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

    /// Fetches the account.
    pub async fn send(self) -> Result<Account> {
        let with: Vec<String> = self.with.iter().map(ToString::to_string).collect();
        let with = (!with.is_empty()).then(|| with.join(","));
        let call = self.client.raw().get_account(with.as_deref());
        self.client.call(call).await
    }
}
