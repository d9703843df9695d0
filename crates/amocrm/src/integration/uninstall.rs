//! The uninstall hook: amoCRM's signed GET when an account disables the integration;
//! verified, then the account forgotten (its pair, its cached client, its pace).

use hmac::Mac as _;
use secrecy::ExposeSecret;

use super::Integration;
use crate::auth::AppCredentials;
use crate::client::AccountUrl;
use crate::error::{AuthError, ErrorKind, Result, UninstallHookError};

/// The uninstall hook's query, as amoCRM sends it: `account_id`, `client_uuid` (the
/// integration's client id; `client_id` is accepted too, as amoCRM's settings page spells
/// it) and `signature`, the lowercase hex HMAC-SHA256 of `"{client_uuid}|{account_id}"`
/// keyed with the client secret. Read it with [`UninstallHook::parse`], then hand it to
/// [`Integration::uninstall`] (or [`Integration::verify_uninstall`]).
#[derive(Clone, PartialEq, Eq)]
pub struct UninstallHook {
    account_id: String,
    client_uuid: String,
    signature: String,
}

impl std::fmt::Debug for UninstallHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UninstallHook")
            .field("account_id", &self.account_id)
            .field("client_uuid", &self.client_uuid)
            .finish_non_exhaustive()
    }
}

impl UninstallHook {
    /// Reads the hook's query (with or without the `?`). A parameter given twice, or
    /// `client_uuid` and `client_id` that differ, is refused.
    pub fn parse(query: &str) -> Result<UninstallHook, UninstallHookError> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let (mut account_id, mut client_uuid, mut client_id, mut signature) =
            (None, None, None, None);
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "account_id" => &mut account_id,
                "client_uuid" => &mut client_uuid,
                "client_id" => &mut client_id,
                "signature" => &mut signature,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(UninstallHookError::Malformed(format!(
                    "{key} is given twice"
                )));
            }
        }
        let client_uuid = match (client_uuid, client_id) {
            (Some(uuid), Some(id)) if uuid != id => {
                return Err(UninstallHookError::Malformed(
                    "client_uuid and client_id differ".into(),
                ));
            }
            (Some(uuid), _) => uuid,
            (None, Some(id)) => id,
            (None, None) => {
                return Err(UninstallHookError::Malformed("no client_uuid".into()));
            }
        };
        let missing = |what: &str| UninstallHookError::Malformed(format!("no {what}"));
        Ok(UninstallHook {
            account_id: account_id.ok_or_else(|| missing("account_id"))?,
            client_uuid,
            signature: signature.ok_or_else(|| missing("signature"))?,
        })
    }

    /// The account id the hook names; not verified.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Checks the hook against `app`: its client id, then its signature (in constant
    /// time), and yields the account id.
    pub fn verify(&self, app: &AppCredentials) -> Result<i64, UninstallHookError> {
        if self.client_uuid != app.client_id() {
            return Err(UninstallHookError::OtherIntegration);
        }
        let signature = hex(&self.signature).ok_or(UninstallHookError::InvalidSignature)?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(
            app.client_secret().expose_secret().as_bytes(),
        )
        .map_err(|_| UninstallHookError::InvalidSignature)?;
        mac.update(format!("{}|{}", self.client_uuid, self.account_id).as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| UninstallHookError::InvalidSignature)?;
        // Signed by amoCRM: a number from here on, or amoCRM's hook changed shape.
        self.account_id
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| UninstallHookError::Malformed("account_id is not an id".into()))
    }
}

/// The bytes of a hex string (either case); `None` for anything else.
fn hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 256 {
        return None;
    }
    let digit = |b: u8| (b as char).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

/// What an uninstall forgot.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uninstalled {
    /// The amoCRM account id the hook named.
    pub account_id: i64,
    /// The accounts (base URLs) whose pairs were deleted: none when the store held no
    /// pair recorded for that id.
    pub accounts: Vec<String>,
    /// The accounts whose pairs amoCRM still takes, kept: installed again since the
    /// uninstall (the hook was late or replayed).
    pub kept: Vec<String>,
}

impl Integration {
    /// Verifies an uninstall hook against this integration: the account id it names.
    pub fn verify_uninstall(&self, hook: &UninstallHook) -> Result<i64> {
        Ok(hook.verify(&self.inner.app)?)
    }

