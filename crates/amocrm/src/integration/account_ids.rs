//! Account ids for pairs stored without one: the uninstall hook names an account only by
//! its id, so a pair saved before the store recorded ids (or saved past an install) is one
//! the hook cannot find until amoCRM is asked whose it is.

use futures::StreamExt as _;

use super::Integration;
use crate::client::AccountUrl;
use crate::error::{AuthError, Error, Result};

/// How many accounts [`Integration::record_account_ids`] asks at once (each in its own
/// account's pace).
const AT_ONCE: usize = 8;

/// What [`Integration::record_account_ids`] did.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct AccountIdsRecorded {
    /// The accounts (base URLs) whose ids were recorded, with the id amoCRM gave.
    pub recorded: Vec<(String, i64)>,
    /// The accounts amoCRM could not be asked about (refused tokens, a blocked account,
    /// the network), with why; nothing was recorded for them. Run it again later, or
    /// install them again.
    pub failed: Vec<(String, Error)>,
}

impl Integration {
    /// Records the amoCRM account id of every stored pair that has none
    /// ([`TokenStore::accounts_without_id`](crate::store::TokenStore::accounts_without_id)),
    /// asking amoCRM (`GET /api/v4/account` through each account's client, in its pace):
    /// run it once after upgrading from a version that did not record ids, or after
    /// importing pairs, so that [`Integration::uninstall`] finds every installed account.
    /// Installs through [`Integration::install`] record the id themselves.
    ///
    /// A store that does not record ids fails with [`Error::Auth`]; one account that
    /// cannot be asked is reported in [`AccountIdsRecorded::failed`] and the others go on.
    ///
    /// ```no_run
    /// # async fn run(integration: amocrm::Integration) -> amocrm::Result<()> {
    /// let done = integration.record_account_ids().await?;
    /// println!("{} recorded, {} failed", done.recorded.len(), done.failed.len());
    /// # Ok(()) }
    /// ```
    pub async fn record_account_ids(&self) -> Result<AccountIdsRecorded> {
        let store = &self.inner.store;
        let accounts = store
            .accounts_without_id()
            .await
            .map_err(AuthError::Store)?;
        let mut asked = futures::stream::iter(accounts)
            .map(|account| async move {
                let found = self.account_id_of(&account).await;
                (account, found)
            })
            .buffer_unordered(AT_ONCE);
        let mut done = AccountIdsRecorded::default();
        while let Some((account, found)) = asked.next().await {
            match found {
                Ok(id) => done.recorded.push((account, id)),
                Err(error) => done.failed.push((account, error)),
            }
        }
        done.recorded.sort();
        done.failed.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(done)
    }

    /// Asks amoCRM for `account`'s id and records it with its pair.
    async fn account_id_of(&self, account: &str) -> Result<i64> {
        let url = AccountUrl::base_url(account.to_owned());
        let id = self.client_at(&url)?.account().get().send().await?.id;
        self.inner
            .store
            .set_account_id(account, id)
            .await
            .map_err(AuthError::Store)?;
        Ok(id)
    }
}
