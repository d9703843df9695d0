//! A `tracing` layer keeping every span (its name, its parent's name, its fields as text)
//! and every event's fields; the metrics of a debugging recorder as text; the secret probe
//! over both.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// A metric's name and labels.
type MetricKey = (String, BTreeMap<String, String>);

/// One span as it was closed (or as it is now).
#[derive(Clone, Debug)]
pub struct SpanSeen {
    pub name: &'static str,
    pub parent: Option<&'static str>,
    pub fields: BTreeMap<String, String>,
}

impl SpanSeen {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Clone, Default)]
pub struct Capture {
    spans: Arc<Mutex<Vec<SpanSeen>>>,
    events: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

struct Index(usize);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(SpanSeen {
            name: attrs.metadata().name(),
            parent: span.parent().map(|parent| parent.name()),
            fields,
        });
        span.extensions_mut().insert(Index(spans.len() - 1));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(Index(at)) = extensions.get::<Index>() else {
            return;
        };
        values.record(&mut Fields(&mut self.spans.lock().unwrap()[*at].fields));
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
}

impl Capture {
    pub fn spans(&self, name: &str) -> Vec<SpanSeen> {
        let spans = self.spans.lock().unwrap();
        spans.iter().filter(|s| s.name == name).cloned().collect()
    }

    /// Every span field and event field, as text.
    fn texts(&self) -> Vec<String> {
        let spans = self.spans.lock().unwrap();
        let events = self.events.lock().unwrap();
        spans
            .iter()
            .flat_map(|s| s.fields.iter())
            .chain(events.iter().flat_map(|e| e.iter()))
            .map(|(name, value)| format!("{name}={value}"))
            .collect()
    }
}

/// A run observed: spans and events captured at every level, metrics recorded, on this
/// thread (a current-thread runtime runs every task of the test on it).
pub struct Observed {
    pub capture: Capture,
    recorder: &'static DebuggingRecorder,
    snapshotter: Snapshotter,
    /// What the snapshots read so far: a snapshot drains counters and histograms.
    seen: Mutex<BTreeMap<MetricKey, Vec<f64>>>,
    _tracing: tracing::subscriber::DefaultGuard,
    _metrics: metrics::LocalRecorderGuard<'static>,
}

impl Observed {
    pub fn start() -> Observed {
        let capture = Capture::default();
        let tracing =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
        // Leaked: the guard borrows it for the test's life (a few bytes per test).
        let recorder: &'static DebuggingRecorder = Box::leak(Box::new(DebuggingRecorder::new()));
        let snapshotter = recorder.snapshotter();
        let metrics = metrics::set_default_local_recorder(recorder);
        Observed {
            capture,
            recorder,
            snapshotter,
            seen: Mutex::default(),
            _tracing: tracing,
            _metrics: metrics,
        }
    }

    /// Every metric as `(name, labels, value)`; counters' values, histograms' samples.
    pub fn metrics(&self) -> Vec<(String, BTreeMap<String, String>, Vec<f64>)> {
        let _ = self.recorder;
        let mut seen = self.seen.lock().unwrap();
        for (key, _, _, value) in self.snapshotter.snapshot().into_vec() {
            let (_, key) = key.into_parts();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            let values = seen.entry((key.name().to_owned(), labels)).or_default();
            // A snapshot drains counters and histograms: what it read is added.
            match value {
                DebugValue::Counter(n) => match values.first_mut() {
                    Some(total) => *total += n as f64,
                    None => values.push(n as f64),
                },
                DebugValue::Gauge(g) => *values = vec![g.into_inner()],
                DebugValue::Histogram(samples) => {
                    values.extend(samples.into_iter().map(|s| s.into_inner()))
                }
            }
        }
        seen.iter()
            .map(|((name, labels), values)| (name.clone(), labels.clone(), values.clone()))
            .collect()
    }

    /// The count of a counter with exactly these labels (0 when never incremented).
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self.metrics()
            .into_iter()
            .filter(|(n, l, _)| n == name && *l == want)
            .map(|(_, _, v)| v.iter().sum::<f64>())
            .sum()
    }

    /// The samples of a histogram, whatever its labels.
    pub fn samples(&self, name: &str) -> Vec<f64> {
        self.metrics()
            .into_iter()
            .filter(|(n, _, _)| n == name)
            .flat_map(|(_, _, v)| v)
            .collect()
    }

    /// No span field, event field or metric label holds any of `secrets`; and there were
    /// spans and metrics to look at.
    pub fn assert_no_secret(&self, secrets: &[&str]) {
        let mut texts = self.capture.texts();
        assert!(!texts.is_empty(), "nothing was captured");
        let metrics = self.metrics();
        assert!(!metrics.is_empty(), "nothing was recorded");
        for (name, labels, _) in metrics {
            texts.push(name);
            texts.extend(labels.into_iter().map(|(k, v)| format!("{k}={v}")));
        }
        for secret in secrets {
            assert!(!secret.is_empty());
            for text in &texts {
                assert!(!text.contains(secret), "a secret shows: {text}");
            }
        }
    }
}
