//! What the tests of this crate share: the Redis they run against (skipped with a message
//! when it is not there, unless `AMOCRM_REQUIRE_SERVICES=1`), unique key prefixes, a
//! `redis-server` of their own to stop and restart, departure-time checks.

#![allow(dead_code)] // each test file uses a part

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use amocrm_redis::RedisConnection;
use tokio::time::Instant;

#[allow(unused_imports)] // each test binary uses a part
pub use amocrm_test_support::services::redis_url;

/// `test` did not run for `why`: fails under `AMOCRM_REQUIRE_SERVICES=1`, else says so
/// (the workspace's one rule for tests needing a service).
pub fn skip(test: &str, why: &str) {
    amocrm_test_support::services::skip(
        test,
        why,
        "start Redis (or set AMOCRM_TEST_REDIS_URL) and run `cargo test -p amocrm-redis`",
    );
}

/// A connection to the test Redis, or `None` (after [`skip`]) when it does not answer.
pub async fn redis_or_skip(test: &str) -> Option<RedisConnection> {
    let url = redis_url();
    let redis = match RedisConnection::open_with_timeout(&url, Duration::from_secs(2)) {
        Ok(redis) => redis,
        Err(error) => {
            skip(test, &format!("no Redis at {url}: {error}"));
            return None;
        }
    };
    match redis.ping().await {
        Ok(()) => Some(redis),
        Err(error) => {
            skip(test, &format!("no Redis at {url}: {error}"));
            None
        }
    }
}

/// Another connection to the same Redis (another "process").
pub fn another_connection() -> RedisConnection {
    RedisConnection::open_with_timeout(&redis_url(), Duration::from_secs(2)).unwrap()
}

#[allow(unused_imports)] // each test binary uses a part
pub use amocrm_test_support::loopback::free_port;
#[allow(unused_imports)] // each test binary uses a part
pub use amocrm_test_support::services::unique_prefix;

/// Held by each test that measures departure times, so that the tests of one binary (run
/// in parallel threads on a machine of two cores) do not delay each other's wake-ups: a
/// departure is timed when its task runs, some time after the pacer let it go.
pub async fn timing() -> tokio::sync::MutexGuard<'static, ()> {
    static TIMING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TIMING.lock().await
}

/// No window of one second holds more than `n` of the (sorted) departures.
pub fn assert_at_most_per_second(at: &[Instant], n: usize) {
    for (i, window) in at.windows(n + 1).enumerate() {
        let span = window[n] - window[0];
        assert!(
            span >= Duration::from_secs(1),
            "departures {i}..={} within {span:?}: more than {n} in one second",
            i + n
        );
    }
}

/// A `redis-server` of the test's own, without persistence, on a free port.
pub struct OwnRedis {
    binary: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl OwnRedis {
    /// The server binary: `AMOCRM_TEST_REDIS_SERVER`, else `redis-server` on the PATH.
    pub fn binary() -> Option<PathBuf> {
        if let Ok(path) = std::env::var("AMOCRM_TEST_REDIS_SERVER") {
            return Some(PathBuf::from(path));
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|dir| dir.join("redis-server"))
            .find(|candidate| candidate.is_file())
    }

    /// Starts one, or `None` (after [`skip`]) without a `redis-server` binary.
    pub async fn start_or_skip(test: &str) -> Option<OwnRedis> {
        let Some(binary) = Self::binary() else {
            skip(test, "no redis-server binary on the PATH");
            return None;
        };
        let mut server = OwnRedis {
            binary,
            port: free_port(),
            child: None,
        };
        server.start().await;
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Starts the server on its port and waits until it answers.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.binary.display()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}
