//! Redis killed and restarted mid-run (a server of the run's own): calls fail with a
//! clear `Error::Pace` while it is down, never unpaced; they recover once it is back, and
//! the first second after the restart holds no burst above 7.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amocrm::AccountUrl;
use amocrm::pace::RateLimit;
use amocrm::{Client, Error};
use amocrm_fake::FakeServer;
use amocrm_redis::{RedisConnection, RedisPacer};

use super::services::{self, OwnRedis};
use super::{Options, max_in_one_second};

/// Phases of the run.
#[derive(Clone, Copy, Debug)]
pub struct Timeline {
    /// Before the kill.
    pub up: Duration,
    /// Down.
    pub down: Duration,
    /// After the restart.
    pub after: Duration,
}

/// What the restart run saw.
#[derive(Clone, Debug, Default)]
pub struct Restarted {
    /// Calls that succeeded before the kill.
    pub ok_before: usize,
    /// Calls that succeeded while Redis was down (sent on slots granted before).
    pub ok_down: usize,
    /// Calls that failed while it was down, and how many of them were `Error::Pace`.
    pub failed_down: usize,
    /// Of those, `Error::Pace`.
    pub pace_errors_down: usize,
    /// The first failure's text.
    pub first_error: Option<String>,
    /// Calls that failed after the restart (reconnecting).
    pub failed_after: usize,
    /// From the restart to the first success.
    pub recovered_after: Option<Duration>,
    /// Calls that succeeded after the restart.
    pub ok_after: usize,
    /// Arrivals at the fake while Redis was down.
    pub arrivals_down: usize,
    /// The most arrivals in any 1 s window from the restart on.
    pub max_per_second_after: usize,
    /// The most arrivals in any 1 s window, whole run.
    pub max_per_second: usize,
    /// Answers 429 (received - succeeded).
    pub answers_429: usize,
}

/// When a call ended, and how: `Err((is Error::Pace, text))`.
type Outcome = (Instant, Result<(), (bool, String)>);

/// Runs the timeline with `tasks` tasks in this process.
pub async fn run(tasks: usize, timeline: Timeline) -> Result<Restarted, String> {
    let mut redis_server = OwnRedis::start().await?;
    let fake = FakeServer::builder()
        .rate_limit(Some(7))
        .record_requests(true)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let redis = RedisConnection::open_with_timeout(&redis_server.url(), Duration::from_millis(500))
        .map_err(|e| e.to_string())?;
    let pacer = RedisPacer::new(redis, RateLimit::AMOCRM)
        .key_prefix(format!("{}:", services::unique("amocrm-fleet-restart")));
    let client = Client::builder()
        .account(AccountUrl::base_url(fake.base_url()))
        .token(fake.token())
        .pacer(Arc::new(pacer))
        .build()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let end = start + timeline.up + timeline.down + timeline.after;
    let log: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let client = client.clone();
        let log = log.clone();
        handles.push(tokio::spawn(async move {
            while Instant::now() < end {
                let result = client.widgets().get("amo_dropbox").send().await;
                let failed = result.is_err();
                let entry = result
                    .map(drop)
                    .map_err(|e| (matches!(e, Error::Pace(_)), e.to_string()));
                log.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((Instant::now(), entry));
                if failed {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }));
    }
    tokio::time::sleep(timeline.up).await;
    let killed = Instant::now();
    redis_server.kill();
    tokio::time::sleep(timeline.down).await;
    redis_server.up().await?;
    let restarted = Instant::now();
    for handle in handles {
        let _ = handle.await;
    }
    let log = std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()));
    let mut r = Restarted::default();
    for (at, result) in &log {
        let phase = if *at < killed {
            0
        } else if *at < restarted {
            1
        } else {
            2
        };
        match (phase, result) {
            (0, Ok(())) => r.ok_before += 1,
            (1, Ok(())) => r.ok_down += 1,
            (2, Ok(())) => {
                r.ok_after += 1;
                let since = at.duration_since(restarted);
                if r.recovered_after.is_none_or(|d| since < d) {
                    r.recovered_after = Some(since);
                }
            }
            (1, Err((pace, _))) => {
                r.failed_down += 1;
                r.pace_errors_down += usize::from(*pace);
            }
            (_, Err(_)) if phase == 2 => r.failed_after += 1,
            _ => {}
        }
        if let Err((_, text)) = result {
            r.first_error.get_or_insert_with(|| text.clone());
        }
    }
    let requests = fake.requests();
    let mut arrivals: Vec<Instant> = requests.iter().map(|q| q.received_at).collect();
    arrivals.sort();
    // A request sent on a slot granted just before the kill may arrive a little after it.
    let grace = killed + Duration::from_millis(300);
    r.arrivals_down = arrivals
        .iter()
        .filter(|&&t| t >= grace && t < restarted)
        .count();
    let after: Vec<Instant> = arrivals
        .iter()
        .copied()
        .filter(|&t| t >= restarted)
        .collect();
    r.max_per_second_after = max_in_one_second(&after);
    r.max_per_second = max_in_one_second(&arrivals);
    let ok = log.iter().filter(|(_, result)| result.is_ok()).count();
    r.answers_429 = requests.len().saturating_sub(ok);
    fake.shutdown().await;
    Ok(r)
}

/// Printed.
pub async fn report(_options: &Options) -> Result<String, String> {
    let timeline = Timeline {
        up: Duration::from_secs(5),
        down: Duration::from_secs(4),
        after: Duration::from_secs(8),
    };
    let r = run(4, timeline).await?;
    let mut out = format!(
        "#### restart: Redis killed after {:?}, restarted {:?} later, {:?} more; 4 tasks\n\n",
        timeline.up, timeline.down, timeline.after
    );
    writeln!(
        out,
        "- up: {} calls succeeded; down: **{}** calls failed (**{}** of them `Error::Pace`), \
         {} succeeded (slots granted before the kill), **{}** requests reached the fake after \
         the first 300 ms; first error: `{}`",
        r.ok_before,
        r.failed_down,
        r.pace_errors_down,
        r.ok_down,
        r.arrivals_down,
        r.first_error.as_deref().unwrap_or("-"),
    )
    .ok();
    writeln!(
        out,
        "- after the restart: first success after **{}**, {} succeeded, {} failed while \
         reconnecting; at most **{}** arrivals in any 1 s window from the restart on ({} \
         over the whole run); **{}** answers 429",
        r.recovered_after.map_or("never".to_owned(), |d| format!(
            "{:.0} ms",
            d.as_secs_f64() * 1e3
        )),
        r.ok_after,
        r.failed_after,
        r.max_per_second_after,
        r.max_per_second,
        r.answers_429,
    )
    .ok();
    Ok(out)
}
