//! The command line: every flag, subcommand and environment variable, declared with clap's
//! derive API. Values that may carry secrets (`--token`, `--set`, `--set-json`, `--data`) are
//! taken as plain strings here and interpreted later, so that a malformed one is never
//! echoed back in a clap error message.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;
use secrecy::SecretString;

use crate::util::duration;

/// Exit codes and environment, shown at the end of `--help`.
pub const AFTER_HELP: &str = "\
Exit codes:
  0  success
  1  local failure: the output could not be written (a closed pipe is not an
     error and exits 0)
  2  invalid input, rejected before anything was sent; command-line usage errors
     reported by the argument parser exit 2 as well
  3  the API answered with an error (4xx/5xx); its title, detail and validation
     errors are printed on stderr
  4  transport or decoding error: no connection, a timeout, or an answer that
     could not be read

  5  auth status: no token pair is stored for the account

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

/// `amocrm`: script widget installs and bot continuations across amoCRM (Kommo) accounts.
#[derive(Debug, Parser)]
#[command(
    name = "amocrm",
    version,
    about = "Script amoCRM (Kommo) widget installs and Salesbot/Marketingbot continuations",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Which account, and the token.
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// How results are printed.
    #[command(flatten)]
    pub output: OutputArgs,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Which account to talk to and how. Exactly one of `--base-url` and `--subdomain`, from
/// the command line, the environment or the profile; exactly one token source.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    /// Base URL of the account (or of a proxy or test server), e.g.
    /// https://example.amocrm.ru; plain http only for loopback hosts
    #[arg(
        long,
        env = "AMOCRM_BASE_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true
    )]
    pub base_url: Option<String>,

    /// Account subdomain: example for example.amocrm.ru (a full host such as
    /// example.kommo.com is accepted too)
    #[arg(
        long,
        env = "AMOCRM_SUBDOMAIN",
        value_name = "NAME",
        global = true,
        hide_env_values = true
    )]
    pub subdomain: Option<String>,

    /// Domain of the account given with --subdomain [default: amocrm.ru]
    #[arg(
        long,
        env = "AMOCRM_DOMAIN",
        value_enum,
        global = true,
        hide_env_values = true
    )]
    pub domain: Option<DomainArg>,

    /// Long-lived token or OAuth access token; never printed. Prefer --token-file or
    /// --token-stdin: a command line is visible to other users (ps)
    #[arg(
        long,
        env = "AMOCRM_TOKEN",
        value_name = "TOKEN",
        global = true,
        hide_env_values = true,
        value_parser = parse_token
    )]
    pub token: Option<SecretString>,

    /// Read the token from a file (surrounding whitespace and the trailing newline are
    /// trimmed), e.g. --token-file ~/.config/amocrm/example.token
    #[arg(
        long,
        env = "AMOCRM_TOKEN_FILE",
        value_name = "PATH",
        global = true,
        hide_env_values = true
    )]
    pub token_file: Option<PathBuf>,

    /// Read the token from standard input, a pipe (a terminal is refused), e.g.
    /// pass show amocrm | amocrm --token-stdin ...
    #[arg(long, global = true)]
    pub token_stdin: bool,

    /// Use a named profile of the config file, e.g. --profile work
    #[arg(
        long,
        env = "AMOCRM_PROFILE",
        value_name = "NAME",
        global = true,
        hide_env_values = true
    )]
    pub profile: Option<String>,

    /// The config file with the profiles, e.g. --config ./amocrm.toml [default:
    /// $XDG_CONFIG_HOME/amocrm/config.toml or ~/.config/amocrm/config.toml;
    /// %APPDATA%\amocrm\config.toml on Windows]
    #[arg(
        long,
        env = "AMOCRM_CONFIG",
        value_name = "PATH",
        global = true,
        hide_env_values = true
    )]
    pub config: Option<PathBuf>,

    /// Timeout of one request: 30s, 1500ms, 2m, 1m30s or plain seconds [default: 30s]
    #[arg(
        long,
        env = "AMOCRM_TIMEOUT",
        value_name = "DURATION",
        global = true,
        hide_env_values = true,
        value_parser = parse_timeout
    )]
    pub timeout: Option<Duration>,

    /// Accept a plain-http base URL on a non-loopback host (the token then crosses the
    /// network in clear text)
    #[arg(long, global = true)]
    pub allow_insecure_http: bool,

    /// The integration's ID, to refresh a stored OAuth token pair, e.g.
    /// --client-id 2f8e1a4c-1111-4c2b-9d3e-0123456789ab
    #[arg(
        long,
        env = "AMOCRM_CLIENT_ID",
        value_name = "ID",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub client_id: Option<String>,

    /// The integration's secret key; never printed. Prefer the variable: a command line is
    /// visible to other users (ps), e.g. AMOCRM_CLIENT_SECRET=$(pass show amocrm/secret)
    #[arg(
        long,
        env = "AMOCRM_CLIENT_SECRET",
        value_name = "SECRET",
        global = true,
        hide_env_values = true,
        value_parser = parse_client_secret,
        help_heading = "OAuth"
    )]
    pub client_secret: Option<SecretString>,

    /// The integration's redirect URI, exactly as registered, e.g.
    /// --redirect-uri https://example.com/oauth/callback
    #[arg(
        long,
        env = "AMOCRM_REDIRECT_URI",
        value_name = "URI",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub redirect_uri: Option<String>,

    /// Where OAuth token pairs are kept: a file, e.g. --token-store ~/amocrm/tokens.json,
    /// or PostgreSQL, e.g. --token-store postgres://amocrm@db.internal/amocrm [default:
    /// tokens.json next to the config file]
    #[arg(
        long,
        env = "AMOCRM_TOKEN_STORE",
        value_name = "PATH|URL",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub token_store: Option<String>,

    /// The table of a PostgreSQL token store, as [SCHEMA.]TABLE, e.g. --token-table
    /// integration_a.amocrm_tokens (one per integration) [default: public.amocrm_tokens]
    #[arg(
        long,
        env = "AMOCRM_TOKEN_TABLE",
        value_name = "[SCHEMA.]TABLE",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub token_table: Option<String>,

    /// Share the 7 requests/s of each account with every process using this Redis, e.g.
    /// --redis-url redis://127.0.0.1:6379/ [default: paced within this process only]
    #[arg(
        long,
        env = "AMOCRM_REDIS_URL",
        value_name = "URL",
        global = true,
        hide_env_values = true,
        help_heading = "OAuth"
    )]
    pub redis_url: Option<String>,
}

