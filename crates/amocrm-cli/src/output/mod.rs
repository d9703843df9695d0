//! Output: JSON (NDJSON for lists) for scripts, tables and `key: value` views for people
//! ([`table`]), chosen by the global `--json` flag; progress lines on stderr.
//!
//! Secrets never reach the output: `pass` values and `users_lp` passwords are printed as
//! `********` in tables and in JSON alike. Text that comes from the server is cleaned of
//! control characters before it reaches a terminal.

mod escape;
pub mod table;

use std::io::{self, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};
use serde::Serialize;

pub use escape::clean;
use table::{Column, Table};

/// How results are printed.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print JSON instead of tables: one object per line (NDJSON) for lists; secrets are
    /// redacted as "********"
    #[arg(long, global = true)]
    pub json: bool,

    /// Progress lines on stderr while fetching pages (auto: when stderr is a terminal);
    /// --progress alone means always
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        default_missing_value = "always",
        num_args = 0..=1,
        require_equals = true,
        global = true
    )]
    pub progress: When,

    /// Log the client's calls on stderr: -v each call (operation, status, attempts), -vv
    /// each attempt too (pace wait, retry reason); the token is never logged
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// When to print progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum When {
    /// When stderr is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Whether this run's stderr lines are JSON (`--json`); set once by `main`.
static JSON_STDERR: AtomicBool = AtomicBool::new(false);

/// Makes every later [`notice`] (and the failure report) one JSON object per line.
pub fn set_json_stderr(json: bool) {
    JSON_STDERR.store(json, Ordering::Relaxed);
}

/// Whether stderr lines are JSON (`--json`).
pub fn json_stderr() -> bool {
    JSON_STDERR.load(Ordering::Relaxed)
}

/// One line on stderr that is not the failure: with `--json` the object `{field: text}`,
/// else `field: text` for a warning and `text` alone for any other field (`progress`).
/// `text` is cleaned of control characters.
pub fn notice(field: &str, text: &str) {
    let text = clean(text);
    let mut stderr = io::stderr().lock();
    let _ = if json_stderr() {
        write_json_line(&mut stderr, &serde_json::json!({ field: text }))
    } else if field == "warning" {
        writeln!(stderr, "warning: {text}")
    } else {
        writeln!(stderr, "{text}")
    };
}

/// A warning on stderr: `warning: text`, or with `--json` `{"warning": "text"}`.
pub fn warn(text: &str) {
    notice("warning", text);
}

/// Writes `value` as one line of JSON.
pub fn write_json_line(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    // Serialised first, so that a write error keeps its kind (a closed pipe stays one).
    let mut line = serde_json::to_vec(value).map_err(io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)
}

/// How an entry of a section is printed for people; `--json` prints it as it serialises.
pub trait View: Serialize + Sized + 'static {
    /// The columns of the section's list table.
    const COLUMNS: &'static [Column<Self>] = &[];

    /// One entry: by default, `key: value` lines of the list's columns.
    fn show(&self, out: &mut impl Write) -> io::Result<()> {
        table::write_columns(out, Self::COLUMNS, self)
    }
}

/// The part of an entry that is a list (a pipeline's statuses), after the entry's own
/// lines: `title:` and a table of the items in their view's columns, or `title: none`.
pub fn write_part<T: View>(out: &mut impl Write, title: &str, items: &[T]) -> io::Result<()> {
    writeln!(out)?;
    if items.is_empty() {
        return writeln!(out, "{title}: none");
    }
    writeln!(out, "{title}:")?;
    let mut table = Table::new(T::COLUMNS);
    table.rows(out, items)?;
    table.finish(out)
}

/// Standard output (locked, buffered) and how to print on it.
pub struct Output {
    out: io::BufWriter<io::StdoutLock<'static>>,
    json: bool,
    progress: bool,
}

impl Output {
    /// Standard output, printed on as `args` say.
    pub fn new(args: &OutputArgs) -> Self {
        let progress = match args.progress {
            When::Always => true,
            When::Never => false,
            When::Auto => io::stderr().is_terminal(),
        };
        Output {
            out: io::BufWriter::new(io::stdout().lock()),
            json: args.json,
            progress,
        }
    }

    /// Whether JSON is printed (`--json`).
    pub fn json(&self) -> bool {
        self.json
    }

    /// Whether progress lines go to stderr (`--progress`).
    pub fn progress(&self) -> bool {
        self.progress
    }

    /// Where text goes; flush it with [`Output::flush`].
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.out
    }

    /// Writes `value` as one line of JSON.
    pub fn json_line(&mut self, value: &impl Serialize) -> io::Result<()> {
        write_json_line(&mut self.out, value)
    }

    /// Sends what was written on.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// One entry: a JSON line, or its view.
    pub fn show<T: View>(&mut self, item: &T) -> io::Result<()> {
        if self.json {
            self.json_line(item)?;
        } else {
            item.show(&mut self.out)?;
        }
        self.out.flush()
    }

    /// The outcome of a call without a body: `value` as JSON, or the line `text()`.
    pub fn done(
        &mut self,
        value: &impl Serialize,
        text: impl FnOnce() -> String,
    ) -> io::Result<()> {
        if self.json {
            self.json_line(value)?;
        } else {
            writeln!(self.out, "{}", text())?;
        }
        self.out.flush()
    }
}

/// A list printed page by page as the pages arrive: NDJSON, or a [`Table`] of the
/// entries' [`View::COLUMNS`].
pub struct List<T: View> {
    /// `None` for JSON.
    table: Option<Table<T>>,
}

impl<T: View> List<T> {
    /// A list printed on `out` as it says.
    pub fn new(out: &Output) -> Self {
        List {
            table: (!out.json).then(|| Table::new(T::COLUMNS)),
        }
    }

    /// Prints one page of entries and flushes, so a reader sees it at once.
    pub fn page(&mut self, out: &mut Output, items: &[T]) -> io::Result<()> {
        match &mut self.table {
            Some(table) => table.rows(&mut out.out, items),
            None => {
                for item in items {
                    out.json_line(item)?;
                }
                out.flush()
            }
        }
    }

    /// Ends the list: a table without any entry still gets its header.
    pub fn finish(&mut self, out: &mut Output) -> io::Result<()> {
        match &mut self.table {
            Some(table) => table.finish(&mut out.out),
            None => out.flush(),
        }
    }
}
