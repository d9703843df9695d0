//! Standalone fake amoCRM widgets API server.
//!
//! ```text
//! amocrm-fake --port 8080 --widgets 1000 --continuation salesbot:123:abc
//! amocrm-fake --account acc1 --account acc2 --catalogue my-widgets.yaml \
//!     --continuation acc1:marketingbot:7:xyz
//! amocrm-fake --fault 'list=429:retry-after=2:html' --fault '*=503@3'
//! amocrm-fake --port 0 --port-file /tmp/fake.port   # a free port, written for scripts
//! ```
//!
//! `--help` says what the start-up banner says (seed widgets, tokens, the OAuth client,
//! the `/_fake/*` routes) and how to embed the fake in tests instead (`FakeServer`). The
//! banner's last line is `port=N`, the port listened on.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use amocrm_fake::{
    BotKind, CrmSize, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI,
    DEFAULT_TOKEN, DEFAULT_USER_TOKEN, FakeClock, FakeServer, FakeWidget, SEED_WIDGET_COUNT,
    WebhookSchedule,
};
use clap::{CommandFactory, FromArgMatches, Parser};

/// A pending bot continuation given as `[ACCOUNT:]KIND:BOT_ID:CONTINUE_ID`.
#[derive(Debug, Clone)]
struct Pending {
    account: Option<String>,
    bot: BotKind,
    bot_id: i64,
    continue_id: String,
}

fn parse_pending(s: &str) -> Result<Pending, String> {
    // An account name is never a bot kind, so a leading segment that is not one names it.
    let (account, s) = match s.split_once(':') {
        Some((first, rest)) if first.parse::<BotKind>().is_err() => (Some(first.to_owned()), rest),
        _ => (None, s),
    };
    let mut parts = s.splitn(3, ':');
    let (Some(bot), Some(bot_id), Some(continue_id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(
            "expected [ACCOUNT:]KIND:BOT_ID:CONTINUE_ID, e.g. salesbot:123:abc or acc1:salesbot:123:abc"
                .into(),
        );
    };
    let bot = bot.parse::<BotKind>().map_err(|e| e.to_string())?;
    let bot_id = bot_id
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 1)
        .ok_or_else(|| format!("invalid bot id {bot_id:?}: a positive integer"))?;
    if continue_id.is_empty() {
        return Err("the continue id must not be empty".into());
    }
    Ok(Pending {
        account,
        bot,
        bot_id,
        continue_id: continue_id.to_owned(),
    })
}