/// `--client-secret`: never empty, never echoed.
fn parse_client_secret(value: &str) -> Result<SecretString, String> {
    let secret = value.trim();
    if secret.is_empty() {
        return Err("the client secret is empty".to_owned());
    }
    Ok(SecretString::from(secret.to_owned()))
}

/// `--timeout`: a duration from 1 ms to 1 hour.
fn parse_timeout(value: &str) -> Result<Duration, String> {
    duration::parse_timeout(value)
}

/// An amoCRM product domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
pub enum DomainArg {
    /// {subdomain}.amocrm.ru
    #[value(name = "amocrm.ru")]
    #[serde(rename = "amocrm.ru")]
    AmocrmRu,
    /// {subdomain}.amocrm.com
    #[value(name = "amocrm.com")]
    #[serde(rename = "amocrm.com")]
    AmocrmCom,
    /// {subdomain}.kommo.com
    #[value(name = "kommo.com")]
    #[serde(rename = "kommo.com")]
    KommoCom,
}

impl From<DomainArg> for amocrm::Domain {
    fn from(domain: DomainArg) -> Self {
        match domain {
            DomainArg::AmocrmRu => amocrm::Domain::AmocrmRu,
            DomainArg::AmocrmCom => amocrm::Domain::AmocrmCom,
            DomainArg::KommoCom => amocrm::Domain::KommoCom,
        }
    }
}

/// The token, trimmed of surrounding whitespace (a trailing newline from a file, say). The
/// error never repeats the value.
fn parse_token(value: &str) -> Result<SecretString, String> {
    let token = value.trim();
    if token.is_empty() {
        return Err("the token is empty".to_owned());
    }
    Ok(SecretString::from(token.to_owned()))
}

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

    /// Log each request of the client (operation, attempt, status, retries) on stderr;
    /// the token is never logged
    #[arg(short, long, global = true)]
    pub verbose: bool,
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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, install and uninstall widgets
    #[command(subcommand)]
    Widgets(WidgetsCommand),
    /// Salesbot and Marketingbot widget steps
    #[command(subcommand)]
    Bot(BotCommand),
    /// Show the account's parameters
    Account(AccountArgs),
    /// Print a shell completion script on stdout
    #[command(after_help = COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsArgs),
    /// OAuth token pairs in the token store: import, login, status, refresh
    #[command(subcommand, after_help = AUTH_AFTER_HELP)]
    Auth(AuthCommand),
}

