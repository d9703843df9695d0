//! What goes wrong: error answers, transport failures, undecodable entries, text that
//! must not reach the terminal as it is, output that cannot be written.

use amocrm_fake::FakeServer;
use serde_json::{Value, json};

use crate::harness::{Stdout, Step, Transcript, fake};
use crate::support::{canned, free_port};
use amocrm_test_support::loopback::silent_server;

pub async fn api_and_transport_errors(t: &mut Transcript) {
    t.section("errors of the API (exit 3) and of the transport (exit 4)");
    let servers = [
        canned(
            400,
            "application/problem+json",
            r#"{"title":"Bad Request","type":"https://httpstatus.es/400","status":400,"detail":"Request validation failed","validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"login","detail":"The value you selected is not a valid choice."}]}]}"#,
        )
        .await,
        canned(200, "application/hal+json", r#"{"id":"not a widget"}"#).await,
        canned(503, "text/html", "<html>down</html>").await,
        canned(200, "text/html", "<html>hello</html>").await,
    ];
    let [validation, undecodable, down, html] = servers
        .each_ref()
        .map(|server| server.base_url().to_owned());
    let absent = format!("http://127.0.0.1:{}", free_port());
    let silent = silent_server().await;
    for (base, name) in [
        (&validation, "validation"),
        (&undecodable, "undecodable"),
        (&down, "down"),
        (&html, "html"),
        (&absent, "absent"),
        (&silent, "silent"),
    ] {
        t.mask_port(base, name);
    }
    for (base, args) in [
        (&validation, "widgets get amo_asterisk"),
        (&undecodable, "widgets get amo_asterisk"),
        (&undecodable, "account"),
        (&down, "widgets list"),
        (&html, "widgets get amo_asterisk"),
        (&absent, "--timeout 5 widgets get amo_dropbox"),
        (&silent, "--timeout 300ms widgets get amo_dropbox"),
    ] {
        let step = Step::sh(&format!("--base-url {base} {args}")).env("AMOCRM_TOKEN", "tok-e");
        t.run("error", step).await;
    }

    let fault = |spec: &str| {
        FakeServer::builder()
            .widgets(10)
            .fault(spec.parse().expect("a fault"))
    };
    let limited = fake(t, fault("get=429:retry-after=60"), "limited").await;
    let step = Step::sh("widgets get amo_dropbox").on(&limited);
    t.run("rate limited beyond what the client waits for", step)
        .await;
    for line in [
        "widgets list --all --limit 5 --progress",
        "--json widgets list --all --limit 5",
    ] {
        let second_page = fake(t, fault("list=400:nth=2"), "page2").await;
        let step = Step::sh(line).on(&second_page);
        t.run("the second page fails: the first stays printed", step)
            .await;
    }

    let broken = FakeServer::builder()
        .raw_widget(json!({"code": "bad_widget", "id": "s3cr3t-id"}))
        .raw_widget(
            json!({"id": 9, "code": "loose", "version": 2, "rating": null,
            "settings_template": null, "is_lead_source": null, "is_work_with_dp": false,
            "is_crm_template": false, "client_uuid": null, "is_active_in_account": null,
            "pipeline_id": null, "_links": []}),
        )
        .widgets(3);
    let broken = fake(t, broken, "broken").await;
    t.secret("s3cr3t");
    for line in [
        "widgets list",
        "widgets list --json",
        "widgets list --all --limit 2 --json --progress",
        "widgets list --all --limit 2",
        "widgets get bad_widget",
        "widgets get loose",
    ] {
        t.run("undecodable entries", Step::sh(line).on(&broken))
            .await;
    }
}

/// A widget the fake serves as given, with these names in its settings template.
fn raw_widget(id: u64, code: &str, names: &[&str]) -> Value {
    let template: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"key": format!("k{i}"), "name": name, "type": "text", "is_required": i == 0}))
        .collect();
    json!({
        "id": id, "code": code, "version": "9.9.9", "rating": "4,5",
        "settings_template": template, "is_lead_source": false, "is_work_with_dp": false,
        "is_crm_template": false, "client_uuid": null, "is_active_in_account": false,
        "pipeline_id": null, "_links": {"self": {"href": format!("/api/v4/widgets/{code}")}},
    })
}

pub async fn display(t: &mut Transcript) {
    t.section("tables in display width, and text from the server escaped");
    let long = "超长的小部件代码".repeat(5);
    let evil = "evil\u{202e}gnp.exe";
    let mut hostile = raw_widget(701, evil, &["a\u{1b}[31mred\u{9b}2J", "k\u{200b}ey"]);
    hostile["version"] = json!("1.0\u{2028}x\u{2066}");
    let flags = "🇷🇺".repeat(40);
    let wide = [
        "Логин",
        "密码",
        "🔑 Ключ доступа",
        "API key",
        "👨‍👩‍👧 семья",
        &flags,
    ];
    let builder = FakeServer::builder()
        .raw_widget(raw_widget(501, "виджет_продаж", &[]))
        .raw_widget(raw_widget(502, "销售小部件", &[]))
        .raw_widget(raw_widget(503, "🚀_rocket", &[]))
        .raw_widget(raw_widget(504, &long, &[]))
        .raw_widget(raw_widget(505, "ok", &[]))
        .raw_widget(raw_widget(601, "wide_names", &wide))
        .raw_widget(hostile);
    let fake = fake(t, builder, "fake").await;
    for args in [
        &["widgets", "list", "--limit", "250"][..],
        &["--json", "widgets", "get", &long],
        &["widgets", "get", &long],
        &["widgets", "get", "wide_names"],
        &["widgets", "get", evil],
        &["widgets", "uninstall", evil],
        &["widgets", "get", "new\nline"],
    ] {
        t.run("display", Step::new(args).on(&fake)).await;
    }
}

pub async fn output_failures(t: &mut Transcript) {
    t.section("output that cannot be written");
    let fake = fake(t, FakeServer::builder().widgets(2000), "fake").await;
    let steps = [
        (
            "stdout is full: exit 1",
            Step::sh("widgets list").on(&fake).stdout(Stdout::Full),
        ),
        (
            "stdout is full: exit 1, JSON",
            Step::sh("--json widgets get amo_dropbox")
                .on(&fake)
                .stdout(Stdout::Full),
        ),
        (
            "a closed pipe ends the list quietly: exit 0",
            Step::sh("--json widgets list --all --limit 250")
                .on(&fake)
                .stdout(Stdout::Closed),
        ),
        (
            "a closed pipe ends the completions quietly: exit 0",
            Step::sh("completions bash").stdout(Stdout::Closed),
        ),
    ];
    for (title, step) in steps {
        t.run(title, step).await;
    }
}
