//! The command line as a whole: the top-level [`Cli`], made of the connection's global
//! flags ([`ConnectionArgs`]), the output's ([`OutputArgs`]) and the subcommands
//! ([`Command`], each group's arguments in its own module under `cmd`), and the text at
//! the end of `--help`. Values that may carry secrets (`--token`, `--set`, `--set-json`,
//! `--data`) are taken as plain strings and interpreted later, so that a malformed one is
//! never echoed back in a clap error message.

mod globals;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, ValueEnum};

use crate::cmd::Command;
use crate::connect::ConnectionArgs;
use crate::failure::{self, EXIT_INPUT};
use crate::output::OutputArgs;

/// The end of `--help`, after the exit codes (rendered from [`crate::failure::EXIT_CODES`]).
const AFTER_LONG_HELP: &str = "\
Environment:
  AMOCRM_BASE_URL, AMOCRM_SUBDOMAIN, AMOCRM_DOMAIN, AMOCRM_TOKEN,
  AMOCRM_TOKEN_FILE, AMOCRM_PROFILE, AMOCRM_CONFIG, AMOCRM_TIMEOUT,
  AMOCRM_CLIENT_ID, AMOCRM_CLIENT_SECRET, AMOCRM_REDIRECT_URI,
  AMOCRM_TOKEN_STORE, AMOCRM_TOKEN_TABLE and AMOCRM_REDIS_URL stand for the flags of the same name;
  a flag given on the command line wins over the environment, and both win over
  the profile. Tokens and the client secret are never printed.

Token: exactly one of --token (or AMOCRM_TOKEN), --token-file (or
AMOCRM_TOKEN_FILE) and --token-stdin; without any, the profile's token_file,
else the stored OAuth pair (see OAuth below).
  amocrm --subdomain example --token-file ~/.config/amocrm/example.token widgets list
  pass show amocrm/example | amocrm --subdomain example --token-stdin widgets list

Profiles: named accounts in the config file (TOML), chosen with --profile or
AMOCRM_PROFILE, else default_profile:
  default_profile = \"work\"
  [profiles.work]
  subdomain = \"example\"             # or base_url = \"https://example.kommo.com\"
  domain = \"kommo.com\"              # amocrm.ru (default), amocrm.com, kommo.com
  token_file = \"example.token\"      # relative to the config file's folder; ~/ works
  # or token_store = \"example-tokens.json\" (or a postgres:// URL): an OAuth pair
  timeout = \"45s\"
  amocrm --profile work widgets list
  amocrm --profile work --timeout 2m widgets list --all   # flags override the profile

Timeout: amocrm --timeout 1500ms widgets get amo_asterisk (AMOCRM_TIMEOUT=2m)

OAuth: without a static token, every command uses the account's stored OAuth pair
(see amocrm auth --help) and refreshes it as needed, with the integration's
credentials:
  export AMOCRM_CLIENT_ID=2f8e1a4c-... AMOCRM_CLIENT_SECRET=... \\
         AMOCRM_REDIRECT_URI=https://example.com/oauth/callback
  amocrm --subdomain example auth login --code def50200...
  amocrm --subdomain example widgets list
Token store: a file (default tokens.json next to the config file; a profile's
token_store, relative to the config file's folder) or PostgreSQL, shared by every
machine: --token-store postgres://amocrm@db.internal/amocrm
Shared pace: processes given the same --redis-url send at most 7 requests/s to
each account together: --redis-url redis://127.0.0.1:6379/ (if Redis cannot be
reached, nothing is sent)

Completions: amocrm completions bash|zsh|fish|powershell (see amocrm completions --help)";

/// `amocrm`: read the CRM, script widget installs and bot continuations across amoCRM (Kommo)
/// accounts.
#[derive(Debug, Parser)]
#[command(
    name = "amocrm",
    version,
    about = "Read the amoCRM (Kommo) CRM, script widget installs and Salesbot/Marketingbot continuations",
    propagate_version = true
)]
pub struct Cli {
    /// Which account, and the token.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// How results are printed.
    #[command(flatten)]
    pub output: OutputArgs,

