//! `amocrm`: a command-line tool over the [`amocrm`] client, for scripting widget installs
//! and Salesbot/Marketingbot continuations across amoCRM (Kommo) accounts.
//!
//! ```text
//! amocrm [--profile NAME] [--config PATH]
//!        [--base-url URL | --subdomain NAME [--domain amocrm.ru|amocrm.com|kommo.com]]
//!        [--token-file PATH | --token-stdin | --token TOKEN]
//!        [--client-id ID --client-secret SECRET --redirect-uri URI]
//!        [--token-store PATH|postgres://URL [--token-table [SCHEMA.]TABLE]] [--redis-url URL]
//!        [--json] [--progress[=auto|always|never]] [--timeout DURATION] [-v]
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
//! JSON object on stderr: `{"kind": "api", "message": "...", "exit_code": 3}`.
//!
//! # Source layout
//!
//! Dependencies point down this list, never up; no module imports its parent:
//!
//! - `main` parses (`cli`), runs the command (`cmd`) and turns a [`failure`] into an exit code.
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

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let (cli, matches) = cli::parse();
    if cli.output.verbose {
        // Only this tool's and the client's own events: they log method, URL and status,
        // never headers, so the token stays out.
        tracing_subscriber::fmt()
            .with_env_filter("amocrm=debug")
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal())
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: could not start the async runtime: {error}"
            );
            return ExitCode::FAILURE;
        }
    };
    let ctx = cmd::Ctx::new(&cli.connection, &matches, &cli.output, cli::command);
    // A new pair the token store would not take is the account's only live chain: it is
    // saved or kept in a private file before the run ends, whatever the command's outcome.
    let (result, unsaved) = runtime.block_on(async {
        let result = cmd::run(&cli.command, ctx).await;
        (result, connect::secure_unsaved().await)
    });
    let mut stderr = std::io::stderr().lock();
    // With --json, each failure is one JSON object on its own line.
    let json = cli.output.json;
    let mut report = |failure: &failure::Failure| {
        let _ = if json {
            failure.report_json(&mut stderr)
        } else {
            failure.report(&mut stderr)
        };
    };
    if let Err(failure) = &result {
        report(failure);
    }
    match (result, unsaved) {
        (_, Some(unsaved)) => {
            report(&unsaved);
            unsaved.exit_code()
        }
        (Ok(()), None) => ExitCode::SUCCESS,
        (Err(failure), None) => failure.exit_code(),
    }
}
