//! The worker processes' side: what one process of the fleet does, told by its arguments,
//! reporting by lines on stdout (`ready`, `locked`, `ok`, `result ...`, `err ...`).
//!
//! * `refresh`: an `OAuth` holder of the account's stored pair (no pair of its own), one
//!   request after the parent's `go`.
//! * `hold`: takes the account's store lock, says `locked`, and waits to be killed.
//! * `pace`: a client paced by Redis; `tasks` tasks send for `secs` after `go`.
//! * `accounts`: one client per account sharing one pacer, `tasks` tasks per account.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amocrm::pace::{Pacer, RateLimit};
use amocrm::{AccountUrl, Client};
use amocrm_redis::{RedisConnection, RedisPacer};
use amocrm_test_support::fleet;

use super::process::{Args, read_stdin_line, say};
use super::services::StoreSpec;

/// `__fleet-worker MODE key=value...`.
pub fn main(words: &[String]) -> Result<(), String> {
    let mode = words.first().ok_or("__fleet-worker needs a mode")?.clone();
    let args = Args::parse(&words[1..])?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = runtime.block_on(async {
        match mode.as_str() {
            "refresh" => refresh(&args).await,
            "hold" => hold(&args).await,
            "pace" => pace(&args).await,
            "accounts" => accounts(&args).await,
            other => Err(format!("unknown worker mode {other:?}")),
        }
    });
    if let Err(e) = &result {
        say(&format!("err {e}"));
    }
    result
}

/// Unix time in microseconds: comparable across the processes of one machine.
pub fn unix_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

async fn refresh(args: &Args) -> Result<(), String> {
    let account = args.get("account")?;
    let store = StoreSpec::from_args(args)?.open()?;
    let oauth = fleet::try_oauth(account, store).map_err(|e| e.to_string())?;
    let client = fleet::try_client(&oauth).map_err(|e| e.to_string())?;
    say("ready");
    read_stdin_line().await?;
    match client.widgets().get("amo_dropbox").send().await {
        Ok(_) => say("ok"),
        Err(e) => say(&format!("failed {e}")),
    }
    Ok(())
}

async fn hold(args: &Args) -> Result<(), String> {
    let account = args.get("account")?;
    let store = StoreSpec::from_args(args)?.open()?;
    let lock = store.lock(account).await.map_err(|e| e.to_string())?;
    say("locked");
    // Killed here, the lock held, before any token endpoint call.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    drop(lock);
    Ok(())
}

/// Completion times (unix µs) and outcomes of one worker's calls.
#[derive(Default)]
struct Log {
    ok: Vec<u64>,
    failed: usize,
    first_error: Option<String>,
}

async fn pace(args: &Args) -> Result<(), String> {
    let account = args.get("account")?.to_owned();
    let token = args.get("token")?;
    let tasks: usize = args.number("tasks")?;
    let secs: f64 = args.number("secs")?;
    let redis = RedisConnection::open(args.get("redis")?).map_err(|e| e.to_string())?;
    let pacer = RedisPacer::new(redis, RateLimit::AMOCRM).key_prefix(args.get("prefix")?);
    let client = Client::builder()
        .account(AccountUrl::base_url(&account))
        .token(token)
        .pacer(Arc::new(pacer))
        // So that the fake's records say which process sent what.
        .user_agent(format!("fleet-worker-{}", std::process::id()))
        .build()
        .map_err(|e| e.to_string())?;
    // Warm-up (paced like the rest): the connection is opened before the run, as in a
    // long-running process; a cold connect delays the first request more than the next
    // ones, which crowds their arrivals.
    let warmed = usize::from(client.widgets().get("amo_dropbox").send().await.is_ok());
    say("ready");
    read_stdin_line().await?;
    let log = send_for(
        vec![client],
        tasks,
        Duration::from_secs_f64(secs),
        Duration::ZERO,
    )
    .await;
    let log = &log[0];
    say(&format!(
        "result ok={} failed={} first_error={}",
        warmed + log.ok.len(),
        log.failed,
        log.first_error.as_deref().unwrap_or("-")
    ));
    let times: Vec<String> = log.ok.iter().map(u64::to_string).collect();
    say(&format!("times {}", times.join(" ")));
    Ok(())
}