const AUTH_AFTER_HELP: &str = "\
The pair is kept in the token store (--token-store, default tokens.json next to the
config file) under the account's base URL. Every other command uses it when no static
token is given, and refreshes it when it expires: one process of all that share the
store calls the token endpoint, the others wait and use the new pair.

Examples:
  curl -s https://example.amocrm.ru/oauth2/access_token -d @grant.json \\
    | amocrm --subdomain example auth import
  amocrm --subdomain example auth login --code def502003a...
  amocrm --subdomain example auth status     # exit 5: no pair stored
  amocrm --subdomain example auth refresh";

/// `amocrm auth …`
#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Save the token endpoint's JSON answer (access_token, refresh_token, expires_in,
    /// token_type), read on stdin, as the account's pair
    Import,
    /// Exchange an authorization code for a pair and save it (needs --client-id,
    /// --client-secret and --redirect-uri)
    Login(LoginArgs),
    /// Show whether a pair is stored and when its access token expires (never the
    /// tokens); exits 5 when none is stored
    Status,
    /// Refresh the stored pair now and save the new one (needs --client-id,
    /// --client-secret and --redirect-uri)
    Refresh,
}

/// `amocrm auth login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The authorization code of the redirect after the user allowed access (single-use,
    /// valid for 20 minutes), e.g. --code def50200a1b2...
    #[arg(long, value_name = "CODE")]
    pub code: String,
}

const COMPLETIONS_AFTER_HELP: &str = "\
Examples:
  bash:       amocrm completions bash > ~/.local/share/bash-completion/completions/amocrm
  zsh:        amocrm completions zsh > ~/.zfunc/_amocrm
              (with fpath+=(~/.zfunc); autoload -Uz compinit; compinit in ~/.zshrc)
  fish:       amocrm completions fish > ~/.config/fish/completions/amocrm.fish
  powershell: amocrm completions powershell | Out-String | Invoke-Expression
              (add that line to $PROFILE to keep it)";

/// `amocrm completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
}

/// `amocrm account`.
#[derive(Debug, Args)]
pub struct AccountArgs {
    /// Optional parts to add (repeat or comma-separate): amojo_id, amojo_rights,
    /// users_groups, task_types, version, entity_names, datetime_settings
    #[arg(long = "with", value_name = "PART", value_delimiter = ',', value_parser = parse_account_with)]
    pub with: Vec<amocrm::AccountWith>,
}

fn parse_account_with(value: &str) -> Result<amocrm::AccountWith, String> {
    value.trim().parse().map_err(|_| {
        format!(
            "{value:?} is not an account part: use amojo_id, amojo_rights, users_groups, \
             task_types, version, entity_names or datetime_settings"
        )
    })
}

/// `amocrm widgets …`
#[derive(Debug, Subcommand)]
pub enum WidgetsCommand {
    /// List widgets: one page, or every page with --all (printed as they arrive)
    List(ListArgs),
    /// Show one widget and its settings template
    Get(CodeArg),
    /// Install a widget, checking the settings against its settings_template first
    #[command(after_help = INSTALL_AFTER_HELP)]
    Install(InstallArgs),
    /// Uninstall a widget
    Uninstall(CodeArg),
}

/// `amocrm widgets list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Page to fetch (with --all: the page to start at); pages start at 1
    #[arg(long, value_name = "N")]
    pub page: Option<u32>,

    /// Widgets per page, 1..=250 (the API's default is 50; with --all, 250)
    #[arg(long, value_name = "N")]
    pub limit: Option<u32>,

    /// Every page, following the next links; each page is printed as it arrives
    #[arg(long)]
    pub all: bool,
}

/// A widget code.
#[derive(Debug, Args)]
pub struct CodeArg {
    /// Widget code, e.g. amo_asterisk
    pub code: String,
}

const INSTALL_AFTER_HELP: &str = "\
Each setting is given by the key of the widget's settings_template:
  text, pass   --set login=example --set password=s3cret
  users        --set-json phones='{\"504141\":\"1039\"}'
  users_lp     --set-json sip='{\"504141\":{\"login\":\"l\",\"password\":\"p\"}}'
  custom       --set key=text or --set-json key=JSON
The settings are checked against the template (required keys, value shapes, unknown
keys) before the install request is sent; on a problem nothing is installed and the
exit code is 2. Values are never repeated in error messages.";

/// `amocrm widgets install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Widget code, e.g. amo_asterisk
    pub code: String,

    /// A text, pass or custom setting, as KEY=VALUE (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// A setting given as JSON, as KEY=JSON: users and users_lp fields (repeatable)
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
}

