//! The table engine: cells measured in display width (Cyrillic, CJK and emoji line up),
//! cut to [`MAX_CELL_WIDTH`] with an ellipsis, padded into aligned columns; a table that
//! grows page by page as a list arrives; and `key: value` views of one entry.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::escape::clean;

/// The columns `text` takes on a terminal: 2 for CJK and most emoji, 0 for combining
/// marks, 1 for Latin and Cyrillic letters.
pub fn width(text: &str) -> usize {
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
pub enum Align {
    /// Text: padded after.
    Left,
    /// Numbers: padded before.
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
pub fn write_table(
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

/// One column of a list table: its header, its alignment and how a cell is made of an
/// entry (cleaned of control characters by the function, as text from the server must be).
pub struct Column<T: 'static> {
    /// The header, in capitals: `ID`, `CODE`.
    pub header: &'static str,
    /// Numbers right, text left.
    pub align: Align,
    /// The cell of one entry.
    pub cell: fn(&T) -> String,
}

impl<T> Column<T> {
    /// A column of text.
    pub const fn left(header: &'static str, cell: fn(&T) -> String) -> Self {
        Column {
            header,
            align: Align::Left,
            cell,
        }
    }

    /// A column of numbers.
    pub const fn right(header: &'static str, cell: fn(&T) -> String) -> Self {
        Column {
            header,
            align: Align::Right,
            cell,
        }
    }
}

/// A table printed as its rows arrive (a list, page by page): column widths come from the
/// header and the first rows and only ever grow (a wider value on a later page widens the
/// columns from that row on).
pub struct Table<T: 'static> {
    columns: &'static [Column<T>],
    widths: Option<Vec<usize>>,
}

impl<T> Table<T> {
    /// A table of `columns`; nothing is printed yet.
    pub fn new(columns: &'static [Column<T>]) -> Self {
        Table {
            columns,
            widths: None,
        }
    }

    /// Prints `items` as rows (the header first, on the first call) and flushes, so a
    /// reader sees them at once.
    pub fn rows(&mut self, out: &mut impl Write, items: &[T]) -> io::Result<()> {
        let aligns: Vec<Align> = self.columns.iter().map(|c| c.align).collect();
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|item| truncate_row(self.columns.iter().map(|c| (c.cell)(item)).collect()))
            .collect();
        let widths = match &mut self.widths {
            Some(widths) => widths,
            None => {
                let mut widths: Vec<usize> = self.columns.iter().map(|c| width(c.header)).collect();
                for row in &rows {
                    grow(&mut widths, row);
                }
                let header: Vec<String> =
                    self.columns.iter().map(|c| c.header.to_owned()).collect();
                write_row(out, &widths, &aligns, &header)?;
                self.widths.insert(widths)
            }
        };
        for row in &rows {
            grow(widths, row);
            write_row(out, widths, &aligns, row)?;
        }
        out.flush()
    }

    /// Ends the table: one without any row still gets its header.
    pub fn finish(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.widths.is_none() {
            self.rows(out, &[])?;
        }
        out.flush()
    }
}

/// `key: value` lines, the values aligned after the longest key.
pub fn write_pairs(out: &mut impl Write, pairs: &[(&str, String)]) -> io::Result<()> {
    let key_width = pairs.iter().map(|(k, _)| width(k) + 1).max().unwrap_or(0);
    for (key, value) in pairs {
        writeln!(out, "{:<key_width$}  {value}", format!("{key}:"))?;
    }
    Ok(())
}

/// One entry as `key: value` lines of `columns`, their headers in lower case: the view of
/// an entry whose section has no view of its own.
pub fn write_columns<T>(out: &mut impl Write, columns: &[Column<T>], item: &T) -> io::Result<()> {
    let keys: Vec<String> = columns.iter().map(|c| c.header.to_lowercase()).collect();
    let pairs: Vec<(&str, String)> = keys
        .iter()
        .zip(columns)
        .map(|(key, c)| (key.as_str(), (c.cell)(item)))
        .collect();
    write_pairs(out, &pairs)
}

/// `yes` / `no`, or `-` when amoCRM sent `null`.
pub fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// The text cleaned of control characters, or `-` when amoCRM sent `null`.
pub fn text(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), clean)
}

/// The `text` of each item, cleaned of control characters and joined with `, ` (a cell
/// of names).
pub fn joined<T>(items: &[T], text: fn(&T) -> &str) -> String {
    let texts: Vec<String> = items.iter().map(|item| clean(text(item))).collect();
    texts.join(", ")
}

/// The number, or `-` when amoCRM sent `null`.
pub fn number(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

/// Unix seconds as a UTC time to the minute (`2024-03-01 14:05`), or `-` when amoCRM sent
/// `null` or a time before 1970.
pub fn date(unix: Option<i64>) -> String {
    match unix.and_then(|t| u64::try_from(t).ok()) {
        Some(t) => {
            let full = crate::util::time::utc(t);
            full.get(..16).unwrap_or(&full).to_owned()
        }
        None => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_to_the_minute() {
        assert_eq!(date(Some(1_700_000_000)), "2023-11-14 22:13");
        assert_eq!(date(None), "-");
        assert_eq!(date(Some(-1)), "-");
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

    struct Entry {
        id: u64,
        name: &'static str,
    }

    const COLUMNS: &[Column<Entry>] = &[
        Column::right("ID", |e| e.id.to_string()),
        Column::left("NAME", |e| clean(e.name)),
    ];

    #[test]
    fn a_table_prints_its_header_once_and_widens_with_later_pages() {
        let mut out = Vec::new();
        let mut table = Table::new(COLUMNS);
        let first = [Entry { id: 7, name: "a" }];
        let second = [Entry {
            id: 1234,
            name: "Логин\u{1b}",
        }];
        assert!(table.rows(&mut out, &first).is_ok());
        assert!(table.rows(&mut out, &second).is_ok());
        assert!(table.finish(&mut out).is_ok());
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines, ["ID  NAME", " 7  a", "1234  Логин\\u{1b}"]);
        let mut empty = Vec::new();
        assert!(Table::new(COLUMNS).finish(&mut empty).is_ok());
        assert_eq!(String::from_utf8_lossy(&empty), "ID  NAME\n");
    }

    #[test]
    fn an_entry_is_shown_as_key_value_lines_of_its_columns() {
        let mut out = Vec::new();
        let entry = Entry {
            id: 42,
            name: "Воронка",
        };
        assert!(write_columns(&mut out, COLUMNS, &entry).is_ok());
        assert_eq!(String::from_utf8_lossy(&out), "id:    42\nname:  Воронка\n");
    }
}
