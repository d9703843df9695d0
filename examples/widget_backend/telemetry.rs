//! What an operator sees of the backend: JSON log lines on stderr (the library's spans and
//! events, never a secret) and `GET /metrics` in Prometheus' text format, from the
//! `amocrm` crate's metrics (its feature `metrics`) through `metrics-exporter-prometheus`.

use axum::http::header;
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// One JSON object per line (spans and fields as keys): for a log pipeline.
    Json,
    /// Lines for a person at a terminal.
    Text,
}

/// Logs to stderr at `RUST_LOG`'s levels (`info` when unset: a line per request the
/// client makes, a token refresh, a batch).
pub(crate) fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::fmt::format::FmtSpan;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A call's span closes with its outcome (status, error type, attempts): one line.
        .with_span_events(FmtSpan::CLOSE);
    let _ = match format {
        LogFormat::Json => builder.json().with_span_list(false).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Installs the Prometheus recorder for this process (with its upkeep every 5 s, on the
/// runtime this is called on); its handle renders `/metrics`.
/// The durations are histograms with buckets from 5 ms to a minute (pace waits reach
/// seconds when an account is busy or paused).
pub(crate) fn install_metrics() -> Result<PrometheusHandle, BuildError> {
    const BUCKETS: &[f64] = &[
        0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    ];
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)?
        .install_recorder()?;
    // The recorder keeps a histogram's samples until they are folded into its buckets,
    // which a scrape or its upkeep does: without a scrape they would pile up for ever.
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// `GET /metrics`: every series recorded so far, in Prometheus' text format.
pub(crate) async fn metrics(
    axum::extract::State(handle): axum::extract::State<PrometheusHandle>,
) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
}
