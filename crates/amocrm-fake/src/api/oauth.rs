//! OAuth: `POST /oauth2/access_token`, the `authorization_code` and `refresh_token` grants,
//! answered as amoCRM's OAuth server answers them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

use crate::http::body::json_object;
use crate::http::problem::{PROBLEM_JSON, body_rejected};
use crate::http::router::Routes;
use crate::model::lock;
use crate::model::problem::{FieldError, Problem};
use crate::model::tenant::Tenant;
use crate::model::tokens::{Grant, Refusal};

pub(super) fn routes() -> Routes {
    Routes::new().route("/oauth2/access_token", post(access_token))
}

/// `type` of amoCRM's OAuth errors.
const OAUTH_PROBLEM_TYPE: &str = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson";

/// An error of the token endpoint, shaped like amoCRM's (its PHP OAuth server's `hint`
/// says what is wrong; `title` and `detail` are the same Russian text for every case).
/// A spent refresh token is 401 there, as users of amoCRM's PHP library report it
/// (amocrm/amocrm-api-php#123, #315), not 400.
fn oauth_error(status: StatusCode, hint: &str) -> Response {
    problem_response(
        status,
        json!({
            "hint": hint,
            "title": "Некорректный запрос",
            "type": OAUTH_PROBLEM_TYPE,
            "status": status.as_u16(),
            "detail": "В запросе отсутствует ряд параметров или параметры невалидны",
        }),
    )
}

/// Wrong `client_id` or `client_secret`: amoCRM answers 401 with its own title and
/// detail and no `hint` (amocrm/amocrm-api-php#235).
fn client_refused() -> Response {
    problem_response(
        StatusCode::UNAUTHORIZED,
        json!({
            "title": "Некорректный клиент",
            "type": OAUTH_PROBLEM_TYPE,
            "status": 401,
            "detail": "Авторизация клиента не прошла",
        }),
    )
}

fn problem_response(status: StatusCode, body: Value) -> Response {
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

/// A form (as amoCRM's own clients send it) or a JSON object.
fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Problem> {
    if form_body(headers) {
        Ok(url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect())
    } else {
        json_object(headers, body)
    }
}

/// Needs no token: the client authenticates with its id and secret.
async fn access_token(
    State(tenant): State<Arc<Tenant>>,
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
    .map(FieldError::missing)
    .collect();
    if !missing.is_empty() {
        return Problem::validation(missing).into_response();
    }
    let client = &tenant.oauth_client;
    if field("client_id") != Some(client.client_id.as_str())
        || field("client_secret") != Some(client.client_secret.as_str())
    {
        return client_refused();
    }
    if field("redirect_uri") != Some(client.redirect_uri.as_str()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "redirect_uri does not match the integration's redirect URI",
        );
    }
    let secret = field(secret_field).unwrap_or_default();
    let grant = match grant_type {
        Some("authorization_code") => Grant::AuthorizationCode(secret),
        Some("refresh_token") => Grant::RefreshToken(secret),
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "The authorization grant type is not supported by the authorization server",
            );
        }
    };
    let pair = match lock(&tenant.tokens).grant(grant, tenant.access_token_ttl) {
        Ok(pair) => pair,
        Err(Refusal { status, hint }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            return oauth_error(status, hint);
        }
    };
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