/// `amocrm bot …`
#[derive(Debug, Subcommand)]
pub enum BotCommand {
    /// Let a bot go on after a widget step (POST /api/v4/{bot}/{bot_id}/continue/{continue_id})
    #[command(after_help = CONTINUE_AFTER_HELP)]
    Continue(ContinueArgs),
}

const CONTINUE_AFTER_HELP: &str = "\
Handlers run in the order they are given on the command line. Each --button belongs
to the closest --show-buttons before it, each --button-url to the closest
--show-buttons-url before it. The API's limits (10 handlers, 80 characters of text,
25 buttons) are checked before sending; a request that breaks one exits 2 and is not
sent.

Example:
  amocrm bot continue salesbot 123 a1b2c3 --data status=success \\
    --show-text 'Done' --show-buttons 'Next?' --button Yes --button No --goto question:5";

/// `amocrm bot continue`.
#[derive(Debug, Args)]
pub struct ContinueArgs {
    /// Which bot runs the step
    #[arg(value_enum)]
    pub kind: BotKindArg,

    /// The bot's ID
    pub bot_id: u64,

    /// The continue_id the widget step received
    pub continue_id: String,

    /// A data value for the bot ({{json.KEY}}), as KEY=VALUE (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub data: Vec<String>,

    /// A data value given as JSON, as KEY=JSON (repeatable)
    #[arg(long, value_name = "KEY=JSON")]
    pub data_json: Vec<String>,

    /// Handler: show a text
    #[arg(long, value_name = "TEXT", help_heading = "Handlers")]
    pub show_text: Vec<String>,

    /// Handler: show a text with buttons (add them with --button)
    #[arg(long, value_name = "TEXT", help_heading = "Handlers")]
    pub show_buttons: Vec<String>,

    /// A button of the preceding --show-buttons
    #[arg(
        long,
        value_name = "CAPTION",
        requires = "show_buttons",
        help_heading = "Handlers"
    )]
    pub button: Vec<String>,

    /// Handler: show a text with link buttons (add them with --button-url)
    #[arg(long, value_name = "TEXT", help_heading = "Handlers")]
    pub show_buttons_url: Vec<String>,

    /// A link button (an absolute URL) of the preceding --show-buttons-url
    #[arg(
        long,
        value_name = "URL",
        requires = "show_buttons_url",
        help_heading = "Handlers"
    )]
    pub button_url: Vec<String>,

    /// Handler: go to a step, as question:STEP, answer:STEP or finish:STEP
    #[arg(long, value_name = "TYPE:STEP", value_parser = parse_goto, help_heading = "Handlers")]
    pub goto: Vec<Goto>,
}

/// Which bot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BotKindArg {
    /// Salesbot
    Salesbot,
    /// Marketingbot
    Marketingbot,
}

impl From<BotKindArg> for amocrm::BotKind {
    fn from(kind: BotKindArg) -> Self {
        match kind {
            BotKindArg::Salesbot => amocrm::BotKind::Salesbot,
            BotKindArg::Marketingbot => amocrm::BotKind::Marketingbot,
        }
    }
}

/// A `--goto TYPE:STEP` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Goto {
    /// The kind of step.
    pub target: amocrm::GotoTarget,
    /// The step number.
    pub step: u64,
}

fn parse_goto(value: &str) -> Result<Goto, String> {
    let (target, step) = value
        .split_once(':')
        .ok_or_else(|| "expected TYPE:STEP, e.g. question:5".to_owned())?;
    let target = target
        .trim()
        .parse::<amocrm::GotoTarget>()
        .map_err(|_| format!("{target:?} is not a goto type: use question, answer or finish"))?;
    let step = step
        .trim()
        .parse::<u64>()
        .map_err(|_| "STEP must be a non-negative integer".to_owned())?;
    Ok(Goto { target, step })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn goto_parses_type_and_step() {
        assert_eq!(
            parse_goto("finish:3"),
            Ok(Goto {
                target: amocrm::GotoTarget::Finish,
                step: 3
            })
        );
        assert!(parse_goto("finish").is_err());
        assert!(parse_goto("jump:3").is_err());
        assert!(parse_goto("answer:-1").is_err());
    }

    #[test]
    fn the_token_is_trimmed_and_never_empty() {
        assert!(parse_token("  \n").is_err());
        let token =
            parse_token(" abc\n").map(|t| secrecy::ExposeSecret::expose_secret(&t).to_owned());
        assert_eq!(token.as_deref(), Ok("abc"));
    }
}
