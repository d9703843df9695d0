//! `amocrm`: a command-line tool over the [`amocrm`] client, for scripting widget installs
//! and Salesbot/Marketingbot continuations across amoCRM (Kommo) accounts.
//!
//! ```text
//! amocrm [--profile NAME] [--config PATH]
//!        [--base-url URL | --subdomain NAME [--domain amocrm.ru|amocrm.com|kommo.com]]
//!        [--token-file PATH | --token-stdin | --token TOKEN]
//!        [--client-id ID --client-secret SECRET --redirect-uri URI]
//!        [--token-store PATH|postgres://URL [--token-table [SCHEMA.]TABLE]] [--redis-url URL]
//!        [--json] [--progress[=auto|always|never]] [--timeout DURATION] [-v|-vv]
//!        [--log-format text|json]
//!        <command>
//!
//! amocrm widgets list [--page N] [--limit N] [--all]
//! amocrm widgets get CODE
//! amocrm widgets install CODE [--set KEY=VALUE ...] [--set-json KEY=JSON ...]
//! amocrm widgets uninstall CODE
//! amocrm account [--with PART ...]
//! amocrm pipelines list
//! amocrm pipelines get ID
//! amocrm completions bash|zsh|fish|powershell|elvish
//! amocrm auth import [--expired]
//! amocrm auth status|refresh
//! amocrm auth login --code CODE
//! amocrm bot continue salesbot|marketingbot BOT_ID CONTINUE_ID
//!        [--data KEY=VALUE ...] [--data-json KEY=JSON ...]
//!        [--show-text TEXT] [--show-buttons TEXT --button CAPTION ...]
//!        [--show-buttons-url TEXT --button-url URL ...] [--goto question|answer|finish:STEP]
//! ```
//!
//! Every connection flag but `--token-stdin` has an environment variable (`AMOCRM_BASE_URL`,
//! `AMOCRM_SUBDOMAIN`, `AMOCRM_DOMAIN`, `AMOCRM_TOKEN`, `AMOCRM_TOKEN_FILE`,
//! `AMOCRM_PROFILE`, `AMOCRM_CONFIG`, `AMOCRM_TIMEOUT`, `AMOCRM_CLIENT_ID`,
//! `AMOCRM_CLIENT_SECRET`, `AMOCRM_REDIRECT_URI`, `AMOCRM_TOKEN_STORE`, `AMOCRM_TOKEN_TABLE`,
//! `AMOCRM_REDIS_URL`); flags win over the environment,
//! both win over the profile (a TOML config file, see the `config` module); a variable
//! set to the empty string counts as unset. Tokens and the client secret are never
//! printed: not in `--help`, not in errors, not in `-v` logs.
//!
//! # OAuth
//!
//! Without a static token, every command uses the account's OAuth pair from the token
//! store (`auth login` / `auth import` put it there) and refreshes it as needed: one process
//! of all that share the store calls the token endpoint (see the `auth` and `store`
//! modules). `--redis-url` paces every process with that Redis together.
//!
//! # Output
//!
//! Tables by default; `--json` prints one JSON object per line (NDJSON). Secrets (`pass`
//! values, `users_lp` passwords) are printed as `********` in both. `--all` prints each
//! page as it arrives.
//!
//! # Exit codes
//!
//! Defined once in `failure::codes` (`EXIT_CODES`): shown at the end of `--help`, and the
//! same table is in the READMEs (a test compares them). With `--json`, a failure is one
//! JSON object on stderr: `{"kind": "api", "message": "...", "exit_code": 3}` (with
//! `"unsaved": [...]` when a new OAuth pair was kept aside), and every other stderr line is
//! a JSON object too (`output::notice`: `{"warning": "..."}`, `{"progress": "..."}`).
//!
//! # Source layout
//!
//! Dependencies point down this list, never up; no module imports its parent:
//!
//! - `main` parses (`cli`), runs the command (`cmd`) and turns a [`failure`] into an exit code;
//!   its inline `log` writes `-v`/`-vv` on stderr and counts the client's requests for the summary line.
//! - `cli`: the top-level command line, made of `connect::ConnectionArgs`,
//!   `output::OutputArgs` and `cmd::Command`.
//! - `cmd`: one module per command group with its arguments, its run and its views
//!   (`widgets`, `bots`, `account`, `pipelines`, `auth`, `completions`); `cmd::section` is
//!   what list and get share, `cmd::context` what every command runs with, `cmd::prelude`
//!   what a section file imports.
//! - `connect`: the client of the connection flags: `args` (the flags), `profile` (TOML
//!   profiles), `token` (token sources), `stores` (token store and pacer choice).
//! - [`failure`]: why a command failed, its exit code and its report on stderr.
//! - `output`: NDJSON, tables (`output::table`) and escaping of server text.
//! - `sdk`: every `amocrm` item the CLI uses, named once. `util`: durations, times, paths,
//!   `KEY=VALUE` flags.
//!
//! A read-only section of the API (list + get) is a file in `cmd/` with its
//! [`output::View`] (the list's columns) and a run that hands the library's two calls to
//! `cmd::section` (`run_whole` for a list amoCRM sends whole, with the shared
//! `section::WholeCommand`; `list` and `get` for a paged one, with its own subcommand enum
//! and `ListArgs`), plus its variant in `cmd::Command`; `cmd/pipelines.rs` is the example.

#![forbid(unsafe_code)]

mod cli;
mod cmd;
mod connect;
mod failure;
mod output;
mod sdk;
mod util;

use std::process::ExitCode;

