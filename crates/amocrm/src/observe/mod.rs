//! What the client tells an operator: a `tracing` span per operation call and per
//! attempt, spans for a token refresh, a store lock wait and a batch of the batch writer,
//! and (feature `metrics`) counters and histograms through the `metrics` facade.
//!
#![doc = include_str!("../docs/observability.md")]

mod metric;
mod request;
mod routes;

pub(crate) use metric::{
    Outcome, accounts_blocked, batch_items, store_lock_wait, token_refresh, undecodable_entries,
};
pub(crate) use request::{
    Attempt, Call, RetryReason, Target, batch_span, duration_ms, lock_span, refresh_span,
};
pub use routes::url_template;

/// The span of one operation call (INFO).
pub const REQUEST_SPAN: &str = "amocrm.request";
/// The span of one attempt of a call (DEBUG), a child of [`REQUEST_SPAN`].
pub const ATTEMPT_SPAN: &str = "amocrm.attempt";
/// The span of one token refresh of an `OAuth`.
pub const TOKEN_REFRESH_SPAN: &str = "amocrm.token_refresh";
/// The span of one wait for the token store's lock.
pub const STORE_LOCK_SPAN: &str = "amocrm.store_lock";
/// The span of one batch of the batch writer.
pub const BATCH_SPAN: &str = "amocrm.batch";

/// The metrics (feature `metrics`), by name.
pub mod metrics {
    /// Counter `{operation, status_class}`: operation calls by how they ended.
    pub const REQUESTS_TOTAL: &str = "amocrm_requests_total";
    /// Counter `{operation}`: 429 answers received.
    pub const RATE_LIMITED_TOTAL: &str = "amocrm_rate_limited_total";
    /// Counter `{reason}`: attempts sent again.
    pub const RETRIES_TOTAL: &str = "amocrm_retries_total";
    /// Histogram `{operation}`: seconds from the call to its outcome, waits included.
    pub const REQUEST_DURATION_SECONDS: &str = "amocrm_request_duration_seconds";
    /// Histogram: seconds an attempt waited for its slot of the pacer.
    pub const PACE_WAIT_SECONDS: &str = "amocrm_pace_wait_seconds";
    /// Counter `{outcome}`: token refreshes by outcome.
    pub const TOKEN_REFRESHES_TOTAL: &str = "amocrm_token_refreshes_total";
    /// Histogram: seconds waited for the token store's lock.
    pub const STORE_LOCK_WAIT_SECONDS: &str = "amocrm_store_lock_wait_seconds";
    /// Counter `{entity}`: list entries that did not decode.
    pub const UNDECODABLE_ENTRIES_TOTAL: &str = "amocrm_undecodable_entries_total";
    /// Counter: accounts this process saw blocked by amoCRM.
    pub const ACCOUNTS_BLOCKED_TOTAL: &str = "amocrm_accounts_blocked_total";
    /// Counter `{entity, outcome}`: items of the batch writer by outcome.
    pub const BATCH_ITEMS_TOTAL: &str = "amocrm_batch_items_total";
}

/// The account as spans name it: the subdomain of an amoCRM account URL, else the base
/// URL's host, port and path (a checked base URL has no user info and no query).
pub(crate) fn account_label(base_url: &str) -> String {
    let Ok(url) = url::Url::parse(base_url) else {
        return "_OTHER".to_owned();
    };
    let host = url.host_str().unwrap_or_default();
    if let Some((subdomain, _)) = crate::client::Domain::of_host(host) {
        return subdomain;
    }
    let mut label = host.to_owned();
    if let Some(port) = url.port() {
        label.push(':');
        label.push_str(&port.to_string());
    }
    label.push_str(url.path().trim_end_matches('/'));
    label
}

/// A transport error as a log line may say it: what failed and its causes, without the
/// URL (reqwest's `Display` ends with the whole URL, its query and any free text in it).
pub(crate) fn transport_error(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connect error"
    } else if error.is_builder() {
        "builder error"
    } else if error.is_redirect() {
        "redirect error"
    } else if error.is_body() {
        "body error"
    } else if error.is_decode() {
        "decode error"
    } else if error.is_request() {
        "error sending request"
    } else {
        "transport error"
    };
    let mut text = what.to_owned();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A crate error as a log line may say it: a transport error without its URL.
pub(crate) fn loggable(error: &crate::Error) -> String {
    match error {
        crate::Error::Transport(inner) => format!("transport error: {}", transport_error(inner)),
        crate::Error::Page { page, source } => {
            format!(
                "fetching page {page} of the list failed: {}",
                loggable(source)
            )
        }
        other => other.to_string(),
    }
}

/// The host of a base URL (`server.address`).
pub(crate) fn server_address(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_labelled_without_secrets() {
        assert_eq!(account_label("https://example.amocrm.ru"), "example");
        assert_eq!(account_label("https://shop.kommo.com/"), "shop");
        assert_eq!(
            account_label("http://127.0.0.1:8080/acme"),
            "127.0.0.1:8080/acme"
        );
        assert_eq!(account_label("not a url"), "_OTHER");
        assert_eq!(
            server_address("https://example.amocrm.ru"),
            "example.amocrm.ru"
        );
    }
}