/// Stateful in-memory fake of the amoCRM REST API v4: widgets, bots, the account, and the
/// CRM (leads, contacts, companies, custom fields, users, tags, tasks, notes, links, events,
/// catalogs), per account, from a seeded generated account.
#[derive(Debug, Parser)]
#[command(name = "amocrm-fake", version, about)]
struct Args {
    /// Port to listen on (0 picks a free one: the banner's last line is port=N, and
    /// --port-file writes N).
    #[arg(long, env = "AMOCRM_FAKE_PORT", default_value_t = 8080)]
    port: u16,
    /// Write the port listened on to this file (the number and a newline), once the
    /// server listens: a script waits for the file, then reads it. E.g. --port 0
    /// --port-file /tmp/fake.port
    #[arg(long, value_name = "PATH")]
    port_file: Option<std::path::PathBuf>,
    /// Address to listen on.
    #[arg(long, env = "AMOCRM_FAKE_HOST", default_value = "127.0.0.1")]
    host: IpAddr,
    /// Number of generated widgets added after the seed's examples.
    #[arg(long, env = "AMOCRM_FAKE_WIDGETS", default_value_t = 0)]
    widgets: usize,
    /// Administrator bearer token.
    #[arg(long, env = "AMOCRM_FAKE_TOKEN", default_value = DEFAULT_TOKEN)]
    token: String,
    /// Read-only (non-administrator) bearer token.
    #[arg(long, env = "AMOCRM_FAKE_USER_TOKEN", default_value = DEFAULT_USER_TOKEN)]
    user_token: String,
    /// Accept at most N requests per second; the rest get 429 (0 = off).
    #[arg(long, env = "AMOCRM_FAKE_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Register a pending bot continuation [ACCOUNT:]KIND:BOT_ID:CONTINUE_ID (KIND is
    /// salesbot or marketingbot; without ACCOUNT, the default account's); repeatable.
    /// At run time: POST /_fake/continuations (or /{account}/_fake/continuations) with
    /// {"bot": "salesbot", "bot_id": 123, "continue_id": "abc"}; GET it to see what was
    /// pending and what was sent.
    #[arg(
        long = "continuation",
        visible_alias = "pending",
        value_name = "[ACCOUNT:]KIND:BOT_ID:CONTINUE_ID",
        value_parser = parse_pending
    )]
    pending: Vec<Pending>,
    /// Serve another account under /NAME (own widgets state, tokens NAME-suffixed, OAuth
    /// chain and rate-limit window), besides the default one at the root; repeatable.
    /// E.g. --account acc1 serves http://HOST:PORT/acc1/api/v4/widgets.
    #[arg(long = "account", value_name = "NAME")]
    accounts: Vec<String>,
    /// Add your own widgets to every account's catalogue from a JSON or YAML file
    /// (by extension, else by content): a list of widgets or {"widgets": [...]}, each
    /// {code, version, rating, settings_template: [{key, name, type, is_required}],
    /// is_lead_source, ...}. E.g. --catalogue widgets.yaml
    #[arg(long, value_name = "FILE")]
    catalogue: Option<std::path::PathBuf>,
    /// Do not keep a log of received requests (saves memory under load).
    #[arg(long)]
    no_record: bool,
    /// Treat every bot step as pending: the continue call answers 202 to any valid body
    /// (for conformance runs such as schemathesis).
    #[arg(long)]
    accept_any_continuation: bool,
    /// Add a widget served exactly as this JSON, after the seed's examples and before the
    /// generated ones (e.g. an integer version, null flags, or an unreadable entry);
    /// repeatable.
    #[arg(long, value_name = "JSON", value_parser = parse_json)]
    raw_widget: Vec<serde_json::Value>,
    /// Answer 406 to an /api/ request whose Accept does not admit application/hal+json
    /// and application/problem+json, like a strict server.
    #[arg(long)]
    strict_accept: bool,
    /// Answer a list page past the end 200 with "_links": [] and "_embedded": [] (PHP's
    /// empty maps) instead of 204.
    #[arg(long)]
    php_empty_page: bool,
    /// Leads of every account's generated CRM (one in fifty in the trash).
    #[arg(long, value_name = "N", default_value_t = 50)]
    crm_leads: usize,
    /// Contacts of every account's generated CRM.
    #[arg(long, value_name = "N", default_value_t = 60)]
    crm_contacts: usize,
    /// Companies of every account's generated CRM.
    #[arg(long, value_name = "N", default_value_t = 20)]
    crm_companies: usize,
    /// Users (the first is the administrator; at most 500).
    #[arg(long, value_name = "N", default_value_t = 5)]
    crm_users: usize,
    /// Tasks.
    #[arg(long, value_name = "N", default_value_t = 40)]
    crm_tasks: usize,
    /// Notes of leads, contacts and companies.
    #[arg(long, value_name = "N", default_value_t = 60)]
    crm_notes: usize,
    /// Events of the generated history (changes add more).
    #[arg(long, value_name = "N", default_value_t = 100)]
    crm_events: usize,
    /// Elements of each of the three catalogs (products, invoices, a plain list).
    #[arg(long, value_name = "N", default_value_t = 12)]
    crm_catalog_elements: usize,
    /// Custom field values of each lead (of the 20 lead fields, every documented type).
    #[arg(long, value_name = "N", default_value_t = 10)]
    crm_fields_per_lead: usize,
    /// Number of lead pipelines of every account (1 to 50).
    #[arg(long, value_name = "N", default_value_t = 1)]
    crm_pipelines: usize,
    /// Seed of the generated CRM: the same seed, the same data.
    #[arg(long, value_name = "N", default_value_t = 1)]
    crm_seed: u64,
    /// Serve amoCRM's real-world shapes too: numbers as strings, price as a string or a
    /// float, custom_fields_values null, loss_reason as an array or an object,
    /// status_rights null, unknown field/note/event types, [] for empty maps...
    #[arg(long)]
    real_world_shapes: bool,
    /// Stop the clock changes are stamped with at this Unix time (default: the system's);
    /// POST /_fake/crm/clock sets or advances it.
    #[arg(long, value_name = "UNIX_SECONDS")]
    clock: Option<i64>,
    /// Compress the webhook retry schedule N times (amoCRM's waits of 5 min, 15 min, …
    /// and its 2-hour failure window divided by N; 1 is amoCRM's own)
    #[arg(long, value_name = "N", default_value_t = 1)]
    webhook_compress: u32,
    /// Where the uninstall hook goes when POST /_fake/uninstall uninstalls the integration
    /// from an account (a signed GET, as amoCRM sends it; http:// only)
    #[arg(long, env = "AMOCRM_FAKE_UNINSTALL_HOOK_URL", value_name = "URL")]
    uninstall_hook_url: Option<String>,
    /// Inject a fault, as TARGET=ACTION[:OPTION...][@N]; repeatable (grammar: --help).
    #[arg(long, value_name = "SPEC", value_parser = parse_fault, long_help = FAULT_HELP)]
    fault: Vec<amocrm_fake::Fault>,
}

