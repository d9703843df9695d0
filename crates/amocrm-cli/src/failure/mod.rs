//! Why a command failed, its exit code, and how it is reported on stderr: as text, or
//! with `--json` as one JSON object `{"kind", "message", "exit_code"}` on one line. The
//! exit codes are defined once, in [`codes`] (their table is at the end of `--help`).

mod codes;

use std::error::Error as _;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::OnceLock;

use crate::output::clean;
use crate::sdk::{AuthError, Error, Invalid, Problem};

pub use codes::{
    EXIT_API, EXIT_CODES, EXIT_INPUT, EXIT_NO_TOKENS, EXIT_OUTPUT, EXIT_TRANSPORT, help_text,
    kind_of,
};

/// Where the token of this run came from (`--token-file PATH`, `AMOCRM_TOKEN`, the
/// stored OAuth pair, …), named on a 401; never the token itself.
static TOKEN_SOURCE: OnceLock<(String, bool)> = OnceLock::new();

/// Notes where the token of this run came from, for the message of a 401; `stored`: the
/// token store's OAuth pair (else a static token).
pub fn note_token_source(source: String, stored: bool) {
    let _ = TOKEN_SOURCE.set((source, stored));
}

/// A failed command.
#[derive(Debug)]
pub enum Failure {
    /// Input the CLI rejected itself, before sending; one message per problem.
    Input(Vec<String>),
    /// An error of the client (rejected input, API error, transport error).
    Client(Error),
    /// Writing to stdout failed.
    Output(io::Error),
    /// The async runtime could not start: nothing was run (a local failure, exit 1).
    Runtime(io::Error),
    /// An error of a list call; `noun` names the list's entries (`widget`) in the message
    /// of a page that failed.
    List {
        /// What one entry is called.
        noun: &'static str,
        /// What went wrong (boxed: the other variants are small).
        error: Box<Error>,
    },
    /// The list was printed, but this many entries could not be decoded (each was
    /// reported on stderr as it came).
    Incomplete {
        /// What one entry is called.
        noun: &'static str,
        /// How many were skipped.
        count: usize,
    },
    /// The token store holds no pair for the account.
    NoTokens(String),
    /// A new pair the token store would not take (its refresh token spent): where it was
    /// kept for `auth import`, or why it could not be; one message per account.
    Unsaved(Vec<String>),
    /// A bulk write printed a line per item, and some were not written: `refused` by
    /// amoCRM (or before sending), `unknown` whose add may have reached amoCRM, `failed`
    /// whose request failed on the way (transport).
    Unwritten {
        /// Items refused.
        refused: usize,
        /// Items whose outcome is unknown.
        unknown: usize,
        /// Items whose request failed on the way.
        failed: usize,
    },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Client(error)
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Output(error)
    }
}

impl Failure {
    /// One input problem.
    pub fn input(message: impl Into<String>) -> Self {
        Failure::Input(vec![message.into()])
    }

    /// The exit code as a number (one of [`EXIT_CODES`]).
    pub fn code(&self) -> u8 {
        match self {
            Failure::Output(error) if error.kind() == io::ErrorKind::BrokenPipe => codes::EXIT_OK,
            Failure::Output(_) | Failure::Runtime(_) => EXIT_OUTPUT,
            Failure::Input(_) => EXIT_INPUT,
            Failure::Client(error) => client_exit_code(error),
            Failure::List { error, .. } => client_exit_code(error),
            Failure::Incomplete { .. } => EXIT_TRANSPORT,
            Failure::NoTokens(_) => EXIT_NO_TOKENS,
            Failure::Unsaved(_) => EXIT_TRANSPORT,
            Failure::Unwritten {
                unknown, failed, ..
            } if unknown + failed > 0 => EXIT_TRANSPORT,
            Failure::Unwritten { .. } => EXIT_API,
        }
    }

