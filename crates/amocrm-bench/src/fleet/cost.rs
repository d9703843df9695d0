//! What acquiring a slot adds to a request when one is free: the Redis pacer (one script
//! round trip) against the in-process pacer, interleaved in one run.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use amocrm::pace::{MemoryPacer, Pacer, RateLimit};
use amocrm_redis::{RedisConnection, RedisPacer};

use super::{Options, quantile, services};

/// Latencies (µs) of acquires on fresh keys (a slot is free at once).
#[derive(Clone, Debug, Default)]
pub struct Cost {
    /// The in-process pacer, sorted.
    pub memory_us: Vec<f64>,
    /// The Redis pacer, sorted.
    pub redis_us: Vec<f64>,
    /// A Redis PING round trip, sorted (the floor of the Redis pacer).
    pub ping_us: Vec<f64>,
}

/// `n` acquires per pacer, alternating, each on an account key not used before.
pub async fn run(redis_url: &str, n: usize) -> Result<Cost, String> {
    let memory = MemoryPacer::default();
    let redis = RedisConnection::open_with_timeout(redis_url, Duration::from_secs(3))
        .map_err(|e| e.to_string())?;
    redis.ping().await.map_err(|e| e.to_string())?;
    let prefix = format!("{}:", services::unique("amocrm-fleet-cost"));
    let pacer = RedisPacer::new(redis.clone(), RateLimit::AMOCRM).key_prefix(prefix);
    let mut cost = Cost::default();
    // Warm-up: the script is loaded, the connection up.
    pacer.acquire("warm-up").await.map_err(|e| e.to_string())?;
    for i in 0..n {
        let account = format!("https://a{i}.amocrm.ru");
        let t = Instant::now();
        memory.acquire(&account).await.map_err(|e| e.to_string())?;
        cost.memory_us.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        pacer.acquire(&account).await.map_err(|e| e.to_string())?;
        cost.redis_us.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        redis.ping().await.map_err(|e| e.to_string())?;
        cost.ping_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    for v in [&mut cost.memory_us, &mut cost.redis_us, &mut cost.ping_us] {
        v.sort_by(f64::total_cmp);
    }
    Ok(cost)
}

/// Printed.
pub async fn report(options: &Options) -> Result<String, String> {
    let c = run(&options.redis_url, options.cost_acquires).await?;
    let mut out = format!(
        "#### cost: added latency per acquire with a free slot, {} acquires each, interleaved\n\n",
        options.cost_acquires
    );
    writeln!(out, "| pacer | median | p99 | max |").ok();
    writeln!(out, "|---|---|---|---|").ok();
    for (name, v) in [
        ("in-process (MemoryPacer)", &c.memory_us),
        ("Redis (RedisPacer)", &c.redis_us),
        ("(Redis PING round trip)", &c.ping_us),
    ] {
        writeln!(
            out,
            "| {name} | **{:.1} µs** | **{:.1} µs** | {:.0} µs |",
            quantile(v, 0.5),
            quantile(v, 0.99),
            v.last().copied().unwrap_or(f64::NAN),
        )
        .ok();
    }
    Ok(out)
}