fn main() -> ExitCode {
    let (cli, matches) = cli::parse();
    // With --json every line on stderr is one JSON object: the warnings, the progress,
    // the -v lines (unless --log-format text is given) and the failure, last.
    let json = cli.output.json;
    output::set_json_stderr(json);
    let log_format = match matches.value_source("log_format") {
        Some(clap::parser::ValueSource::DefaultValue) | None if json => cli::LogFormat::Json,
        _ => cli.log.log_format,
    };
    let tally = log::install(cli.output.verbose, log_format);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let failure = failure::Failure::Runtime(error);
            return failure::Failure::report_run(
                Some(&failure),
                None,
                json,
                &mut std::io::stderr(),
            );
        }
    };
    let ctx = cmd::Ctx::new(&cli.connection, &matches, &cli.output, cli::command);
    // A new pair the token store would not take is the account's only live chain: it is
    // saved or kept in a private file before the run ends, whatever the command's outcome.
    let (result, unsaved) = runtime.block_on(async {
        let result = cmd::run(&cli.command, ctx).await;
        (result, connect::secure_unsaved().await)
    });
    tally.summary(cli.output.verbose);
    let mut stderr = std::io::stderr().lock();
    failure::Failure::report_run(result.err().as_ref(), unsaved.as_ref(), json, &mut stderr)
}

/// `-v`/`-vv` on stderr (the client's `amocrm.request` spans at INFO, its attempts at
/// DEBUG; text or one JSON object per line), and the requests, retries and pace waits of
/// the run counted from the client's spans for the summary line (requests: the calls'
/// `amocrm.attempts`, what was sent). The
/// client never puts a token, a secret or a body value in a span or an event.
mod log {
    use std::io::IsTerminal;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use amocrm::observe::{ATTEMPT_SPAN, REQUEST_SPAN};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Level, Subscriber};
    use tracing_subscriber::filter::{EnvFilter, FilterFn};
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::util::SubscriberInitExt;

    use crate::cli::LogFormat;

    /// What the client did in this run, counted from its spans.
    #[derive(Clone, Debug, Default)]
    pub struct Tally(Arc<Counts>);

    #[derive(Debug, Default)]
    struct Counts {
        calls: AtomicU64,
        attempts: AtomicU64,
        retries: AtomicU64,
        pace_wait_ms: AtomicU64,
    }

    /// Installs the subscriber: the log lines of `verbose` (0: none, 1: INFO, 2 or more:
    /// DEBUG) in `format` on stderr, and the tally (always).
    pub fn install(verbose: u8, format: LogFormat) -> Tally {
        let tally = Tally::default();
        let counting = tally.clone().with_filter(FilterFn::new(|meta| {
            meta.is_span() && (meta.name() == ATTEMPT_SPAN || meta.name() == REQUEST_SPAN)
        }));
        let level = match verbose {
            0 => None,
            1 => Some(Level::INFO),
            _ => Some(Level::DEBUG),
        };
        // Only this tool's and the client's own spans and events (the `amocrm` targets).
        let filter = |level: Level| EnvFilter::new(format!("amocrm={level}"));
        let ansi = std::io::stderr().is_terminal();
        let text = (level.is_some() && format == LogFormat::Text).then(|| {
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(ansi)
                .with_span_events(FmtSpan::CLOSE)
                .with_filter(filter(level.unwrap_or(Level::INFO)))
        });
        let json = (level.is_some() && format == LogFormat::Json).then(|| {
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(std::io::stderr)
                .with_span_events(FmtSpan::CLOSE)
                .with_filter(filter(level.unwrap_or(Level::INFO)))
        });
        let _ = tracing_subscriber::registry()
            .with(counting)
            .with(text)
            .with(json)
            .try_init();
        tally
    }

    impl Tally {
        /// The summary line at the end of a run: with `-v` always (as a log line), else on a
        /// terminal when the run sent more than one request.
        pub fn summary(&self, verbose: u8) {
            let counts = &self.0;
            let calls = counts.calls.load(Ordering::Relaxed);
            let attempts = counts.attempts.load(Ordering::Relaxed);
            let retries = counts.retries.load(Ordering::Relaxed);
            let waited = counts.pace_wait_ms.load(Ordering::Relaxed);
            if verbose > 0 {
                if calls > 0 {
                    tracing::info!(
                        calls,
                        requests = attempts,
                        retries,
                        pace_wait_ms = waited,
                        "summary"
                    );
                }
            } else if attempts > 1 && std::io::stderr().is_terminal() {
                let line = format!(
                    "{attempts} requests ({calls} calls), {retries} retries, {:.1} s waiting for the rate limit",
                    waited as f64 / 1000.0
                );
                crate::output::notice("summary", &line);
            }
        }
    }

    /// Reads an attempt span's fields, and a call span's requests, as they are recorded.
    struct AttemptFields<'a>(&'a Counts);

    impl Visit for AttemptFields<'_> {
        fn record_u64(&mut self, field: &Field, value: u64) {
            match field.name() {
                "amocrm.pace_wait_ms" => {
                    self.0.pace_wait_ms.fetch_add(value, Ordering::Relaxed);
                }
                // A call's requests sent (an attempt refused before sending is none).
                "amocrm.attempts" => {
                    self.0.attempts.fetch_add(value, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        fn record_str(&mut self, field: &Field, _: &str) {
            if field.name() == "amocrm.retry_reason" {
                self.0.retries.fetch_add(1, Ordering::Relaxed);
            }
        }
        fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
    }

    impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Tally {
        fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
            match attrs.metadata().name() {
                ATTEMPT_SPAN => attrs.record(&mut AttemptFields(&self.0)),
                REQUEST_SPAN => {
                    self.0.calls.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }

        fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
            if ctx
                .span(id)
                .is_some_and(|span| matches!(span.metadata().name(), ATTEMPT_SPAN | REQUEST_SPAN))
            {
                values.record(&mut AttemptFields(&self.0));
            }
        }
    }
}
