//! What one uncontended slot costs: `Pacer::acquire` of an account with no request in
//! flight (each on a fresh account), RedisPacer against MemoryPacer, in one run.
//!
//! ```sh
//! cargo run --release -p amocrm-redis --example acquire_latency [redis://127.0.0.1:6379/] [count]
//! ```

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm_redis::{RedisConnection, RedisPacer};

fn summary(name: &str, mut took: Vec<Duration>) {
    took.sort();
    let at = |q: f64| took[((took.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:>12}: median {:?}, p99 {:?}, max {:?} ({} acquires)",
        at(0.5),
        at(0.99),
        at(1.0),
        took.len()
    );
}

async fn measure(pacer: &dyn Pacer, run: &str, count: usize) -> Vec<Duration> {
    let mut took = Vec::with_capacity(count);
    for i in 0..count {
        let account = format!("https://bench-{run}-{i}.amocrm.ru");
        let started = Instant::now();
        pacer.acquire(&account).await.expect("a slot");
        took.push(started.elapsed());
    }
    took
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "redis://127.0.0.1:6379/".into());
    let count: usize = args.next().map_or(Ok(2_000), |n| n.parse())?;
    let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();

    let redis = RedisConnection::open(&url)?;
    redis.ping().await?;
    let pacer = RedisPacer::new(redis, RateLimit::AMOCRM).key_prefix("amocrm-latency:");
    // Warm-up: the connection and the script's first load.
    measure(&pacer, &format!("{run}-warm"), 50).await;
    let memory = MemoryPacer::new(Some(RateLimit::AMOCRM));
    measure(&memory, &format!("{run}-warm"), 50).await;

    summary("RedisPacer", measure(&pacer, &run.to_string(), count).await);
    summary(
        "MemoryPacer",
        measure(&memory, &run.to_string(), count).await,
    );
    Ok(())
}
