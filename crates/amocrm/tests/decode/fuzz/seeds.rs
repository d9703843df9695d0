//! Seeds: the example bodies of the API documentation (and of amoCRM's error answers),
//! and the keys and strings the generators favour.

pub(super) const SEED_LIST: &str = r#"{"_page":1,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets?limit=2&page=1"},"next":{"href":"https://example.amocrm.ru/api/v4/widgets?limit=2&page=2"}},"_embedded":{"widgets":[{"id":742,"code":"amo_dropbox","version":"0.0.13","rating":"2,8","settings_template":[{"key":"conf","name":"custom","type":"custom","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_dropbox"}}},{"id":796,"code":"amo_mailchimp","version":"1.1.12","rating":"3,4","settings_template":[{"key":"api","name":"custom","type":"custom","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_mailchimp"}}}]}}"#;

pub(super) const SEED_WIDGET: &str = r#"{"id":742,"code":"amo_dropbox","version":"0.0.13","rating":"2,8","settings_template":[{"key":"conf","name":"custom","type":"custom","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":false,"pipeline_id":null,"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_dropbox"}}}"#;

pub(super) const SEED_INSTALLED: &str = r#"{"id":972,"code":"amo_asterisk","version":"1.1.6","rating":"2,7","settings_template":[{"key":"login","name":"Логин","type":"text","is_required":true},{"key":"password","name":"Пароль","type":"pass","is_required":true},{"key":"phones","name":"Список телефонов","type":"users","is_required":true},{"key":"script_path","name":"Путь к скрипту","type":"text","is_required":true},{"key":"sip","name":"SIP","type":"users_lp","is_required":false}],"is_lead_source":false,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":true,"pipeline_id":null,"settings":{"login":"example","password":"eXaMp1E","phones":{"504141":"1039"},"script_path":"https://example.com/","sip":{"504141":{"login":"op","password":"s3cret"}}},"_links":{"self":{"href":"https://example.amocrm.ru/api/v4/widgets/amo_asterisk"}}}"#;

/// What amoCRM really sends, looser than its documentation: an integer version, `null`
/// rating and flags, `null` template, a new field type, PHP's `[]` for empty maps,
/// JSON-encoded settings, a numeric users extension, and one entry no client can read.
pub(super) const SEED_LOOSE_LIST: &str = r#"{"_page":2,"_links":[],"_embedded":{"widgets":[{"id":1,"code":"a","version":7,"rating":null,"settings_template":null,"is_lead_source":null,"is_work_with_dp":null,"is_crm_template":null,"client_uuid":null,"is_active_in_account":null,"pipeline_id":null,"settings":[],"_links":[]},{"id":2,"code":"b","version":null,"rating":4.5,"settings_template":[{"key":"d","name":"D","type":"date_range","is_required":true},{"key":"phones","name":"P","type":"users","is_required":false}],"is_lead_source":true,"is_work_with_dp":false,"is_crm_template":false,"client_uuid":null,"is_active_in_account":true,"pipeline_id":3,"settings":"{\"debug\":true,\"phones\":{\"504141\":1039}}"},{"id":"x","code":"bad","version":"1"}]}}"#;

pub(super) const SEED_EMPTY_PAGE: &str = r#"{"_page":9,"_links":[],"_embedded":[]}"#;

pub(super) const SEED_PROBLEM_400: &str = r#"{"validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"login","detail":"The value you selected is not a valid choice."}]}],"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed"}"#;

pub(super) const SEED_PROBLEM_401: &str = r#"{"title":"Unauthorized","type":"https://httpstatus.es/401","status":401,"detail":"Unauthorized"}"#;

pub(super) const SEED_PROBLEM_404: &str = r#"{"title":"Not Found","type":"https://httpstatus.es/404","status":404,"detail":"Widget not found"}"#;

pub(super) const SEED_429: &str = r#"{"title":"Too Many Requests","type":"https://httpstatus.es/429","status":429,"detail":"Too many requests","retry_after":1}"#;

pub(super) const SEED_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

pub(super) const SEEDS: &[&str] = &[
    SEED_LIST,
    SEED_LOOSE_LIST,
    SEED_EMPTY_PAGE,
    SEED_WIDGET,
    SEED_INSTALLED,
    SEED_PROBLEM_400,
    SEED_PROBLEM_401,
    SEED_PROBLEM_404,
    SEED_429,
];

/// Keys the decoders look at, so that random objects hit them often.
pub(super) const KEYS: &[&str] = &[
    "id",
    "code",
    "version",
    "rating",
    "settings_template",
    "key",
    "name",
    "type",
    "is_required",
    "is_lead_source",
    "is_work_with_dp",
    "is_crm_template",
    "client_uuid",
    "is_active_in_account",
    "pipeline_id",
    "settings",
    "_links",
    "self",
    "href",
    "next",
    "prev",
    "_page",
    "_embedded",
    "widgets",
    "title",
    "status",
    "detail",
    "validation-errors",
    "request_id",
    "errors",
    "path",
    "retry_after",
    "login",
    "password",
    "phones",
    "sip",
];

pub(super) const STRINGS: &[&str] = &[
    "",
    "2,8",
    "2.8",
    "3",
    ",",
    "1,2,3",
    "NaN",
    "inf",
    "-0",
    "1e999",
    "text",
    "pass",
    "custom",
    "users",
    "users_lp",
    "https://example.amocrm.ru/api/v4/widgets?limit=2&page=2",
    "https://example.amocrm.ru/api/v4/widgets?page=0",
    "https://example.amocrm.ru/api/v4/widgets?page=-1",
    "https://example.amocrm.ru/api/v4/widgets?page=99999999999",
    "https://example.amocrm.ru/api/v4/widgets?page=1&page=2",
    "https://example.amocrm.ru/api/v4/widgets",
    "/relative?page=2",
    "http://[::1",
    "504141",
    "-1",
    "18446744073709551616",
    "\u{0}",
    "\u{FEFF}",
    "ѐ\u{10FFFF}",
    "\\",
    "\"",
    "date_range",
    "[]",
    "{}",
    "{\"debug\":true}",
    "{\"phones\":{\"504141\":1039}}",
    "{\"a\":1} x",
    "[1]",
];
