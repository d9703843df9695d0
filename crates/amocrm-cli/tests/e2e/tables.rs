//! What the binary prints for people: tables whose columns line up in display width
//! whatever the script of the text, long cells cut, and text from the server that cannot
//! drive the terminal.

use amocrm_fake::FakeServer;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::support::amocrm;

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
