//! A widget's backend for a fleet: run as many instances as you like behind a load
//! balancer; they share the accounts' OAuth token chains (PostgreSQL), the 7 requests/s
//! of each account, the widget_request replay guard and the webhook deliveries seen
//! (Redis). Every route works on any instance, whichever one the previous step reached.
//!
//! * `GET /oauth/start?domain=amocrm.ru|amocrm.com|kommo.com` — 302 to amoCRM's consent
//!   page with a fresh signed state ([`Integration::authorization_url`]).
//! * `GET /oauth/callback` — the install redirect, whole ([`Integration::install_redirect`]):
//!   a missing, tampered, expired or other integration's state is refused with 400 before
//!   anything is sent to amoCRM; then the code is exchanged and the pair saved in PostgreSQL.
//! * `GET /oauth/disable` — the uninstall hook ([`Integration::uninstall`]): 200 and the
//!   account forgotten (its pair deleted), or 401 and nothing changed for a forged one.
//! * `POST /webhooks/{secret}` — amoCRM's webhooks (the secret from
//!   `WIDGET_WEBHOOK_SECRET`; a wrong one is 404 before the body is read): answered at once,
//!   a delivery seen before by any instance is left alone, and the work (a note on each lead
//!   whose stage changed) runs after the answer.
//! * `POST /widget_request` — a Salesbot/Marketingbot widget step: verified once across the
//!   fleet, the lead it names and its main contact read, a note added to the lead, then the
//!   bot continued.
//! * `GET /healthz` — `ok`.
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

#[path = "widget_backend/bot.rs"]
mod bot;
#[path = "widget_backend/hooks.rs"]
mod hooks;
#[path = "widget_backend/note.rs"]
mod note;
#[path = "widget_backend/oauth.rs"]
mod oauth;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use amocrm::pace::RateLimit;
use amocrm::webhook::WebhookReceiver;
use amocrm::widget_request::WidgetRequestVerifier;
use amocrm::{AccountUrl, AppCredentials, Domain, ExposeSecret as _, Integration, SecretString};
use amocrm_postgres::PostgresTokenStore;
use amocrm_redis::{RedisConnection, RedisPacer, RedisReplayGuard};
use axum::Router;
use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;
use serde_json::json;

/// A widget's backend: install, uninstall hook, webhooks, widget_request; any number of
/// instances sharing PostgreSQL and Redis.
#[derive(Debug, Parser)]
#[command(name = "widget_backend")]
struct Args {
    /// Address to listen on, e.g. 0.0.0.0:8080
    #[arg(long, env = "WIDGET_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,

    /// This instance's name, sent to the bot as data.instance
    #[arg(long, env = "WIDGET_INSTANCE", default_value = "widget-backend")]
    instance: String,

    /// The token store, e.g. postgres://widget@db.internal/widget
    #[arg(long, env = "WIDGET_POSTGRES_URL", hide_env_values = true)]
    postgres_url: String,

    /// The tokens' table as [SCHEMA.]TABLE [default: public.amocrm_tokens]
    #[arg(long, env = "WIDGET_TOKEN_TABLE")]
    token_table: Option<String>,

    /// Redis for the pace and the replay guards, e.g. redis://127.0.0.1:6379/
    #[arg(long, env = "WIDGET_REDIS_URL", hide_env_values = true)]
    redis_url: String,

    /// Prefix of every Redis key (one per integration)
    #[arg(long, env = "WIDGET_REDIS_PREFIX", default_value = "widget:")]
    redis_prefix: String,

    /// The integration's ID
    #[arg(long, env = "AMOCRM_CLIENT_ID")]
    client_id: String,

    /// The integration's secret key (never printed)
    #[arg(long, env = "AMOCRM_CLIENT_SECRET", hide_env_values = true)]
    client_secret: SecretString,

    /// The integration's redirect URI, as registered (this server's /oauth/callback)
    #[arg(long, env = "AMOCRM_REDIRECT_URI")]
    redirect_uri: String,

    /// The secret path segment of the webhook destination (POST /webhooks/{secret}): at
    /// least 16 of A-Z a-z 0-9 - _ . (never printed)
    #[arg(long, env = "WIDGET_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: SecretString,

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
    let args = Args::parse();
    let app = app(&args).await?;
    let router = Router::new()
        .route("/oauth/start", get(oauth::start))
        .route("/oauth/callback", get(oauth::callback))
        .route("/oauth/disable", get(oauth::disable))
        .route("/webhooks/{secret}", post(hooks::receive))
        .route("/widget_request", post(bot::widget_request))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "{} listening on http://{}",
        args.instance,
        listener.local_addr()?
    );
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The integration on PostgreSQL (tokens) and Redis (pace, replay guards).
async fn app(args: &Args) -> Result<App, Box<dyn std::error::Error>> {
    let mut store = PostgresTokenStore::builder(&args.postgres_url);
    if let Some(table) = &args.token_table {
        store = match table.split_once('.') {
            Some((schema, table)) => store.schema(schema).table(table),
            None => store.table(table),
        };
    }
    let store = store.build()?;
    // Creates the table unless it exists (a deployment may run this once, as the owner).
    store.migrate().await?;
    let redis = RedisConnection::open(&args.redis_url)?;
    redis.ping().await?;
    let prefix = &args.redis_prefix;
    let pacer =
        RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix(format!("{prefix}pace:"));
    let replay = RedisReplayGuard::new(redis.clone()).key_prefix(format!("{prefix}replay:"));
    // Deliveries apart from widget_request tokens: one key space each.
    let seen = RedisReplayGuard::new(redis).key_prefix(format!("{prefix}webhook:"));
    let webhooks = WebhookReceiver::new(args.webhook_secret.expose_secret())
        .map_err(|error| format!("WIDGET_WEBHOOK_SECRET: {error}"))?
        .replay_guard(Arc::new(seen));

    let mut builder = Integration::builder()
        .app(AppCredentials::new(
            args.client_id.clone(),
            args.client_secret.clone(),
            args.redirect_uri.clone(),
        ))
        .store(store)
        .pacer(Arc::new(pacer))
        .replay_guard(Arc::new(replay))
        .state_lifetime(Duration::from_secs(args.state_lifetime_secs));
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
        instance: args.instance.as_str().into(),
    })
}

/// A JSON error answer: `{"error": message}`.
pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}
