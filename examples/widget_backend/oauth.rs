//! The install (`/oauth/start`, `/oauth/callback`) and the uninstall hook (`/oauth/disable`).

use amocrm::integration::{AuthMode, UninstallHook};
use amocrm::{Domain, Error};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::{App, refuse};

/// `GET /oauth/start?domain=…&mode=…`: 302 to amoCRM's consent page with a fresh signed
/// state, which whichever instance receives the redirect verifies without shared memory.
/// `domain` is `amocrm.ru` (the default), `amocrm.com` or `kommo.com`; `mode` is `popup`
/// (the default) or `post_message`. Anything else, or a parameter given twice, is 400.
pub(crate) async fn start(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let (mut domain, mut mode) = (None, None);
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        let slot = match &*key {
            "domain" => &mut domain,
            "mode" => &mut mode,
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return refuse(StatusCode::BAD_REQUEST, &format!("{key} is given twice"));
        }
    }
    let domain = match domain.as_deref() {
        None | Some("amocrm.ru") => Domain::AmocrmRu,
        Some("amocrm.com") => Domain::AmocrmCom,
        Some("kommo.com") => Domain::KommoCom,
        Some(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "domain must be amocrm.ru, amocrm.com or kommo.com",
            );
        }
    };
    let mode = match mode.as_deref() {
        None | Some("popup") => AuthMode::Popup,
        Some("post_message") => AuthMode::PostMessage,
        Some(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "mode must be popup or post_message",
            );
        }
    };
    match app.integration.authorization_url(domain, mode) {
        Ok(start) => (
            StatusCode::FOUND,
            [
                (header::LOCATION, start.url().as_str().to_owned()),
                // A state is for one user once: no cache may hand it to another.
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(instance = %app.instance, "no authorization URL: {error}");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "no authorization URL")
        }
    }
}

/// `GET /oauth/callback?code=…&referer=…&state=…`: the install redirect, whole. A bad
/// redirect (no state, a tampered, expired or foreign one, `error=access_denied`, no code)
/// is 400 and nothing was sent to amoCRM; a referer that is no amoCRM account is 400; an
/// install amoCRM did not complete is 502.
pub(crate) async fn callback(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    match app.integration.install_redirect(&query).await {
        Ok(client) => (
            StatusCode::OK,
            format!("installed for {}\n", client.base_url()),
        )
            .into_response(),
        Err(error @ (Error::Install(_) | Error::Config(_))) => {
            refuse(StatusCode::BAD_REQUEST, &error.to_string())
        }
        Err(error) => {
            // The library's errors hold no token, code or secret.
            tracing::warn!(instance = %app.instance, "install failed: {error}");
            refuse(StatusCode::BAD_GATEWAY, &format!("install failed: {error}"))
        }
    }
}

/// `GET /oauth/disable?account_id=…&client_uuid=…&signature=…`: amoCRM's uninstall hook.
/// A hook this integration's secret did not sign (another client id, a changed account id,
/// a wrong signature) is 401 and changes nothing; a malformed one is 400; a genuine one
/// deletes the account's pair from PostgreSQL (every instance sees it gone), drops this
/// instance's client of it and forgets its pace, and is answered 200. Other instances'
/// cached clients find no pair at their next call and fail with no tokens.
pub(crate) async fn disable(State(app): State<App>, RawQuery(query): RawQuery) -> Response {
    let hook = match UninstallHook::parse(&query.unwrap_or_default()) {
        Ok(hook) => hook,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    match app.integration.uninstall(&hook).await {
        Ok(gone) => axum::Json(json!({
            "account_id": gone.account_id,
            "forgotten": gone.accounts,
            // Pairs amoCRM still takes: installed again since (a late or replayed hook).
            "kept": gone.kept,
        }))
        .into_response(),
        Err(error @ Error::UninstallHook(_)) => {
            refuse(StatusCode::UNAUTHORIZED, &error.to_string())
        }
        Err(error) => {
            // The store, or amoCRM checking the pair, could not answer: nothing deleted.
            tracing::warn!(instance = %app.instance, "uninstall failed: {error}");
            refuse(StatusCode::SERVICE_UNAVAILABLE, &error.to_string())
        }
    }
}
