//! Widgets: `GET /api/v4/widgets` (paged), `GET|POST|DELETE /api/v4/widgets/{code}`
//! (get, install, uninstall).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, RawQuery};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;
use serde_json::Value;

use crate::http::body::json_object;
use crate::http::caller::Caller;
use crate::http::hal::{self, SelfLink};
use crate::http::paging::{self, Paging};
use crate::http::problem::body_rejected;
use crate::http::router::Routes;
use crate::model::catalogue::entry::{Entry, Rating, Version, Widget};
use crate::model::catalogue::validate;
use crate::model::catalogue::widget::SettingField;
use crate::model::lock;
use crate::model::problem::Problem;
use crate::model::tenant::{Role, Tenant};

type ApiResult = Result<Response, Problem>;

pub(super) fn routes() -> Routes {
    Routes::new().route("/api/v4/widgets", get(list)).route(
        "/api/v4/widgets/{code}",
        get(one).post(install).delete(uninstall),
    )
}

/// Resolves the `{code}` path parameter to a catalogue entry, 404 otherwise.
fn lookup(
    tenant: &Tenant,
    code: Result<Path<String>, PathRejection>,
) -> Result<(usize, Entry), Problem> {
    code.ok()
        .and_then(|Path(code)| tenant.catalogue.position(&code))
        .and_then(|pos| Some((pos, tenant.catalogue.entry(pos)?)))
        .ok_or_else(|| Problem::not_found("Widget not found or not available"))
}

async fn list(caller: Caller, RawQuery(query): RawQuery) -> ApiResult {
    let paging = Paging::parse(query.as_deref())?;
    let tenant = &caller.tenant;
    let total = tenant.catalogue.len();
    let Some(window) = paging.window(total) else {
        return Ok(paging::past_the_end(&caller, paging));
    };
    let has_next = window.end < total;
    let active: Vec<bool> = {
        let installed = lock(&tenant.installed);
        window
            .clone()
            .map(|pos| installed.contains_key(&pos))
            .collect()
    };
    let entries: Vec<Entry> = window
        .filter_map(|pos| tenant.catalogue.entry(pos))
        .collect();
    let views = entries
        .iter()
        .zip(active)
        .map(|(entry, active)| match entry {
            Entry::Widget(w) => ListEntry::View(WidgetView::new(w, caller.origin(), active, None)),
            Entry::Raw(raw) => ListEntry::Raw(raw),
        })
        .collect();
    Ok(paging::page(
        &caller,
        "/api/v4/widgets",
        paging,
        has_next,
        "widgets",
        views,
    ))
}

async fn one(caller: Caller, code: Result<Path<String>, PathRejection>) -> ApiResult {
    let (pos, widget) = lookup(&caller.tenant, code)?;
    let widget = match widget {
        Entry::Widget(widget) => widget,
        Entry::Raw(raw) => return Ok(hal::ok(&raw)),
    };
    let (active, settings) = {
        let installed = lock(&caller.tenant.installed);
        let settings = installed.get(&pos);
        // Settings are only shown to the integration's own (admin) key.
        (
            settings.is_some(),
            settings.filter(|_| caller.role == Role::Admin).cloned(),
        )
    };
    let view = WidgetView::new(&widget, caller.origin(), active, settings.as_ref());
    Ok(hal::ok(&view))
}

async fn install(
    caller: Caller,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult {
    caller.require_admin()?;
    let tenant = &caller.tenant;
    let (pos, widget) = lookup(tenant, code)?;
    let body = body.map_err(body_rejected)?;
    let settings = json_object(&headers, &body)?;
    let widget = match widget {
        Entry::Widget(widget) => widget,
        // A raw widget has no template the fake knows: any settings object installs it,
        // and the answer is the widget as given.
        Entry::Raw(raw) => {
            lock(&tenant.installed).insert(pos, Value::Object(settings));
            return Ok(hal::ok(&raw));
        }
    };
    let errors = validate::settings(&widget.settings_template, &settings);
    if !errors.is_empty() {
        return Err(Problem::validation(errors));
    }
    let settings = Value::Object(settings);
    lock(&tenant.installed).insert(pos, settings.clone());
    let view = WidgetView::new(&widget, caller.origin(), true, Some(&settings));
    Ok(hal::ok(&view))
}

/// Uninstalling a widget that is not installed answers 204 too (idempotent).
async fn uninstall(caller: Caller, code: Result<Path<String>, PathRejection>) -> ApiResult {
    caller.require_admin()?;
    let (pos, _) = lookup(&caller.tenant, code)?;
    lock(&caller.tenant.installed).remove(&pos);
    Ok(hal::no_content())
}

/// Characters escaped when a code is put into a URL path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Wire shape of a widget; field order follows the seed.
#[derive(Serialize)]
struct WidgetView<'a> {
    id: i64,
    code: &'a str,
    version: &'a Version,
    rating: &'a Rating,
    settings_template: &'a [SettingField],
    is_lead_source: bool,
    is_work_with_dp: bool,
    is_crm_template: bool,
    client_uuid: Option<&'a str>,
    is_active_in_account: bool,
    pipeline_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settings: Option<&'a Value>,
    #[serde(rename = "_links")]
    links: SelfLink,
}

impl<'a> WidgetView<'a> {
    /// `origin` is `http://host:port` and the account's prefix, without a trailing slash.
    fn new(widget: &'a Widget, origin: &str, active: bool, settings: Option<&'a Value>) -> Self {
        let href = format!(
            "{origin}/api/v4/widgets/{}",
            utf8_percent_encode(&widget.code, SEGMENT)
        );
        WidgetView {
            id: widget.id,
            code: &widget.code,
            version: &widget.version,
            rating: &widget.rating,
            settings_template: &widget.settings_template,
            is_lead_source: widget.is_lead_source,
            is_work_with_dp: widget.is_work_with_dp,
            is_crm_template: widget.is_crm_template,
            client_uuid: widget.client_uuid.as_deref(),
            is_active_in_account: active,
            pipeline_id: widget.pipeline_id,
            settings,
            links: SelfLink::new(href),
        }
    }
}

/// One entry of a list page: a rendered widget or a raw one, written as given.
#[derive(Serialize)]
#[serde(untagged)]
enum ListEntry<'a> {
    View(WidgetView<'a>),
    Raw(&'a Value),
}