    /// Reports the end of a run on `stderr`: the command's failure, then a pair the token
    /// store would not take ([`Failure::Unsaved`]); returns the exit code (the unsaved
    /// pair's when there is one). With `json`, one object whatever happened: the
    /// failure's, its `message` followed by the unsaved pair's, and `"unsaved": [...]`
    /// (one message per account) when a pair was kept aside.
    pub fn report_run(
        failure: Option<&Failure>,
        unsaved: Option<&Failure>,
        json: bool,
        stderr: &mut impl Write,
    ) -> ExitCode {
        let code = unsaved.or(failure).map_or(codes::EXIT_OK, Failure::code);
        if !json {
            for report in failure.into_iter().chain(unsaved) {
                let _ = report.report(stderr);
            }
            return ExitCode::from(code);
        }
        let mut text = Vec::new();
        for report in failure.into_iter().chain(unsaved) {
            let _ = report.report(&mut text);
        }
        if !text.is_empty() {
            // The text report without its first `error: ` prefix (a closed stdout has none).
            let text = String::from_utf8_lossy(&text);
            let message = text.strip_prefix("error: ").unwrap_or(&text).trim_end();
            let mut object =
                serde_json::json!({ "kind": kind_of(code), "message": message, "exit_code": code });
            if let Some(Failure::Unsaved(messages)) = unsaved {
                let messages: Vec<String> = messages.iter().map(|m| clean(m)).collect();
                object["unsaved"] = serde_json::json!(messages);
            }
            let _ = writeln!(stderr, "{object}");
        }
        ExitCode::from(code)
    }

