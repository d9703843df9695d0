//! `amocrm widgets …` end to end: the list (a page, every page as it arrives, entries that
//! could not be decoded), one widget, install with its settings checked first, uninstall.

use std::process::Stdio;
use std::time::Duration;

use amocrm_fake::FakeServer;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use crate::support::{amocrm, command, fake, posts, run_env};

#[tokio::test]
async fn list_prints_an_aligned_table() {
    let fake = fake(10).await;
    let run = amocrm(&fake, &["widgets", "list", "--limit", "5"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    assert_eq!(lines.len(), 6, "{run:#?}");
    let header = lines[0];
    for column in [
        "ID", "CODE", "VERSION", "RATING", "ACTIVE", "REQUIRED", "FIELDS",
    ] {
        assert!(header.contains(column), "{header}");
    }
    // The CODE column starts at the same place in every row.
    let code_at = header.find("CODE").expect("CODE header");
    assert_eq!(lines[1].find("amo_dropbox"), Some(code_at), "{run:#?}");
    assert_eq!(lines[3].find("amo_asterisk"), Some(code_at), "{run:#?}");
    assert_eq!(lines[4].find("widget_00001"), Some(code_at), "{run:#?}");
    // amo_asterisk: 4 required settings of 4; not installed.
    let asterisk: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(
        asterisk,
        ["972", "amo_asterisk", "1.1.6", "2.7", "no", "4", "4"]
    );
    assert!(run.stderr.is_empty(), "no progress unless asked: {run:#?}");
    assert_eq!(
        fake.requests()[0].path_and_query,
        "/api/v4/widgets?limit=5&page=1"
    );
}

#[tokio::test]
async fn list_json_prints_one_object_per_line() {
    let fake = fake(10).await;
    let run = amocrm(
        &fake,
        &["--json", "widgets", "list", "--limit", "4", "--page", "1"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let widgets = run.json_lines();
    let codes: Vec<&str> = widgets.iter().filter_map(|w| w["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            "amo_dropbox",
            "amo_mailchimp",
            "amo_asterisk",
            "widget_00001"
        ]
    );
    assert_eq!(widgets[0]["id"], 742);
    assert_eq!(widgets[0]["rating"], 2.8);
    assert_eq!(widgets[0]["is_active_in_account"], false);
    assert_eq!(
        widgets[2]["settings_template"][1],
        json!({"key": "password", "name": "Пароль", "type": "pass", "is_required": true})
    );
}

#[tokio::test]
async fn list_all_follows_every_page_with_progress_lines() {
    let fake = fake(597).await; // 600 widgets: 6 pages of 100
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "list",
            "--all",
            "--limit",
            "100",
            "--json",
            "--progress",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    let widgets = run.json_lines();
    assert_eq!(widgets.len(), 600);
    assert_eq!(widgets[599]["code"], "widget_00597");
    // With --json, each progress line is a JSON object.
    let progress: Vec<String> = run
        .stderr_json()
        .iter()
        .map(|line| line["progress"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        progress,
        [
            "page 1: 100 widgets",
            "page 2: 200 widgets",
            "page 3: 300 widgets",
            "page 4: 400 widgets",
            "page 5: 500 widgets",
            "page 6: 600 widgets",
        ]
    );
    let pages: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.path_and_query.clone())
        .collect();
    assert_eq!(pages.len(), 6, "{pages:?}");
    assert_eq!(pages[5], "/api/v4/widgets?limit=100&page=6");

    // Without --progress (stderr is not a terminal here) there is none; the table has
    // one header.
    let run = amocrm(&fake, &["widgets", "list", "--all", "--limit", "250"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stderr.is_empty(), "{run:#?}");
    assert_eq!(run.lines().len(), 601);
    assert_eq!(run.stdout.matches("CODE").count(), 1);
}

#[tokio::test]
async fn list_all_prints_pages_as_they_arrive() {
    // 23 pages of one widget; the client sends at most 7 requests a second, so the whole
    // list takes about 3 seconds, and the first row must be out long before.
    let fake = fake(20).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.token()),
    ];
    let mut child = command(
        &["--json", "widgets", "list", "--all", "--limit", "1"],
        &env,
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a first line in time")
        .expect("stdout readable")
        .expect("a first line");
    assert!(first.contains("amo_dropbox"), "{first}");
    assert!(
        child.try_wait().expect("status").is_none(),
        "the first widget was printed only after every page was fetched"
    );
    let mut count = 1;
    while let Some(line) = lines.next_line().await.expect("stdout readable") {
        assert!(line.starts_with('{'));
        count += 1;
    }
    assert_eq!(count, 23);
    assert!(child.wait().await.expect("exit status").success());
}

#[tokio::test]
async fn list_prints_the_readable_widgets_warns_of_the_others_and_exits_4() {
    let fake = FakeServer::builder()
        .raw_widget(json!({"code": "bad_widget", "id": "s3cr3t-id"}))
        .raw_widget(
            json!({"id": 9, "code": "loose", "version": 2, "rating": null,
            "settings_template": null, "is_lead_source": null, "is_work_with_dp": false,
            "is_crm_template": false, "client_uuid": null, "is_active_in_account": null,
            "pipeline_id": null, "_links": []}),
        )
        .widgets(3)
        .start()
        .await
        .unwrap();
    for (args, place) in [
        (&["widgets", "list", "--json"][..], "entry 3 of page 1"),
        (
            &["widgets", "list", "--all", "--limit", "2", "--json"],
            "entry 1 of page 2",
        ),
    ] {
        let run = amocrm(&fake, args).await;
        assert_eq!(run.code, 4, "{run:#?}");
        let codes: Vec<Value> = run.json_lines().iter().map(|w| w["code"].clone()).collect();
        assert_eq!(
            codes,
            [
                "amo_dropbox",
                "amo_mailchimp",
                "amo_asterisk",
                "loose",
                "widget_00001",
                "widget_00002",
                "widget_00003"
            ]
        );
        let loose = &run.json_lines()[3];
        assert_eq!(loose["version"], "2");
        assert_eq!(loose["rating"], Value::Null);
        assert_eq!(loose["is_active_in_account"], Value::Null);
        // With --json: the warning, then the failure, each one JSON object.
        let stderr = run.stderr_json();
        assert_eq!(stderr.len(), 2, "{run:#?}");
        let warning = stderr[0]["warning"].as_str().unwrap_or_default();
        assert!(
            warning.starts_with(&format!("widget \"bad_widget\" ({place})")),
            "{run:#?}"
        );
        let message = stderr[1]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("1 widget entries could not be decoded (each in a warning"),
            "{run:#?}"
        );
        assert_eq!(stderr[1]["exit_code"], 4, "{run:#?}");
        assert!(!run.stderr.contains("s3cr3t"), "{}", run.stderr);
    }
}

#[tokio::test]
async fn a_limit_over_250_exits_2_before_sending() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["widgets", "list", "--limit", "300"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("limit 300"), "{run:#?}");
    assert!(run.stdout.is_empty());
    let run = amocrm(&fake, &["widgets", "list", "--all", "--limit", "300"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    let run = amocrm(&fake, &["widgets", "list", "--page", "0"]).await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn get_shows_the_widget_and_its_settings_template() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["widgets", "get", "amo_asterisk"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let out = &run.stdout;
    assert!(out.contains("code:"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("id:") && l.ends_with(" 972")),
        "{out}"
    );
    assert!(
        out.contains("amo_asterisk") && out.contains("1.1.6"),
        "{out}"
    );
    assert!(out.contains("settings template:"), "{out}");
    let template: Vec<Vec<&str>> = out
        .lines()
        .skip_while(|l| !l.starts_with("KEY"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(template[0], ["KEY", "NAME", "TYPE", "REQUIRED"]);
    assert_eq!(template[2], ["password", "Пароль", "pass", "yes"]);
    assert_eq!(
        template[3],
        ["phones", "Список", "телефонов", "users", "yes"]
    );
    assert_eq!(template.len(), 5);

    let run = amocrm(&fake, &["--json", "widgets", "get", "amo_dropbox"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let widget = &run.json_lines()[0];
    assert_eq!(widget["code"], "amo_dropbox");
    assert!(
        widget["link"]
            .as_str()
            .is_some_and(|l| l.ends_with("/api/v4/widgets/amo_dropbox"))
    );
}

#[tokio::test]
async fn an_unknown_widget_exits_3_with_the_problem_title() {
    let fake = fake(0).await;
    let run = amocrm(&fake, &["widgets", "get", "no_such_widget"]).await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("404"), "{run:#?}");
    assert!(run.stderr.contains("title:  Not Found"), "{run:#?}");
    assert!(run.stderr.contains("Widget not found"), "{run:#?}");
}

#[tokio::test]
async fn install_maps_set_and_set_json_to_the_field_types() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "login=example",
            "--set",
            "password=eXaMp1E",
            "--set-json",
            r#"phones={"504141":"1039"}"#,
            "--set",
            "script_path=https://example.com/",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        fake.installed_settings("amo_asterisk"),
        Some(json!({
            "login": "example",
            "password": "eXaMp1E",
            "phones": {"504141": "1039"},
            "script_path": "https://example.com/",
        }))
    );
    assert!(run.stdout.contains("active in account:  yes"), "{run:#?}");
    assert!(run.stdout.contains("********"), "{run:#?}");
    assert!(
        !run.stdout.contains("eXaMp1E"),
        "a pass value was printed: {run:#?}"
    );
}

#[tokio::test]
async fn install_json_redacts_users_lp_passwords() {
    let fake = fake(10).await; // widget_00004: accounts (users_lp, required), domain (text)
    let run = amocrm(
        &fake,
        &[
            "--json",
            "widgets",
            "install",
            "widget_00004",
            "--set-json",
            r#"accounts={"504141":{"login":"operator","password":"s3cret-pw"}}"#,
            "--set",
            "domain=example.org",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(!run.stdout.contains("s3cret-pw"), "{run:#?}");
    let widget = &run.json_lines()[0];
    assert_eq!(widget["is_active_in_account"], true);
    assert_eq!(
        widget["settings"]["accounts"],
        json!({"504141": {"login": "operator", "password": "********"}})
    );
    assert_eq!(widget["settings"]["domain"], "example.org");
    assert_eq!(
        fake.installed_settings("widget_00004"),
        Some(json!({
            "accounts": {"504141": {"login": "operator", "password": "s3cret-pw"}},
            "domain": "example.org",
        }))
    );
}

#[tokio::test]
async fn install_with_a_missing_required_setting_exits_2_and_installs_nothing() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "login=example",
            "--set",
            "password=hunter22",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains(r#"required setting "phones" is missing"#),
        "{run:#?}"
    );
    assert!(
        run.stderr
            .contains(r#"required setting "script_path" is missing"#),
        "{run:#?}"
    );
    assert!(!run.stderr.contains("hunter22"), "{run:#?}");
    assert_eq!(fake.installed_settings("amo_asterisk"), None);
    assert_eq!(posts(&fake), 0);
}

#[tokio::test]
async fn a_users_field_given_with_set_exits_2() {
    let fake = fake(0).await;
    let run = amocrm(
        &fake,
        &[
            "widgets",
            "install",
            "amo_asterisk",
            "--set",
            "login=example",
            "--set",
            "password=hunter22",
            "--set",
            "phones=1039",
            "--set",
            "script_path=https://example.com/",
            "--set",
            "typo=1",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(run.stderr.contains("--set-json phones="), "{run:#?}");
    assert!(!run.stderr.contains("hunter22"), "{run:#?}");
    assert_eq!(fake.installed_settings("amo_asterisk"), None);
    assert_eq!(posts(&fake), 0);

    // An unknown key alone is caught by the template check.
    let run = amocrm(
        &fake,
        &["widgets", "install", "amo_dropbox", "--set", "typo=1"],
    )
    .await;
    assert_eq!(run.code, 2, "{run:#?}");
    assert!(
        run.stderr
            .contains(r#"setting "typo" is not in the widget's settings_template"#),
        "{run:#?}"
    );
    assert_eq!(posts(&fake), 0);
}

#[tokio::test]
async fn a_read_only_user_gets_exit_3_on_install() {
    let fake = fake(0).await;
    let base = fake.base_url();
    let env = [
        ("AMOCRM_BASE_URL", base.as_str()),
        ("AMOCRM_TOKEN", fake.user_token()),
    ];
    let run = run_env(
        &env,
        &["widgets", "install", "amo_dropbox"],
        fake.user_token(),
    )
    .await;
    assert_eq!(run.code, 3, "{run:#?}");
    assert!(run.stderr.contains("403"), "{run:#?}");
}

#[tokio::test]
async fn uninstall_removes_an_installed_widget() {
    let fake = fake(10).await; // widget_00001: api_key (text, required)
    let run = amocrm(
        &fake,
        &["widgets", "install", "widget_00001", "--set", "api_key=k-1"],
    )
    .await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        fake.installed_settings("widget_00001"),
        Some(json!({"api_key": "k-1"}))
    );

    let run = amocrm(&fake, &["widgets", "uninstall", "widget_00001"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.stdout, "uninstalled widget_00001\n");
    assert_eq!(fake.installed_settings("widget_00001"), None);

    let run = amocrm(&fake, &["--json", "widgets", "uninstall", "widget_00001"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(
        run.json_lines(),
        [json!({"code": "widget_00001", "uninstalled": true})]
    );

    let run = amocrm(&fake, &["widgets", "uninstall", "no_such_widget"]).await;
    assert_eq!(run.code, 3, "{run:#?}");
}
