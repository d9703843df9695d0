//! A widget's backend for a fleet: run as many instances as you like behind a load
//! balancer; they share the accounts' OAuth token chains (PostgreSQL), the 7 requests/s
//! of each account, the widget_request replay guard and the webhook deliveries seen
//! (Redis). Every route works on any instance, whichever one the previous step reached.
//!
//! * `GET /oauth/start?domain=amocrm.ru|amocrm.com|kommo.com` — 302 to amoCRM's consent
//!   page with a fresh signed state ([`Integration::authorization_url`]) and a cookie
//!   holding its nonce.
//! * `GET /oauth/callback` — the install redirect, whole ([`Integration::install_redirect_for`]):
//!   a tampered, expired or other integration's state, one whose nonce is not the cookie's,
//!   or no state (unless the install came from amoCRM's widget, `from_widget`) is refused
//!   with 400 before anything is sent to amoCRM; then the code is exchanged and the pair
//!   saved in PostgreSQL.
//! * `GET /oauth/disable` — the uninstall hook ([`Integration::uninstall`]): 200 and the
//!   account forgotten (its pair deleted), or 401 and nothing changed for a forged one.
//! * `POST /webhooks/{secret}` — amoCRM's webhooks (the secret from
//!   `WIDGET_WEBHOOK_SECRET`; a wrong one is 404 before the body is read): answered at once,
//!   a delivery seen before by any instance is left alone, and the work (a note on each lead
//!   whose stage changed, for an account whose `account[id]` is the one its install
//!   recorded) runs after the answer, on at most `--webhook-workers` tasks (503 past them).
//! * `POST /widget_request` — a Salesbot/Marketingbot widget step: verified once across the
//!   fleet, the lead it names and its main contact read, a note added to the lead, then the
//!   bot continued.
//! * `GET /healthz` — `ok`.
//! * `GET /metrics` on `--metrics-listen` (127.0.0.1:9464, a listener of its own, off the
//!   routes amoCRM reaches) — the client's metrics in Prometheus' text format (requests,
//!   429s, retries, pace waits, token refreshes, blocked accounts, batch items); the log
//!   lines are JSON on stderr (`--log-format text` for a terminal). Alerts:
//!   `examples/README.md`.
//!
//! Configuration, by flags or environment (see `--help`): listen address, PostgreSQL URL
//! (and table), Redis URL (and key prefix), the integration's id/secret/redirect URI, the
//! webhook secret, and, for a fake amoCRM on loopback, where each account lives
//! (`--account-url-template http://127.0.0.1:8080/{subdomain}`, `--account-url
//! example=http://127.0.0.1:8080`).
//!
//! ```text
//! cargo run -p amocrm-examples --bin widget_backend -- --listen 127.0.0.1:3001 \
//!     --postgres-url postgres://postgres@127.0.0.1/test --redis-url redis://127.0.0.1:6379/
//! ```
//!
//! `--local` runs one instance with no services at all, against the fake amoCRM at
//! `--fake-url` (`http://127.0.0.1:8080`): tokens in a `MemoryTokenStore`, the pace in a
//! `MemoryPacer`, the replay guards in memory, the fake's OAuth client as the
//! integration, listening on 127.0.0.1:3000. The routes are the same; what it learns
//! (installs, requests seen) is lost when it stops.
//!
//! ```text
//! cargo run -p amocrm-examples --bin widget_backend -- --local
//! ```

#[path = "widget_backend/bot.rs"]
mod bot;
#[path = "widget_backend/hooks.rs"]
mod hooks;
#[path = "widget_backend/note.rs"]
mod note;
#[path = "widget_backend/oauth.rs"]
mod oauth;
#[path = "widget_backend/telemetry.rs"]
mod telemetry;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use amocrm::integration::IntegrationBuilder;
use amocrm::pace::{MemoryPacer, RateLimit};
use amocrm::store::MemoryTokenStore;
use amocrm::webhook::WebhookReceiver;
use amocrm::widget_request::{MemoryReplayGuard, WidgetRequestVerifier};
use amocrm::{AccountUrl, AppCredentials, Domain, ExposeSecret as _, Integration, SecretString};
use amocrm_postgres::PostgresTokenStore;
use amocrm_redis::{RedisConnection, RedisPacer, RedisReplayGuard};
use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::{CommandFactory, FromArgMatches, Parser};
use serde_json::json;

/// A widget's backend: install, uninstall hook, webhooks, widget_request; any number of
/// instances sharing PostgreSQL and Redis, or one alone with --local.
#[derive(Debug, Parser)]
#[command(name = "widget_backend")]
struct Args {
    /// Log lines on stderr: json (one object per line) or text; levels from RUST_LOG
    /// [default: info]
    #[arg(long, env = "WIDGET_LOG_FORMAT", value_enum, default_value = "json")]
    log_format: telemetry::LogFormat,

