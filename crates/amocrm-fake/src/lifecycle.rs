//! An account's life beyond its API: blocked for exceeding the rate limit, unpaid, and the
//! integration disabled (its tokens revoked and the signed uninstall hook sent).

use crate::builder::FakeBuilder;
use crate::model::lock;
use crate::model::standing::Standing;
use crate::server::FakeAccount;
use crate::uninstall;

impl FakeAccount {
    /// The account's id (`id` of `GET /api/v4/account`).
    pub fn account_id(&self) -> i64 {
        self.tenant.account_id
    }

    /// Blocks the account as amoCRM does an integration that keeps exceeding the rate
    /// limit: the next `rate_limited` requests are answered 429, every one after them 403
    /// with an HTML page, until [`FakeAccount::reinstate`].
    pub fn block(&self, rate_limited: u32) {
        *lock(&self.tenant.standing) = Standing::Blocked { rate_limited };
    }

    /// Marks the account unpaid: 402 on every request until [`FakeAccount::reinstate`].
    pub fn mark_unpaid(&self) {
        *lock(&self.tenant.standing) = Standing::Unpaid;
    }

    /// Lifts a block or an unpaid mark.
    pub fn reinstate(&self) {
        *lock(&self.tenant.standing) = Standing::Good;
    }

    /// The query of the uninstall hook amoCRM sends when the account disables the
    /// integration: `account_id`, `client_uuid` and `signature`, the lowercase hex
    /// HMAC-SHA256 of `"{client_uuid}|{account_id}"` keyed with the client secret.
    pub fn uninstall_hook_query(&self) -> String {
        uninstall::query(&self.tenant)
    }

    /// Revokes every token of the account (401 from now on, refresh tokens refused), as
    /// amoCRM does when the integration is disabled; [`FakeAccount::send_uninstall_hook`]
    /// does it before sending the hook.
    pub fn revoke_tokens(&self) {
        uninstall::revoke(&self.tenant);
    }

    /// Disables the integration on the account: every token of it revoked (401 from now
    /// on), then the signed uninstall hook sent as `GET {url}?{query}` (`url` an
    /// `http://host:port/path`). Returns the hook's HTTP status.
    pub async fn send_uninstall_hook(&self, url: &str) -> std::io::Result<u16> {
        self.revoke_tokens();
        uninstall::send(&self.tenant, url).await
    }

    /// Uninstalls the integration from the account as amoCRM does: every token of it
    /// revoked, then the signed uninstall hook sent to the URL of
    /// [`FakeBuilder::uninstall_hook_url`] (`POST /_fake/uninstall` does the same). `None`
    /// when no URL is configured (the tokens are revoked all the same), else the hook's
    /// HTTP status or why it was not delivered.
    pub async fn uninstall(&self) -> Option<std::io::Result<u16>> {
        self.revoke_tokens();
        let url = self.tenant.uninstall_hook_url.as_deref()?;
        Some(uninstall::send(&self.tenant, url).await)
    }
}

/// The uninstall hook's option, here because `builder.rs` is full.
impl FakeBuilder {
    /// Where the integration's uninstall hook goes (none by default): when the
    /// integration is uninstalled from an account ([`FakeAccount::uninstall`],
    /// `POST /_fake/uninstall`), the account's tokens are revoked and a signed `GET` sent
    /// here, as amoCRM sends it to the integration's hook URL (`http://` only).
    pub fn uninstall_hook_url(mut self, url: impl Into<String>) -> Self {
        self.uninstall_hook_url = Some(url.into());
        self
    }
}
