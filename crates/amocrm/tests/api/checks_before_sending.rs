//! The model and the checks made before sending, without a server.

use amocrm::AccountUrl;
use amocrm::bots::{ContinueRequest, GotoTarget, Handler};
use amocrm::error::{Invalid, SettingsProblem};
use amocrm::widgets::{Credentials, Rating, Settings, SettingsField, SettingsFieldType};
use amocrm_test_support::loopback;

/// The seed's continue example, as spelled out in the spec (all 25 buttons, one goto type).
fn seed_continue_example() -> serde_json::Value {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/bundled/amocrm-v4.yaml"
    ))
    .expect("read spec");
    let spec: serde_json::Value = serde_yaml::from_str(&spec).expect("spec is YAML");
    spec["components"]["examples"]["ContinueBotSeed"]["value"].clone()
}

fn seed_continue_request() -> ContinueRequest {
    let buttons: Vec<String> = (1..=25).map(|i| format!("{i}ая кнопка")).collect();
    ContinueRequest::new()
        .data("status", "success")
        .handler(Handler::show_text("Здесь текст"))
        .handler(Handler::show_buttons("Нажми на кнопку", buttons))
        .handler(Handler::show_buttons_url(
            "Кнопки со ссылками",
            ["https://amocrm.ru", "https://amocrm.com"],
        ))
        .handler(Handler::goto(GotoTarget::Question, 5))
}

/// The body of a continue call with `request`, as a loopback server received it.
fn sent_continue_body(request: &ContinueRequest) -> Vec<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = loopback::Server::always(loopback::accepted()).await;
        let client = loopback::client(server.base_url(), amocrm::RetryPolicy::disabled());
        client
            .bots()
            .continue_bot(amocrm::bots::BotKind::Salesbot, 1, "c", request)
            .send()
            .await
            .unwrap();
        server.seen().remove(0).body
    })
}

#[test]
fn continue_body_matches_the_seed_example() {
    let request = seed_continue_request();
    request.validate().expect("the seed's example is valid");
    // The bytes the client actually sends, caught on the wire.
    let sent = sent_continue_body(&request);
    let body: serde_json::Value = serde_json::from_slice(&sent).unwrap();
    assert_eq!(body, seed_continue_example());
    // `to_json` is the same writer.
    assert_eq!(request.to_json().unwrap(), sent);
    insta::assert_snapshot!("continue_body_seed", String::from_utf8(sent).unwrap());
}

#[test]
fn handler_limits_name_the_handler_and_the_limit() {
    let eleven =
        ContinueRequest::new().handlers((0..11).map(|i| Handler::goto(GotoTarget::Answer, i)));
    assert_eq!(
        eleven.validate(),
        Err(Invalid::TooManyHandlers { count: 11, max: 10 })
    );
    let ten =
        ContinueRequest::new().handlers((0..10).map(|i| Handler::goto(GotoTarget::Answer, i)));
    assert_eq!(ten.validate(), Ok(()));

    // 80 characters (Cyrillic: 160 bytes) pass, 81 fail, counted in characters.
    let eighty = "ж".repeat(80);
    let ok = ContinueRequest::new().handler(Handler::show_text(eighty.clone()));
    assert_eq!(ok.validate(), Ok(()));
    let long = ContinueRequest::new()
        .handler(Handler::show_text("ok"))
        .handler(Handler::show_text(format!("{eighty}ж")));
    let error = long.validate().unwrap_err();
    assert_eq!(
        error,
        Invalid::ShowValueTooLong {
            handler: 1,
            chars: 81,
            max: 80
        }
    );
    assert!(error.to_string().contains("execute_handlers[1]"));
    assert!(error.to_string().contains("80"));

    let many = ContinueRequest::new().handler(Handler::show_buttons(
        "pick",
        (0..26).map(|i| i.to_string()),
    ));
    assert_eq!(
        many.validate(),
        Err(Invalid::TooManyButtons {
            handler: 0,
            count: 26,
            max: 25
        })
    );
    let none = ContinueRequest::new().handler(Handler::show_buttons("pick", Vec::<String>::new()));
    assert!(matches!(
        none.validate(),
        Err(Invalid::NoButtons { handler: 0, .. })
    ));
    let not_url = ContinueRequest::new().handler(Handler::show_buttons_url("go", ["amocrm.ru"]));
    assert!(matches!(
        not_url.validate(),
        Err(Invalid::ButtonUrl {
            handler: 0,
            button: 0,
            ..
        })
    ));
}

