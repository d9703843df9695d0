//! End-to-end tests of what the binary prints for people: shell completion scripts, and
//! tables whose columns line up in display width whatever the script of the text.

mod support;

use amocrm_fake::FakeServer;
use serde_json::{Value, json};
use support::{amocrm, run_env};
use unicode_width::UnicodeWidthStr;

#[tokio::test]
async fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        // No account and no token: completions need neither.
        let run = run_env(&[], &["completions", shell], "-no-token-").await;
        assert_eq!(run.code, 0, "{shell}: {run:#?}");
        assert!(run.stderr.is_empty(), "{shell}: {run:#?}");
        assert!(run.stdout.len() > 500, "{shell}: {run:#?}");
        assert!(run.stdout.contains("amocrm"), "{shell}");
        // The new options complete too.
        for flag in ["token-file", "token-stdin", "profile", "timeout"] {
            assert!(run.stdout.contains(flag), "{shell}: no {flag}");
        }
    }
    let run = run_env(&[], &["completions", "tcsh"], "-no-token-").await;
    assert_eq!(run.code, 2, "{run:#?}");
    let run = run_env(&[], &["completions", "--help"], "-no-token-").await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(run.stdout.contains("amocrm completions bash >"), "{run:#?}");
}

/// A widget the fake serves as given, with these names in its settings template.
fn widget(id: u64, code: &str, names: &[&str]) -> Value {
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

/// The display column at which `needle` starts in `line`.
fn column(line: &str, needle: &str) -> Option<usize> {
    line.find(needle).map(|at| line[..at].width())
}

#[tokio::test]
async fn list_columns_align_in_display_width_and_long_codes_are_cut() {
    let long = "超长的小部件代码".repeat(5); // 40 characters, 80 columns
    let fake = FakeServer::builder()
        .raw_widget(widget(501, "виджет_продаж", &[]))
        .raw_widget(widget(502, "销售小部件", &[]))
        .raw_widget(widget(503, "🚀_rocket", &[]))
        .raw_widget(widget(504, &long, &[]))
        .raw_widget(widget(505, "ok", &[]))
        .start()
        .await
        .expect("the fake starts");
    let run = amocrm(&fake, &["widgets", "list", "--limit", "250"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let lines = run.lines();
    let header = lines[0];
    let version_at = column(header, "VERSION");
    let rating_end = column(header, "RATING").map(|at| at + "RATING".len());
    let raw: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains("9.9.9"))
        .collect();
    assert_eq!(raw.len(), 5, "{run:#?}");
    for line in &raw {
        assert_eq!(column(line, "9.9.9"), version_at, "{}", run.stdout);
        // RATING is right-aligned: its cells end where the header ends.
        assert_eq!(
            column(line, "4.5").map(|at| at + 3),
            rating_end,
            "{}",
            run.stdout
        );
    }
    // The long code is cut by width, between characters, with an ellipsis.
    let cut = raw[3].split_whitespace().nth(1).unwrap_or_default();
    assert!(cut.ends_with('…'), "{cut}");
    assert!(long.starts_with(cut.trim_end_matches('…')), "{cut}");
    assert!((46..=48).contains(&cut.width()), "{cut}: {}", cut.width());

    // --json has it whole.
    let run = amocrm(&fake, &["--json", "widgets", "get", &long]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert_eq!(run.json_lines()[0]["code"], Value::String(long.clone()));
}

#[tokio::test]
async fn settings_template_columns_align_with_cyrillic_cjk_and_emoji_names() {
    let names = ["Логин", "密码", "🔑 Ключ доступа", "API key", "👨‍👩‍👧 семья"];
    let fake = FakeServer::builder()
        .raw_widget(widget(601, "wide_names", &names))
        .start()
        .await
        .expect("the fake starts");
    let run = amocrm(&fake, &["widgets", "get", "wide_names"]).await;
    assert_eq!(run.code, 0, "{run:#?}");
    let table: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("KEY"))
        .collect();
    assert_eq!(table.len(), 1 + names.len(), "{run:#?}");
    let type_at = column(table[0], "TYPE");
    let required_at = column(table[0], "REQUIRED");
    for (line, name) in table[1..].iter().zip(names) {
        assert!(line.contains(name), "{line}");
        assert_eq!(column(line, "text"), type_at, "{}", run.stdout);
        let last = line.rfind(' ').map(|at| line[..=at].width());
        assert_eq!(last, required_at, "{}", run.stdout);
    }
}

/// Text from the server (a third party's widget) cannot drive the terminal: escape
/// sequences, bidirectional overrides that reorder the rest of the line, line separators
/// and invisible spaces are printed escaped, in the list, the widget view and errors.
#[tokio::test]
async fn server_text_cannot_reorder_or_drive_the_terminal() {
    let code = "evil\u{202e}gnp.exe";
    let mut raw = widget(701, code, &["a\u{1b}[31mred\u{9b}2J", "k\u{200b}ey"]);
    raw["version"] = Value::String("1.0\u{2028}x\u{2066}".into());
    let fake = FakeServer::builder()
        .raw_widget(raw)
        .start()
        .await
        .expect("the fake starts");
    let hidden = [
        '\u{1b}', '\u{9b}', '\u{202e}', '\u{2028}', '\u{2066}', '\u{200b}',
    ];
    let list = amocrm(&fake, &["widgets", "list"]).await;
    assert_eq!(list.code, 0, "{list:#?}");
    let get = amocrm(&fake, &["widgets", "get", code]).await;
    assert_eq!(get.code, 0, "{get:#?}");
    for run in [&list, &get] {
        assert!(!run.stdout.contains(hidden), "{run:#?}");
        assert!(run.stdout.contains("evil\\u{202e}gnp.exe"), "{run:#?}");
        assert!(run.stdout.contains("1.0\\u{2028}x\\u{2066}"), "{run:#?}");
    }
    assert!(get.stdout.contains("a\\u{1b}[31mred\\u{9b}2J"), "{get:#?}");
    assert!(get.stdout.contains("k\\u{200b}ey"), "{get:#?}");
    // An error about the code names it escaped too.
    let run = amocrm(&fake, &["widgets", "uninstall", code]).await;
    assert!(
        !run.stdout.contains(hidden) && !run.stderr.contains(hidden),
        "{run:#?}"
    );
}

/// The fish script offers the shells after `completions`, the bot kinds after `bot
/// continue`, and the domains after a top-level `--domain`: clap_complete's own script
/// offered files there. Checked in a real fish when there is one.
#[tokio::test]
async fn fish_completes_positional_values_and_top_level_option_values() {
    let run = run_env(&[], &["completions", "fish"], "-no-token-").await;
    assert_eq!(run.code, 0, "{run:#?}");
    assert!(
        run.stdout
            .contains("-f -a \"bash elvish fish powershell zsh\""),
        "{}",
        run.stdout
    );
    let dir = support::TempDir::new();
    let script = dir.file("amocrm.fish", &run.stdout, 0o600);
    for (line, expected) in [
        ("amocrm completions ", &["bash", "fish", "zsh"][..]),
        ("amocrm bot continue ", &["salesbot", "marketingbot"]),
        ("amocrm --domain ", &["kommo.com", "amocrm.ru"]),
        ("amocrm --timeout 5s wid", &["widgets"]),
    ] {
        let output = tokio::process::Command::new("fish")
            .args(["--no-config", "-c"])
            .arg(format!("source '{script}'; complete -C '{line}'"))
            .output()
            .await;
        let Ok(output) = output else {
            eprintln!(
                "fish_completes_positional_values_and_top_level_option_values did not run \
                 fish: none installed; install fish and rerun"
            );
            return;
        };
        let offered: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
            .collect();
        for value in expected {
            assert!(offered.iter().any(|o| o == value), "{line:?}: {offered:?}");
        }
    }
}