    /// One instance, no PostgreSQL or Redis: tokens, pace and replay guards in memory,
    /// against the fake amoCRM at --fake-url; the integration's id, secret, redirect URI,
    /// the webhook secret and the accounts' URLs are the fake's unless given as flags
    /// (their environment variables, a fleet's, are not read)
    #[arg(
        long,
        conflicts_with_all = ["postgres_url", "redis_url", "token_table", "redis_prefix"]
    )]
    local: bool,

    /// The fake amoCRM of --local (its account "example" at the root, others under
    /// /{subdomain})
    #[arg(long, env = "WIDGET_FAKE_URL", default_value = "http://127.0.0.1:8080")]
    fake_url: String,

    /// Address to listen on, e.g. 0.0.0.0:8080 [default: 127.0.0.1:8080, with --local
    /// 127.0.0.1:3000]
    #[arg(long, env = "WIDGET_LISTEN")]
    listen: Option<SocketAddr>,

    /// Address of GET /metrics (Prometheus' text format), apart from the routes amoCRM
    /// reaches: keep it on the operator's network
    #[arg(long, env = "WIDGET_METRICS_LISTEN", default_value = "127.0.0.1:9464")]
    metrics_listen: SocketAddr,

    /// This instance's name, sent to the bot as data.instance
    #[arg(long, env = "WIDGET_INSTANCE", default_value = "widget-backend")]
    instance: String,

    /// The token store, e.g. postgres://widget@db.internal/widget
    #[arg(
        long,
        env = "WIDGET_POSTGRES_URL",
        hide_env_values = true,
        required_unless_present = "local"
    )]
    postgres_url: Option<String>,

    /// The tokens' table as [SCHEMA.]TABLE [default: public.amocrm_tokens]
    #[arg(long, env = "WIDGET_TOKEN_TABLE")]
    token_table: Option<String>,

    /// Redis for the pace and the replay guards, e.g. redis://127.0.0.1:6379/
    #[arg(
        long,
        env = "WIDGET_REDIS_URL",
        hide_env_values = true,
        required_unless_present = "local"
    )]
    redis_url: Option<String>,

    /// Prefix of every Redis key (one per integration)
    #[arg(long, env = "WIDGET_REDIS_PREFIX", default_value = "widget:")]
    redis_prefix: String,

    /// The integration's ID
    #[arg(long, env = "AMOCRM_CLIENT_ID", required_unless_present = "local")]
    client_id: Option<String>,

    /// The integration's secret key (never printed)
    #[arg(
        long,
        env = "AMOCRM_CLIENT_SECRET",
        hide_env_values = true,
        required_unless_present = "local"
    )]
    client_secret: Option<SecretString>,

    /// The integration's redirect URI, as registered (this server's /oauth/callback)
    #[arg(long, env = "AMOCRM_REDIRECT_URI", required_unless_present = "local")]
    redirect_uri: Option<String>,

    /// The secret path segment of the webhook destination (POST /webhooks/{secret}): at
    /// least 16 of A-Z a-z 0-9 - _ . (never printed)
    #[arg(
        long,
        env = "WIDGET_WEBHOOK_SECRET",
        hide_env_values = true,
        required_unless_present = "local"
    )]
    webhook_secret: Option<SecretString>,

    /// Webhook deliveries worked on at once; past it a delivery is answered 503 and
    /// amoCRM delivers it again later
    #[arg(long, env = "WIDGET_WEBHOOK_WORKERS", default_value_t = 32)]
    webhook_workers: usize,

    /// How long an install state from /oauth/start is accepted, in seconds
    #[arg(long, env = "WIDGET_STATE_LIFETIME_SECS", default_value_t = 1800)]
    state_lifetime_secs: u64,

    /// Where accounts live, for a fake amoCRM: {subdomain} is replaced, e.g.
    /// http://127.0.0.1:8080/{subdomain} [default: https://{subdomain}.{domain}]
    #[arg(long, env = "WIDGET_ACCOUNT_URL_TEMPLATE")]
    account_url_template: Option<String>,

    /// One account's URL, for a fake amoCRM, as SUBDOMAIN=URL (repeatable; comma-separated
    /// in the variable), e.g. example=http://127.0.0.1:8080
    #[arg(long, env = "WIDGET_ACCOUNT_URLS", value_delimiter = ',')]
    account_url: Vec<String>,
}

