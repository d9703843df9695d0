//! `POST /oauth2/access_token`: authorization_code and refresh_token grants.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{Map, Value, json};

use crate::problem::{ApiError, FieldError, PROBLEM_JSON};
use crate::routes::body_rejected;
use crate::state::{Shared, lock};
use crate::{IssuedTokens, validate};

fn random_token(prefix: &str) -> String {
    let mut rng = rand::rng();
    let a: u128 = rng.random();
    let b: u128 = rng.random();
    format!("{prefix}{a:032x}{b:032x}")
}

/// A fresh single-use authorization code.
pub(crate) fn new_code() -> String {
    random_token("def50200")
}

/// `type` of amoCRM's OAuth errors.
pub(crate) const OAUTH_PROBLEM_TYPE: &str =
    "https://developers.amocrm.ru/v3/errors/OAuthProblemJson";

/// An error of the token endpoint, shaped like amoCRM's (its PHP OAuth server's `hint`
/// says what is wrong; `title` and `detail` are the same Russian text for every case).
fn oauth_error(status: StatusCode, hint: &str) -> Response {
    let body = json!({
        "hint": hint,
        "title": "Некорректный запрос",
        "type": OAUTH_PROBLEM_TYPE,
        "status": status.as_u16(),
        "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
    });
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
        body.to_string(),
    )
        .into_response()
}

fn form_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if form_body(headers) {
        Ok(url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect())
    } else {
        validate::json_object(headers, body)
    }
}

pub(crate) async fn access_token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_rejected(rejection).into_response(),
    };
    let body = match parse_body(&headers, &body) {
        Ok(map) => map,
        Err(err) => return err.into_response(),
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    let grant_type = field("grant_type");
    let secret_field = match grant_type {
        Some("refresh_token") => "refresh_token",
        _ => "code",
    };
    let missing: Vec<FieldError> = [
        "client_id",
        "client_secret",
        "grant_type",
        secret_field,
        "redirect_uri",
    ]
    .into_iter()
    .filter(|name| field(name).is_none_or(str::is_empty))
    .map(|name| FieldError::new("NotBlank", name, "This field is missing."))
    .collect();
    if !missing.is_empty() {
        return ApiError::validation(missing).into_response();
    }
    let client = &shared.oauth_client;
    if field("client_id") != Some(client.client_id.as_str())
        || field("client_secret") != Some(client.client_secret.as_str())
    {
        return oauth_error(StatusCode::UNAUTHORIZED, "Client authentication failed");
    }
    if field("redirect_uri") != Some(client.redirect_uri.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri does not match the integration's redirect URI",
        );
    }
    let secret = field(secret_field).unwrap_or_default();
    let mut state = lock(&shared.state);
    match grant_type {
        Some("authorization_code") => {
            if !state.oauth.codes.remove(secret) {
                let hint = if state.oauth.spent_codes.contains(secret) {
                    "Authorization code has been revoked"
                } else {
                    "Cannot decrypt the authorization code"
                };
                return oauth_error(StatusCode::BAD_REQUEST, hint);
            }
            state.oauth.spent_codes.insert(secret.to_owned());
            state.oauth.stats.authorization_code_grants += 1;
        }
        Some("refresh_token") => {
            if !state.oauth.refresh.remove(secret) {
                if state.oauth.spent_refresh.contains(secret) {
                    state.oauth.stats.reused_refresh_tokens += 1;
                    return oauth_error(StatusCode::BAD_REQUEST, "Token has been revoked");
                }
                return oauth_error(StatusCode::BAD_REQUEST, "Cannot decrypt the refresh token");
            }
            state.oauth.spent_refresh.insert(secret.to_owned());
            state.oauth.stats.refresh_token_grants += 1;
        }
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "The authorization grant type is not supported by the authorization server",
            );
        }
    }
    let pair = issue(&mut state, shared.access_token_ttl);
    drop(state);
    let body = json!({
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
    });
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

/// Stores a new access token (valid for `ttl`) and a new refresh token.
pub(crate) fn issue(state: &mut crate::state::State, ttl: Duration) -> IssuedTokens {
    let access_token = random_token("fake-at-");
    let refresh_token = random_token("fake-rt-");
    let now = Instant::now();
    let expires = now
        .checked_add(ttl)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
    state.oauth.access.insert(access_token.clone(), expires);
    state.oauth.refresh.insert(refresh_token.clone());
    IssuedTokens {
        access_token,
        refresh_token,
        expires_in: ttl.as_secs(),
    }
}
