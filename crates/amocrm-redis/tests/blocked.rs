//! A blocked account, fleet-wide: four OS processes share a RedisPacer and call one account
//! of the fake, which answers two 429s and then its 403 block page. After that first 403
//! no further request reaches the fake from any process during the block pause: every
//! process's calls fail at once with `Error::AccountBlocked`.
//!
//! The processes are this test binary itself, started with `blocked_child` as the only test
//! to run and the fake's URL in `AMOCRM_BLOCKED_URL`.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use amocrm::pace::RateLimit;
use amocrm::{AccountUrl, Client, RetryPolicy};
use amocrm_redis::RedisPacer;
use common::{redis_or_skip, redis_url, unique_prefix};

const URL: &str = "AMOCRM_BLOCKED_URL";
const TOKEN: &str = "AMOCRM_BLOCKED_TOKEN";
const PREFIX: &str = "AMOCRM_BLOCKED_PREFIX";

/// Calls each child makes.
const CALLS: usize = 6;

/// Not a test of its own: the body of a child process. Makes [`CALLS`] calls, one every
/// 100 ms, and prints `FLEET` and the kind of each outcome.
#[test]
fn blocked_child() {
    let Ok(url) = std::env::var(URL) else {
        return;
    };
    let token = std::env::var(TOKEN).expect("token");
    let prefix = std::env::var(PREFIX).expect("prefix");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let redis = amocrm_redis::RedisConnection::open(&redis_url()).expect("redis");
        let pacer = RedisPacer::new(redis, RateLimit::AMOCRM).key_prefix(prefix);
        let client = Client::builder()
            .account(AccountUrl::base_url(url))
            .token(token)
            .retry(RetryPolicy::disabled())
            .pacer(Arc::new(pacer))
            .block_pause(Duration::from_secs(60))
            .build()
            .unwrap();
        let mut kinds = Vec::new();
        for _ in 0..CALLS {
            kinds.push(match client.account().get().send().await {
                Ok(_) => "ok".to_owned(),
                Err(error) => format!("{:?}", error.kind()),
            });
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!("FLEET {}", kinds.join(","));
    });
}

/// A child process, killed if still running when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(url: &str, token: &str, prefix: &str) -> Process {
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "blocked_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(URL, url)
        .env(TOKEN, token)
        .env(PREFIX, prefix)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the test binary");
    Process(child)
}

/// The kinds a child printed, once it exits.
async fn outcome(mut process: Process) -> Vec<String> {
    tokio::task::spawn_blocking(move || {
        let stdout = process.0.stdout.take().unwrap();
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect();
        let _ = process.0.wait();
        lines
            .iter()
            .find_map(|line| line.find("FLEET ").map(|at| line[at + 6..].to_owned()))
            .map(|kinds| kinds.split(',').map(str::to_owned).collect())
            .unwrap_or_default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_send_nothing_after_the_block_page() {
    let test = "four_processes_send_nothing_after_the_block_page";
    if redis_or_skip(test).await.is_none() {
        return;
    }
    let fake = amocrm_fake::FakeServer::builder().start().await.unwrap();
    fake.default_account().block(2);
    let prefix = unique_prefix("blocked");
    let children: Vec<Process> = (0..4)
        .map(|_| spawn(&fake.base_url(), fake.token(), &prefix))
        .collect();
    let mut outcomes = Vec::new();
    for child in children {
        outcomes.push(outcome(child).await);
    }
    let all: Vec<&String> = outcomes.iter().flatten().collect();
    assert_eq!(all.len(), 4 * CALLS, "{outcomes:?}");
    let count = |kind: &str| all.iter().filter(|k| k.as_str() == kind).count();
    // Two 429s, then the block page: the third request is the last that reaches amoCRM.
    assert_eq!(count("RateLimited"), 2, "{outcomes:?}");
    assert_eq!(count("AccountBlocked"), 4 * CALLS - 2, "{outcomes:?}");
    assert_eq!(
        fake.requests().len(),
        3,
        "nothing after the first 403, from any of the 4 processes: {outcomes:?}"
    );
}
