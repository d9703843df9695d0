//! The install (`/oauth/start`, `/oauth/callback`) and the uninstall hook (`/oauth/disable`).

use amocrm::error::AuthError;
use amocrm::integration::{AuthMode, InstallOrigin, InstallRedirect, UninstallHook};
use amocrm::{Domain, Error};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::{App, refuse};

/// The cookie holding the nonce of the state `/oauth/start` issued to this browser.
const NONCE_COOKIE: &str = "amocrm_install_nonce";

/// `GET /oauth/start?domain=…&mode=…`: 302 to amoCRM's consent page with a fresh signed
/// state, which whichever instance receives the redirect verifies without shared memory,
/// and a cookie holding the state's nonce (`HttpOnly`, `SameSite=Lax` so that amoCRM's
/// redirect back carries it, `Path=/oauth`, `Secure` unless the redirect URI is plain
/// http, as under --local): `/oauth/callback` takes the state only from the browser that
/// started the install (no login CSRF: nobody can finish their install in your browser).
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
                (
                    header::SET_COOKIE,
                    nonce_cookie(&app, start.nonce(), app.state_lifetime.as_secs()),
                ),
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
/// redirect (a tampered, expired or foreign state, one whose nonce is not the cookie's,
/// no state unless it is a widget's, `error=access_denied`, no code) is 400 and nothing
/// was sent to amoCRM; a referer that is no amoCRM account is 400; a token that is not the
/// referer's account's (a forged referer) is 403 and nothing was stored; an install
/// amoCRM did not complete is 502.
///
/// amoCRM sends a state only when the authorization URL carried one: an install started
/// from amoCRM's widget or marketplace comes with `from_widget` and no state, and is
/// taken (the library's default; `IntegrationBuilder::require_install_state` refuses it),
/// bound by the code exchange and the account check alone.
pub(crate) async fn callback(
    State(app): State<App>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let nonce = cookie(&headers, NONCE_COOKIE);
    // A widget's install (no state) is bound to no session; every other redirect must
    // carry the state this browser's /oauth/start issued.
    let widget = InstallRedirect::parse(&query).is_ok_and(|r| r.from_widget_without_state());
    let installed = if widget {
        app.integration.install_redirect(&query).await
    } else {
        app.integration
            .install_redirect_for(&query, nonce.as_deref())
            .await
    };
    match installed {
        Ok(installed) => {
            let how = match installed.origin {
                InstallOrigin::WidgetWithoutState => " (from the widget, without a state)",
                _ => "",
            };
            (
                StatusCode::OK,
                // The state is spent: the cookie goes with it.
                [(header::SET_COOKIE, nonce_cookie(&app, "", 0))],
                format!("installed for {}{how}\n", installed.client.base_url()),
            )
                .into_response()
        }
        Err(error @ (Error::Install(_) | Error::Config(_))) => {
            refuse(StatusCode::BAD_REQUEST, &error.to_string())
        }
        Err(error @ Error::Auth(AuthError::WrongAccount { .. })) => {
            // The referer named another account than the code's: forged; nothing stored.
            tracing::warn!(instance = %app.instance, "install refused: {error}");
            refuse(StatusCode::FORBIDDEN, &error.to_string())
        }
        Err(Error::InstallUnverified(unverified)) => {
            // The code is spent and its pair held only here: the user installs again.
            tracing::error!(
                instance = %app.instance,
                error = %unverified,
                "install unverified: amoCRM did not answer the account check; the code is \
                 spent and nothing was stored, so the account must install again"
            );
            refuse(
                StatusCode::BAD_GATEWAY,
                "install failed: amoCRM did not answer the account check; install again",
            )
        }
        Err(error) => {
            // The library's errors hold no token, code or secret.
            tracing::warn!(instance = %app.instance, "install failed: {error}");
            refuse(StatusCode::BAD_GATEWAY, &format!("install failed: {error}"))
        }
    }
}

/// The nonce cookie's `Set-Cookie` value (`max_age` 0: removed).
fn nonce_cookie(app: &App, nonce: &str, max_age: u64) -> String {
    let secure = if app.secure_cookie { "; Secure" } else { "" };
    format!(
        "{NONCE_COOKIE}={nonce}; Max-Age={max_age}; Path=/oauth; HttpOnly; SameSite=Lax{secure}"
    )
}

/// The value of cookie `name` in the request's `Cookie` headers; `None` when absent or
/// given twice (which one the browser meant cannot be told).
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let mut found = None;
    for header in headers.get_all(header::COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((key, value)) = pair.trim().split_once('=')
                && key == name
                && found.replace(value.to_owned()).is_some()
            {
                return None;
            }
        }
    }
    found
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