    /// Prints the failure on `stderr`. A closed stdout is not reported.
    pub fn report(&self, stderr: &mut impl Write) -> io::Result<()> {
        match self {
            Failure::Output(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Failure::Output(error) => writeln!(stderr, "error: writing the output failed: {error}"),
            Failure::Runtime(error) => writeln!(
                stderr,
                "error: could not start the async runtime, nothing was run: {error}"
            ),
            Failure::Input(messages) => {
                writeln!(stderr, "error: invalid input, nothing was sent")?;
                for message in messages {
                    writeln!(stderr, "  - {}", clean(message))?;
                }
                Ok(())
            }
            Failure::Client(error) => report_client_error(error, stderr),
            Failure::List { noun, error } => {
                if let Some(page) = error.page() {
                    writeln!(
                        stderr,
                        "error: fetching page {page} of the {noun} list failed"
                    )?;
                }
                report_client_error(error, stderr)
            }
            Failure::Incomplete { noun, count } => writeln!(
                stderr,
                "error: {count} {noun} entries could not be decoded (each in a warning before this); the others were printed"
            ),
            Failure::NoTokens(message) => writeln!(stderr, "error: {}", clean(message)),
            Failure::Unsaved(messages) => {
                for message in messages {
                    writeln!(stderr, "error: {}", clean(message))?;
                }
                Ok(())
            }
            Failure::Unwritten {
                refused,
                unknown,
                failed,
            } => {
                writeln!(
                    stderr,
                    "error: {} items were not written (see their lines on stdout): {refused} refused, {failed} failed on the way, {unknown} of unknown outcome",
                    refused + unknown + failed
                )?;
                if *unknown > 0 {
                    writeln!(
                        stderr,
                        "  an add of unknown outcome may have reached amoCRM and was not sent again: look its items up before adding them again"
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// Writes `{"kind", "message", "exit_code"}` on one line; `text` is a report as printed
/// in text, its first `error: ` prefix dropped and its trailing newline trimmed.
pub fn json_error(stderr: &mut impl Write, kind: &str, text: &str, code: u8) -> io::Result<()> {
    let message = text.strip_prefix("error: ").unwrap_or(text).trim_end();
    let object = serde_json::json!({ "kind": kind, "message": message, "exit_code": code });
    writeln!(stderr, "{object}")
}

/// 2 for input rejected before sending, 3 for an error answer, 4 for transport or decoding.
pub fn client_exit_code(error: &Error) -> u8 {
    match error.root() {
        Error::Invalid(_) | Error::Config(_) | Error::TlsUnavailable { .. } => EXIT_INPUT,
        // A token file another user could have written: the user's configuration to fix.
        Error::Auth(AuthError::Store(store)) if store.is_untrusted() => EXIT_INPUT,
        Error::Unauthorized(_)
        | Error::Forbidden(_)
        | Error::NotFound(_)
        | Error::RateLimited { .. }
        | Error::Api { .. } => EXIT_API,
        Error::UnexpectedStatus { status, .. } if *status >= 400 => EXIT_API,
        Error::UnexpectedStatus { .. }
        | Error::Transport(_)
        | Error::Decode { .. }
        | Error::Protocol(_)
        | Error::Pace(_) => EXIT_TRANSPORT,
        other => match other.status() {
            Some(status) if status >= 400 => EXIT_API,
            _ => EXIT_TRANSPORT,
        },
    }
}

fn report_client_error(error: &Error, stderr: &mut impl Write) -> io::Result<()> {
    let root = error.root();
    match root {
        Error::Invalid(Invalid::Settings(problems)) => {
            writeln!(
                stderr,
                "error: invalid input, nothing was sent: the settings do not fit the widget's settings_template"
            )?;
            for problem in problems {
                writeln!(stderr, "  - {}", clean(&problem.to_string()))?;
            }
            return Ok(());
        }
        Error::Invalid(invalid) => {
            return writeln!(
                stderr,
                "error: invalid input, nothing was sent: {}",
                clean(&invalid.to_string())
            );
        }
        Error::Config(message) => {
            return writeln!(
                stderr,
                "error: invalid connection settings, nothing was sent: {}",
                clean(message)
            );
        }
        _ => {}
    }
    if let Some(problem) = root.problem() {
        writeln!(stderr, "error: {}", api_summary(root, problem))?;
        write_problem(problem, stderr)?;
        if let Error::RateLimited {
            retry_after: Some(after),
            ..
        } = root
        {
            writeln!(stderr, "  retry after: {} s", after.as_secs_f64())?;
        }
        if let Error::Unauthorized(_) = root {
            write_token_source(stderr)?;
        }
        return Ok(());
    }
    // The token endpoint out of reach (auth login --code, a refresh): as a request is.
    if let Error::Auth(AuthError::Transport(error)) = root {
        let what = match error.url() {
            Some(url) => format!("the request to the token endpoint {url} failed"),
            None => "the request to the token endpoint failed".to_owned(),
        };
        return report_transport(
            &what,
            error,
            transport_hint(error.is_timeout(), error.is_connect()),
            stderr,
        );
    }
    if let Error::Transport(error) = root {
        let what = match error.url() {
            Some(url) => format!("the request to {url} failed"),
            None => "the request failed".to_owned(),
        };
        return report_transport(
            &what,
            error,
            transport_hint(error.is_timeout(), error.is_connect()),
            stderr,
        );
    }
    let mut shown = root.to_string();
    writeln!(stderr, "error: {}", clean(&shown))?;
    let mut source = root.source();
    while let Some(cause) = source {
        // Layers that repeat their source's message add nothing: print each cause once.
        let text = cause.to_string();
        if !shown.contains(&text) {
            writeln!(stderr, "  caused by: {}", clean(&text))?;
            shown = text;
        }
        source = cause.source();
    }
    if matches!(root, Error::Pace(_)) {
        writeln!(
            stderr,
            "  nothing was sent: the shared pacer (--redis-url / AMOCRM_REDIS_URL) gave no slot"
        )?;
    }
    if let Error::Auth(AuthError::Refused { .. }) = root {
        writeln!(
            stderr,
            "  the stored pair may be spent or revoked: store a new one with amocrm auth login --code CODE"
        )?;
    }
    if let Error::Unauthorized(_) = root {
        write_token_source(stderr)?;
    }
    Ok(())
}

/// A 401: which token source was used (never the token) and what to do.
fn write_token_source(stderr: &mut impl Write) -> io::Result<()> {
    let Some((source, stored)) = TOKEN_SOURCE.get() else {
        return Ok(());
    };
    writeln!(stderr, "  the token came from {}", clean(source))?;
    if *stored {
        writeln!(
            stderr,
            "  hint: the pair was refreshed and still refused: it may be revoked, or be another \
             account's; store a new one with amocrm auth login --code CODE"
        )
    } else {
        writeln!(
            stderr,
            "  hint: check that the token is live (not revoked or expired) and is this account's"
        )
    }
}

/// The hint of a failed request: a timeout, no connection, or a connection broken.
fn transport_hint(timeout: bool, connect: bool) -> Hint {
    if timeout {
        Hint::Timeout
    } else if connect {
        Hint::Connect
    } else {
        Hint::Broken
    }
}

/// What a transport failure's hint is about.
enum Hint {
    Timeout,
    Connect,
    Broken,
}

/// A transport failure in one line (`what` and its innermost cause) and a hint.
fn report_transport(
    what: &str,
    error: &dyn std::error::Error,
    hint: Hint,
    stderr: &mut impl Write,
) -> io::Result<()> {
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    writeln!(
        stderr,
        "error: {}: {}",
        clean(what),
        clean(&cause.to_string())
    )?;
    match hint {
        Hint::Timeout => writeln!(
            stderr,
            "  hint: no answer in time: a slower server needs a longer --timeout (or AMOCRM_TIMEOUT)"
        ),
        Hint::Connect => writeln!(
            stderr,
            "  hint: is the base URL reachable? (--base-url or --subdomain, their variables, the \
             profile; a proxy or a firewall between)"
        ),
        Hint::Broken => writeln!(
            stderr,
            "  hint: the connection failed on the way: is the base URL reachable, and the \
             network steady? Running the command again is safe for a read"
        ),
    }
}

/// `the API answered 404 (not found)`.
fn api_summary(error: &Error, problem: &Problem) -> String {
    let what = match error {
        Error::Unauthorized(_) => " (unauthorized: check the token)",
        Error::Forbidden(_) => " (forbidden: the user lacks the rights)",
        Error::NotFound(_) => " (not found)",
        Error::RateLimited { .. } => " (rate limited)",
        Error::PaymentRequired(_) => " (payment required: the account's subscription is unpaid)",
        _ => "",
    };
    let status = error.status().unwrap_or(problem.status);
    format!("the API answered {status}{what}")
}

fn write_problem(problem: &Problem, stderr: &mut impl Write) -> io::Result<()> {
    writeln!(stderr, "  title:  {}", clean(&problem.title))?;
    if let Some(detail) = &problem.detail {
        writeln!(stderr, "  detail: {}", clean(detail))?;
    }
    if let Some(kind) = &problem.kind {
        writeln!(stderr, "  type:   {}", clean(kind))?;
    }
    if !problem.validation_errors.is_empty() {
        writeln!(stderr, "  validation errors:")?;
        for e in &problem.validation_errors {
            let request = e
                .request_id
                .as_deref()
                .map(|id| format!(" (request_id {})", clean(id)))
                .unwrap_or_default();
            writeln!(
                stderr,
                "    - path: {}, code: {}, detail: {}{request}",
                clean(&e.path),
                clean(&e.code),
                clean(&e.detail)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build without TLS refusing an https:// URL sent nothing and can never succeed:
    /// input rejected (2), not a transport failure (4) that a script may retry.
    #[test]
    fn an_https_url_without_tls_is_input_rejected_before_sending() {
        let error = Error::TlsUnavailable {
            url: "https://example.amocrm.ru".into(),
        };
        assert_eq!(client_exit_code(&error), EXIT_INPUT);
    }

    fn json_lines(bytes: &[u8]) -> Vec<serde_json::Value> {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect()
    }

    /// A failing command and an unsaved pair: one JSON object (exit 4, the unsaved pair's),
    /// its message both reports, `unsaved` the pair's; as text, both reports.
    #[test]
    fn a_failure_and_an_unsaved_pair_are_one_json_object() {
        let failure = Failure::input("a bad flag");
        let unsaved = Failure::Unsaved(vec!["the pair is kept in /x/pair.json".to_owned()]);
        let mut out = Vec::new();
        let code = Failure::report_run(Some(&failure), Some(&unsaved), true, &mut out);
        assert_eq!(code, ExitCode::from(EXIT_TRANSPORT));
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{lines:?}");
        let object = &lines[0];
        assert_eq!(object["exit_code"], EXIT_TRANSPORT);
        assert_eq!(object["kind"], "transport");
        let message = object["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("invalid input"), "{object}");
        assert!(message.contains("a bad flag"), "{object}");
        assert!(message.contains("/x/pair.json"), "{object}");
        assert_eq!(object["unsaved"][0], "the pair is kept in /x/pair.json");

        let mut text = Vec::new();
        Failure::report_run(Some(&failure), Some(&unsaved), false, &mut text);
        let text = String::from_utf8_lossy(&text);
        assert!(text.starts_with("error: invalid input"), "{text}");
        assert!(text.contains("error: the pair is kept"), "{text}");

        let mut none = Vec::new();
        let code = Failure::report_run(None, None, true, &mut none);
        assert_eq!((code, none.len()), (ExitCode::SUCCESS, 0));
    }

    /// A runtime that could not start: exit 1 (a local failure of the table), and with
    /// `--json` one object of that kind.
    #[test]
    fn a_runtime_that_does_not_start_exits_1_as_one_json_object() {
        let failure = Failure::Runtime(io::Error::other("no threads"));
        let mut out = Vec::new();
        let code = Failure::report_run(Some(&failure), None, true, &mut out);
        assert_eq!(code, ExitCode::from(EXIT_OUTPUT));
        let lines = json_lines(&out);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["exit_code"], EXIT_OUTPUT);
        assert_eq!(lines[0]["kind"], kind_of(EXIT_OUTPUT));
        let message = lines[0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("async runtime") && message.contains("no threads"));
        let row = EXIT_CODES.iter().find(|row| row.code == EXIT_OUTPUT);
        assert!(row.is_some_and(|row| row.meaning.contains("runtime")));
    }
}
