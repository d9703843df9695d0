//! A widget's backend for a fleet: run as many instances as you like behind a load
//! balancer; they share the accounts' OAuth token chains (PostgreSQL), the 7 requests/s
//! of each account and the widget_request replay guard (Redis).
//!
//! * `GET /oauth/callback?code=…&referer=example.amocrm.ru` — the install redirect:
//!   [`Integration::install`] exchanges the code for the account's token pair and saves
//!   it in PostgreSQL, so every instance can use it.
//! * `POST /widget_request` — a Salesbot/Marketingbot widget step (amoCRM's JSON body
//!   `{token, data, return_url}`): verified once across the fleet
//!   ([`WidgetRequestVerifier::verify_once`] on [`RedisReplayGuard`]), then the bot is
//!   continued with the client of the account the signed token names
//!   ([`Integration::client_for`]). It answers `200 {"continued": true}` once amoCRM
//!   accepted the continuation.
//! * `GET /healthz` — `ok`.
//!
//! Configuration, by flags or environment (see `--help`): listen address, PostgreSQL URL
//! (and table), Redis URL (and key prefix), the integration's id/secret/redirect URI, and,
//! for a fake amoCRM on loopback, where each account lives (`--account-url-template
//! http://127.0.0.1:8080/{subdomain}`, `--account-url example=http://127.0.0.1:8080`).
//!
//! ```text
//! cargo run -p amocrm-examples --bin widget_backend -- --listen 127.0.0.1:3001 \
//!     --postgres-url postgres://postgres@127.0.0.1/test --redis-url redis://127.0.0.1:6379/
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use amocrm::bots::{ContinueRequest, Handler};
use amocrm::error::WidgetRequestError;
use amocrm::pace::RateLimit;
use amocrm::widget_request::{WidgetRequest, WidgetRequestVerifier};
use amocrm::{AccountUrl, AppCredentials, Domain, Integration, SecretString};
use amocrm_postgres::PostgresTokenStore;
use amocrm_redis::{RedisConnection, RedisPacer, RedisReplayGuard};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;
use serde::Deserialize;
use serde_json::json;

/// A widget's backend: install redirect, widget_request, bot continuation; any number of
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

    /// Redis for the pace and the replay guard, e.g. redis://127.0.0.1:6379/
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

    /// Where accounts live, for a fake amoCRM: {subdomain} is replaced, e.g.
    /// http://127.0.0.1:8080/{subdomain} [default: https://{subdomain}.{domain}]
    #[arg(long, env = "WIDGET_ACCOUNT_URL_TEMPLATE")]
    account_url_template: Option<String>,

    /// One account's URL, for a fake amoCRM, as SUBDOMAIN=URL (repeatable; comma-separated
    /// in the variable), e.g. example=http://127.0.0.1:8080
    #[arg(long, env = "WIDGET_ACCOUNT_URLS", value_delimiter = ',')]
    account_url: Vec<String>,
}

/// What every request handler shares.
struct App {
    integration: Integration,
    verifier: WidgetRequestVerifier,
    instance: String,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let app = Arc::new(app(&args).await?);
    let router = Router::new()
        .route("/oauth/callback", get(install))
        .route("/widget_request", post(widget_request))
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

/// The integration on PostgreSQL (tokens) and Redis (pace, replay guard).
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
    let pacer = RedisPacer::new(redis.clone(), RateLimit::AMOCRM)
        .key_prefix(format!("{}pace:", args.redis_prefix));
    let replay = RedisReplayGuard::new(redis).key_prefix(format!("{}replay:", args.redis_prefix));

    let mut builder = Integration::builder()
        .app(AppCredentials::new(
            args.client_id.clone(),
            args.client_secret.clone(),
            args.redirect_uri.clone(),
        ))
        .store(store)
        .pacer(Arc::new(pacer))
        .replay_guard(Arc::new(replay));
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
        instance: args.instance.clone(),
    })
}

/// The install redirect's query.
#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    referer: Option<String>,
}

async fn install(State(app): State<Arc<App>>, Query(query): Query<Callback>) -> Response {
    let (Some(code), Some(referer)) = (query.code, query.referer) else {
        return (StatusCode::BAD_REQUEST, "code and referer are required\n").into_response();
    };
    match app.integration.install(&code, &referer).await {
        Ok(client) => (
            StatusCode::OK,
            format!("installed for {}\n", client.base_url()),
        )
            .into_response(),
        Err(error) => {
            // The library's errors hold no token or secret.
            eprintln!("{}: install failed: {error}", app.instance);
            (
                StatusCode::BAD_GATEWAY,
                format!("install failed: {error}\n"),
            )
                .into_response()
        }
    }
}

/// amoCRM waits for the answer only briefly: a backend doing more than one continue call
/// would answer first and continue from a task. This one continues, then answers.
async fn widget_request(State(app): State<Arc<App>>, body: axum::body::Bytes) -> Response {
    let request = match WidgetRequest::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let verified = match app.verifier.verify_once(&request).await {
        Ok(verified) => verified,
        Err(WidgetRequestError::Replayed) => {
            return refuse(StatusCode::CONFLICT, "this widget_request was seen already");
        }
        Err(error @ WidgetRequestError::ReplayGuard(_)) => {
            return refuse(StatusCode::SERVICE_UNAVAILABLE, &error.to_string());
        }
        Err(error) => return refuse(StatusCode::UNAUTHORIZED, &error.to_string()),
    };
    let client = match app.integration.client_for(&verified) {
        Ok(client) => client,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, &error.to_string()),
    };
    let reply = ContinueRequest::new()
        .data("status", "success")
        .data("instance", app.instance.as_str())
        .handler(Handler::show_text("Done"));
    match verified.continue_bot(&client, &reply).send().await {
        Ok(()) => axum::Json(json!({
            "continued": true,
            "account": client.base_url(),
            "instance": app.instance,
        }))
        .into_response(),
        Err(error) => {
            eprintln!("{}: continue failed: {error}", app.instance);
            refuse(StatusCode::BAD_GATEWAY, &error.to_string())
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}
