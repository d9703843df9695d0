//! The integration uninstalled from an account, as amoCRM does it: every token of the
//! account revoked, then the signed uninstall hook sent as a `GET` to the integration's
//! hook URL (`?account_id=…&client_uuid=…&signature=…`, the signature the lowercase hex
//! HMAC-SHA256 of `"{client_uuid}|{account_id}"` keyed with the client secret). Plain
//! HTTP/1.1 only, written here (no HTTP client dependency, no TLS).

use hmac::Mac as _;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::model::lock;
use crate::model::tenant::Tenant;

/// How long the hook's destination has to answer.
const HOOK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The hook's query for `tenant`.
pub(crate) fn query(tenant: &Tenant) -> String {
    let client = &tenant.oauth_client;
    let account_id = tenant.account_id.to_string();
    let signature = sign(&client.client_secret, &client.client_id, &account_id);
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("account_id", &account_id)
        .append_pair("client_uuid", &client.client_id)
        .append_pair("signature", &signature)
        .finish()
}

/// Revokes every token of the account (401 from now on, refresh tokens refused).
pub(crate) fn revoke(tenant: &Tenant) {
    lock(&tenant.tokens).revoke_all();
}

/// Uninstalls the integration: the tokens revoked, then the hook sent to `url` (the
/// configured one when `None`, none sent when neither). What the admin route answers:
/// `{"account_id", "tokens_revoked": true, "hook": null | {"url", "status", "error"?}}`.
pub(crate) async fn uninstall(tenant: &Tenant, url: Option<&str>) -> Value {
    revoke(tenant);
    let url = url.or(tenant.uninstall_hook_url.as_deref());
    let hook = match url {
        None => Value::Null,
        Some(url) => match send(tenant, url).await {
            Ok(status) => json!({"url": url, "status": status}),
            Err(error) => json!({"url": url, "status": null, "error": error.to_string()}),
        },
    };
    json!({"account_id": tenant.account_id, "tokens_revoked": true, "hook": hook})
}

/// `url` as a hook URL: an `http://` URL with a host (the fake sends no TLS).
pub(crate) fn hook_url(url: &str) -> std::io::Result<url::Url> {
    let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, why);
    let parsed = url::Url::parse(url).map_err(|_| invalid("the hook URL is not a URL"))?;
    if parsed.scheme() != "http" {
        return Err(invalid("the hook URL is not http://"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the hook URL has no host"));
    }
    Ok(parsed)
}

/// Sends the hook as `GET {url}?{query}` (`url` an `http://host[:port]/path`); the
/// answer's HTTP status.
pub(crate) async fn send(tenant: &Tenant, url: &str) -> std::io::Result<u16> {
    let parsed = hook_url(url)?;
    let host = parsed.host_str().unwrap_or_default();
    let authority = format!("{host}:{}", parsed.port_or_known_default().unwrap_or(80));
    let path = parsed.path();
    let target = match parsed.query() {
        Some(own) => format!("{path}?{own}&{}", query(tenant)),
        None => format!("{path}?{}", query(tenant)),
    };
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(&authority).await?;
        let request = format!(
            "GET {target} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: amoCRM (amocrm-fake)\r\n\
             Connection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(HOOK_TIMEOUT, exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 10 s"))??;
    let head = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
    head.split(' ')
        .nth(1)
        .filter(|_| head.starts_with("HTTP/1."))
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the hook's answer is not HTTP",
            )
        })
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
