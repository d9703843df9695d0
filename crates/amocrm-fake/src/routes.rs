//! HTTP routes.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{OriginalUri, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use crate::catalogue::{Entry, ListEntry, ListPage, WidgetView};
use crate::problem::{self, ApiError, FieldError};
use crate::state::{Role, Shared, lock};
use crate::{BotKind, ReceivedContinuation, RecordedRequest, oauth, validate};

type AppState = State<Arc<Shared>>;
type ApiResult = Result<Response, ApiError>;

/// amoCRM's default page size.
pub(crate) const DEFAULT_LIMIT: u64 = 50;
/// Maximum page size.
pub(crate) const MAX_LIMIT: u64 = 250;

const NO_ROUTE: &str = "The requested resource was not found";

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v4/widgets", get(list_widgets))
        .route(
            "/api/v4/widgets/{code}",
            get(get_widget)
                .post(install_widget)
                .delete(uninstall_widget),
        )
        .route(
            "/api/v4/{bot}/{bot_id}/continue/{continue_id}",
            post(continue_bot),
        )
        .route("/api/v4/account", get(get_account))
        .route("/oauth2/access_token", post(oauth::access_token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Inside the recording: a request answered by a fault is recorded too.
        .layer(middleware::from_fn(crate::faults::inject::apply))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            record_and_limit,
        ))
        .with_state(shared)
}

/// The whole server: the default account at the root, every other account nested under
/// `/{name}`, each with its own state, tokens and rate limit.
pub(crate) fn app(default: Arc<Shared>, accounts: &[Arc<Shared>]) -> Router {
    let mut app = account_router(default);
    for shared in accounts {
        app = app.nest(&shared.prefix, account_router(shared.clone()));
    }
    app
}

/// One account's API, and its `/_fake/` admin routes, which are neither recorded nor
/// rate limited.
fn account_router(shared: Arc<Shared>) -> Router {
    router(shared.clone()).merge(crate::admin::router(shared))
}

/// Bodies up to this size are recorded (axum's default limit for a body extractor).
const RECORDED_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Records every request (raw URI as received, body included) and applies the rate limit.
async fn record_and_limit(State(shared): AppState, req: Request, next: Next) -> Response {
    let req = if shared.record {
        // Under a nested account the URI has lost its prefix; record the one on the wire.
        let uri = req
            .extensions()
            .get::<OriginalUri>()
            .map_or_else(|| req.uri().clone(), |original| original.0.clone());
        let (parts, body) = req.into_parts();
        let body = match axum::body::to_bytes(body, RECORDED_BODY_LIMIT).await {
            Ok(body) => body,
            Err(_) => {
                return ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Failed to buffer the request body: length limit exceeded",
                )
                .into_response();
            }
        };
        let recorded = RecordedRequest::from_parts(
            &parts.method,
            &uri,
            &parts.headers,
            shared.name.as_deref(),
            &body,
        );
        lock(&shared.requests).push(recorded);
        Request::from_parts(parts, Body::from(body))
    } else {
        req
    };
    if shared.strict_accept
        && req.uri().path().starts_with("/api/")
        && !accepts_amocrm_media_types(req.headers())
    {
        return ApiError::new(
            StatusCode::NOT_ACCEPTABLE,
            "Accept must admit application/hal+json and application/problem+json",
        )
        .into_response();
    }
    if let Some(limiter) = &shared.limiter
        && !lock(limiter).try_acquire(Instant::now())
    {
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: the rate limit has been exceeded",
        )
        .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return resp;
    }
    next.run(req).await
}

/// Whether the request's `Accept` admits both media types amoCRM answers with
/// (`application/hal+json` for success, `application/problem+json` for errors), as a
/// strict server checks it. No `Accept` admits anything; `q=0` excludes a range.
pub(crate) fn accepts_amocrm_media_types(headers: &HeaderMap) -> bool {
    let ranges: Vec<(String, bool)> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|range| {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let excluded = parts.any(|param| {
                let param = param.trim().to_ascii_lowercase();
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (media, !excluded)
        })
        .collect();
    if ranges.is_empty() {
        return true;
    }
    let admits = |target: &str| {
        ranges.iter().any(|(media, allowed)| {
            *allowed && (media == target || media == "*/*" || media == "application/*")
        })
    };
    admits("application/hal+json") && admits("application/problem+json")
}

async fn not_found() -> ApiError {
    ApiError::not_found(NO_ROUTE)
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested resource",
    )
}

