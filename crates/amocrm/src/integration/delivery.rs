//! A webhook delivery's account, checked against the install: amoCRM signs nothing in a
//! delivery, so its `account[subdomain]` is only trusted when the install recorded its
//! `account[id]` for that subdomain.

use super::Integration;
use crate::client::{Client, Domain};
use crate::error::{AuthError, Result, WebhookError};
use crate::webhook::{Delivery, WebhookAccount};

impl Integration {
    /// The client of the account a webhook delivery is for, once its account is known to
    /// be an installed one: the account at `account[subdomain]` (on the domain of
    /// `account[_links][self]`, amocrm.ru when it says none) must be the one the install
    /// recorded for `account[id]` ([`TokenStore::accounts_of_id`](crate::store::TokenStore::accounts_of_id)).
    ///
    /// Nothing in a delivery is signed, and one webhook secret serves the destinations of
    /// every account: without this check, an admin of one account (who sees the
    /// destination's URL) could post a delivery naming another account's subdomain and
    /// have the backend work on that account with its tokens. A delivery naming another
    /// account's subdomain under the sender's own account id fails here:
    /// [`WebhookError::NotInstalled`] (no installed account has that id) or
    /// [`WebhookError::AccountMismatch`] (the id is another subdomain's); a delivery
    /// without both is [`WebhookError::NoAccount`]. Do no work for it. Account ids are not
    /// secrets, though (amoCRM shows an account's id to its users): where one account's
    /// admins must not be able to act on another account even knowing its id, give each
    /// account a destination secret of its own (subscribe each account's webhooks with its
    /// own path segment). Pairs stored without an account id are refused as not installed
    /// until [`Integration::record_account_ids`] records theirs.
    pub async fn client_for_delivery(&self, delivery: &Delivery) -> Result<Client> {
        let account = &delivery.account;
        let (Some(id), Some(subdomain)) = (account.id, account.subdomain.as_deref()) else {
            return Err(WebhookError::NoAccount.into());
        };
        let url = self.account_url(subdomain, domain_of(account))?;
        let base_url = url.checked("account base URL")?;
        let installed = self
            .inner
            .store
            .accounts_of_id(id)
            .await
            .map_err(AuthError::Store)?;
        if installed.is_empty() {
            return Err(WebhookError::NotInstalled.into());
        }
        if !installed.contains(&base_url) {
            return Err(WebhookError::AccountMismatch.into());
        }
        self.client_at(&url)
    }
}

/// The domain of a delivery's account, from its URL (amocrm.ru when it says none).
fn domain_of(account: &WebhookAccount) -> Domain {
    account
        .url
        .as_deref()
        .and_then(|url| url::Url::parse(url).ok())
        .and_then(|url| url.host_str().and_then(Domain::of_host).map(|(_, d)| d))
        .unwrap_or(Domain::AmocrmRu)
}