async fn accounts(args: &Args) -> Result<(), String> {
    let tasks: usize = args.number("tasks")?;
    let secs: f64 = args.number("secs")?;
    let margin: u64 = args.number("margin_ms")?;
    let limit = RateLimit::AMOCRM.jitter_margin(std::time::Duration::from_millis(margin));
    let pacer: Arc<dyn Pacer> = match args.get("pacer")? {
        "memory" => Arc::new(amocrm::pace::MemoryPacer::new(Some(limit))),
        "redis" => {
            let redis = RedisConnection::open(args.get("redis")?).map_err(|e| e.to_string())?;
            Arc::new(RedisPacer::new(redis, limit).key_prefix(args.get("prefix")?))
        }
        other => return Err(format!("unknown pacer {other:?}")),
    };
    let mut clients = Vec::new();
    for spec in args.get("accounts")?.split(',') {
        let (url, token) = spec.split_once('|').ok_or("accounts= is url|token,...")?;
        clients.push(
            Client::builder()
                .account(AccountUrl::base_url(url))
                .token(token)
                .pacer(pacer.clone())
                .build()
                .map_err(|e| e.to_string())?,
        );
    }
    // Warm-up: each account's connection is opened (a long-running process has them
    // open); a cold connect delays the first requests more than the next ones, which
    // crowds their arrivals.
    let warm = futures::future::join_all(
        clients
            .iter()
            .map(|c| async move { c.widgets().get("amo_dropbox").send().await.map(drop) }),
    )
    .await;
    let warmed = warm.iter().filter(|r| r.is_ok()).count();
    // The warm-up requests left together and reached the fake as one wave: out of the
    // fake's one-second window before the measured run starts.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    say("ready");
    read_stdin_line().await?;
    let start = unix_micros();
    let deadline = start + (secs * 1e6) as u64;
    // Each account starts at its own moment within one interval, as independent accounts
    // do: started together, every account's slots fall on the same instants, and the fake
    // takes the whole wave of requests at once, delaying the last of each wave by more than
    // the jitter margin (`stagger=0` shows it).
    let spread = if args.number::<u64>("stagger")? == 1 {
        limit.interval()
    } else {
        Duration::ZERO
    };
    let logs = send_for(clients, tasks, Duration::from_secs_f64(secs), spread).await;
    let mut failed = 0;
    let mut first_error = None;
    let mut counts = Vec::new();
    for log in &logs {
        failed += log.failed;
        if first_error.is_none() {
            first_error = log.first_error.clone();
        }
        counts.push(
            log.ok
                .iter()
                .filter(|&&t| t <= deadline)
                .count()
                .to_string(),
        );
    }
    let total: usize = warmed + logs.iter().map(|log| log.ok.len()).sum::<usize>();
    say(&format!(
        "result ok={total} failed={failed} first_error={}",
        first_error.as_deref().unwrap_or("-")
    ));
    say(&format!("in_window {}", counts.join(" ")));
    Ok(())
}

/// `tasks` tasks per client call `widgets().get` in a loop for `duration`; one log per
/// client. Client `i` of `n` starts `i / n` of `spread` late.
async fn send_for(
    clients: Vec<Client>,
    tasks: usize,
    duration: Duration,
    spread: Duration,
) -> Vec<Log> {
    let started = tokio::time::Instant::now();
    let deadline = started + duration;
    let logs: Vec<Arc<Mutex<Log>>> = clients.iter().map(|_| Arc::default()).collect();
    let mut handles = Vec::new();
    let n = u32::try_from(clients.len().max(1)).unwrap_or(u32::MAX);
    for (i, (client, log)) in clients.iter().zip(&logs).enumerate() {
        let offset = spread * u32::try_from(i).unwrap_or(u32::MAX) / n;
        for _ in 0..tasks.max(1) {
            let client = client.clone();
            let log = log.clone();
            handles.push(tokio::spawn(async move {
                tokio::time::sleep_until(started + offset).await;
                while tokio::time::Instant::now() < deadline {
                    let result = client.widgets().get("amo_dropbox").send().await;
                    let failed = {
                        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                        match result {
                            Ok(_) => {
                                log.ok.push(unix_micros());
                                false
                            }
                            Err(e) => {
                                log.failed += 1;
                                log.first_error.get_or_insert_with(|| e.to_string());
                                true
                            }
                        }
                    };
                    if failed {
                        // An engine that is down fails at once: do not spin.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }));
        }
    }
    for handle in handles {
        let _ = handle.await;
    }
    logs.into_iter()
        .map(|log| std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner())))
        .collect()
}