/// What every request handler shares (cheap to clone: handles).
#[derive(Clone)]
pub(crate) struct App {
    pub(crate) integration: Integration,
    pub(crate) verifier: WidgetRequestVerifier,
    pub(crate) webhooks: Arc<WebhookReceiver>,
    /// The webhook deliveries worked on at once.
    pub(crate) webhook_workers: Arc<tokio::sync::Semaphore>,
    /// How long an install state (and the cookie with its nonce) lives.
    pub(crate) state_lifetime: Duration,
    /// Whether the install cookie is `Secure` (not when the redirect URI is plain http).
    pub(crate) secure_cookie: bool,
    pub(crate) instance: Arc<str>,
}

/// The webhook extractor finds its receiver in the state.
impl FromRef<App> for Arc<WebhookReceiver> {
    fn from_ref(app: &App) -> Self {
        app.webhooks.clone()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let matches = Args::command().get_matches();
    let mut args = Args::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    if args.local {
        local_defaults(&mut args, &matches);
    }
    telemetry::init_logging(args.log_format);
    let metrics = telemetry::install_metrics()?;
    let listen = args
        .listen
        .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
    let app = app(&args).await?;
    // The metrics on a listener of their own (an operator's network, not amoCRM's).
    let metrics_listener = tokio::net::TcpListener::bind(args.metrics_listen).await?;
    println!(
        "{} serves GET /metrics on http://{}",
        args.instance,
        metrics_listener.local_addr()?
    );
    let metrics_router = Router::new()
        .route("/metrics", get(telemetry::metrics))
        .with_state(metrics);
    tokio::spawn(async move {
        if let Err(error) = axum::serve(metrics_listener, metrics_router).await {
            tracing::error!("the metrics listener stopped: {error}");
        }
    });
    let router = Router::new()
        .route("/oauth/start", get(oauth::start))
        .route("/oauth/callback", get(oauth::callback))
        .route("/oauth/disable", get(oauth::disable))
        .route("/webhooks/{secret}", post(hooks::receive))
        .route("/widget_request", post(bot::widget_request))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!(
        "{} listening on http://{}",
        args.instance,
        listener.local_addr()?
    );
    if args.local {
        let accounts = args.account_url_template.as_deref().unwrap_or_default();
        let webhooks = match &args.webhook_secret {
            Some(secret) if secret.expose_secret() == LOCAL_WEBHOOK_SECRET => LOCAL_WEBHOOK_SECRET,
            _ => "{--webhook-secret}",
        };
        println!(
            "local: tokens, pace and replay guards in this process's memory; accounts at \
             {accounts}; webhooks at POST /webhooks/{webhooks}"
        );
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// What --local does not take from the command line, the fake's: its OAuth client (the
/// standalone fake's defaults, `amocrm_fake::DEFAULT_CLIENT_*`), a webhook secret, the
/// accounts at --fake-url. A fleet's environment (`AMOCRM_CLIENT_ID`, `WIDGET_ACCOUNT_URLS`,
/// ...) is not read: exported for the fleet, it would point --local at another client.
fn local_defaults(args: &mut Args, matches: &clap::ArgMatches) {
    let flag = |id: &str| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
    args.listen
        .get_or_insert(SocketAddr::from(([127, 0, 0, 1], 3000)));
    if !flag("client_id") {
        args.client_id = Some(LOCAL_CLIENT_ID.to_owned());
    }
    if !flag("client_secret") {
        args.client_secret = Some(LOCAL_CLIENT_SECRET.into());
    }
    if !flag("redirect_uri") {
        args.redirect_uri = Some(LOCAL_REDIRECT_URI.to_owned());
    }
    if !flag("webhook_secret") {
        args.webhook_secret = Some(LOCAL_WEBHOOK_SECRET.into());
    }
    let fake = args.fake_url.trim_end_matches('/').to_owned();
    if !flag("account_url_template") {
        args.account_url_template = Some(format!("{fake}/{{subdomain}}"));
    }
    if !flag("account_url") {
        args.account_url = vec![format!("example={fake}")];
    }
}

/// The standalone fake's OAuth client (its `--help` and start-up message say them too).
const LOCAL_CLIENT_ID: &str = amocrm_fake::DEFAULT_CLIENT_ID;
const LOCAL_CLIENT_SECRET: &str = amocrm_fake::DEFAULT_CLIENT_SECRET;
const LOCAL_REDIRECT_URI: &str = amocrm_fake::DEFAULT_REDIRECT_URI;
/// The webhook destination's secret path segment under --local: POST /webhooks/{this}.
const LOCAL_WEBHOOK_SECRET: &str = "local-webhook-secret";

/// A required setting (clap has made sure it is given, or --local filled it in).
fn given<'a, T>(value: &'a Option<T>, name: &str) -> Result<&'a T, String> {
    value.as_ref().ok_or_else(|| format!("{name} is required"))
}

/// The integration: on PostgreSQL (tokens) and Redis (pace, replay guards), or, with
/// --local, all of it in this process's memory.
async fn app(args: &Args) -> Result<App, Box<dyn std::error::Error>> {
    let webhook_secret = given(&args.webhook_secret, "--webhook-secret")?;
    let webhooks = WebhookReceiver::new(webhook_secret.expose_secret())
        .map_err(|error| format!("WIDGET_WEBHOOK_SECRET: {error}"))?;
    let redirect_uri = given(&args.redirect_uri, "--redirect-uri")?.clone();
    let plain_http = redirect_uri
        .get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
    let secure_cookie = !args.local && !plain_http;
    let app = AppCredentials::new(
        given(&args.client_id, "--client-id")?.clone(),
        given(&args.client_secret, "--client-secret")?.clone(),
        redirect_uri,
    );
    let builder = Integration::builder()
        .app(app)
        .state_lifetime(Duration::from_secs(args.state_lifetime_secs));
    let (mut builder, webhooks) = if args.local {
        // What the fleet shares in PostgreSQL and Redis, in memory: the same traits.
        let builder = builder
            .store(MemoryTokenStore::new())
            .pacer(Arc::new(MemoryPacer::new(Some(RateLimit::AMOCRM))))
            .replay_guard(Arc::new(MemoryReplayGuard::new()));
        (
            builder,
            webhooks.replay_guard(Arc::new(MemoryReplayGuard::new())),
        )
    } else {
        fleet(args, builder, webhooks).await?
    };
    let fake = args.account_url_template.is_some() || !args.account_url.is_empty();
    if fake {
        let template = args.account_url_template.clone();
        let mut urls = HashMap::new();
        for pair in &args.account_url {
            let (sub, url) = pair
                .split_once('=')
                .ok_or_else(|| format!("--account-url {pair:?}: expected SUBDOMAIN=URL"))?;
            urls.insert(sub.trim().to_ascii_lowercase(), url.trim().to_owned());
        }
        builder = builder.account_url_for(move |sub: &str, domain: Domain| {
            match (urls.get(&sub.to_ascii_lowercase()), &template) {
                (Some(url), _) => AccountUrl::base_url(url.clone()),
                (None, Some(template)) => {
                    AccountUrl::base_url(template.replace("{subdomain}", sub))
                }
                (None, None) => AccountUrl::new(sub, domain),
            }
        });
    }
    let integration = builder.build()?;
    // A fake amoCRM is on loopback: its continue URLs are accepted then (and only then).
    let verifier = integration
        .widget_request_verifier()
        .allow_loopback_return_url(fake);
    Ok(App {
        integration,
        verifier,
        webhooks: Arc::new(webhooks),
        webhook_workers: Arc::new(tokio::sync::Semaphore::new(args.webhook_workers.max(1))),
        state_lifetime: Duration::from_secs(args.state_lifetime_secs),
        secure_cookie,
        instance: args.instance.as_str().into(),
    })
}

/// The fleet's shared parts: the token store in PostgreSQL (its table created unless it
/// exists), the pace and both replay guards in Redis.
async fn fleet(
    args: &Args,
    builder: IntegrationBuilder,
    webhooks: WebhookReceiver,
) -> Result<(IntegrationBuilder, WebhookReceiver), Box<dyn std::error::Error>> {
    let mut store = PostgresTokenStore::builder(given(&args.postgres_url, "--postgres-url")?);
    if let Some(table) = &args.token_table {
        store = match table.split_once('.') {
            Some((schema, table)) => store.schema(schema).table(table),
            None => store.table(table),
        };
    }
    let store = store.build()?;
    // Creates the table unless it exists (a deployment may run this once, as the owner).
    store.migrate().await?;
    let redis = RedisConnection::open(given(&args.redis_url, "--redis-url")?)?;
    redis.ping().await?;
    let prefix = &args.redis_prefix;
    let pacer =
        RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix(format!("{prefix}pace:"));
    let replay = RedisReplayGuard::new(redis.clone()).key_prefix(format!("{prefix}replay:"));
    // Deliveries apart from widget_request tokens: one key space each.
    let seen = RedisReplayGuard::new(redis).key_prefix(format!("{prefix}webhook:"));
    let builder = builder
        .store(store)
        .pacer(Arc::new(pacer))
        .replay_guard(Arc::new(replay));
    Ok((builder, webhooks.replay_guard(Arc::new(seen))))
}

/// A JSON error answer: `{"error": message}`.
pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}