#[test]
fn rating_parses_comma_and_number() {
    let comma = Rating::parse("2,8");
    assert_eq!(comma.value(), Some(2.8));
    assert_eq!(comma.as_str(), "2,8");
    let dot = Rating::parse("3.4");
    assert_eq!(dot.value(), Some(3.4));
    let number = Rating::from(2.7);
    assert_eq!(number.value(), Some(2.7));
    assert_eq!(number.to_string(), "2.7");
    let text = Rating::parse("n/a");
    assert_eq!(text.value(), None);
    assert_eq!(text.as_str(), "n/a");
    assert_eq!(Rating::parse("NaN").value(), None);
}

#[test]
fn widget_decodes_unknown_type_and_extra_fields() {
    let body = serde_json::json!({
        "id": 1, "code": "x", "version": "1", "rating": 4.5,
        "settings_template": [
            {"key": "a", "name": "A", "type": "brand_new_type", "is_required": true, "extra": 1}
        ],
        "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
        "client_uuid": null, "is_active_in_account": false, "pipeline_id": null,
        "a_field_added_later": {"nested": true}
    });
    let raw: amocrm_raw::types::Widget = serde_json::from_value(body).expect("decodes");
    let widget = amocrm::widgets::Widget::from(raw);
    assert_eq!(
        widget.settings_template[0].kind,
        SettingsFieldType::Unknown("brand_new_type".into())
    );
    assert_eq!(widget.rating.and_then(|r| r.value()), Some(4.5));
}

fn asterisk_template() -> Vec<SettingsField> {
    vec![
        SettingsField::new("login", "Логин", SettingsFieldType::Text, true),
        SettingsField::new("password", "Пароль", SettingsFieldType::Pass, true),
        SettingsField::new("phones", "Список телефонов", SettingsFieldType::Users, true),
        SettingsField::new(
            "script_path",
            "Путь к скрипту",
            SettingsFieldType::Text,
            true,
        ),
        SettingsField::new("sip", "SIP", SettingsFieldType::UsersLp, false),
    ]
}

