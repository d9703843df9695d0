//! The exit codes, defined once: the table shown at the end of `amocrm --help` and in the
//! READMEs (a test checks that both READMEs hold the table rendered here), and the kind
//! each code has in a `--json` error object.

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the output could not be written.
pub const EXIT_OUTPUT: u8 = 1;
/// Exit code: invalid input, nothing was sent.
pub const EXIT_INPUT: u8 = 2;
/// Exit code: the API answered with an error.
pub const EXIT_API: u8 = 3;
/// Exit code: transport or decoding error.
pub const EXIT_TRANSPORT: u8 = 4;
/// Exit code: no token pair is stored for the account (`auth status`, `auth refresh`).
pub const EXIT_NO_TOKENS: u8 = 5;

/// One exit code: its number, its kind (the `kind` of a `--json` error) and what it means.
#[derive(Clone, Copy, Debug)]
pub struct ExitCodeRow {
    /// The process exit code.
    pub code: u8,
    /// A one-word name, the `kind` of a `--json` error.
    pub kind: &'static str,
    /// What it means.
    pub meaning: &'static str,
}

/// Every exit code of `amocrm`, in order.
pub const EXIT_CODES: &[ExitCodeRow] = &[
    ExitCodeRow {
        code: EXIT_OK,
        kind: "ok",
        meaning: "success (also when stdout is a pipe its reader closed)",
    },
    ExitCodeRow {
        code: EXIT_OUTPUT,
        kind: "output",
        meaning: "local failure: the output could not be written, or the async runtime \
                  could not start",
    },
    ExitCodeRow {
        code: EXIT_INPUT,
        kind: "input",
        meaning: "invalid input, rejected before anything was sent: usage errors, a bad flag \
                  or setting, no token at all, a token store file other users could have \
                  written (a --token-file others can read or write is used, with a warning)",
    },
    ExitCodeRow {
        code: EXIT_API,
        kind: "api",
        meaning: "the API refused: an error status (4xx/5xx, a 401 too), its title, detail and \
                  validation errors on stderr; a bulk write: amoCRM refused some items, the \
                  others were written",
    },
    ExitCodeRow {
        code: EXIT_TRANSPORT,
        kind: "transport",
        meaning: "transport or decoding error: no connection, a timeout, an answer that could \
                  not be read, the token store or the shared pacer unreachable; a bulk write: \
                  an item's outcome is unknown or its request failed on the way",
    },
    ExitCodeRow {
        code: EXIT_NO_TOKENS,
        kind: "auth",
        meaning: "auth status, auth refresh: no token pair is stored for the account (store \
                  one with auth login --code CODE or auth import)",
    },
];

/// The kind of an exit code (`transport` for one not in the table).
pub fn kind_of(code: u8) -> &'static str {
    EXIT_CODES
        .iter()
        .find(|row| row.code == code)
        .map_or("transport", |row| row.kind)
}

/// The table as `--help` shows it: `Exit codes:` and one row per code, wrapped at 80
/// columns.
pub fn help_text() -> String {
    const WIDTH: usize = 80;
    let kind_width = EXIT_CODES.iter().map(|r| r.kind.len()).max().unwrap_or(0);
    let indent = 2 + 1 + 2 + kind_width + 2;
    let mut text = String::from("Exit codes:\n");
    for row in EXIT_CODES {
        let mut line = format!("  {}  {:kind_width$}  ", row.code, row.kind);
        let mut fresh = true;
        for word in row.meaning.split_whitespace() {
            if !fresh && line.len() + 1 + word.len() > WIDTH {
                text.push_str(&line);
                text.push('\n');
                line = " ".repeat(indent);
                fresh = true;
            }
            if !fresh {
                line.push(' ');
            }
            line.push_str(word);
            fresh = false;
        }
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The table as the READMEs hold it (Markdown).
#[cfg(test)]
pub fn markdown() -> String {
    let mut text = String::from("| code | kind | meaning |\n| --- | --- | --- |\n");
    for row in EXIT_CODES {
        let meaning = row.meaning.split_whitespace().collect::<Vec<_>>().join(" ");
        text.push_str(&format!("| {} | `{}` | {meaning} |\n", row.code, row.kind));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The READMEs' tables are the one rendered here; to update them, paste the output of
    /// `markdown()` (this test's message prints it).
    #[test]
    fn both_readmes_hold_the_exit_code_table_of_the_code() {
        let table = markdown();
        for (name, text) in [
            ("README.md", include_str!("../../../../README.md")),
            (
                "crates/amocrm-cli/README.md",
                include_str!("../../README.md"),
            ),
        ] {
            assert!(
                text.contains(&table),
                "{name} lacks the exit-code table; it should hold:\n{table}"
            );
        }
    }

    #[test]
    fn codes_are_distinct_ordered_and_wrapped() {
        let codes: Vec<u8> = EXIT_CODES.iter().map(|r| r.code).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5]);
        for line in help_text().lines() {
            assert!(line.len() <= 80, "{line:?}");
        }
        assert_eq!(kind_of(EXIT_API), "api");
        assert_eq!(kind_of(99), "transport");
    }

    /// Code 2 says what the code does: a token store file others could have written is
    /// refused; a --token-file others can read or write is used, with a warning.
    #[test]
    fn code_2_tells_the_refused_store_file_from_the_warned_token_file() {
        let row = EXIT_CODES.iter().find(|row| row.code == EXIT_INPUT);
        let meaning = row.map(|row| row.meaning).unwrap_or_default();
        let meaning = meaning.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            meaning.contains("a token store file other users could have written"),
            "{meaning}"
        );
        assert!(
            meaning.contains("--token-file others can read or write is used, with a warning"),
            "{meaning}"
        );
    }
}