const FAULT_HELP: &str = "\
Inject a fault; repeatable. SPEC = TARGET=ACTION[:OPTION...][@N]

TARGET: * (every route), an operation (list, get, install, uninstall, continue, token,
account), or [METHOD ]PATH where a * or {name} segment matches any one segment.
ACTION: CODE or status:CODE (problem+json answer), latency:DUR or latency:DUR..DUR
(seeded random), reset (close without an answer), truncate (half the body under the
whole Content-Length, then close). DUR is like 200ms or 2s.
OPTION: html (HTML page instead of problem+json), retry-after=SECS (header),
retry-after-body=SECS (JSON body), once, times=N, nth=N (same as @N: only the Nth
matching request), p=PROB (probability), seed=N (for p and latency ranges).
Each fault is announced on stderr at start-up.

Examples:
  --fault 'GET /api/v4/widgets=status:500'   every list answers 500
  --fault '*=latency:200ms'                  every request waits 200 ms
  --fault '*=503@3'                          the 3rd request answers 503
  --fault 'list=429:retry-after=2:html'      list answers an HTML 429, Retry-After: 2
  --fault 'get=reset:p=0.2:seed=7'           a fifth of the gets lose their connection";

/// The end of `--help`: what the server starts with, its own routes, and the library.
fn after_long_help() -> String {
    format!(
        "\
Seed data (every account): the widgets amo_dropbox, amo_mailchimp and amo_asterisk (the
API description's examples, with their settings templates), then --widgets generated
ones; a generated CRM (--crm-* flags; the same --crm-seed, the same data).

Tokens: administrator {DEFAULT_TOKEN} (--token), read-only {DEFAULT_USER_TOKEN}
(--user-token); another --account NAME's are NAME-suffixed (fake-token-NAME).

OAuth client (POST /oauth2/access_token):
  client_id     {DEFAULT_CLIENT_ID}
  client_secret {DEFAULT_CLIENT_SECRET}
  redirect_uri  {DEFAULT_REDIRECT_URI}
  A single-use authorization code: POST /_fake/authorization_code, e.g.
  curl -s -X POST http://127.0.0.1:8080/_fake/authorization_code   -> {{\"code\": ...}}
  AMOCRM_CLIENT_ID={DEFAULT_CLIENT_ID} AMOCRM_CLIENT_SECRET={DEFAULT_CLIENT_SECRET} \\
  AMOCRM_REDIRECT_URI={DEFAULT_REDIRECT_URI} \\
  amocrm --base-url http://127.0.0.1:8080 auth login --code CODE

The fake's own routes (no token; under /NAME/ for an --account NAME):
  GET  /_fake/continuations       pending and received bot steps
  POST /_fake/continuations       {{\"bot\": \"salesbot\", \"bot_id\": 123, \"continue_id\": \"abc\"}}
  POST /_fake/authorization_code  a single-use code for the token endpoint
  GET  /_fake/requests            the recorded requests (secrets masked), each with its status
  GET  /_fake/figures             what they add up to: by status class, 429s, token grants
  POST /_fake/crm/touch           {{\"entity\": \"leads\", \"ids\": [...]}} or {{..., \"count\": N}}
  POST /_fake/crm/delete          {{\"entity\": \"contacts\", \"id\": N}}: to the trash
  GET  /_fake/crm/snapshot        ?entity=leads: [{{\"id\", \"updated_at\"}}, ...]
  GET, POST /_fake/crm/clock      {{\"set\": T}} or {{\"advance\": N}} moves the clock
  POST /_fake/standing            {{\"standing\": \"blocked\" | \"unpaid\" | \"good\"}}
  POST /_fake/uninstall           uninstalls the integration: tokens revoked, the signed hook
                                  sent to --uninstall-hook-url (or {{\"url\": ...}}); its status

Start-up: stdout starts with \"amocrm-fake listening on URL (token: ...)\", then the
catalogue, the CRM, the OAuth client and each account; its last line is port=N.
  amocrm-fake --port 0 > fake.log &   # then: sed -n 's/^port=//p' fake.log
  amocrm-fake --port 0 --port-file fake.port &

In Rust tests, embed it instead (crate amocrm-fake, default-features = false):
  let fake = amocrm_fake::FakeServer::start().await?;   // a free port
  let client = amocrm::Client::builder()
      .account(amocrm::AccountUrl::base_url(fake.base_url()))
      .token(fake.token())
      .build()?;
  // FakeServer::builder() sets widgets, accounts, faults, the CRM's size...
"
    )
}

/// Writes `port` and a newline to `path`, whole: to a file beside it, then renamed.
fn write_port_file(path: &std::path::Path, port: u16) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, format!("{port}\n"))?;
    std::fs::rename(&partial, path)
}

fn parse_fault(s: &str) -> Result<amocrm_fake::Fault, String> {
    s.parse()
        .map_err(|e: amocrm_fake::ParseFaultError| e.to_string())
}

fn parse_json(s: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(s).map_err(|e| format!("not JSON: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = Args::command()
        .after_long_help(after_long_help())
        .get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    // A port file left by an earlier run would be read as this one's: gone before anything
    // can fail, written again once this server listens, removed when it stops.
    if let Some(path) = &args.port_file
        && let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        eprintln!(
            "amocrm-fake: cannot remove the old --port-file {}: {e}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    let custom = match &args.catalogue {
        Some(path) => match FakeWidget::load_catalogue(path) {
            Ok(widgets) => widgets,
            Err(e) => {
                eprintln!("amocrm-fake: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => Vec::new(),
    };
    let custom_count = custom.len();
    let builder = FakeServer::builder()
        .widgets_from(custom)
        .accounts(args.accounts.iter().map(String::as_str))
        .bind(SocketAddr::new(args.host, args.port))
        .widgets(args.widgets)
        .token(args.token)
        .user_token(args.user_token)
        .rate_limit(args.rate_limit)
        .record_requests(!args.no_record)
        .accept_any_continuation(args.accept_any_continuation)
        .strict_accept(args.strict_accept)
        .php_empty_page(args.php_empty_page)
        .pipelines(args.crm_pipelines)
        .real_world_shapes(args.real_world_shapes)
        .crm(
            CrmSize::default()
                .leads(args.crm_leads)
                .contacts(args.crm_contacts)
                .companies(args.crm_companies)
                .users(args.crm_users)
                .tasks(args.crm_tasks)
                .notes(args.crm_notes)
                .events(args.crm_events)
                .catalog_elements(args.crm_catalog_elements)
                .fields_per_lead(args.crm_fields_per_lead)
                .seed(args.crm_seed),
        );
    let builder = match args.clock {
        Some(at) => builder.clock(FakeClock::manual(at)),
        None => builder,
    };
    let builder = builder.webhook_schedule(WebhookSchedule::compressed(args.webhook_compress));
    let builder = match &args.uninstall_hook_url {
        Some(url) => builder.uninstall_hook_url(url),
        None => builder,
    };
    let builder = args
        .raw_widget
        .iter()
        .cloned()
        .fold(builder, |builder, json| builder.raw_widget(json));
    // On stderr, so that stdout still starts with the address line scripts read.
    let builder = args.fault.iter().cloned().fold(builder, |builder, fault| {
        eprintln!("amocrm-fake: injecting fault {fault}");
        builder.fault(fault)
    });
    let server = match builder.start().await {
        Ok(server) => server,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("amocrm-fake: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!(
                "amocrm-fake: cannot listen on {}: {e}",
                SocketAddr::new(args.host, args.port)
            );
            return ExitCode::FAILURE;
        }
    };
    for p in &args.pending {
        let account = match &p.account {
            None => server.default_account(),
            Some(name) => match server.account(name) {
                Some(account) => account,
                None => {
                    eprintln!(
                        "amocrm-fake: --continuation names account {name:?}, which is not served (add --account {name})"
                    );
                    return ExitCode::FAILURE;
                }
            },
        };
        account.add_pending_continuation(p.bot, p.bot_id, &p.continue_id);
    }
    println!(
        "amocrm-fake listening on {} (token: {})",
        server.base_url(),
        server.token()
    );
    println!(
        "catalogue: {} widgets ({} seed + {}{} raw + {} generated), user token: {}, rate limit: {}, pending continuations: {}",
        server.widget_count(),
        SEED_WIDGET_COUNT,
        match custom_count {
            0 => String::new(),
            n => format!("{n} yours + "),
        },
        args.raw_widget.len(),
        server.widget_count() - SEED_WIDGET_COUNT - custom_count - args.raw_widget.len(),
        server.user_token(),
        match args.rate_limit {
            Some(n) if n > 0 => format!("{n}/s"),
            _ => "off".to_owned(),
        },
        args.pending.len(),
    );
    let crm = server.crm();
    println!(
        "crm: {} leads, {} contacts, {} companies per account (seed {}), shapes: {}, clock: {}",
        crm.ids(amocrm_fake::CrmEntity::Leads).len(),
        crm.ids(amocrm_fake::CrmEntity::Contacts).len(),
        crm.ids(amocrm_fake::CrmEntity::Companies).len(),
        args.crm_seed,
        if args.real_world_shapes {
            "real-world"
        } else {
            "documented"
        },
        if server.clock().is_system() {
            "system".to_owned()
        } else {
            server.clock().now().to_string()
        },
    );
    let oauth = server.oauth_client();
    println!(
        "oauth: client_id {}, client_secret {}, redirect_uri {}; a code: POST {{account_url}}/_fake/authorization_code",
        oauth.client_id, oauth.client_secret, oauth.redirect_uri
    );
    if let Some(url) = &args.uninstall_hook_url {
        println!("uninstall hook: {url} (sent by POST {{account_url}}/_fake/uninstall)");
    }
    for account in server.accounts() {
        println!(
            "account {}: {} (token: {}, user token: {})",
            account.name().unwrap_or_default(),
            account.url(),
            account.token(),
            account.user_token()
        );
    }
    let port = server.addr().port();
    if let Some(path) = &args.port_file
        && let Err(e) = write_port_file(path, port)
    {
        eprintln!(
            "amocrm-fake: cannot write --port-file {}: {e}",
            path.display()
        );
        server.shutdown().await;
        return ExitCode::FAILURE;
    }
    // Last, on a line of its own: what a script reads (`sed -n 's/^port=//p'`).
    println!("port={port}");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("amocrm-fake: cannot wait for Ctrl-C: {e}");
    }
    println!("amocrm-fake: shutting down");
    if let Some(path) = &args.port_file {
        let _ = std::fs::remove_file(path);
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