#[test]
fn settings_check_against_template() {
    let good = Settings::new()
        .text("login", "example")
        .pass("password", "eXaMp1E")
        .users("phones", [(504141, "1039")])
        .text("script_path", "https://example.com/");
    assert_eq!(good.check(&asterisk_template()), Ok(()));
    assert_eq!(
        good.expose_json(),
        serde_json::json!({
            "login": "example",
            "password": "eXaMp1E",
            "phones": {"504141": "1039"},
            "script_path": "https://example.com/"
        })
    );

    let bad = Settings::new()
        .text("login", "")
        .text("phones", "1039")
        .users_lp("password", [(1, Credentials::new("l", "p"))])
        .text("logn", "typo");
    let Err(Invalid::Settings(problems)) = bad.check(&asterisk_template()) else {
        panic!("expected settings problems");
    };
    assert_eq!(
        problems,
        vec![
            SettingsProblem::Missing {
                key: "login".into()
            },
            SettingsProblem::WrongShape {
                key: "password".into(),
                expected: "pass".into(),
                given: "users_lp"
            },
            SettingsProblem::WrongShape {
                key: "phones".into(),
                expected: "users".into(),
                given: "text"
            },
            SettingsProblem::Missing {
                key: "script_path".into()
            },
            SettingsProblem::Unknown { key: "logn".into() },
        ]
    );
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[test]
fn secrets_are_redacted_in_debug() {
    let settings = Settings::new()
        .pass("password", "eXaMp1E")
        .users_lp("sip", [(504141, Credentials::new("operator", "s3cret-pw"))]);
    let printed = format!("{settings:?} {settings:#?}");
    assert!(!printed.contains("eXaMp1E"), "{printed}");
    assert!(!printed.contains("s3cret-pw"), "{printed}");
    assert!(printed.contains("operator"));

    let client = amocrm::Client::builder()
        .account(AccountUrl::subdomain("example"))
        .token("tok-very-secret")
        .build()
        .unwrap();
    let printed = format!("{client:?}");
    assert!(!printed.contains("tok-very-secret"), "{printed}");
    let builder = amocrm::Client::builder().token("tok-very-secret");
    assert!(!format!("{builder:?}").contains("tok-very-secret"));
}

#[cfg_attr(
    not(any(feature = "rustls", feature = "native-tls")),
    ignore = "builds https clients: needs a TLS feature"
)]
#[test]
fn builder_checks_configuration() {
    use amocrm::{Client, Domain, Error};
    let ok = Client::builder()
        .account(AccountUrl::new("my-shop", Domain::AmocrmCom))
        .token("t")
        .build()
        .unwrap();
    assert_eq!(ok.base_url(), "https://my-shop.amocrm.com");
    let ru = Client::builder()
        .account(AccountUrl::subdomain("shop"))
        .token("t")
        .build()
        .unwrap();
    assert_eq!(ru.base_url(), "https://shop.amocrm.ru");
    for bad in ["", "Shop", "a.b", "-a", "a/b", "a b"] {
        let result = Client::builder()
            .account(AccountUrl::subdomain(bad))
            .token("t")
            .build();
        assert!(matches!(result, Err(Error::Config(_))), "{bad:?}");
    }
    assert!(matches!(
        Client::builder()
            .account(AccountUrl::subdomain("x"))
            .build(),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        Client::builder().token("t").build(),
        Err(Error::Config(_))
    ));
    for with_user_info in [
        "https://user:pw-secret@x.amocrm.ru",
        "https://:pw-secret@x.amocrm.ru",
    ] {
        let error = Client::builder()
            .account(AccountUrl::base_url(with_user_info))
            .token("t")
            .build()
            .unwrap_err();
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        assert!(!error.to_string().contains("pw-secret"), "{error}");
    }
    let insecure = Client::builder()
        .account(AccountUrl::base_url("http://example.com"))
        .token("t")
        .build();
    assert!(matches!(insecure, Err(Error::Config(_))));
    let loopback = Client::builder()
        .account(AccountUrl::base_url("http://127.0.0.1:8080/"))
        .token("t")
        .build()
        .unwrap();
    assert_eq!(loopback.base_url(), "http://127.0.0.1:8080");
    assert_eq!(
        Domain::of_host("shop.kommo.com"),
        Some(("shop".to_owned(), Domain::KommoCom))
    );
    assert_eq!(Domain::of_host("evil.com"), None);
    assert_eq!(Domain::of_host("x.evilamocrm.ru"), None);
}

#[test]
fn values_outside_the_template_are_redacted_in_debug() {
    let body = serde_json::json!({
        "id": 1, "code": "x", "version": "1", "rating": "1,0",
        "settings_template": [{"key": "conf", "name": "c", "type": "custom", "is_required": false}],
        "is_lead_source": false, "is_work_with_dp": false, "is_crm_template": false,
        "client_uuid": null, "is_active_in_account": true, "pipeline_id": null,
        "settings": {"conf": {"api_key": "custom-secret"}, "stray": "stray-secret"}
    });
    let raw: amocrm_raw::types::Widget = serde_json::from_value(body).unwrap();
    let widget = amocrm::widgets::Widget::from(raw);
    let printed = format!("{widget:?}");
    assert!(!printed.contains("custom-secret"), "{printed}");
    assert!(!printed.contains("stray-secret"), "{printed}");
    assert!(printed.contains("Other([REDACTED object])"), "{printed}");
    // The values are still there for the caller who asks.
    let settings = widget.settings.unwrap();
    assert_eq!(
        settings.expose_json()["stray"],
        serde_json::json!("stray-secret")
    );
}
