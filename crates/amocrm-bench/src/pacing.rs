//! The client's default limiter (7/s) against the fake's 7/s sliding window.

use amocrm::AccountUrl;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::stats;

/// Options of the pacing benchmark.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// How long to send.
    pub duration: Duration,
    /// Tasks sending at once through the one client (they queue at its limiter).
    pub concurrency: usize,
}

/// What a pacing run saw.
#[derive(Clone, Debug, Default)]
pub struct Paced {
    /// Calls that returned `Ok` and completed within the duration.
    pub ok_in_window: usize,
    /// Calls that returned `Ok` in all (some complete after the duration).
    pub ok: usize,
    /// Calls that returned `Err`.
    pub errors: usize,
    /// Requests the fake received (every attempt, 429s included).
    pub received: usize,
    /// The most calls completed within any one second.
    pub max_in_one_second: usize,
    /// Steady rate: (completions - 1) / (last - first completion).
    pub steady_rate: f64,
}

impl Paced {
    /// Responses that were not the final 200 of a call: with a fake that answers this
    /// call 200 or 429 only, every one of them is a 429.
    pub fn rejected(&self) -> usize {
        self.received.saturating_sub(self.ok)
    }
}

/// `concurrency` tasks call `client.widgets().get("amo_dropbox")` in a loop for `duration`,
/// through one client with the default limiter and retries.
pub async fn client_default(options: Options) -> Result<Paced, String> {
    let server = amocrm_fake::FakeServer::builder()
        .rate_limit(Some(7))
        .record_requests(true)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let client = amocrm::Client::builder()
        .account(AccountUrl::base_url(server.base_url()))
        .token(server.token())
        .build()
        .map_err(|e| e.to_string())?;
    let completions: Arc<Mutex<Vec<(Instant, bool)>>> = Arc::default();
    let start = Instant::now();
    let deadline = start + options.duration;
    let mut tasks = Vec::new();
    for _ in 0..options.concurrency.max(1) {
        let client = client.clone();
        let completions = completions.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let result = client.widgets().get("amo_dropbox").send().await;
                let ok = result.is_ok();
                completions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((Instant::now(), ok));
            }
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())?;
    }
    let received = server.requests().len();
    server.shutdown().await;

    let mut done = completions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    done.sort_by_key(|(at, _)| *at);
    let ok_times: Vec<Instant> = done
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(at, _)| *at)
        .collect();
    let mut paced = Paced {
        ok: ok_times.len(),
        errors: done.iter().filter(|(_, ok)| !*ok).count(),
        ok_in_window: ok_times.iter().filter(|&&at| at <= deadline).count(),
        received,
        ..Paced::default()
    };
    let mut first = 0;
    for (last, &at) in ok_times.iter().enumerate() {
        while at.duration_since(ok_times[first]) >= Duration::from_secs(1) {
            first += 1;
        }
        paced.max_in_one_second = paced.max_in_one_second.max(last - first + 1);
    }
    if let (Some(a), Some(b)) = (ok_times.first(), ok_times.last())
        && ok_times.len() > 1
    {
        paced.steady_rate = (ok_times.len() - 1) as f64 / stats::secs(b.duration_since(*a));
    }
    Ok(paced)
}

/// What a hand-paced run saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct HandPaced {
    /// Requests sent.
    pub sent: usize,
    /// 429 answers.
    pub rejected: usize,
    /// Requests accepted (not 429) per second of the schedule.
    pub rate: f64,
}

/// A hand-written reqwest loop sending one request every `interval` (on an absolute
/// schedule), counting the fake's 429s: what the fake's window accepts at a given spacing.
pub async fn by_hand(interval: Duration, duration: Duration) -> Result<HandPaced, String> {
    let server = amocrm_fake::FakeServer::builder()
        .rate_limit(Some(7))
        .record_requests(false)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v4/widgets/amo_dropbox", server.base_url());
    let start = Instant::now();
    let mut result = HandPaced::default();
    for i in 0u32.. {
        let at = start + interval * i;
        if at >= start + duration {
            break;
        }
        tokio::time::sleep_until(at).await;
        let response = http
            .get(&url)
            .bearer_auth(server.token())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        result.sent += 1;
        if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            result.rejected += 1;
        }
        let _ = response.bytes().await;
    }
    // Per second of the schedule (`sent` slots of `interval`), so that the request sent at
    // t = 0 does not count as an extra one.
    result.rate =
        (result.sent - result.rejected) as f64 / (result.sent as f64 * interval.as_secs_f64());
    server.shutdown().await;
    Ok(result)
}

/// The client's default pacing for `options.duration`, then (when `margins` is not
/// empty) hand-paced loops at `(1 s + margin) / 7` for `margin_duration` each.
pub fn run(
    options: Options,
    margins: &[Duration],
    margin_duration: Duration,
) -> Result<String, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let paced = runtime.block_on(client_default(options))?;
    let secs = stats::secs(options.duration);
    let interval = amocrm::pace::RateLimit::AMOCRM.interval();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Rate-limited pacing: client default limiter (7/s) vs the fake's 7/s sliding window, {secs:.0} s\n"
    );
    let _ = writeln!(
        out,
        "{} tasks share one client (default limiter and retries) and call `widgets().get(\"amo_dropbox\")` in a loop; the fake runs `rate_limit(Some(7))`. The client's interval is `RateLimit::AMOCRM.interval()` = {:.3} ms, i.e. a ceiling of {:.3} requests/s.\n",
        options.concurrency.max(1),
        interval.as_secs_f64() * 1e3,
        1.0 / interval.as_secs_f64(),
    );
    let _ = writeln!(out, "| figure | value |\n|---|---:|");
    let _ = writeln!(
        out,
        "| achieved requests/s (successful calls completed within {secs:.0} s / {secs:.0} s) | **{:.3}** |",
        paced.ok_in_window as f64 / secs
    );
    let _ = writeln!(
        out,
        "| steady rate ((completions - 1) / (last - first completion)) | {:.3} |",
        paced.steady_rate
    );
    let _ = writeln!(
        out,
        "| 429 responses (requests the fake received - successful calls) | **{}** |",
        paced.rejected()
    );
    let _ = writeln!(
        out,
        "| calls failed | {} |\n| requests the fake received | {} |\n| most calls completed within one second | {} |",
        paced.errors, paced.received, paced.max_in_one_second
    );
    let _ = writeln!(out);
    if !margins.is_empty() {
        let _ = writeln!(
            out,
            "What the fake's window accepts at a given spacing (hand-written reqwest loop, one request every `(1 s + margin) / 7` on an absolute schedule, {:.0} s each):\n",
            stats::secs(margin_duration)
        );
        let _ = writeln!(
            out,
            "| margin | interval (ms) | ceiling req/s | sent | accepted req/s | 429s |\n|---:|---:|---:|---:|---:|---:|"
        );
        for &margin in margins {
            let interval = (Duration::from_secs(1) + margin) / 7;
            let hand = runtime.block_on(by_hand(interval, margin_duration))?;
            let _ = writeln!(
                out,
                "| {} ms | {:.3} | {:.3} | {} | {:.3} | {} |",
                margin.as_millis(),
                interval.as_secs_f64() * 1e3,
                1.0 / interval.as_secs_f64(),
                hand.sent,
                hand.rate,
                hand.rejected
            );
        }
        let _ = writeln!(out);
    }
    Ok(out)
}