    /// The uninstall hook: verified (a forged one changes nothing, [`Error::UninstallHook`](crate::Error::UninstallHook)),
    /// then each pair the store records for the account checked, and deleted only when
    /// amoCRM no longer takes it: its cached client dropped and, unless the account is
    /// blocked (a block outlives an uninstall), its pace forgotten. A later call for it
    /// fails with no tokens until it installs again.
    ///
    /// The hook carries no time, so a replayed or late one cannot be told from amoCRM's by
    /// itself; but amoCRM revokes the account's tokens when it is uninstalled, and a pair
    /// stored since (the account installed again) is a new chain it takes. So each pair is
    /// first tried (`GET /api/v4/account` through the account's client, renewed once if
    /// refused): refused (401, or its renewal refused) → deleted; taken → kept (the
    /// account installed again since: [`Uninstalled::kept`]). When the check cannot tell
    /// (amoCRM or the network failing), nothing is deleted and the check's error is
    /// returned: answer the hook with a 5xx. A blocked account is not asked: its pair is
    /// deleted on the hook's word, and its block kept. This relies on amoCRM revoking the
    /// tokens before it sends the hook.
    ///
    /// ```no_run
    /// # async fn run(integration: amocrm::Integration, query: &str) -> amocrm::Result<()> {
    /// use amocrm::integration::UninstallHook;
    ///
    /// // GET /oauth/disable?account_id=...&client_uuid=...&signature=...
    /// let hook = UninstallHook::parse(query)?;
    /// let gone = integration.uninstall(&hook).await?;
    /// println!("account {} forgotten", gone.account_id);
    /// # Ok(()) }
    /// ```
    pub async fn uninstall(&self, hook: &UninstallHook) -> Result<Uninstalled> {
        let account_id = self.verify_uninstall(hook)?;
        let store = &self.inner.store;
        let found = store
            .accounts_of_id(account_id)
            .await
            .map_err(AuthError::Store)?;
        if found.is_empty() {
            // Nothing recorded for it: never installed here, already forgotten, or stored
            // before ids were recorded (record_account_ids finds those).
            tracing::info!(
                account_id,
                "uninstall hook: no stored pair is recorded for this account id \
                 (pairs stored without an id are found by Integration::record_account_ids)"
            );
        }
        let mut revoked = Vec::new();
        let mut kept = Vec::new();
        for account in found {
            // A blocked account is not asked (that digs the hole deeper): the hook is
            // taken at its word, as amoCRM's.
            if self
                .inner
                .pacer
                .blocked(&account)
                .await
                .ok()
                .flatten()
                .is_some()
            {
                revoked.push(account);
                continue;
            }
            let url = AccountUrl::base_url(account.clone());
            match self.client_at(&url)?.account().get().send().await {
                Ok(_) => kept.push(account),
                Err(error) if matches!(error.kind(), ErrorKind::Unauthorized | ErrorKind::Auth) => {
                    revoked.push(account);
                }
                Err(error) => return Err(error),
            }
        }
        let mut accounts = Vec::new();
        for account in revoked {
            // Already gone (another instance's hook) is the same outcome.
            store.delete(&account).await.map_err(AuthError::Store)?;
            self.forget(&AccountUrl::base_url(account.clone()));
            self.forget_pace(&account).await;
            accounts.push(account);
        }
        Ok(Uninstalled {
            account_id,
            accounts,
            kept,
        })
    }

    /// Forgets `account`'s pace, unless amoCRM blocked it: a block is amoCRM's, lifted by
    /// its support, not by an uninstall (an install again must not hammer it).
    async fn forget_pace(&self, account: &str) {
        let pacer = &self.inner.pacer;
        match pacer.blocked(account).await {
            Ok(None) => {}
            Ok(Some(_)) => return,
            Err(error) => {
                tracing::warn!(error = %error, "the pacer could not tell whether an uninstalled account is blocked; its pace is kept");
                return;
            }
        }
        if let Err(error) = pacer.forget(account).await {
            tracing::warn!(error = %error, "the pacer could not forget an uninstalled account");
        }
    }

    /// Drops the cached client of the account at `url` (the next [`Integration::client_at`]
    /// builds a new one from the store); its pair in the store is left as it is.
    pub fn forget(&self, url: &AccountUrl) {
        if let Ok(base_url) = url.checked("account base URL") {
            self.inner.clients.remove(&base_url);
        }
    }
}
