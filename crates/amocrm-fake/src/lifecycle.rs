//! An account's life beyond its API: blocked for exceeding the rate limit, unpaid, and the
//! integration disabled (its tokens revoked and the signed uninstall hook sent).

use hmac::Mac as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::model::lock;
use crate::model::standing::Standing;
use crate::server::FakeAccount;

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
        let client = &self.tenant.oauth_client;
        let account_id = self.tenant.account_id.to_string();
        let signature = sign(&client.client_secret, &client.client_id, &account_id);
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("account_id", &account_id)
            .append_pair("client_uuid", &client.client_id)
            .append_pair("signature", &signature)
            .finish()
    }

    /// Revokes every token of the account (401 from now on, refresh tokens refused), as
    /// amoCRM does when the integration is disabled; [`FakeAccount::send_uninstall_hook`]
    /// does it before sending the hook.
    pub fn revoke_tokens(&self) {
        lock(&self.tenant.tokens).revoke_all();
    }

    /// Disables the integration on the account: every token of it revoked (401 from now
    /// on), then the signed uninstall hook sent as `GET {url}?{query}` (`url` an
    /// `http://host:port/path` on loopback). Returns the hook's HTTP status.
    pub async fn send_uninstall_hook(&self, url: &str) -> std::io::Result<u16> {
        self.revoke_tokens();
        let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, why);
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| invalid("the hook URL is not http://"))?;
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let path = if path.is_empty() { "/" } else { path };
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut stream = tokio::net::TcpStream::connect(host).await?;
        let request = format!(
            "GET {path}{separator}{} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
            self.uninstall_hook_query()
        );
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        let head = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
        head.split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .ok_or_else(|| invalid("the hook's answer is not HTTP"))
    }
}

/// Lowercase hex HMAC-SHA256 of `"{client_id}|{account_id}"` keyed with `secret`.
fn sign(secret: &str, client_id: &str, account_id: &str) -> String {
    let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("{client_id}|{account_id}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
