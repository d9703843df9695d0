//! Models are data: they serialize, secrets masked unless exposed on purpose.

use amocrm::error::Problem;
use amocrm::widgets::{Credentials, MASK, Settings, Widget};
use serde_json::{Value, json};

fn installed_widget() -> Widget {
    let body = json!({
        "id": 972, "code": "amo_asterisk", "version": "1.1.6", "rating": "2,8",
        "settings_template": [
            {"key": "login", "name": "Логин", "type": "text", "is_required": true},
            {"key": "password", "name": "Пароль", "type": "pass", "is_required": true},
            {"key": "sip", "name": "SIP", "type": "users_lp", "is_required": false}
        ],
        "is_lead_source": false, "is_work_with_dp": null, "is_crm_template": false,
        "client_uuid": null, "is_active_in_account": true, "pipeline_id": null,
        "settings": {"login": "example", "password": "eXaMp1E",
                     "sip": {"504141": {"login": "operator", "password": "s3cret"}}},
        "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/widgets/amo_asterisk"}}
    });
    amocrm::__bench::widget(&serde_json::to_vec(&body).unwrap()).unwrap()
}

#[test]
fn a_widget_serializes_with_its_secrets_masked() {
    let widget = installed_widget();
    let data = serde_json::to_value(&widget).unwrap();
    let text = data.to_string();
    assert!(
        !text.contains("eXaMp1E") && !text.contains("s3cret"),
        "{text}"
    );
    assert_eq!(data["settings"]["password"], MASK);
    assert_eq!(data["settings"]["sip"]["504141"]["password"], MASK);
    assert_eq!(data["settings"]["sip"]["504141"]["login"], "operator");
    assert_eq!(data["settings"]["login"], "example");
    assert_eq!(data["rating"], 2.8);
    assert_eq!(data["is_work_with_dp"], Value::Null);
    assert_eq!(data["settings_template"][1]["type"], "pass");
    assert_eq!(
        data["link"],
        "https://example.amocrm.ru/api/v4/widgets/amo_asterisk"
    );
    // The fields, in the API's order.
    let keys: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.contains(&"id") && keys.contains(&"pipeline_id"),
        "{keys:?}"
    );
}

#[test]
fn exposed_settings_serialize_their_secrets_and_still_debug_hidden() {
    let settings = Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .users_lp("sip", [(504141, Credentials::new("operator", "s3cret"))]);
    let masked = serde_json::to_string(&settings).unwrap();
    assert!(
        !masked.contains("eXaMp1E") && !masked.contains("s3cret"),
        "{masked}"
    );
    let exposed = serde_json::to_value(settings.exposed()).unwrap();
    assert_eq!(exposed["password"], "eXaMp1E");
    assert_eq!(exposed["sip"]["504141"]["password"], "s3cret");
    let debug = format!("{:?}", settings.exposed());
    assert!(
        !debug.contains("eXaMp1E") && !debug.contains("s3cret"),
        "{debug}"
    );
}

#[test]
fn a_page_and_a_problem_are_data() {
    let page = amocrm::__bench::widget_page(
        br#"{"_page":2,"_links":{"self":{"href":"/api/v4/widgets?page=2"}},"_embedded":{"widgets":[{"code":7}]}}"#,
    )
    .unwrap();
    let data = serde_json::to_value(&page).unwrap();
    assert_eq!(data["page"], 2);
    assert_eq!(data["items"], json!([]));
    assert_eq!(data["failed"][0]["path"], "code");
    assert_eq!(data["failed"][0]["noun"], "widget");
    assert_eq!(data["links"]["this"], "/api/v4/widgets?page=2");

    let body = json!({
        "title": "Bad Request", "type": "https://httpstatus.es/400", "status": 400,
        "detail": "Request validation failed",
        "validation-errors": [{"request_id": "0", "errors": [{"path": "login", "code": "NotBlank", "detail": "empty"}]}]
    });
    let error = amocrm::__bench::error(400, &http::HeaderMap::new(), body.to_string().as_bytes());
    let problem = error.problem().unwrap().clone();
    let data = serde_json::to_value(&problem).unwrap();
    assert_eq!(data["type"], "https://httpstatus.es/400");
    assert_eq!(data["validation_errors"][0]["path"], "login");
    assert_eq!(data["detail"], "Request validation failed");
    let back: Problem = serde_json::from_value(data).unwrap();
    assert_eq!(back, problem);
}
