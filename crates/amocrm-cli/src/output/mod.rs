//! Output formatting: aligned tables and key-value views for people, JSON (NDJSON for
//! lists) for scripts.
//!
//! Secrets never reach the output: `pass` values and `users_lp` passwords are printed as
//! `********` in tables and in JSON alike. Text that comes from the server is cleaned of
//! control characters before it reaches a terminal.

use std::io::{self, Write};

use amocrm::{Rating, SettingValue, Widget};
use serde::Serialize;
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// What secrets are printed as.
pub const REDACTED: &str = amocrm::MASK;

/// `text` with control characters (newlines, escape sequences), bidirectional overrides,
/// line separators and invisible spaces replaced by their escaped form, so a value from
/// the server cannot break a table, drive the terminal, reorder what follows it on the
/// line (U+202E) or hide a character in a key.
pub fn clean(text: &str) -> String {
    if !text.chars().any(unsafe_to_show) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if unsafe_to_show(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Control characters, the bidirectional formatting characters, U+2028/U+2029 and the
/// zero-width space, word joiner and BOM. The zero-width (non-)joiners stay: emoji
/// sequences and several scripts need them.
fn unsafe_to_show(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// A rating for a table: the number in one notation (`2.8` whether the server sent `"2,8"`
/// or `2.8`), or the text as sent when it is not a number.
/// The rating, or `-` when amoCRM sent `null`.
fn rating_text(rating: &Option<Rating>) -> String {
    match rating {
        None => "-".to_owned(),
        Some(rating) => match rating.value() {
            Some(value) => value.to_string(),
            None => clean(rating.as_str()),
        },
    }
}

/// `yes` / `no`, or `-` when amoCRM sent `null`.
fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// The version, or `-` when amoCRM sent `null`.
fn version_text(version: &Option<String>) -> String {
    version.as_deref().map_or_else(|| "-".to_owned(), clean)
}

/// The columns `text` takes on a terminal: 2 for CJK and most emoji, 0 for combining
/// marks, 1 for Latin and Cyrillic letters.
fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The widest a table cell gets; longer ones end in [`ELLIPSIS`]. `--json` has them whole.
pub const MAX_CELL_WIDTH: usize = 48;

/// What ends a truncated cell.
const ELLIPSIS: char = '…';

/// `text` cut to at most `max` columns, ending in an ellipsis when cut. Cuts fall between
/// characters, never inside one, and a wide character that would not fit is left out
/// whole (the cell is then one column narrower).
fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let room = max.saturating_sub(1);
    let mut cut = String::new();
    for c in text.chars() {
        cut.push(c);
        // The width of the whole prefix, not a sum of characters: emoji sequences with
        // variation selectors or joiners are measured as the terminal shows them.
        if width(&cut) > room {
            cut.pop();
            break;
        }
    }
    // A flag is a pair of regional indicators: half of one shows as a stray letter. A
    // trailing joiner would join the ellipsis.
    let indicators = cut
        .chars()
        .rev()
        .take_while(|c| ('\u{1f1e6}'..='\u{1f1ff}').contains(c))
        .count();
    if indicators % 2 == 1 {
        cut.pop();
    }
    while cut.ends_with('\u{200d}') {
        cut.pop();
    }
    cut.push(ELLIPSIS);
    cut
}

/// Every cell of `row` cut to [`MAX_CELL_WIDTH`].
fn truncate_row(row: Vec<String>) -> Vec<String> {
    row.into_iter()
        .map(|cell| truncate(&cell, MAX_CELL_WIDTH))
        .collect()
}

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Writes one row, padding each cell to its column's width; the last column is not padded
/// when left-aligned.
fn write_row(
    out: &mut impl Write,
    widths: &[usize],
    aligns: &[Align],
    cells: &[String],
) -> io::Result<()> {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        let w = widths.get(i).copied().unwrap_or(0);
        let pad = w.saturating_sub(width(cell));
        let last = i + 1 == cells.len();
        if i > 0 {
            line.push_str("  ");
        }
        match aligns.get(i).copied().unwrap_or(Align::Left) {
            Align::Right => {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            }
            Align::Left => {
                line.push_str(cell);
                if !last {
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
    }
    writeln!(out, "{line}")
}

/// A whole table: cells cut to [`MAX_CELL_WIDTH`], widths from every row.
fn write_table(
    out: &mut impl Write,
    headers: &[&str],
    aligns: &[Align],
    rows: Vec<Vec<String>>,
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = rows.into_iter().map(truncate_row).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for row in &rows {
        grow(&mut widths, row);
    }
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    write_row(out, &widths, aligns, &header)?;
    for row in &rows {
        write_row(out, &widths, aligns, row)?;
    }
    Ok(())
}

fn grow(widths: &mut [usize], row: &[String]) {
    for (w, cell) in widths.iter_mut().zip(row) {
        *w = (*w).max(width(cell));
    }
}

// ---------------------------------------------------------------------------------------
// The widget list.

const LIST_HEADERS: [&str; 7] = [
    "ID", "CODE", "VERSION", "RATING", "ACTIVE", "REQUIRED", "FIELDS",
];
const LIST_ALIGNS: [Align; 7] = [
    Align::Right,
    Align::Left,
    Align::Left,
    Align::Right,
    Align::Left,
    Align::Right,
    Align::Right,
];

fn list_row(widget: &Widget) -> Vec<String> {
    let required = widget
        .settings_template
        .iter()
        .filter(|f| f.is_required)
        .count();
    vec![
        widget.id.to_string(),
        clean(&widget.code),
        version_text(&widget.version),
        rating_text(&widget.rating),
        yes_no(widget.is_active_in_account).to_owned(),
        required.to_string(),
        widget.settings_template.len().to_string(),
    ]
}

/// Prints the widget list page by page, as the pages arrive: NDJSON, or a table whose
/// column widths come from the header and the first page and only ever grow (a wider
/// value on a later page widens the columns from that row on).
#[derive(Debug)]
pub struct ListPrinter {
    json: bool,
    widths: Option<Vec<usize>>,
}

impl ListPrinter {
    /// A printer for tables, or for NDJSON when `json` is set.
    pub fn new(json: bool) -> Self {
        ListPrinter { json, widths: None }
    }

    /// Prints one page of widgets and flushes, so a reader sees it at once.
    pub fn page(&mut self, out: &mut impl Write, widgets: &[Widget]) -> io::Result<()> {
        if self.json {
            for widget in widgets {
                write_json_line(out, widget)?;
            }
            return out.flush();
        }
        let rows: Vec<Vec<String>> = widgets.iter().map(|w| truncate_row(list_row(w))).collect();
        let widths = match &mut self.widths {
            Some(widths) => widths,
            None => {
                let mut widths: Vec<usize> = LIST_HEADERS.iter().map(|h| width(h)).collect();
                for row in &rows {
                    grow(&mut widths, row);
                }
                let header: Vec<String> = LIST_HEADERS.iter().map(|h| (*h).to_owned()).collect();
                write_row(out, &widths, &LIST_ALIGNS, &header)?;
                self.widths.insert(widths)
            }
        };
        for row in &rows {
            grow(widths, row);
            write_row(out, widths, &LIST_ALIGNS, row)?;
        }
        out.flush()
    }

    /// Ends the list: a table without any widget still gets its header.
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if !self.json && self.widths.is_none() {
            self.page(out, &[])?;
        }
        out.flush()
    }
}

// ---------------------------------------------------------------------------------------
// One widget.

/// Prints one widget: a key-value view, its settings template and (when the server sent
/// them) its settings with secrets redacted; or one JSON object.
/// `amocrm account`: the account's fields as `key: value` lines (every text cleaned of
/// control characters), and the `_embedded` parts asked for as JSON; or the whole account
/// as one JSON line.
pub fn account(out: &mut impl Write, account: &amocrm::Account, json: bool) -> io::Result<()> {
    if json {
        write_json_line(out, account)?;
        return out.flush();
    }
    let text = |value: &Option<String>| value.as_deref().map_or_else(|| "-".to_owned(), clean);
    let number = |value: Option<i64>| value.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let pairs: Vec<(&str, String)> = vec![
        ("id", account.id.to_string()),
        ("name", text(&account.name)),
        ("subdomain", text(&account.subdomain)),
        ("current user id", number(account.current_user_id)),
        ("country", text(&account.country)),
        ("currency", text(&account.currency)),
        ("currency symbol", text(&account.currency_symbol)),
        (
            "customers mode",
            text(&account.customers_mode.as_ref().map(|m| m.to_string())),
        ),
        ("unsorted", yes_no(account.is_unsorted_on).to_owned()),
        (
            "loss reasons",
            yes_no(account.is_loss_reason_enabled).to_owned(),
        ),
        ("helpbot", yes_no(account.is_helpbot_enabled).to_owned()),
        (
            "technical account",
            yes_no(account.is_technical_account).to_owned(),
        ),
        ("amojo id", text(&account.amojo_id)),
        ("version", number(account.version)),
        ("created at", number(account.created_at)),
        ("updated at", number(account.updated_at)),
    ];
    let key_width = pairs.iter().map(|(k, _)| width(k) + 1).max().unwrap_or(0);
    for (key, value) in &pairs {
        writeln!(out, "{:<key_width$}  {value}", format!("{key}:"))?;
    }
    if let Some(embedded) = account.embedded.as_ref().and_then(|e| e.0.as_ref()) {
        let parts = serde_json::to_value(embedded).map_err(io::Error::other)?;
        if let Value::Object(parts) = parts {
            for (key, value) in parts {
                writeln!(out, "{}:  {}", clean(&key), clean(&value.to_string()))?;
            }
        }
    }
    out.flush()
}

pub fn widget(out: &mut impl Write, widget: &Widget, json: bool) -> io::Result<()> {
    if json {
        write_json_line(out, widget)?;
        return out.flush();
    }
    let dash = || "-".to_owned();
    let pairs: Vec<(&str, String)> = vec![
        ("id", widget.id.to_string()),
        ("code", clean(&widget.code)),
        ("version", version_text(&widget.version)),
        ("rating", rating_text(&widget.rating)),
        (
            "active in account",
            yes_no(widget.is_active_in_account).to_owned(),
        ),
        ("lead source", yes_no(widget.is_lead_source).to_owned()),
        (
            "digital pipeline",
            yes_no(widget.is_work_with_dp).to_owned(),
        ),
        (
            "industry solution",
            yes_no(widget.is_crm_template).to_owned(),
        ),
        (
            "client uuid",
            widget
                .client_uuid
                .as_deref()
                .map(clean)
                .unwrap_or_else(dash),
        ),
        (
            "pipeline id",
            widget
                .pipeline_id
                .map(|id| id.to_string())
                .unwrap_or_else(dash),
        ),
        (
            "link",
            widget.self_link.as_deref().map(clean).unwrap_or_else(dash),
        ),
    ];
    let key_width = pairs.iter().map(|(k, _)| width(k) + 1).max().unwrap_or(0);
    for (key, value) in &pairs {
        writeln!(out, "{:<key_width$}  {value}", format!("{key}:"))?;
    }

    writeln!(out)?;
    if widget.settings_template.is_empty() {
        writeln!(out, "settings template: none")?;
    } else {
        writeln!(out, "settings template:")?;
        let rows: Vec<Vec<String>> = widget
            .settings_template
            .iter()
            .map(|f| {
                vec![
                    clean(&f.key),
                    clean(&f.name),
                    clean(f.kind.as_str()),
                    yes_no(Some(f.is_required)).to_owned(),
                ]
            })
            .collect();
        write_table(
            out,
            &["KEY", "NAME", "TYPE", "REQUIRED"],
            &[Align::Left; 4],
            rows,
        )?;
    }

    if let Some(settings) = &widget.settings {
        writeln!(out)?;
        if settings.is_empty() {
            writeln!(out, "settings: none")?;
        } else {
            writeln!(out, "settings:")?;
            let rows: Vec<Vec<String>> = settings
                .iter()
                .map(|(key, value)| vec![clean(key), value.kind().to_owned(), setting_text(value)])
                .collect();
            write_table(out, &["KEY", "TYPE", "VALUE"], &[Align::Left; 3], rows)?;
        }
    }
    out.flush()
}

/// A setting's value for a table cell, secrets redacted.
fn setting_text(value: &SettingValue) -> String {
    match value {
        SettingValue::Text(text) => clean(text),
        SettingValue::Users(users) => users
            .iter()
            .map(|(id, ext)| format!("{id}={}", clean(ext)))
            .collect::<Vec<_>>()
            .join(", "),
        SettingValue::UsersLp(users) => users
            .iter()
            .map(|(id, c)| format!("{id}={}:{REDACTED}", clean(&c.login)))
            .collect::<Vec<_>>()
            .join(", "),
        SettingValue::Other(value) => clean(&value.to_string()),
        // `Pass`, and any kind of value added later: secret until shown otherwise.
        _ => REDACTED.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------
// JSON.

/// Writes `value` as one line of JSON.
pub fn write_json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    // Serialised first, so that a write error keeps its kind (a closed pipe stays one).
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use amocrm::{Credentials, Settings};

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(clean("plain"), "plain");
        assert_eq!(clean("a\nb\u{1b}[31m"), "a\\nb\\u{1b}[31m");
        assert_eq!(clean("a\u{9b}2J"), "a\\u{9b}2J");
    }

    #[test]
    fn bidi_overrides_separators_and_invisible_spaces_are_escaped() {
        assert_eq!(clean("evil\u{202e}gnp.exe"), "evil\\u{202e}gnp.exe");
        assert_eq!(clean("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(clean("1.0\u{2028}x"), "1.0\\u{2028}x");
        assert_eq!(clean("k\u{200b}z\u{feff}"), "k\\u{200b}z\\u{feff}");
        // What text needs stays: joiners of emoji sequences, combining marks, scripts.
        for text in [
            "👨\u{200d}👩\u{200d}👧",
            "e\u{301}",
            "Логин",
            "密码",
            "می\u{200c}خواهم",
        ] {
            assert_eq!(clean(text), text);
        }
    }

    #[test]
    fn secrets_are_redacted_in_json_and_tables() {
        let settings = Settings::new()
            .text("login", "example")
            .pass("password", "eXaMp1E")
            .users("phones", [(504141, "1039")])
            .users_lp("sip", [(504141, Credentials::new("operator", "s3cret"))]);
        let json = serde_json::to_string(&settings).unwrap_or_default();
        assert!(json.contains("example") && json.contains("operator") && json.contains("1039"));
        assert!(!json.contains("eXaMp1E") && !json.contains("s3cret"));
        for (_, value) in settings.iter() {
            let text = setting_text(value);
            assert!(!text.contains("eXaMp1E") && !text.contains("s3cret"));
        }
    }

    #[test]
    fn rows_align_on_characters_not_bytes() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["Логин".to_owned(), "x".to_owned()],
            vec!["ab".to_owned(), "y".to_owned()],
        ];
        write_table(&mut out, &["K", "V"], &[Align::Left; 2], rows).unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["K      V", "Логин  x", "ab     y"]);
    }

    #[test]
    fn rows_align_on_display_width() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["日本語".to_owned(), "x".to_owned()],
            vec!["🚀a".to_owned(), "y".to_owned()],
            vec!["e\u{301}".to_owned(), "z".to_owned()],
        ];
        write_table(&mut out, &["K", "V"], &[Align::Left; 2], rows).unwrap_or_default();
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            ["K       V", "日本語  x", "🚀a     y", "e\u{301}       z"]
        );
    }

    #[test]
    fn long_cells_are_cut_by_width_between_characters() {
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("abcdefghijkl", 10), "abcdefghi…");
        // Wide characters: 4 fit in 9 columns, the fifth would straddle the edge.
        let cut = truncate("日本語日本語日本語", 10);
        assert_eq!(cut, "日本語日…");
        assert_eq!(width(&cut), 9);
        let cut = truncate(&"Виджет".repeat(20), MAX_CELL_WIDTH);
        assert_eq!(width(&cut), MAX_CELL_WIDTH);
        assert!(cut.ends_with('…'));
        let cut = truncate(&"🚀".repeat(40), MAX_CELL_WIDTH);
        assert!(width(&cut) <= MAX_CELL_WIDTH && cut.ends_with('…'), "{cut}");
        // Flags are not cut in half.
        let cut = truncate(&"🇷🇺".repeat(40), MAX_CELL_WIDTH);
        assert_eq!(cut, format!("{}…", "🇷🇺".repeat(23)));
        assert_eq!(truncate("🇷🇺🇷🇺ab", 4), "🇷🇺…");
    }
}