    /// How -v's lines are written.
    #[command(flatten)]
    pub log: LogArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How the lines of `-v`/`-vv` are written on stderr.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The lines of -v/-vv: text (the default; json with --json), or json (one JSON object
    /// per line)
    #[arg(
        long,
        value_enum,
        value_name = "text|json",
        default_value = "text",
        hide_default_value = true,
        hide_possible_values = true,
        global = true,
        help_heading = "Output"
    )]
    pub log_format: LogFormat,
}

/// A format of the log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The command line of this process, and the matches it came from (for the sources of
/// connection values and the order of handler flags). Usage errors exit 2 (with `--json`,
/// as one JSON object on stderr) and `--help`/`--version` exit 0, both from clap.
pub fn parse() -> (Cli, ArgMatches) {
    let matches = match command().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => usage_error(error),
    };
    match Cli::from_arg_matches(&matches) {
        Ok(cli) => (cli, matches),
        Err(error) => usage_error(error),
    }
}

/// Exits for a clap error: help and version as clap prints them; a usage error as clap
/// prints it, or with `--json` before the command line's `--` as one JSON object (kind
/// `input`, exit 2), a missing subcommand too (its message the help clap would show).
fn usage_error(error: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let json = std::env::args_os()
        .skip(1)
        .take_while(|arg| arg != "--")
        .any(|arg| arg == "--json");
    // A missing subcommand is a usage error (exit 2) though clap shows the help for it.
    let usage = !matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    );
    if json && usage {
        let mut text = error.render().to_string();
        if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            // The short usage of the command that lacks its subcommand, not its whole help.
            let usage = text.lines().find(|line| line.starts_with("Usage: "));
            text = format!(
                "a subcommand is required\n\n{}\n\nFor more information, try '--help'.",
                usage.unwrap_or("Usage: amocrm <COMMAND>")
            );
        }
        let _ = failure::json_error(&mut std::io::stderr(), "input", &text, EXIT_INPUT);
        std::process::exit(EXIT_INPUT.into());
    }
    error.exit()
}

/// The whole command line as clap builds it (for parsing, help and completion scripts):
/// the exit codes at the end of `--help`, and every subcommand's help without the global
/// options, which a short list at its end names instead (`amocrm --help` shows them whole,
/// under their headings). A variable set to the empty string counts as unset.
pub fn command() -> clap::Command {
    // Before the global options are copied into the subcommands, which copy it so.
    let command = ignore_empty_env(Cli::command())
        .after_help(short_after_help())
        .after_long_help(format!("{}\n{AFTER_LONG_HELP}", failure::help_text()));
    let globals: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .cloned()
        .collect();
    let footer = globals::footer(&globals);
    command.mut_subcommands(|sub| globals::hide(sub, &globals, &footer))
}

/// The end of `amocrm -h`: the exit codes in a line.
fn short_after_help() -> String {
    let codes: Vec<String> = failure::EXIT_CODES
        .iter()
        .map(|row| format!("{} {}", row.code, row.kind))
        .collect();
    format!(
        "Exit codes: {}; amocrm --help explains them, the environment, profiles and OAuth.",
        codes.join(", ")
    )
}

/// A variable set to the empty string counts as unset, as in the shell's `${VAR:-…}`: CI
/// systems set one so for a missing secret or setting, and clap would take `""` as the
/// value (`AMOCRM_TIMEOUT=` an invalid timeout, `AMOCRM_SUBDOMAIN=` a second account).
fn ignore_empty_env(mut command: clap::Command) -> clap::Command {
    let empty: Vec<clap::Id> = command
        .get_arguments()
        .filter(|arg| {
            arg.get_env()
                .and_then(std::env::var_os)
                .is_some_and(|value| value.is_empty())
        })
        .map(|arg| arg.get_id().clone())
        .collect();
    for id in empty {
        command = command.mut_arg(id, |arg| arg.env(None::<&'static str>));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }
}
