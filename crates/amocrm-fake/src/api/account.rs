//! Account: `GET /api/v4/account`, the fake account with the parts `with` asks for.

use axum::extract::RawQuery;
use axum::response::Response;
use axum::routing::get;
use serde_json::Value;

use crate::http::caller::Caller;
use crate::http::hal;
use crate::http::router::Routes;
use crate::model::tenant::Role;

pub(super) fn routes() -> Routes {
    Routes::new().route("/api/v4/account", get(get_account))
}

/// `GET /api/v4/account`: the fake account, with the parts `with` asks for (unknown parts
/// are ignored, as amoCRM does).
async fn get_account(caller: Caller, RawQuery(query): RawQuery) -> Response {
    let tenant = &caller.tenant;
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
    let mut account = serde_json::json!({
        "id": tenant.account_id,
        "name": tenant.subdomain,
        "subdomain": tenant.subdomain,
        "created_at": 1_585_840_134,
        "created_by": 321_321,
        "updated_at": 1_589_472_711,
        "updated_by": 321_321,
        "current_user_id": if caller.role == Role::Admin { 581_211 } else { 581_212 },
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
        "_links": {"self": {"href": caller.link("/api/v4/account")}},
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
    hal::ok(&account)
}