/// Maps a body extraction failure (e.g. 413 when too large) to a problem.
pub(crate) fn body_rejected(rejection: BytesRejection) -> ApiError {
    ApiError::new(rejection.status(), rejection.body_text())
}

fn no_content() -> Response {
    (StatusCode::NO_CONTENT, Body::empty()).into_response()
}

/// Resolves the `{code}` path parameter to a catalogue entry, 404 otherwise.
fn lookup(
    shared: &Shared,
    code: Result<Path<String>, PathRejection>,
) -> Result<(usize, Entry), ApiError> {
    code.ok()
        .and_then(|Path(code)| shared.catalogue.position(&code))
        .and_then(|pos| Some((pos, shared.catalogue.entry(pos)?)))
        .ok_or_else(|| ApiError::not_found("Widget not found or not available"))
}

/// Parses `page` and `limit`; the first occurrence of each wins.
fn paging(query: Option<&str>) -> Result<(u64, u64), Vec<FieldError>> {
    let mut page = None;
    let mut limit = None;
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match &*k {
            "page" if page.is_none() => page = Some(v.into_owned()),
            "limit" if limit.is_none() => limit = Some(v.into_owned()),
            _ => {}
        }
    }
    let mut errors = Vec::new();
    let mut number = |name: &str, raw: Option<String>, default: u64, max: u64| -> u64 {
        let Some(raw) = raw else {
            return default;
        };
        match raw.parse::<u64>() {
            Ok(n) if n >= 1 && n <= max => n,
            Ok(_) => {
                let detail = if max == u64::MAX {
                    "This value should be 1 or more.".to_owned()
                } else {
                    format!("This value should be between 1 and {max}.")
                };
                errors.push(FieldError::new("OutOfRange", name, detail));
                default
            }
            Err(_) => {
                errors.push(FieldError::new(
                    "InvalidType",
                    name,
                    "This value should be a positive integer.",
                ));
                default
            }
        }
    };
    // `page` is an int64 in the spec (amoCRM's PHP integers): larger values are invalid.
    let page = number("page", page, 1, i64::MAX as u64);
    let limit = number("limit", limit, DEFAULT_LIMIT, MAX_LIMIT);
    if errors.is_empty() {
        Ok((page, limit))
    } else {
        Err(errors)
    }
}

async fn list_widgets(
    State(shared): AppState,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    shared.role(&headers)?;
    let (page, limit) = paging(query.as_deref()).map_err(ApiError::validation)?;
    let total = shared.catalogue.len();
    let start = (page - 1)
        .checked_mul(limit)
        .and_then(|s| usize::try_from(s).ok())
        .filter(|&s| s < total);
    let Some(start) = start else {
        if shared.php_empty_page {
            // PHP writes the empty `_links` and `_embedded` maps as `[]`.
            let body = serde_json::json!({"_page": page, "_links": [], "_embedded": []});
            return Ok(problem::hal(StatusCode::OK, &body));
        }
        return Ok(no_content());
    };
    let end = usize::try_from(limit)
        .map_or(total, |limit| start.saturating_add(limit))
        .min(total);
    let active: Vec<bool> = {
        let state = lock(&shared.state);
        (start..end)
            .map(|pos| state.installed.contains_key(&pos))
            .collect()
    };
    let entries: Vec<Entry> = (start..end)
        .filter_map(|pos| shared.catalogue.entry(pos))
        .collect();
    let origin = shared.origin(&headers, &uri);
    let views = entries
        .iter()
        .zip(active)
        .map(|(entry, active)| match entry {
            Entry::Widget(w) => ListEntry::View(WidgetView::new(w, &origin, active, None)),
            Entry::Raw(raw) => ListEntry::Raw(raw),
        })
        .collect();
    let body = ListPage::new(&origin, page, limit, end < total, views);
    Ok(problem::hal(StatusCode::OK, &body))
}

/// The default account's ID (its subdomain is `example`); named accounts count up from it.
pub(crate) const ACCOUNT_ID: i64 = 1_231_414;

/// `GET /api/v4/account`: the fake account, with the parts `with` asks for (unknown parts
/// are ignored, as amoCRM does).
async fn get_account(
    State(shared): AppState,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let role = shared.role(&headers)?;
    let with: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == "with")
        .flat_map(|(_, value)| {
            value
                .split(',')
                .map(|part| part.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let wants = |part: &str| with.iter().any(|w| w == part);
    let origin = shared.origin(&headers, &uri);
    let mut account = serde_json::json!({
        "id": shared.account_id,
        "name": shared.subdomain,
        "subdomain": shared.subdomain,
        "created_at": 1_585_840_134,
        "created_by": 321_321,
        "updated_at": 1_589_472_711,
        "updated_by": 321_321,
        "current_user_id": if role == Role::Admin { 581_211 } else { 581_212 },
        "country": "RU",
        "currency": "RUB",
        "currency_symbol": "₽",
        "customers_mode": "segments",
        "is_unsorted_on": true,
        "is_loss_reason_enabled": true,
        "is_helpbot_enabled": false,
        "is_technical_account": true,
        "contact_name_display_order": 1,
        "mobile_feature_version": 0,
        "_links": {"self": {"href": format!("{origin}/api/v4/account")}},
    });
    let mut embedded = serde_json::Map::new();
    if wants("amojo_id") {
        account["amojo_id"] = "f3c6340f-6d1c-4f3e-8b4b-2e1f0e7b2b7a".into();
    }
    if wants("version") {
        account["version"] = 11.into();
    }
    if wants("amojo_rights") {
        embedded.insert(
            "amojo_rights".into(),
            serde_json::json!({"can_direct": false, "can_create_groups": true}),
        );
    }
    if wants("users_groups") {
        embedded.insert(
            "users_groups".into(),
            serde_json::json!([{"id": 0, "name": "Отдел продаж", "uuid": null}]),
        );
    }
    if wants("task_types") {
        embedded.insert(
            "task_types".into(),
            serde_json::json!([{"id": 1, "name": "Связаться", "color": null, "icon_id": null, "code": "FOLLOW_UP"}]),
        );
    }
    if wants("entity_names") {
        embedded.insert(
            "entity_names".into(),
            serde_json::json!({"leads": {"ru": {"singular_form": {"nominative": "сделка"}}}}),
        );
    }
    if wants("datetime_settings") {
        embedded.insert(
            "datetime_settings".into(),
            serde_json::json!({"date_pattern": "d.m.Y H:i", "short_date_pattern": "d.m.Y", "timezone": "Europe/Moscow"}),
        );
    }
    // PHP writes an empty map as `[]`.
    account["_embedded"] = if embedded.is_empty() {
        Value::Array(Vec::new())
    } else {
        Value::Object(embedded)
    };
    Ok(problem::hal(StatusCode::OK, &account))
}

async fn get_widget(
    State(shared): AppState,
    uri: Uri,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
) -> ApiResult {
    let role = shared.role(&headers)?;
    let (pos, widget) = lookup(&shared, code)?;
    let widget = match widget {
        Entry::Widget(widget) => widget,
        Entry::Raw(raw) => return Ok(problem::hal(StatusCode::OK, &raw)),
    };
    let (active, settings) = {
        let state = lock(&shared.state);
        let settings = state.installed.get(&pos);
        // Settings are only shown to the integration's own (admin) key.
        (
            settings.is_some(),
            settings.filter(|_| role == Role::Admin).cloned(),
        )
    };
    let origin = shared.origin(&headers, &uri);
    let view = WidgetView::new(&widget, &origin, active, settings.as_ref());
    Ok(problem::hal(StatusCode::OK, &view))
}

async fn install_widget(
    State(shared): AppState,
    uri: Uri,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    shared.admin(&headers)?;
    let (pos, widget) = lookup(&shared, code)?;
    let body = body.map_err(body_rejected)?;
    let settings = validate::json_object(&headers, &body)?;
    let widget = match widget {
        Entry::Widget(widget) => widget,
        // A raw widget has no template the fake knows: any settings object installs it,
        // and the answer is the widget as given.
        Entry::Raw(raw) => {
            lock(&shared.state)
                .installed
                .insert(pos, Value::Object(settings));
            return Ok(problem::hal(StatusCode::OK, &raw));
        }
    };
    let errors = validate::settings(&widget.settings_template, &settings);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let settings = Value::Object(settings);
    lock(&shared.state).installed.insert(pos, settings.clone());
    let origin = shared.origin(&headers, &uri);
    let view = WidgetView::new(&widget, &origin, true, Some(&settings));
    Ok(problem::hal(StatusCode::OK, &view))
}

async fn uninstall_widget(
    State(shared): AppState,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
) -> ApiResult {
    shared.admin(&headers)?;
    let (pos, _) = lookup(&shared, code)?;
    lock(&shared.state).installed.remove(&pos);
    Ok(no_content())
}

async fn continue_bot(
    State(shared): AppState,
    headers: HeaderMap,
    params: Result<Path<(String, String, String)>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    shared.admin(&headers)?;
    let (bot, bot_id, continue_id) = params
        .ok()
        .and_then(|Path((bot, id, cid))| {
            let bot: BotKind = bot.parse().ok()?;
            // Bot IDs are positive (the spec's `minimum: 1`).
            let id: i64 = id.parse().ok().filter(|id| *id >= 1)?;
            Some((bot, id, cid))
        })
        .ok_or_else(|| ApiError::not_found(NO_ROUTE))?;
    let body = body.map_err(body_rejected)?;
    // The body is optional, as both of its fields are: none is `{}`.
    let body = if body.is_empty() {
        serde_json::Map::new()
    } else {
        validate::json_object(&headers, &body)?
    };
    let errors = validate::continuation(&body);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut state = lock(&shared.state);
    let key = (bot, bot_id, continue_id);
    match state.pending.get_mut(&key) {
        _ if shared.any_continuation => {}
        Some(left) if *left > 1 => *left -= 1,
        Some(_) => {
            state.pending.remove(&key);
        }
        None => {
            return Err(ApiError::not_found(
                "No widget awaiting a result was found for this continue_id",
            ));
        }
    }
    let (bot, bot_id, continue_id) = key;
    state.continuations.push(ReceivedContinuation {
        bot,
        bot_id,
        continue_id,
        body: Value::Object(body),
    });
    Ok((StatusCode::ACCEPTED, Body::empty()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        accepts_amocrm_media_types(&headers)
    }

    #[test]
    fn strict_accept() {
        assert!(accept(&[]));
        assert!(accept(&["*/*"]));
        assert!(accept(&["application/*"]));
        assert!(accept(&["application/hal+json, application/problem+json"]));
        assert!(accept(&[
            "application/hal+json",
            "application/problem+json;q=0.5"
        ]));
        assert!(!accept(&["application/json"]));
        assert!(!accept(&["application/hal+json"]));
        assert!(!accept(&["application/problem+json"]));
        assert!(!accept(&[
            "application/hal+json, application/problem+json;q=0"
        ]));
        assert!(!accept(&["text/html, application/json;q=0.9"]));
    }

    #[test]
    fn paging_defaults_and_errors() {
        assert_eq!(paging(None), Ok((1, 50)));
        assert_eq!(paging(Some("limit=250&page=3")), Ok((3, 250)));
        assert_eq!(paging(Some("page=2&page=x")), Ok((2, 50)));
        let errs = paging(Some("limit=0&page=abc")).err().unwrap_or_default();
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["page", "limit"]);
        assert!(paging(Some("limit=251")).is_err());
        assert!(paging(Some("limit=")).is_err());
        assert!(paging(Some("page=0")).is_err());
        assert!(paging(Some("page=-1")).is_err());
        assert!(paging(Some("page=99999999999999999999999")).is_err());
        assert!(paging(Some("page=9223372036854775808")).is_err());
        assert_eq!(
            paging(Some("page=9223372036854775807")),
            Ok((i64::MAX as u64, 50))
        );
    }
}
